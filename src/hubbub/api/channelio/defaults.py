"""Every Channel.io behaviour the vendor does not document, in one place.

The reference (section B) marks these [INF]: we pick a default and keep it easy to change. Each
constant names where it is used; nothing else in the dialect hard-codes a guess.
"""

from __future__ import annotations

from typing import Final

from hubbub.channels.schemas import Platform
from hubbub.conversations.schemas import ConversationStatus
from hubbub.kit.tags import private_tag
from hubbub.messages.schemas import AuthorType
from hubbub.messages.status import Status

PREFIX: Final = "/compat/channelio/open/v5"
# Error bodies are not documented; B.6 suggests {"type", "status", "errors": [{"message"}]}.
ERROR_PATH_PREFIX: Final = "/compat/channelio"

# Users are core contacts; ``memberId`` is their identifier under this key (keys are stored
# lower-case, so ``memberId`` becomes ``memberid``).
MEMBER_ID_KEY: Final = "memberid"
# ``@<memberId>`` in a user path names the user by member id instead of by user id.
MEMBER_REF_PREFIX: Final = "@"
# A Channel.io user tag is a core contact tag with this value (core tags are a map).
USER_TAG_VALUE: Final = "1"
# User fields outside ``profile`` are kept as contact attributes under these names.
USER_FIELD_ATTRIBUTES: Final = {
    "language": "channelio.language",
    "unsubscribeEmail": "channelio.unsubscribeEmail",
    "unsubscribeTexting": "channelio.unsubscribeTexting",
}

# UserChat ``description`` (the only field PATCH may change) is a conversation attribute, not
# the subject: the subject is a message-level idea (e-mail) that Channel.io calls ``title``.
DESCRIPTION_ATTRIBUTE: Final = "description"
# Where a chat's state times were kept before the core had them (still read, never written):
# the core now holds the snooze's end (``snoozed_until``: ``expiresAt``) and the time of the
# last state change (``status_changed_at``: the current state's ``openedAt``, ``closedAt`` or
# ``snoozedAt``); a stamp of another state than the current one is only known from these.
LEGACY_STATE_STAMPS: Final = {
    "openedAt": "channelio.openedAt",
    "closedAt": "channelio.closedAt",
    "snoozedAt": "channelio.snoozedAt",
}
# The stamp the core's ``status_changed_at`` is, by state.
STATE_STAMP: Final = {"opened": "openedAt", "closed": "closedAt", "snoozed": "snoozedAt"}
# Managers are core agents (documented: ``assigneeId`` names a manager). ``managerIds`` lists
# the managers taking part in the chat; Hubbub knows only the assignee (inferred).
STATE_TO_STATUS: Final[dict[str, ConversationStatus]] = {
    "opened": "open",
    "closed": "closed",
    "snoozed": "snoozed",
}
STATUS_TO_STATE: Final[dict[ConversationStatus, str]] = {
    status: state for state, status in STATE_TO_STATUS.items()
}
# Documented states with no core counterpart: a filter on them matches no chat.
STATES_WITHOUT_CHATS: Final = frozenset({"queued", "initial", "missed"})
# The default of ``GET /user-chats``'s ``state`` (documented).
DEFAULT_STATE: Final = "opened"

# Paging (documented): limit 1..500, default 25 (managers too; their ``since`` pages in
# ascending order). ``both`` is documented but its meaning is not;
# it is refused with a 422 rather than guessed.
DEFAULT_LIMIT: Final = 25
MAX_LIMIT: Final = 500

# Messages written through this API are the bot's: ``botName`` or this name when absent.
DEFAULT_BOT_NAME: Final = "Bot"
PERSON_TYPES: Final[dict[AuthorType, str]] = {
    "contact": "user",
    "agent": "manager",
    "bot": "bot",
    "system": "bot",
}
# Core delivery status -> Channel.io message ``state`` (sending | sent | failed | removed).
STATUS_TO_MESSAGE_STATE: Final[dict[Status, str]] = {
    "scheduled": "sending",
    "accepted": "sending",
    "sending": "sending",
    "sent": "sent",
    "delivered": "sent",
    "read": "sent",
    "failed": "failed",
    "rejected": "failed",
    "canceled": "failed",
    "deleted": "removed",
}
# Channel.io is a live chat: its user chats live on the workspace's default web chat channel
# (its oldest ``webchat`` channel, or one created with this name on first use), so that
# surfaces that address messages by channel (Bird) reach them too.
CHAT_CHANNEL_PLATFORM: Final[Platform] = "webchat"
CHAT_CHANNEL_NAME: Final = "Channel.io"
# What Channel.io-only message parts (options, button colours, non-web actions, web page
# extras) travel in: one private message tag (``hubbub.kit.tags``: no other surface shows it)
# holding compact JSON.
PRIVATE_SURFACE: Final = "channelio"
EXTRAS: Final = "extras"
EXTRAS_TAG: Final = private_tag(PRIVATE_SURFACE, EXTRAS)
# Where the extras were kept before private tags existed: still read, never written.
LEGACY_EXTRAS_TAG: Final = "channelio.extras"
# ``requestId`` is the core idempotency key, scoped to the chat: the same requestId in two
# chats is two messages. It is also stored as the message's ``reference``.
REQUEST_ID_KEY_PREFIX: Final = "channelio:"
MAX_REQUEST_ID: Final = 200
# Channel.io files name an object store ``bucket`` + ``key``; the core stores a URL, so a
# Channel.io file is kept as ``channelio-file://<bucket>/<key>?<other fields>``.
FILE_URL_SCHEME: Final = "channelio-file"

# Creates answer 200 (the swagger declares only ``default`` responses); deletes answer an
# empty 200.
CREATE_STATUS: Final = 200
DELETE_STATUS: Final = 200

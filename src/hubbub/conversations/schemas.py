from __future__ import annotations

from datetime import datetime
from typing import Any, Final, Literal

from pydantic import BaseModel, Field, field_serializer

from hubbub.kit.tags import public_tags

ConversationStatus = Literal["open", "snoozed", "closed"]
ParticipantRole = Literal["contact", "agent", "bot"]
# The events of a participant change (see ``hubbub.conversations.participants``).
PARTICIPANT_ADDED: Final = "conversation.participant_added"
PARTICIPANT_REMOVED: Final = "conversation.participant_removed"
# The events of the conversation commands (see ``hubbub.conversations.commands``).
CLOSED: Final = "conversation.closed"
REOPENED: Final = "conversation.reopened"
SNOOZED: Final = "conversation.snoozed"
ASSIGNED: Final = "conversation.assigned"
# The assignee filter's value for "assigned to nobody" (agent ids are UUIDs: no clash).
UNASSIGNED: Final = "none"


class Conversation(BaseModel):
    id: str
    workspace_id: str
    channel_id: str | None = None
    status: ConversationStatus
    subject: str | None = None
    tags: dict[str, str] = Field(default_factory=dict)
    attributes: dict[str, Any] = Field(default_factory=dict)
    last_inbound_at: datetime | None = None
    last_message_at: datetime | None = None
    message_count: int = 0
    # The agent answering it; None when nobody is.
    assignee_id: str | None = None
    # While snoozed: when it reopens by itself.
    snoozed_until: datetime | None = None
    # When the status last changed (None only on rows older than the field).
    status_changed_at: datetime | None = None
    created_at: datetime
    updated_at: datetime

    @field_serializer("tags", when_used="json")
    def _public_tags(self, tags: dict[str, str]) -> dict[str, str]:
        # The wire never shows a surface's private tags (see ``hubbub.kit.tags``).
        return public_tags(tags)


class ConversationCreate(BaseModel):
    channel_id: str | None = None
    subject: str | None = Field(default=None, max_length=998)
    tags: dict[str, str] = Field(default_factory=dict)
    attributes: dict[str, Any] = Field(default_factory=dict)
    participant_ids: list[str] = Field(default_factory=list, max_length=100)


class ConversationGetOrCreate(ConversationCreate):
    discriminate_by_tags: list[str] | None = None


class ConversationUpdate(BaseModel):
    """A status goes through the conversation commands (``snoozed`` needs ``snoozed_until``,
    and ``snoozed_until`` alone snoozes); ``assignee_id`` assigns (null unassigns)."""

    status: ConversationStatus | None = None
    snoozed_until: datetime | None = None
    assignee_id: str | None = Field(default=None, max_length=36)
    subject: str | None = Field(default=None, max_length=998)
    # Patch semantics: a None or empty value removes the tag.
    tags: dict[str, str | None] | None = None
    attributes: dict[str, Any] | None = None


class ConversationSnooze(BaseModel):
    until: datetime


class ConversationAssign(BaseModel):
    # Null unassigns.
    agent_id: str | None = Field(max_length=36)


class Participant(BaseModel):
    conversation_id: str
    contact_id: str
    role: ParticipantRole
    created_at: datetime


class ParticipantCreate(BaseModel):
    contact_id: str = Field(min_length=1, max_length=36)
    role: ParticipantRole = "contact"


class ConversationGetOrCreateResult(BaseModel):
    conversation: Conversation
    created: bool


class ConversationQuery(BaseModel):
    """A richer list filter (every given one must hold): several ``key=value`` tags, all of
    ``participant_ids``, channels, string attributes, an inclusive created-at range and message
    count bounds. Pages are ordered by ``sort_field`` then id."""

    tags: dict[str, str] = Field(default_factory=dict)
    participant_ids: list[str] = Field(default_factory=list)
    # An empty list matches nothing.
    channel_ids: list[str] | None = None
    attributes: dict[str, str] = Field(default_factory=dict)
    created_after: datetime | None = None
    created_before: datetime | None = None
    min_message_count: int | None = None
    max_message_count: int | None = None
    sort_field: Literal["created_at", "updated_at"] = "created_at"

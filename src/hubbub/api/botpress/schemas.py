"""Wire models of the Botpress runtime API (client ``@botpress/client`` 1.45). Request bodies
are strict (no coercion, no unknown keys: the spec's ``additionalProperties: false``); responses
are built by ``mapping`` and leave out optional fields that have no value, as the client's
types (``name?: string``) expect."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

MAX_TAGS = 50

BotpressId = Annotated[str, Field(min_length=28, max_length=36)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
# Room for the core channel name it becomes (``botpress:<integration>``, at most 200).
IntegrationName = Annotated[str, Field(min_length=1, max_length=190)]
TagKey = Annotated[str, Field(min_length=1, max_length=100)]
TagValue = Annotated[str, Field(max_length=500)]
Tags = Annotated[dict[TagKey, TagValue], Field(max_length=MAX_TAGS)]
# Set a tag, or remove it with null or "".
TagPatch = Annotated[dict[TagKey, TagValue | None], Field(max_length=MAX_TAGS)]
StringMap = Annotated[dict[Annotated[str, Field(max_length=200)], str], Field(max_length=100)]
StringPatch = Annotated[
    dict[Annotated[str, Field(max_length=200)], str | None], Field(max_length=100)
]
Discriminators = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=500)]], Field(max_length=MAX_TAGS)
]
Payload = dict[str, Any]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Schedule(_Body):
    """When a message or event is due: at ``dateTime`` (ISO 8601), or ``delay`` ms from now."""

    dateTime: Annotated[str | None, Field(min_length=20, max_length=35)] = None
    delay: Annotated[float | None, Field(ge=0, le=10 * 365 * 86_400_000)] = None

    @field_validator("dateTime")
    @classmethod
    def _parseable(cls, value: str | None) -> str | None:
        if value is not None:
            parse_datetime(value)
        return value

    @model_validator(mode="after")
    def _one_given(self) -> Schedule:
        if self.dateTime is None and self.delay is None:
            raise ValueError("a schedule needs dateTime or delay")
        return self


def parse_datetime(value: str) -> datetime:
    """An ISO 8601 time; one without a zone is taken to be UTC."""
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


# -- messages ------------------------------------------------------------------------------


class MessageCreateBody(_Body):
    payload: Payload
    userId: BotpressId
    conversationId: BotpressId
    type: Name
    tags: Tags
    schedule: Schedule | None = None
    origin: Literal["synthetic"] | None = None


class MessageGetOrCreateBody(_Body):
    payload: Payload | None = None
    userId: BotpressId
    conversationId: BotpressId
    type: Name
    tags: TagPatch
    schedule: Schedule | None = None
    origin: Literal["synthetic"] | None = None
    discriminateByTags: Discriminators | None = None


class MessageUpdateBody(_Body):
    tags: TagPatch | None = None
    payload: Payload | None = None


# -- conversations -------------------------------------------------------------------------


class ConversationCreateBody(_Body):
    channel: Name
    tags: Tags
    integrationName: IntegrationName | None = None
    properties: StringMap | None = None


class ConversationGetOrCreateBody(_Body):
    channel: Name
    tags: TagPatch
    integrationName: IntegrationName | None = None
    properties: StringPatch | None = None
    discriminateByTags: Discriminators | None = None


class ConversationUpdateBody(_Body):
    currentTaskId: Annotated[str | None, Field(max_length=36)] = None  # ignored: tasks are gone
    tags: TagPatch | None = None
    properties: StringPatch | None = None


class ParticipantAddBody(_Body):
    userId: BotpressId


# -- users ---------------------------------------------------------------------------------

PictureUrl = Annotated[str, Field(max_length=40_000)]


class UserCreateBody(_Body):
    tags: Tags
    integrationName: IntegrationName | None = None
    name: Annotated[str | None, Field(max_length=200)] = None
    pictureUrl: PictureUrl | None = None
    properties: StringMap | None = None
    attributes: StringMap | None = None


class UserGetOrCreateBody(_Body):
    tags: TagPatch
    integrationName: IntegrationName | None = None
    name: Annotated[str | None, Field(max_length=200)] = None
    pictureUrl: PictureUrl | None = None
    properties: StringPatch | None = None
    attributes: StringPatch | None = None
    discriminateByTags: Discriminators | None = None


class UserUpdateBody(_Body):
    tags: TagPatch | None = None
    # An explicit null clears the name or the picture.
    name: Annotated[str | None, Field(max_length=200)] = None
    pictureUrl: PictureUrl | None = None
    attributes: StringPatch | None = None
    properties: StringPatch | None = None


# -- events --------------------------------------------------------------------------------

EventStatus = Literal["pending", "ignored", "processed", "failed", "scheduled", "canceled"]


class EventCreateBody(_Body):
    type: Name
    payload: Payload
    schedule: Schedule | None = None
    conversationId: BotpressId | None = None
    userId: BotpressId | None = None
    workflowId: Annotated[str | None, Field(max_length=64)] = None
    messageId: BotpressId | None = None


# -- imports and incoming messages ---------------------------------------------------------

MAX_IMPORTED = 100


class ImportedMessage(_Body):
    """One message of history: every field is required (client 1.45)."""

    payload: Payload
    userId: BotpressId
    conversationId: BotpressId
    type: Name
    tags: Tags
    createdAt: Annotated[str, Field(min_length=20, max_length=35)]
    discriminateByTags: Discriminators

    @field_validator("createdAt")
    @classmethod
    def _parseable(cls, value: str) -> str:
        parse_datetime(value)
        return value


class MessageImportBody(_Body):
    messages: Annotated[list[ImportedMessage], Field(min_length=1, max_length=MAX_IMPORTED)]


class IncomingUser(_Body):
    """``user`` of initializeIncomingMessage: the fields of getOrCreateUser, with plain tag
    values and a required ``discriminateByTags``."""

    tags: Tags
    integrationName: IntegrationName | None = None
    name: Annotated[str | None, Field(max_length=200)] = None
    pictureUrl: PictureUrl | None = None
    properties: StringMap | None = None
    attributes: StringMap | None = None
    discriminateByTags: Discriminators

    def as_get_or_create(self) -> UserGetOrCreateBody:
        """An empty ``discriminateByTags`` means none given (see ``mapping``)."""
        values = self.model_dump(exclude_unset=True)
        values["discriminateByTags"] = self.discriminateByTags or None
        return UserGetOrCreateBody.model_validate(values)


class IncomingConversation(_Body):
    """``conversation`` of initializeIncomingMessage: getOrCreateConversation's fields."""

    channel: Name
    tags: Tags
    integrationName: IntegrationName | None = None
    properties: StringMap | None = None
    discriminateByTags: Discriminators

    def as_get_or_create(self) -> ConversationGetOrCreateBody:
        """An empty ``discriminateByTags`` means none given (see ``mapping``)."""
        values = self.model_dump(exclude_unset=True)
        values["discriminateByTags"] = self.discriminateByTags or None
        return ConversationGetOrCreateBody.model_validate(values)


class IncomingMessage(_Body):
    payload: Payload
    type: Name
    tags: Tags
    origin: Literal["synthetic"] | None = None
    discriminateByTags: Discriminators


class InitializeIncomingBody(_Body):
    """Exactly one of ``userId`` and ``user``, and of ``conversationId`` and ``conversation``."""

    userId: BotpressId | None = None
    user: IncomingUser | None = None
    conversationId: BotpressId | None = None
    conversation: IncomingConversation | None = None
    message: IncomingMessage | None = None

    @model_validator(mode="after")
    def _one_of_each(self) -> InitializeIncomingBody:
        if (self.userId is None) == (self.user is None):
            raise ValueError("give exactly one of userId and user")
        if (self.conversationId is None) == (self.conversation is None):
            raise ValueError("give exactly one of conversationId and conversation")
        return self


# -- states --------------------------------------------------------------------------------

StateType = Literal["conversation", "user", "bot", "integration", "workflow"]
# 1 ms to 30 days; null removes the expiry.
Expiry = Annotated[int | None, Field(ge=1, le=2_592_000_000)]


class StateSetBody(_Body):
    payload: Payload | None  # required; null deletes the state
    expiry: Expiry = None


class StatePatchBody(_Body):
    payload: Payload
    expiry: Expiry = None


class StateExpiryBody(_Body):
    expiry: Expiry

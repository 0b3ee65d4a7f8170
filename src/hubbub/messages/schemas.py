from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_serializer, field_validator

from hubbub.kit.tags import public_tags
from hubbub.messages.payloads import Payload
from hubbub.messages.status import FailureStage, Status

Direction = Literal["incoming", "outgoing"]
AuthorType = Literal["contact", "agent", "bot", "system"]
RecipientType = Literal["to", "cc", "bcc"]
InteractionType = Literal[
    "clicked",
    "opened",
    "read",
    "reaction",
    "replied",
    "postback",
    "viewed",
    "dismissed",
    "unsubscribed",
    "complained",
]
INTERACTION_TYPES: tuple[str, ...] = get_args(InteractionType)

MAX_RECIPIENTS = 100
MAX_TAGS = 50

TagKey = Annotated[str, Field(min_length=1, max_length=100)]
TagValue = Annotated[str, Field(max_length=1000)]
Tags = Annotated[dict[TagKey, TagValue], Field(max_length=MAX_TAGS)]
TagPatch = Annotated[dict[TagKey, TagValue | None], Field(max_length=MAX_TAGS)]


def as_utc(value: datetime | None) -> datetime | None:
    """A naive datetime from a client is taken to be UTC; aware ones are converted."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Author(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: AuthorType
    id: Annotated[str | None, Field(max_length=200)] = None


class Recipient(BaseModel):
    """A resolved recipient: always a contact; ``key``/``value`` are the address it was sent
    to (None when the contact has no identifier)."""

    contact_id: str
    key: str | None = None
    value: str | None = None
    type: RecipientType = "to"


class RecipientInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # The channel platform's identifier key (phonenumber, emailaddress, ...) when omitted.
    key: Annotated[str | None, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9_:.-]+$")] = (
        None
    )
    value: Annotated[str, Field(min_length=1, max_length=320)]
    type: RecipientType = "to"


class Failure(BaseModel):
    model_config = ConfigDict(extra="forbid")

    stage: FailureStage
    code: Annotated[str | None, Field(max_length=100)] = None
    reason: Annotated[str | None, Field(max_length=2000)] = None


class Message(BaseModel):
    id: str
    workspace_id: str
    conversation_id: str
    channel_id: str | None = None
    direction: Direction
    author: Author
    recipients: list[Recipient] = Field(default_factory=list)
    # The payload's type, or the name a custom payload gives.
    type: str
    payload: Payload
    tags: dict[str, str] = Field(default_factory=dict)
    origin: str | None = None
    reference: str | None = None
    status: Status
    status_at: datetime
    failure: Failure | None = None
    scheduled_for: datetime | None = None
    batch_id: str | None = None
    subject: str | None = None
    # Plain text derived from the payload, for search and text-only surfaces.
    text: str
    created_at: datetime
    updated_at: datetime

    @field_serializer("tags", when_used="json")
    def _public_tags(self, tags: dict[str, str]) -> dict[str, str]:
        # The wire never shows a surface's private tags (see ``hubbub.kit.tags``).
        return public_tags(tags)


class MessageFields(BaseModel):
    """What a create and a get-or-create share. Either ``conversation_id``, or ``channel_id``
    with ``recipients`` (which finds or creates the contacts and their conversation)."""

    model_config = ConfigDict(extra="forbid")

    conversation_id: Annotated[str | None, Field(max_length=64)] = None
    channel_id: Annotated[str | None, Field(max_length=64)] = None
    recipients: Annotated[list[RecipientInput] | None, Field(max_length=MAX_RECIPIENTS)] = None
    direction: Direction = "outgoing"
    author: Author | None = None
    subject: Annotated[str | None, Field(max_length=998)] = None
    tags: Tags = Field(default_factory=dict)
    origin: Annotated[str | None, Field(max_length=32)] = None
    reference: Annotated[str | None, Field(max_length=200)] = None
    scheduled_for: datetime | None = None
    batch_id: Annotated[str | None, Field(min_length=1, max_length=36)] = None

    @field_validator("scheduled_for")
    @classmethod
    def _scheduled_for_in_utc(cls, value: datetime | None) -> datetime | None:
        return as_utc(value)


class MessageCreate(MessageFields):
    payload: Payload


class MessageGetOrCreate(MessageFields):
    """Botpress's rule: a message of the same conversation whose tags match (only those in
    ``discriminate_by_tags`` when given) is returned, with ``payload`` and ``tags`` applied to it;
    otherwise one is created, which needs ``payload``."""

    payload: Payload | None = None
    discriminate_by_tags: Annotated[list[TagKey] | None, Field(max_length=MAX_TAGS)] = None


class MessageUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    payload: Payload | None = None
    # Patch semantics: a None or empty value removes the tag.
    tags: TagPatch | None = None


class StatusUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Status
    # Only with ``failed``; when omitted the stage follows from where the message was.
    failure: Failure | None = None


class Interaction(BaseModel):
    id: str
    message_id: str
    # An interaction type, or the status a status change moved the message to.
    type: str
    details: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime


class InteractionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: InteractionType
    details: dict[str, Any] = Field(default_factory=dict)


class MessageFilter(BaseModel):
    """Every list filter; all given ones must hold. ``tags`` are ``key`` (present) or
    ``key=value``; time bounds are exclusive."""

    conversation_id: str | None = None
    channel_id: str | None = None
    platform: str | None = None
    direction: Direction | None = None
    status: list[Status] | None = None
    # An author id, or an identifier value of the contact that wrote the message.
    sender: str | None = None
    # A recipient's identifier value or contact id.
    recipient: str | None = None
    tags: list[str] = Field(default_factory=list)
    # ``$`` tags that must hold exactly: set by the surface that owns them, never by a client.
    private_tags: dict[str, str] = Field(default_factory=dict)
    created_after: datetime | None = None
    created_before: datetime | None = None
    updated_after: datetime | None = None
    updated_before: datetime | None = None
    batch_id: str | None = None
    q: str | None = None


class MessageCreated(BaseModel):
    message: Message
    created: bool


class StatusChanged(BaseModel):
    message: Message
    changed: bool

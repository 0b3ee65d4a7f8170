from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AnyHttpUrl, BaseModel, Field, StringConstraints, field_validator

# "*", an exact type ("message.created") or a prefix wildcard ("message.*").
EventTypePattern = Annotated[
    str,
    StringConstraints(pattern=r"^(\*|[a-z0-9_]+(\.[a-z0-9_]+)*(\.\*)?)$", max_length=64),
]
DeliveryStatus = Literal["pending", "succeeded", "dead"]
DELIVERY_STATUSES: tuple[DeliveryStatus, ...] = ("pending", "succeeded", "dead")
MAX_URL_LENGTH = 2048


def _url_text(value: AnyHttpUrl) -> str:
    text = str(value)
    if len(text) > MAX_URL_LENGTH:
        raise ValueError(f"the URL is longer than {MAX_URL_LENGTH} characters")
    return text


class WebhookCreate(BaseModel):
    url: AnyHttpUrl
    description: str | None = Field(default=None, max_length=500)
    event_types: list[EventTypePattern] = Field(default_factory=lambda: ["*"], min_length=1)
    # Only this conversation's events, when given.
    conversation_id: str | None = Field(default=None, max_length=36)
    enabled: bool = True

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: AnyHttpUrl) -> AnyHttpUrl:
        _url_text(value)
        return value

    @field_validator("event_types")
    @classmethod
    def _dedupe(cls, value: list[str]) -> list[str]:
        if len(value) > 50:
            raise ValueError("at most 50 event type patterns")
        return sorted(set(value))


class WebhookUpdate(BaseModel):
    """Fields left out stay as they are; ``conversation_id: null`` removes the filter."""

    url: AnyHttpUrl | None = None
    description: str | None = Field(default=None, max_length=500)
    event_types: list[EventTypePattern] | None = Field(default=None, min_length=1, max_length=50)
    conversation_id: str | None = Field(default=None, max_length=36)
    enabled: bool | None = None

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: AnyHttpUrl | None) -> AnyHttpUrl | None:
        if value is not None:
            _url_text(value)
        return value


class Webhook(BaseModel):
    id: str
    workspace_id: str
    url: str
    description: str | None
    event_types: list[str]
    conversation_id: str | None
    enabled: bool
    created_at: datetime
    updated_at: datetime


class WebhookWithSecret(Webhook):
    """A new subscription with its signing secret: the only time the secret is shown."""

    secret: str


class WebhookDelivery(BaseModel):
    id: str
    subscription_id: str
    event_id: str
    event_seq: int
    event_type: str
    # The conversation the event belongs to (deliveries of one are sent in order), if any.
    conversation_id: str | None
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    updated_at: datetime


class WebhookAttempt(BaseModel):
    id: str
    delivery_id: str
    attempted_at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int


class WebhookReplay(BaseModel):
    """Send again every matching event from this one on (inclusive)."""

    from_event_id: str = Field(min_length=1, max_length=36)


class WebhookReplayed(BaseModel):
    subscription_id: str
    from_event_id: str
    from_seq: int

"""Bot events: custom events a bot records about a conversation, user or message (Botpress's
``createEvent``). They carry a status; a scheduled one turns ``pending`` when its time comes."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

BotEventStatus = Literal["pending", "processed", "ignored", "failed", "scheduled", "canceled"]


class BotEvent(BaseModel):
    id: str
    workspace_id: str
    type: str
    payload: dict[str, Any] = Field(default_factory=dict)
    conversation_id: str | None = None
    user_id: str | None = None
    message_id: str | None = None
    workflow_id: str | None = None
    status: BotEventStatus
    failure_reason: str | None = None
    scheduled_for: datetime | None = None
    created_at: datetime
    updated_at: datetime


class BotEventCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: str = Field(min_length=1, max_length=200)
    payload: dict[str, Any] = Field(default_factory=dict)
    # The conversation, user (a contact) and message it is about; each must exist.
    conversation_id: str | None = Field(default=None, max_length=36)
    user_id: str | None = Field(default=None, max_length=36)
    message_id: str | None = Field(default=None, max_length=36)
    workflow_id: str | None = Field(default=None, max_length=64)
    # A future time holds the event as ``scheduled`` until then.
    scheduled_for: datetime | None = None


class BotEventFilter(BaseModel):
    """Every given filter must hold."""

    type: str | None = None
    conversation_id: str | None = None
    user_id: str | None = None
    message_id: str | None = None
    workflow_id: str | None = None
    status: BotEventStatus | None = None

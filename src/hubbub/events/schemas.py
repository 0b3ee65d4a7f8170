from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel


class Event(BaseModel):
    seq: int
    id: str
    workspace_id: str
    type: str
    conversation_id: str | None
    message_id: str | None
    data: dict[str, Any]
    created_at: datetime


class EventPage(BaseModel):
    events: list[Event]
    # The seq to pass as ``after`` for the next page; None when the log has nothing more.
    next_after: int | None

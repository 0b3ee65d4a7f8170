"""Bot states: a named JSON payload a bot keeps about one owner (a conversation, a user, the
bot itself, an integration or a workflow), Botpress's ``getState``/``setState``. A state may
lapse after an idle time (``expiry_ms``): every write moves ``expires_at`` that far ahead, and
a lapsed state reads as absent."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

StateType = Literal["conversation", "user", "bot", "integration", "workflow"]
STATE_TYPES: tuple[StateType, ...] = ("conversation", "user", "bot", "integration", "workflow")
# Botpress's limit: thirty days.
MAX_EXPIRY_MS = 2_592_000_000

ExpiryMs = Annotated[int, Field(ge=1, le=MAX_EXPIRY_MS)]


class StateKey(BaseModel):
    """Which state: its owner's type and id, and its name."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: StateType
    owner_id: Annotated[str, Field(min_length=1, max_length=100)]
    name: Annotated[str, Field(min_length=1, max_length=200)]


class BotState(BaseModel):
    id: str
    workspace_id: str
    type: StateType
    owner_id: str
    name: str
    payload: dict[str, Any] = Field(default_factory=dict)
    expiry_ms: int | None = None
    expires_at: datetime | None = None
    created_at: datetime
    updated_at: datetime


class StateWrite(BaseModel):
    """A set, patch or get-or-set. ``expiry`` (ms) sets the idle expiry and None removes it;
    left out, the state keeps the expiry it had (none for a new state)."""

    model_config = ConfigDict(extra="forbid")

    payload: dict[str, Any] | None
    expiry: ExpiryMs | None = None

    @property
    def expiry_given(self) -> bool:
        return "expiry" in self.model_fields_set

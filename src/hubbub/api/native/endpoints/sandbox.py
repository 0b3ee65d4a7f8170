"""The sandbox's inbound side: inject a message as if a contact had written on the channel.

Only for channels that deliver through the sandbox (no provider settings): a real channel's
inbound messages come from its provider, signed, at ``/inbound/{channel_id}``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, field_validator

from hubbub.api.native.deps import Writer, WriteSession
from hubbub.channels.service import channel as channel_service
from hubbub.delivery.sandbox_inbound import inject
from hubbub.messages.schemas import Message, as_utc

router = APIRouter(tags=["channels"])


class SandboxInbound(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    sender: Annotated[str, Field(alias="from", min_length=1, max_length=320)]
    text: Annotated[str, Field(min_length=1, max_length=10_000)]
    # When the contact wrote (default now); a time in the past dates the service window.
    at: datetime | None = None

    @field_validator("at")
    @classmethod
    def _at_in_utc(cls, value: datetime | None) -> datetime | None:
        return as_utc(value)


@router.post("/channels/{channel_id}/sandbox/inbound", status_code=201)
async def sandbox_inbound(
    channel_id: str, data: SandboxInbound, actor: Writer, session: WriteSession
) -> Message:
    channel = await channel_service.get_or_raise(session, actor.workspace_id, channel_id)
    return await inject(session, channel, sender=data.sender, text=data.text, at=data.at)

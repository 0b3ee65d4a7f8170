"""``POST /v1/channels/{channel_id}/email/inbound``: upload one raw email (``message/rfc822``
body) to an email channel, as if it had arrived by SMTP. For mail that reaches you some other
way (a mailbox poller, a provider's raw-MIME webhook) or for importing old mail."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel

from hubbub.api.native.deps import Writer, WriteSession
from hubbub.channels.service import channel as channel_service
from hubbub.delivery.email_inbound import receive_raw_email
from hubbub.errors import InvalidInput, UnprocessableEntity
from hubbub.messages.schemas import Message

router = APIRouter(tags=["channels"])


class InboundEmailResult(BaseModel):
    # The messages stored: one, or none when the channel already has this Message-ID.
    data: list[Message]
    duplicate: bool


@router.post("/channels/{channel_id}/email/inbound")
async def upload_inbound_email(
    channel_id: str, request: Request, actor: Writer, session: WriteSession
) -> InboundEmailResult:
    channel = await channel_service.get_or_raise(session, actor.workspace_id, channel_id)
    if channel.platform != "email":
        raise UnprocessableEntity("only email channels take raw email", field="channel_id")
    raw = await request.body()
    if not raw.strip():
        raise InvalidInput("the body must be a raw email (message/rfc822)", field="body")
    stored = await receive_raw_email(session, channel, raw)
    return InboundEmailResult(data=stored, duplicate=not stored)

"""``/v1/channels``: a workspace's channels."""

from __future__ import annotations

from fastapi import APIRouter, Response, status
from pydantic import BaseModel

from hubbub.api.native.deps import Reader, ReadSession, Writer, WriteSession
from hubbub.channels.schemas import Channel, ChannelCreate, ChannelUpdate, Platform
from hubbub.channels.service import channel as channel_service

router = APIRouter(tags=["channels"])


class ChannelList(BaseModel):
    data: list[Channel]
    # A workspace has few channels: the list is one page, and the field keeps the list shape.
    next_cursor: str | None = None


@router.post("/channels", status_code=status.HTTP_201_CREATED)
async def create_channel(body: ChannelCreate, actor: Writer, session: WriteSession) -> Channel:
    return await channel_service.create(session, actor.workspace_id, body)


@router.get("/channels")
async def list_channels(
    actor: Reader, session: ReadSession, platform: Platform | None = None
) -> ChannelList:
    channels = await channel_service.list(session, actor.workspace_id, platform=platform)
    return ChannelList(data=channels)


@router.get("/channels/{channel_id}")
async def get_channel(channel_id: str, actor: Reader, session: ReadSession) -> Channel:
    return await channel_service.get_or_raise(session, actor.workspace_id, channel_id)


@router.patch("/channels/{channel_id}")
async def update_channel(
    channel_id: str, body: ChannelUpdate, actor: Writer, session: WriteSession
) -> Channel:
    return await channel_service.update(session, actor.workspace_id, channel_id, body)


@router.delete("/channels/{channel_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_channel(channel_id: str, actor: Writer, session: WriteSession) -> Response:
    await channel_service.delete(session, actor.workspace_id, channel_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)

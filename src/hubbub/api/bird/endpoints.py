"""The Bird Channels API routes (A.2), below ``/compat/bird``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from hubbub.api.bird import defaults
from hubbub.api.bird.auth import Reader, Writer
from hubbub.api.bird.listing import BirdQuery, ListQuery, Value, list_messages
from hubbub.api.bird.mapping import MessageRenderer, render_interaction
from hubbub.api.bird.schemas import BatchMessages, CreateMessage, PresignedUploadRequest
from hubbub.api.bird.sending import core_model, rejection, send
from hubbub.api.deps import Cursors, ReadSession, WriteSession
from hubbub.api.errors import json_response
from hubbub.channels.service import channel as channel_service
from hubbub.db.uow import Session
from hubbub.errors import HubbubError, NotFound, UnprocessableEntity
from hubbub.kit.cursors import CursorCodec
from hubbub.kit.ids import new_id
from hubbub.media.schemas import Media, PresignRequest
from hubbub.media.service import media as media_service
from hubbub.messages.schemas import Message
from hubbub.messages.service import message as message_service

router = APIRouter(tags=["bird"])

WS = "/workspaces/{workspaceId}"
CH = WS + "/channels/{channelId}"


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


async def channel_message(
    session: Session, workspace_id: str, channel_id: str, message_id: str
) -> Message:
    await channel_service.get_or_raise(session, workspace_id, channel_id)
    found = await message_service.get_or_raise(session, workspace_id, message_id)
    if found.channel_id != channel_id:
        raise NotFound("message", message_id)
    return found


@router.post(CH + "/messages", status_code=202)
async def send_message(
    channelId: str, data: CreateMessage, actor: Writer, session: WriteSession
) -> Response:
    await channel_service.get_or_raise(session, actor.workspace_id, channelId)
    sent = await send(session, actor.workspace_id, channelId, data)
    rendered = await MessageRenderer(session, actor.workspace_id).render(sent)
    return json_response(rendered, 202)


@router.post(CH + "/batch/messages", status_code=202)
async def send_batch(
    channelId: str, data: BatchMessages, actor: Writer, session: WriteSession
) -> Response:
    """Each request is sent on its own: one that fails validation or a rule is answered as a
    rejected entry and the others still go."""
    await channel_service.get_or_raise(session, actor.workspace_id, channelId)
    batch_id = new_id()
    renderer = MessageRenderer(session, actor.workspace_id)
    results: list[dict[str, Any]] = []
    for index, item in enumerate(data.messageRequests):
        try:
            async with session.conn.begin_nested():
                if not isinstance(item, dict):
                    raise UnprocessableEntity(
                        "each message request is an object", field=f"messageRequests.{index}"
                    )
                request = core_model(CreateMessage, item)
                sent = await send(
                    session, actor.workspace_id, channelId, request, batch_id=batch_id
                )
            results.append(await renderer.render(sent))
        except HubbubError as error:
            results.append(rejection(index, error))
    return json_response({"batchId": batch_id, "results": results}, 202)


@router.get(CH + "/messages/{messageId}")
async def get_message(
    channelId: str, messageId: str, actor: Reader, session: ReadSession
) -> dict[str, Any]:
    found = await channel_message(session, actor.workspace_id, channelId, messageId)
    return await MessageRenderer(session, actor.workspace_id).render(found)


@router.get(CH + "/messages/{messageId}/interactions")
async def list_interactions(
    channelId: str, messageId: str, actor: Reader, session: ReadSession
) -> dict[str, Any]:
    found = await channel_message(session, actor.workspace_id, channelId, messageId)
    entries, _ = await message_service.list_interactions(
        session, actor.workspace_id, messageId, limit=defaults.MAX_INTERACTIONS, order="asc"
    )
    rendered = [render_interaction(entry, found) for entry in entries]
    return {"results": [entry for entry in rendered if entry is not None]}


async def _list(
    session: Session, workspace_id: str, query: BirdQuery, cursors: CursorCodec
) -> dict[str, Any]:
    messages, token = await list_messages(session, workspace_id, query, cursors)
    page: dict[str, Any] = {
        "results": await MessageRenderer(session, workspace_id).render_all(messages)
    }
    if token is not None:
        page["nextPageToken"] = token
    return page


@router.get(CH + "/messages")
async def list_channel_messages(
    channelId: str, params: ListQuery, actor: Reader, session: ReadSession, cursors: Cursors
) -> dict[str, Any]:
    await channel_service.get_or_raise(session, actor.workspace_id, channelId)
    return await _list(session, actor.workspace_id, params.bird_query(channelId), cursors)


@router.get(WS + "/messages")
async def list_workspace_messages(
    params: ListQuery,
    actor: Reader,
    session: ReadSession,
    cursors: Cursors,
    channelId: Value = None,
) -> dict[str, Any]:
    return await _list(session, actor.workspace_id, params.bird_query(channelId), cursors)


async def _presign(
    request: Request,
    session: Session,
    workspace_id: str,
    data: PresignedUploadRequest,
    channel_id: str | None,
) -> dict[str, Any]:
    wanted = core_model(
        PresignRequest, {"content_type": data.contentType, "channel_id": channel_id}
    )
    presigned = await media_service.presign(session, workspace_id, wanted)
    root = base_url(request)
    return {
        "mediaUrl": media_service.download_url(presigned.media, base_url=root),
        "uploadUrl": root + presigned.upload_path,
        "uploadMethod": "POST",
        "uploadFormData": {**presigned.form_data, "Content-Type": wanted.content_type},
    }


@router.post(CH + "/presigned-upload")
async def presign_channel_upload(
    request: Request,
    channelId: str,
    data: PresignedUploadRequest,
    actor: Writer,
    session: WriteSession,
) -> dict[str, Any]:
    return await _presign(request, session, actor.workspace_id, data, channelId)


@router.post(WS + "/presigned-upload")
async def presign_workspace_upload(
    request: Request, data: PresignedUploadRequest, actor: Writer, session: WriteSession
) -> dict[str, Any]:
    return await _presign(request, session, actor.workspace_id, data, None)


@router.post(WS + "/channel-media/presigned-upload")
async def presign_workspace_upload_alias(
    request: Request, data: PresignedUploadRequest, actor: Writer, session: WriteSession
) -> dict[str, Any]:
    """The path a third-party collection lists for the workspace-level upload (A.2)."""
    return await _presign(request, session, actor.workspace_id, data, None)


def _stream(found: Media) -> Response:
    headers = {"Content-Length": str(found.size)} if found.size is not None else {}
    return StreamingResponse(
        media_service.open_stream(found), media_type=found.content_type, headers=headers
    )


@router.get(CH + "/media/{mediaId}")
async def download_channel_media(
    channelId: str, mediaId: str, actor: Reader, session: ReadSession
) -> Response:
    await channel_service.get_or_raise(session, actor.workspace_id, channelId)
    found = await media_service.get_or_raise(session, actor.workspace_id, mediaId)
    if found.channel_id not in (None, channelId):
        raise NotFound("media", mediaId)
    return _stream(found)


@router.get(WS + "/messages/{messageId}/media/{mediaId}")
async def download_message_media(
    messageId: str, mediaId: str, actor: Reader, session: ReadSession
) -> Response:
    await message_service.get_or_raise(session, actor.workspace_id, messageId)
    found = await media_service.get_or_raise(session, actor.workspace_id, mediaId)
    return _stream(found)

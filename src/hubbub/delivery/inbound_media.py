"""Inbound attachments become Hubbub media: a provider's media URL expires or needs the
provider's credentials, so the file is copied into the media store and the stored message's
payload points at Hubbub's signed download link instead.

``receive_with_media`` is what the inbound endpoint calls once the connector has parsed a
request: it downloads each new message's file with the connector's ``open_media`` (streamed into
the blob store, size-limited, outside any transaction), then records the media rows and the
batch in one transaction; files of a transaction that does not commit are deleted. A message
the channel already has (a provider delivering again) is not downloaded again.

``store_in_hand`` serves callers already inside a transaction whose files came with the request
(email attachments): the bytes are written and recorded there (and removed on rollback).

A file the provider no longer has (a 4xx) or that is over the size limit is not fatal: the
message is stored with the provider's reference and tagged ``hubbub_media_error``. A download
that may work later (network error, 5xx) fails the callback with 503, so the provider retries.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, replace
from typing import Protocol, runtime_checkable

from hubbub.connectors.base import (
    ChannelInfo,
    Connector,
    ConnectorContext,
    InboundBatch,
    InboundMedia,
    InboundMessage,
)
from hubbub.connectors.provider_http import MediaDownload, MediaUnavailable
from hubbub.db.uow import Database, Session
from hubbub.delivery.inbound import receive
from hubbub.delivery.repository import DeliveryRepository
from hubbub.errors import HubbubError, PayloadTooLarge
from hubbub.media.schemas import StoredBlob
from hubbub.media.service import media as media_service
from hubbub.messages.payloads import MEDIA_TYPES
from hubbub.messages.schemas import Message

log = logging.getLogger(__name__)

MEDIA_ERROR_TAG = "hubbub_media_error"
FALLBACK_CONTENT_TYPE = "application/octet-stream"


class MediaTemporarilyUnavailable(HubbubError):
    """The provider's file could not be fetched now; the provider should deliver again."""

    status_code = 503
    code = "media_unavailable"


@runtime_checkable
class OpensMedia(Protocol):
    """A connector whose inbound messages name files to download (``InboundMedia.reference``)."""

    def open_media(
        self, channel: ChannelInfo, reference: str
    ) -> AbstractAsyncContextManager[MediaDownload]: ...


@dataclass(frozen=True)
class Fetched:
    blob: StoredBlob
    content_type: str


async def receive_with_media(
    database: Database,
    connector: Connector,
    context: ConnectorContext,
    channel: ChannelInfo,
    batch: InboundBatch,
) -> list[Message]:
    """Download the batch's new files, then store them and the batch in one transaction."""
    fetched: dict[int, Fetched | str] = {}
    if isinstance(connector, OpensMedia):
        fetched = await _download_new(database, connector, channel, batch.messages)
    guarded = False
    try:
        async with database.transaction() as session:
            for blob in _blobs(fetched):
                session.after_rollback(_discarder(blob))
            guarded = True
            messages = [
                await _with_media(session, channel, item, fetched.get(index), context)
                for index, item in enumerate(batch.messages)
            ]
            messages = await store_in_hand(
                session, channel, messages, base_url=context.public_base_url
            )
            return await receive(session, channel, replace(batch, messages=tuple(messages)))
    except BaseException:
        if not guarded:  # the transaction never started: nothing will delete them
            await _discard(_blobs(fetched))
        raise


async def store_in_hand(
    session: Session, channel: ChannelInfo, messages: Sequence[InboundMessage], *, base_url: str
) -> list[InboundMessage]:
    """The messages with their in-hand files (``InboundMedia.data``) stored as media, in the
    caller's transaction (the files are removed should it not commit)."""
    stored = []
    repository = DeliveryRepository(session)
    for item in messages:
        media = item.media
        if media is None or media.data is None:
            stored.append(item)
            continue
        if await _known(repository, channel, item.provider_message_id):
            stored.append(item)  # a re-delivery: ``receive`` skips it, keep no second copy
            continue
        try:
            blob = await media_service.store_stream(channel.workspace_id, _once(media.data))
        except PayloadTooLarge as error:
            stored.append(_tagged(item, error.message))
            continue
        found = Fetched(blob, media.content_type or FALLBACK_CONTENT_TYPE)
        stored.append(await _recorded(session, channel, item, found, base_url))
    return stored


async def _download_new(
    database: Database,
    connector: OpensMedia,
    channel: ChannelInfo,
    messages: Sequence[InboundMessage],
) -> dict[int, Fetched | str]:
    """Each new message's file (or why it could not be had), by the message's index."""
    wanted = await _new_with_reference(database, channel, messages)
    fetched: dict[int, Fetched | str] = {}
    try:
        for index in wanted:
            media = messages[index].media
            if media is not None and media.reference:
                fetched[index] = await _download(connector, channel, media, media.reference)
    except BaseException:
        await _discard(_blobs(fetched))
        raise
    return fetched


async def _new_with_reference(
    database: Database, channel: ChannelInfo, messages: Sequence[InboundMessage]
) -> list[int]:
    with_reference = [i for i, m in enumerate(messages) if m.media and m.media.reference]
    if not with_reference:
        return []
    async with database.read() as session:
        repository = DeliveryRepository(session)
        return [
            index
            for index in with_reference
            if not await _known(repository, channel, messages[index].provider_message_id)
        ]


async def _known(
    repository: DeliveryRepository, channel: ChannelInfo, provider_id: str | None
) -> bool:
    if not provider_id:
        return False
    found = await repository.message_id_for_provider_id(
        channel.workspace_id, provider_id, channel_id=channel.id
    )
    return found is not None


async def _download(
    connector: OpensMedia, channel: ChannelInfo, media: InboundMedia, reference: str
) -> Fetched | str:
    """The stored file, or the reason it is gone for good; raises when worth a retry."""
    try:
        async with connector.open_media(channel, reference) as download:
            blob = await media_service.store_stream(channel.workspace_id, download.chunks)
    except PayloadTooLarge as error:
        return error.message
    except MediaUnavailable as error:
        if error.retryable:
            raise MediaTemporarilyUnavailable(
                f"could not download an attachment: {error.reason}"
            ) from error
        return error.reason
    content_type = media.content_type or download.content_type or FALLBACK_CONTENT_TYPE
    return Fetched(blob, content_type)


async def _with_media(
    session: Session,
    channel: ChannelInfo,
    item: InboundMessage,
    fetched: Fetched | str | None,
    context: ConnectorContext,
) -> InboundMessage:
    if fetched is None:
        return item
    if isinstance(fetched, str):
        log.warning("inbound attachment kept as the provider's reference: %s", fetched)
        return _tagged(item, fetched)
    return await _recorded(session, channel, item, fetched, context.public_base_url)


async def _recorded(
    session: Session, channel: ChannelInfo, item: InboundMessage, fetched: Fetched, base_url: str
) -> InboundMessage:
    """The message with its file recorded as media and its payload pointing at it."""
    filename = item.media.filename if item.media else None
    media = await media_service.record_blob(
        session,
        channel.workspace_id,
        fetched.blob,
        content_type=fetched.content_type,
        filename=filename,
        channel_id=channel.id or None,
    )
    payload = {**item.payload, "url": media_service.download_url(media, base_url=base_url)}
    if payload.get("type") in MEDIA_TYPES:
        payload["content_type"] = media.content_type
        payload["filename"] = payload.get("filename") or media.filename
    return replace(item, payload=payload, media=None)


def _tagged(item: InboundMessage, reason: str) -> InboundMessage:
    return replace(item, tags={**item.tags, MEDIA_ERROR_TAG: reason[:200]})


def _blobs(fetched: dict[int, Fetched | str]) -> list[StoredBlob]:
    return [found.blob for found in fetched.values() if isinstance(found, Fetched)]


def _discarder(blob: StoredBlob) -> Callable[[], Awaitable[None]]:
    return lambda: media_service.discard_blob(blob)


async def _discard(blobs: list[StoredBlob]) -> None:
    for blob in blobs:
        await media_service.discard_blob(blob)


async def _once(data: bytes) -> AsyncIterator[bytes]:
    yield data

"""``/inbound/{channel_id}``: where providers reach a channel. No API key: the channel's
connector verifies the provider's signature.

- ``POST``: inbound messages and status callbacks (401 when the signature is missing or
  wrong). Sandbox channels refuse it (403): their inbound messages are injected through the
  native API instead. The connector parses the request outside any transaction; inbound
  attachments are then copied into Hubbub's media store (downloads, also outside any
  transaction); the batch is stored in one transaction that commits before the provider gets
  its 200, so an acknowledged callback is never lost (a provider that gets an error retries).
- ``GET``: a provider's subscription check, such as Meta's WhatsApp webhook verification
  (``hub.mode=subscribe&hub.verify_token=..&hub.challenge=..``), answered by connectors that
  have one (``AnswersVerification``): the challenge on success, 403 on a wrong token; 405 for
  channels whose provider never sends one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Protocol, runtime_checkable

import httpx
from fastapi import FastAPI, Path, Request, Response

from hubbub.api.deps import DatabaseDep
from hubbub.connectors.base import (
    ChannelInfo,
    Connector,
    ConnectorContext,
    InboundBatch,
    InboundRequest,
    InvalidSignature,
)
from hubbub.connectors.registry import NoConnector, connector_for, is_sandboxed
from hubbub.db.uow import Database
from hubbub.delivery.channels import channel_info
from hubbub.delivery.inbound_media import receive_with_media
from hubbub.delivery.repository import DeliveryRepository
from hubbub.delivery.runner import public_base_url
from hubbub.errors import Forbidden, HubbubError, NotFound, Unauthenticated, UnprocessableEntity
from hubbub.kit import netguard

ChannelId = Annotated[str, Path(min_length=1, max_length=64)]


class MethodNotAllowed(HubbubError):
    status_code = 405
    code = "method_not_allowed"


@runtime_checkable
class AnswersVerification(Protocol):
    """A connector whose provider checks the inbound URL with a ``GET`` before using it."""

    def answer_verification(self, channel: ChannelInfo, request: InboundRequest) -> InboundBatch:
        """The answer to give; ``InvalidSignature`` when the check does not match."""
        ...


def install(app: FastAPI) -> None:
    # The SSRF guard's switch, for the checks made when webhook URLs are created.
    netguard.configure(app.state.settings)
    app.router.add_api_route(
        "/inbound/{channel_id}",
        receive_inbound,
        methods=["POST"],
        tags=["inbound"],
        summary="Provider callbacks: inbound messages and delivery statuses",
    )
    app.router.add_api_route(
        "/inbound/{channel_id}",
        verify_inbound,
        methods=["GET"],
        tags=["inbound"],
        summary="Provider webhook verification (WhatsApp hub.challenge)",
    )


async def receive_inbound(
    channel_id: ChannelId, request: Request, database: DatabaseDep
) -> Response:
    channel = await _provider_channel(database, channel_id)
    inbound = await _inbound_request(request)
    async with _connector(request, channel) as (connector, context):
        try:
            batch = await connector.parse_inbound(channel, inbound)
        except InvalidSignature as error:
            raise Unauthenticated(str(error) or "invalid signature") from error
        await receive_with_media(database, connector, context, channel, batch)
    return _answer(batch)


async def verify_inbound(
    channel_id: ChannelId, request: Request, database: DatabaseDep
) -> Response:
    channel = await _provider_channel(database, channel_id)
    inbound = await _inbound_request(request)
    async with _connector(request, channel) as (connector, _):
        if not isinstance(connector, AnswersVerification):
            raise MethodNotAllowed(
                f"{channel.platform} channels take only POST requests here",
                details={"allow": ["POST"]},
            )
        try:
            batch = connector.answer_verification(channel, inbound)
        except InvalidSignature as error:
            raise Forbidden(str(error) or "verification failed") from error
    return _answer(batch)


async def _provider_channel(database: Database, channel_id: str) -> ChannelInfo:
    async with database.read() as session:
        found = await DeliveryRepository(session).channel_by_id(channel_id)
    if found is None:
        raise NotFound("channel", channel_id)
    channel = channel_info(found)
    if is_sandboxed(channel):
        raise Forbidden("a sandbox channel takes no inbound requests; use the sandbox inbound API")
    return channel


async def _inbound_request(request: Request) -> InboundRequest:
    return InboundRequest(
        method=request.method,
        url=str(request.url),
        headers={key.lower(): value for key, value in request.headers.items()},
        body=await request.body(),
        query=dict(request.query_params),
    )


@asynccontextmanager
async def _connector(
    request: Request, channel: ChannelInfo
) -> AsyncIterator[tuple[Connector, ConnectorContext]]:
    settings = request.app.state.settings
    async with httpx.AsyncClient() as http:
        context = ConnectorContext(
            http=http, settings=settings, public_base_url=public_base_url(settings)
        )
        try:
            connector = connector_for(channel, context)
        except NoConnector as error:
            raise UnprocessableEntity(str(error), field="channel_id") from error
        yield connector, context


def _answer(batch: InboundBatch) -> Response:
    if batch.response_body is None:
        return Response(status_code=200)
    return Response(batch.response_body, status_code=200, media_type=batch.response_content_type)

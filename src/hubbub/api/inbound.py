"""``POST /inbound/{channel_id}``: where providers deliver a channel's inbound messages and
status callbacks. No API key: the channel's connector verifies the provider's signature
(401 when it is missing or wrong). Sandbox channels refuse it (403): their inbound messages are
injected through the native API instead.

The connector parses the request outside any transaction; the batch is then stored in one
transaction that commits before the provider gets its 200, so an acknowledged callback is never
lost (a provider that gets an error retries)."""

from __future__ import annotations

from typing import Annotated

import httpx
from fastapi import FastAPI, Path, Request, Response

from hubbub.api.deps import DatabaseDep
from hubbub.connectors.base import ConnectorContext, InboundRequest, InvalidSignature
from hubbub.connectors.registry import NoConnector, connector_for, is_sandboxed
from hubbub.delivery.channels import channel_info
from hubbub.delivery.inbound import receive
from hubbub.delivery.repository import DeliveryRepository
from hubbub.delivery.runner import public_base_url
from hubbub.errors import Forbidden, NotFound, Unauthenticated, UnprocessableEntity

ChannelId = Annotated[str, Path(min_length=1, max_length=64)]


def install(app: FastAPI) -> None:
    app.router.add_api_route(
        "/inbound/{channel_id}",
        receive_inbound,
        methods=["POST"],
        tags=["inbound"],
        summary="Provider callbacks: inbound messages and delivery statuses",
    )


async def receive_inbound(
    channel_id: ChannelId, request: Request, database: DatabaseDep
) -> Response:
    async with database.read() as session:
        found = await DeliveryRepository(session).channel_by_id(channel_id)
    if found is None:
        raise NotFound("channel", channel_id)
    channel = channel_info(found)
    if is_sandboxed(channel):
        raise Forbidden("a sandbox channel takes no inbound requests; use the sandbox inbound API")
    inbound = InboundRequest(
        method=request.method,
        url=str(request.url),
        headers={key.lower(): value for key, value in request.headers.items()},
        body=await request.body(),
        query=dict(request.query_params),
    )
    settings = request.app.state.settings
    async with httpx.AsyncClient() as http:
        context = ConnectorContext(
            http=http, settings=settings, public_base_url=public_base_url(settings)
        )
        try:
            batch = await connector_for(channel, context).parse_inbound(channel, inbound)
        except InvalidSignature as error:
            raise Unauthenticated(str(error) or "invalid signature") from error
        except NoConnector as error:
            raise UnprocessableEntity(str(error), field="channel_id") from error
    async with database.transaction() as session:
        await receive(session, channel, batch)
    if batch.response_body is None:
        return Response(status_code=200)
    return Response(batch.response_body, status_code=200, media_type=batch.response_content_type)

"""``/v1/webhooks``: a workspace's outbound webhook subscriptions, their deliveries and
attempts, and replay from an event."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel

from hubbub.api.native.deps import Admin, Cursors, Reader, ReadSession, WriteSession
from hubbub.kit.cursors import Order
from hubbub.webhooks.schemas import (
    DeliveryStatus,
    Webhook,
    WebhookAttempt,
    WebhookCreate,
    WebhookDelivery,
    WebhookReplay,
    WebhookReplayed,
    WebhookUpdate,
    WebhookWithSecret,
)
from hubbub.webhooks.service import MAX_PAGE
from hubbub.webhooks.service import webhook as webhook_service

router = APIRouter(tags=["webhooks"])

Limit = Annotated[int, Query(ge=1, le=MAX_PAGE)]


class WebhookList(BaseModel):
    data: list[Webhook]
    next_cursor: str | None


class WebhookDeliveryList(BaseModel):
    data: list[WebhookDelivery]
    next_cursor: str | None


class WebhookAttemptList(BaseModel):
    data: list[WebhookAttempt]
    next_cursor: str | None = None


# Subscriptions hold a signing secret and send the workspace's data elsewhere: managing them
# takes an admin key; reading them (without the secret) a read key.
@router.post("/webhooks", status_code=status.HTTP_201_CREATED)
async def create_webhook(
    body: WebhookCreate, actor: Admin, session: WriteSession
) -> WebhookWithSecret:
    return await webhook_service.create(session, actor.workspace_id, body)


@router.get("/webhooks")
async def list_webhooks(
    actor: Reader,
    session: ReadSession,
    cursors: Cursors,
    limit: Limit = 50,
    order: Order = "desc",
    cursor: str | None = None,
) -> WebhookList:
    page, after = await webhook_service.list(
        session,
        actor.workspace_id,
        limit=limit,
        cursor=cursors.decode_optional(cursor),
        order=order,
    )
    return WebhookList(data=page, next_cursor=cursors.encode_optional(after))


@router.get("/webhooks/{webhook_id}")
async def get_webhook(webhook_id: str, actor: Reader, session: ReadSession) -> Webhook:
    return await webhook_service.get_or_raise(session, actor.workspace_id, webhook_id)


@router.patch("/webhooks/{webhook_id}")
async def update_webhook(
    webhook_id: str, body: WebhookUpdate, actor: Admin, session: WriteSession
) -> Webhook:
    return await webhook_service.update(session, actor.workspace_id, webhook_id, body)


@router.delete("/webhooks/{webhook_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_webhook(webhook_id: str, actor: Admin, session: WriteSession) -> Response:
    await webhook_service.delete(session, actor.workspace_id, webhook_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/webhooks/{webhook_id}/replay", status_code=status.HTTP_202_ACCEPTED)
async def replay_webhook(
    webhook_id: str, body: WebhookReplay, actor: Admin, session: WriteSession
) -> WebhookReplayed:
    return await webhook_service.replay(
        session, actor.workspace_id, webhook_id, from_event_id=body.from_event_id
    )


@router.get("/webhooks/{webhook_id}/deliveries")
async def list_webhook_deliveries(
    webhook_id: str,
    actor: Reader,
    session: ReadSession,
    cursors: Cursors,
    status: DeliveryStatus | None = None,
    limit: Limit = 50,
    order: Order = "desc",
    cursor: str | None = None,
) -> WebhookDeliveryList:
    page, after = await webhook_service.list_deliveries(
        session,
        actor.workspace_id,
        webhook_id,
        status=status,
        limit=limit,
        cursor=cursors.decode_optional(cursor),
        order=order,
    )
    return WebhookDeliveryList(data=page, next_cursor=cursors.encode_optional(after))


@router.get("/webhooks/{webhook_id}/deliveries/{delivery_id}/attempts")
async def list_webhook_attempts(
    webhook_id: str, delivery_id: str, actor: Reader, session: ReadSession
) -> WebhookAttemptList:
    attempts = await webhook_service.list_attempts(
        session, actor.workspace_id, webhook_id, delivery_id
    )
    return WebhookAttemptList(data=attempts)

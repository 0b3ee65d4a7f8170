"""SQL for the webhook API: subscriptions, and the deliveries and attempts shown to callers."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, select, update

from hubbub.db.keyset import keyset
from hubbub.db.models import webhook_attempt, webhook_delivery, webhook_subscription
from hubbub.db.uow import Session
from hubbub.kit.cursors import Cursor, Order
from hubbub.webhooks.schemas import WebhookAttempt, WebhookDelivery
from hubbub.webhooks.stored import StoredWebhook

subscription = webhook_subscription
delivery = webhook_delivery
attempt = webhook_attempt


class WebhookRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    async def insert(self, values: dict[str, Any]) -> None:
        await self.session.conn.execute(insert(subscription).values(**values))

    async def get(self, workspace_id: str, subscription_id: str) -> StoredWebhook | None:
        row = (
            await self.session.conn.execute(
                select(subscription).where(
                    subscription.c.workspace_id == workspace_id,
                    subscription.c.id == subscription_id,
                )
            )
        ).one_or_none()
        return None if row is None else StoredWebhook.model_validate(row._mapping)

    async def update(self, workspace_id: str, subscription_id: str, values: dict[str, Any]) -> None:
        await self.session.conn.execute(
            update(subscription)
            .where(
                subscription.c.workspace_id == workspace_id, subscription.c.id == subscription_id
            )
            .values(**values)
        )

    async def rewind(self, workspace_id: str, subscription_id: str, cursor: int) -> None:
        """Move the cursor back to ``cursor`` (never forward)."""
        await self.session.conn.execute(
            update(subscription)
            .where(
                subscription.c.workspace_id == workspace_id,
                subscription.c.id == subscription_id,
                subscription.c.cursor > cursor,
            )
            .values(cursor=cursor)
        )

    async def delete(self, workspace_id: str, subscription_id: str) -> bool:
        result = await self.session.conn.execute(
            delete(subscription).where(
                subscription.c.workspace_id == workspace_id, subscription.c.id == subscription_id
            )
        )
        return bool(result.rowcount)

    async def list_deliveries(
        self,
        workspace_id: str,
        subscription_id: str,
        *,
        status: str | None,
        limit: int,
        after: Cursor | None,
        order: Order,
    ) -> list[WebhookDelivery]:
        query = select(delivery).where(
            delivery.c.workspace_id == workspace_id, delivery.c.subscription_id == subscription_id
        )
        if status is not None:
            query = query.where(delivery.c.status == status)
        query = keyset(query, delivery.c.created_at, delivery.c.id, after, order)
        rows = await self.session.conn.execute(query.limit(limit))
        return [_delivery(row._mapping) for row in rows]

    async def get_delivery(
        self, workspace_id: str, subscription_id: str, delivery_id: str
    ) -> WebhookDelivery | None:
        row = (
            await self.session.conn.execute(
                select(delivery).where(
                    delivery.c.workspace_id == workspace_id,
                    delivery.c.subscription_id == subscription_id,
                    delivery.c.id == delivery_id,
                )
            )
        ).one_or_none()
        return None if row is None else _delivery(row._mapping)

    async def list_attempts(
        self, workspace_id: str, delivery_id: str, *, limit: int
    ) -> list[WebhookAttempt]:
        rows = await self.session.conn.execute(
            select(attempt)
            .where(attempt.c.workspace_id == workspace_id, attempt.c.delivery_id == delivery_id)
            .order_by(attempt.c.attempted_at, attempt.c.id)
            .limit(limit)
        )
        return [WebhookAttempt.model_validate(row._mapping) for row in rows]

    # Last in the class: below this method, ``list[...]`` in the class body would name it.
    async def list(
        self, workspace_id: str, *, limit: int, after: Cursor | None, order: Order
    ) -> list[StoredWebhook]:
        query = select(subscription).where(subscription.c.workspace_id == workspace_id)
        query = keyset(query, subscription.c.created_at, subscription.c.id, after, order)
        rows = await self.session.conn.execute(query.limit(limit))
        return [StoredWebhook.model_validate(row._mapping) for row in rows]


def _delivery(row: Any) -> WebhookDelivery:
    values = dict(row)
    values["conversation_id"] = values.pop("lane") or None
    if values["status"] != "pending":
        values["next_attempt_at"] = None
    return WebhookDelivery.model_validate(values)

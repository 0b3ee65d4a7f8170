"""SQL for the webhook sender: which subscriptions are behind the log, and the deliveries it
claims, sends and records. Claims lock with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL (SQLite
has one writer at a time and ignores the clause), so several workers never share a delivery.

Ordering per lane: only a lane's head (its one pending delivery with a ``next_attempt_at``) is
ever claimed; when it succeeds or dies, ``promote`` gives the lane's next pending delivery a
time. So claiming is one range scan of the due index, however long the lanes behind are.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, insert, or_, select, update

from hubbub.db.models import event, webhook_attempt, webhook_delivery, webhook_subscription
from hubbub.db.uow import Session
from hubbub.events.schemas import Event
from hubbub.webhooks.stored import ClaimedDelivery, StoredWebhook

subscription = webhook_subscription
delivery = webhook_delivery
_other = delivery.alias("other")


class OutboxRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    async def subscriptions_behind(self, horizon: int, limit: int) -> list[str]:
        """Enabled subscriptions whose workspace has events past their cursor, up to
        ``horizon`` (one index probe each; idle subscriptions cost no write)."""
        has_new = exists().where(
            event.c.workspace_id == subscription.c.workspace_id,
            event.c.seq > subscription.c.cursor,
            event.c.seq <= horizon,
        )
        rows = await self.session.conn.execute(
            select(subscription.c.id)
            .where(subscription.c.enabled.is_(True), subscription.c.cursor < horizon, has_new)
            .order_by(subscription.c.cursor)
            .limit(limit)
        )
        return list(rows.scalars())

    async def lock_subscription(self, subscription_id: str, *, wait: bool) -> StoredWebhook | None:
        """The subscription, locked until commit: planning skips one another worker holds
        (``wait=False``); recording waits for it, so the two never promote a lane at once."""
        row = (
            await self.session.conn.execute(
                select(subscription)
                .where(subscription.c.id == subscription_id)
                .with_for_update(skip_locked=not wait)
            )
        ).one_or_none()
        return None if row is None else StoredWebhook.model_validate(row._mapping)

    async def set_cursor(self, subscription_id: str, cursor: int) -> None:
        await self.session.conn.execute(
            update(subscription).where(subscription.c.id == subscription_id).values(cursor=cursor)
        )

    async def insert_deliveries(self, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            await self.session.conn.execute(insert(delivery), list(rows))

    async def promote(self, subscription_id: str, lanes: Iterable[str], now: datetime) -> None:
        """Make the oldest pending delivery of each lane its head, unless it has one."""
        for lane in lanes:
            oldest = (
                select(delivery.c.id)
                .where(
                    delivery.c.subscription_id == subscription_id,
                    delivery.c.lane == lane,
                    delivery.c.status == "pending",
                )
                .order_by(delivery.c.event_seq, delivery.c.id)
                .limit(1)
                .scalar_subquery()
            )
            has_head = exists().where(
                _other.c.subscription_id == subscription_id,
                _other.c.lane == lane,
                _other.c.status == "pending",
                _other.c.next_attempt_at.is_not(None),
            )
            await self.session.conn.execute(
                update(delivery)
                .where(delivery.c.id == oldest, ~has_head)
                .values(next_attempt_at=now, updated_at=now)
            )

    async def claim(self, now: datetime, lease_until: datetime, limit: int) -> list[str]:
        """Lease up to ``limit`` due lane heads; their ids."""
        heads = (
            select(delivery.c.id)
            .join(subscription, subscription.c.id == delivery.c.subscription_id)
            .where(*_sendable(now), delivery.c.next_attempt_at <= now)
            .order_by(delivery.c.next_attempt_at)
            .limit(limit)
            .with_for_update(of=delivery, skip_locked=True)
        )
        ids = list((await self.session.conn.execute(heads)).scalars())
        if ids:
            await self.session.conn.execute(
                update(delivery).where(delivery.c.id.in_(ids)).values(lease_until=lease_until)
            )
        return ids

    async def claimed(self, ids: Sequence[str]) -> list[ClaimedDelivery]:
        rows = await self.session.conn.execute(
            select(
                delivery.c.id,
                delivery.c.workspace_id,
                delivery.c.subscription_id,
                delivery.c.lane,
                delivery.c.attempts,
                delivery.c.created_at,
                subscription.c.url,
                subscription.c.secret,
                *[column.label(f"event_{column.name}") for column in event.c],
            )
            .join(subscription, subscription.c.id == delivery.c.subscription_id)
            .join(event, event.c.seq == delivery.c.event_seq)
            .where(delivery.c.id.in_(list(ids)))
            .order_by(delivery.c.event_seq)
        )
        return [_claimed(row._mapping) for row in rows]

    async def finish(self, delivery_id: str, values: dict[str, Any]) -> None:
        await self.session.conn.execute(
            update(delivery).where(delivery.c.id == delivery_id).values(lease_until=None, **values)
        )

    async def insert_attempt(self, values: dict[str, Any]) -> None:
        await self.session.conn.execute(insert(webhook_attempt).values(**values))

    async def next_due(self, now: datetime) -> datetime | None:
        """When the next lane head that could be sent is due (a sender sleeps until then)."""
        result = await self.session.conn.execute(
            select(func.min(delivery.c.next_attempt_at))
            .select_from(
                delivery.join(subscription, subscription.c.id == delivery.c.subscription_id)
            )
            .where(*_sendable(now))
        )
        found: datetime | None = result.scalar_one_or_none()
        return found


def _sendable(now: datetime) -> list[Any]:
    """Pending, not in flight, of an enabled subscription."""
    return [
        delivery.c.status == "pending",
        or_(delivery.c.lease_until.is_(None), delivery.c.lease_until <= now),
        subscription.c.enabled.is_(True),
    ]


def _claimed(row: Any) -> ClaimedDelivery:
    event_values = {column.name: row[f"event_{column.name}"] for column in event.c}
    return ClaimedDelivery(
        id=row["id"],
        workspace_id=row["workspace_id"],
        subscription_id=row["subscription_id"],
        lane=row["lane"],
        url=row["url"],
        secret=row["secret"],
        attempts=row["attempts"],
        created_at=row["created_at"],
        event=Event.model_validate(event_values),
    )

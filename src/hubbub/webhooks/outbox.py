"""The sender's side of webhooks, as transactions: plan (turn new events of the log into
deliveries, moving a subscription's durable cursor), claim (lease the deliveries due at the
head of their lanes) and record (store an attempt and decide what comes next)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from hubbub.db.uow import Session
from hubbub.events.schemas import Event
from hubbub.events.service import feed
from hubbub.events.types import matches
from hubbub.kit.ids import new_id
from hubbub.webhooks.outbox_repository import OutboxRepository
from hubbub.webhooks.retry import RetryPolicy
from hubbub.webhooks.stored import ClaimedDelivery, StoredWebhook

PLAN_PAGE = 500
MAX_ERROR_LENGTH = 500


@dataclass(frozen=True)
class AttemptResult:
    attempted_at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int
    # Retrying cannot help (the SSRF guard refused the destination): dead at once.
    permanent: bool = False

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class WebhookOutbox:
    async def behind(self, session: Session, horizon: int, *, limit: int) -> list[str]:
        return await OutboxRepository(session).subscriptions_behind(horizon, limit)

    async def plan(
        self, session: Session, subscription_id: str, horizon: int, *, now: datetime
    ) -> bool:
        """Turn the subscription's next events (up to ``horizon``) into pending deliveries and
        move its cursor past them. True when more events wait beyond this page."""
        repository = OutboxRepository(session)
        subscription = await repository.lock_subscription(subscription_id, wait=False)
        if subscription is None or not subscription.enabled or subscription.cursor >= horizon:
            return False
        events = await feed.between(
            session,
            after=subscription.cursor,
            upto=horizon,
            limit=PLAN_PAGE,
            workspace_id=subscription.workspace_id,
            conversation_id=subscription.conversation_id,
        )
        rows = [
            _delivery_row(subscription, event, now)
            for event in events
            if matches(subscription.event_types, event.type)
        ]
        await repository.insert_deliveries(rows)
        await repository.promote(subscription_id, sorted({row["lane"] for row in rows}), now)
        full_page = len(events) == PLAN_PAGE
        await repository.set_cursor(subscription_id, events[-1].seq if full_page else horizon)
        return full_page

    async def claim(
        self, session: Session, *, now: datetime, lease_seconds: float, limit: int
    ) -> list[ClaimedDelivery]:
        repository = OutboxRepository(session)
        ids = await repository.claim(now, now + timedelta(seconds=lease_seconds), limit)
        return await repository.claimed(ids) if ids else []

    async def record(
        self,
        session: Session,
        delivery: ClaimedDelivery,
        result: AttemptResult,
        policy: RetryPolicy,
    ) -> str:
        """Store the attempt and move the delivery on (when it is done, its lane's next
        delivery becomes the head); its new status."""
        repository = OutboxRepository(session)
        if await repository.lock_subscription(delivery.subscription_id, wait=True) is None:
            return "deleted"  # the subscription went while the request was in flight
        error = None if result.error is None else result.error[:MAX_ERROR_LENGTH]
        await repository.insert_attempt(
            {
                "id": new_id(),
                "workspace_id": delivery.workspace_id,
                "delivery_id": delivery.id,
                "attempted_at": result.attempted_at,
                "status_code": result.status_code,
                "error": error,
                "duration_ms": result.duration_ms,
            }
        )
        attempts = delivery.attempts + 1
        changes: dict[str, Any] = {
            "attempts": attempts,
            "last_status_code": result.status_code,
            "last_error": error,
            "updated_at": result.attempted_at,
        }
        if result.succeeded:
            changes["status"] = "succeeded"
        else:
            retry_at = policy.next_attempt(
                created_at=delivery.created_at, now=result.attempted_at, failures=attempts
            )
            if result.permanent:
                retry_at = None
            changes["status"] = "dead" if retry_at is None else "pending"
            if retry_at is not None:
                changes["next_attempt_at"] = retry_at
        await repository.finish(delivery.id, changes)
        if changes["status"] != "pending":
            await repository.promote(delivery.subscription_id, [delivery.lane], result.attempted_at)
        return str(changes["status"])

    async def next_due(self, session: Session, *, now: datetime) -> datetime | None:
        return await OutboxRepository(session).next_due(now)


def _delivery_row(subscription: StoredWebhook, event: Event, now: datetime) -> dict[str, Any]:
    return {
        "id": new_id(),
        "workspace_id": subscription.workspace_id,
        "subscription_id": subscription.id,
        "event_seq": event.seq,
        "event_id": event.id,
        "event_type": event.type,
        "lane": event.conversation_id or "",
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": None,  # set when it becomes its lane's head (``promote``)
        "lease_until": None,
        "last_status_code": None,
        "last_error": None,
        "created_at": now,
        "updated_at": now,
    }


outbox = WebhookOutbox()

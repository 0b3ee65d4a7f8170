"""Webhook subscriptions: where a workspace wants its events POSTed, signed per Standard
Webhooks. Creating one starts it at the end of the log (it receives what happens from now on);
``replay`` moves it back to an earlier event. The sending itself is ``hubbub.webhooks.sender``."""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import Any, Protocol, TypeVar

from hubbub.conversations.service import conversation as conversation_service
from hubbub.db.uow import Session
from hubbub.errors import InvalidCursor, NotFound, UnprocessableEntity
from hubbub.events.service import feed
from hubbub.events.types import check_patterns
from hubbub.kit import netguard
from hubbub.kit.clock import to_micros, utcnow
from hubbub.kit.cursors import Cursor, Order
from hubbub.kit.ids import new_id
from hubbub.webhooks.repository import WebhookRepository
from hubbub.webhooks.schemas import (
    DeliveryStatus,
    Webhook,
    WebhookAttempt,
    WebhookCreate,
    WebhookDelivery,
    WebhookReplayed,
    WebhookUpdate,
    WebhookWithSecret,
)
from hubbub.webhooks.signing import new_secret

MAX_PAGE = 500
MAX_ATTEMPTS_LISTED = 500


class WebhookService:
    async def create(
        self, session: Session, workspace_id: str, data: WebhookCreate
    ) -> WebhookWithSecret:
        event_types = check_patterns(data.event_types, field="event_types")
        if data.conversation_id is not None:
            await self._check_conversation(session, workspace_id, data.conversation_id)
        await _check_destination(str(data.url))
        now = utcnow()
        created = WebhookWithSecret(
            id=new_id(),
            workspace_id=workspace_id,
            url=str(data.url),
            description=data.description,
            event_types=event_types,
            conversation_id=data.conversation_id,
            enabled=data.enabled,
            secret=new_secret(),
            created_at=now,
            updated_at=now,
        )
        cursor = await feed.latest_seq(session, workspace_id)
        await WebhookRepository(session).insert({**created.model_dump(), "cursor": cursor})
        return created

    async def get_or_raise(self, session: Session, workspace_id: str, webhook_id: str) -> Webhook:
        stored = await WebhookRepository(session).get(workspace_id, webhook_id)
        if stored is None:
            raise NotFound("webhook", webhook_id)
        return stored.public()

    async def update(
        self, session: Session, workspace_id: str, webhook_id: str, data: WebhookUpdate
    ) -> Webhook:
        current = await self.get_or_raise(session, workspace_id, webhook_id)
        changes = _changes(data)
        if changes.get("conversation_id") is not None:
            await self._check_conversation(session, workspace_id, changes["conversation_id"])
        if "url" in changes:
            await _check_destination(changes["url"])
        if not changes:
            return current
        changes["updated_at"] = utcnow()
        await WebhookRepository(session).update(workspace_id, webhook_id, changes)
        return current.model_copy(update=changes)

    async def delete(self, session: Session, workspace_id: str, webhook_id: str) -> None:
        if not await WebhookRepository(session).delete(workspace_id, webhook_id):
            raise NotFound("webhook", webhook_id)

    async def replay(
        self, session: Session, workspace_id: str, webhook_id: str, *, from_event_id: str
    ) -> WebhookReplayed:
        """Deliver again every matching event from ``from_event_id`` on: the subscription's
        cursor moves back to just before it and the sender walks the log again from there."""
        await self.get_or_raise(session, workspace_id, webhook_id)
        seq = await feed.seq_of(session, workspace_id, from_event_id)
        if seq is None:
            raise UnprocessableEntity(
                f"no event '{from_event_id}' in this workspace", field="from_event_id"
            )
        await WebhookRepository(session).rewind(workspace_id, webhook_id, seq - 1)
        return WebhookReplayed(
            subscription_id=webhook_id, from_event_id=from_event_id, from_seq=seq
        )

    async def list_deliveries(
        self,
        session: Session,
        workspace_id: str,
        webhook_id: str,
        *,
        status: DeliveryStatus | None = None,
        limit: int = 50,
        cursor: Cursor | None = None,
        order: Order = "desc",
    ) -> tuple[builtins.list[WebhookDelivery], Cursor | None]:
        await self.get_or_raise(session, workspace_id, webhook_id)
        _check_order(cursor, order)
        limit = max(1, min(limit, MAX_PAGE))
        rows = await WebhookRepository(session).list_deliveries(
            workspace_id, webhook_id, status=status, limit=limit + 1, after=cursor, order=order
        )
        return _page(rows, limit, order)

    async def list_attempts(
        self, session: Session, workspace_id: str, webhook_id: str, delivery_id: str
    ) -> builtins.list[WebhookAttempt]:
        """Every request made for one delivery, oldest first."""
        repository = WebhookRepository(session)
        if await repository.get_delivery(workspace_id, webhook_id, delivery_id) is None:
            raise NotFound("webhook delivery", delivery_id)
        return await repository.list_attempts(workspace_id, delivery_id, limit=MAX_ATTEMPTS_LISTED)

    async def _check_conversation(
        self, session: Session, workspace_id: str, conversation_id: str
    ) -> None:
        if await conversation_service.get(session, workspace_id, conversation_id) is None:
            raise UnprocessableEntity(
                f"no conversation '{conversation_id}' in this workspace", field="conversation_id"
            )

    # Last in the class: below this method, ``list[...]`` in the class body would name it.
    async def list(
        self,
        session: Session,
        workspace_id: str,
        *,
        limit: int = 50,
        cursor: Cursor | None = None,
        order: Order = "desc",
    ) -> tuple[builtins.list[Webhook], Cursor | None]:
        _check_order(cursor, order)
        limit = max(1, min(limit, MAX_PAGE))
        rows = await WebhookRepository(session).list(
            workspace_id, limit=limit + 1, after=cursor, order=order
        )
        page, after = _page(rows, limit, order)
        return [row.public() for row in page], after


async def _check_destination(url: str) -> None:
    """The SSRF guard, when it is on: 422 on ``url`` for a host on a private network."""
    try:
        await netguard.check_url_if_enabled(url)
    except netguard.BlockedDestination as error:
        raise UnprocessableEntity(str(error), field="url") from None


def _changes(data: WebhookUpdate) -> dict[str, Any]:
    changes = {name: getattr(data, name) for name in data.model_fields_set}
    if "url" in changes:
        if changes["url"] is None:
            del changes["url"]
        else:
            changes["url"] = str(changes["url"])
    for required in ("event_types", "enabled"):
        if changes.get(required, True) is None:
            del changes[required]
    if "event_types" in changes:
        changes["event_types"] = check_patterns(changes["event_types"], field="event_types")
    return changes


def _check_order(cursor: Cursor | None, order: Order) -> None:
    if cursor is not None and cursor.order != order:
        raise InvalidCursor(f"the cursor was issued for order '{cursor.order}'", field="cursor")


class _Row(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def created_at(self) -> datetime: ...


R = TypeVar("R", bound=_Row)


def _page(
    rows: builtins.list[R], limit: int, order: Order
) -> tuple[builtins.list[R], Cursor | None]:
    if len(rows) <= limit:
        return rows, None
    page = rows[:limit]
    last = page[-1]
    return page, Cursor(created_us=to_micros(last.created_at), id=last.id, order=order)


webhook = WebhookService()

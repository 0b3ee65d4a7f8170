"""Bot events: recorded by a bot, listed and read back, and, when scheduled, held until a
``bot_event.fire`` job makes them ``pending`` (or a cancel makes them ``canceled``)."""

from __future__ import annotations

import builtins

from hubbub.bot_events.repository import BotEventRepository
from hubbub.bot_events.schemas import BotEvent, BotEventCreate, BotEventFilter
from hubbub.contacts.service import contact as contact_service
from hubbub.conversations.service import conversation as conversation_service
from hubbub.db.uow import Session
from hubbub.errors import InvalidInput, NotFound
from hubbub.events.service import event as event_service
from hubbub.jobs.service import job as job_service
from hubbub.kit.clock import to_micros, utcnow
from hubbub.kit.cursors import Cursor, Order
from hubbub.kit.ids import new_id
from hubbub.messages.service import message as message_service

FIRE_JOB = "bot_event.fire"
DEFAULT_PAGE = 20
MAX_PAGE = 500


class BotEventService:
    async def create(self, session: Session, workspace_id: str, data: BotEventCreate) -> BotEvent:
        """Store the event; a future ``scheduled_for`` makes it ``scheduled`` with a job that
        fires it then. The conversation, user and message it names must exist."""
        await self._check_references(session, workspace_id, data)
        now = utcnow()
        scheduled = data.scheduled_for is not None and data.scheduled_for > now
        event = BotEvent(
            id=new_id(),
            workspace_id=workspace_id,
            type=data.type,
            payload=data.payload,
            conversation_id=data.conversation_id,
            user_id=data.user_id,
            message_id=data.message_id,
            workflow_id=data.workflow_id,
            status="scheduled" if scheduled else "pending",
            scheduled_for=data.scheduled_for,
            created_at=now,
            updated_at=now,
        )
        await BotEventRepository(session).insert(event)
        await event_service.record(
            session,
            workspace_id,
            type="bot_event.created",
            conversation_id=event.conversation_id,
            message_id=event.message_id,
            data={"bot_event": event.model_dump(mode="json")},
        )
        if scheduled:
            await job_service.enqueue(
                session,
                kind=FIRE_JOB,
                target_id=event.id,
                workspace_id=workspace_id,
                run_at=data.scheduled_for,
            )
        return event

    async def get_or_raise(self, session: Session, workspace_id: str, event_id: str) -> BotEvent:
        found = await BotEventRepository(session).get(workspace_id, event_id)
        if found is None:
            raise NotFound("event", event_id)
        return found

    async def fire(self, session: Session, workspace_id: str, event_id: str) -> bool:
        """Make a scheduled event ``pending``; True when it was still scheduled (a canceled or
        already fired event is left alone, so running the job twice is harmless)."""
        return await BotEventRepository(session).move_status(
            workspace_id, event_id, from_status="scheduled", to_status="pending", at=utcnow()
        )

    async def cancel_scheduled(
        self, session: Session, workspace_id: str, event_id: str
    ) -> BotEvent:
        """Cancel an event that is still scheduled; any other is not a scheduled event."""
        found = await self.get_or_raise(session, workspace_id, event_id)
        now = utcnow()
        if not await BotEventRepository(session).move_status(
            workspace_id, event_id, from_status="scheduled", to_status="canceled", at=now
        ):
            raise NotFound("scheduled event", event_id)
        return found.model_copy(update={"status": "canceled", "updated_at": now})

    async def _check_references(
        self, session: Session, workspace_id: str, data: BotEventCreate
    ) -> None:
        if data.conversation_id is not None:
            await conversation_service.get_or_raise(session, workspace_id, data.conversation_id)
        if data.user_id is not None:
            await contact_service.get_or_raise(session, workspace_id, data.user_id)
        if data.message_id is not None:
            await message_service.get_or_raise(session, workspace_id, data.message_id)

    # Last in the class: below this method, ``list[...]`` in the class body would name it.
    async def list(
        self,
        session: Session,
        workspace_id: str,
        filters: BotEventFilter,
        *,
        limit: int = DEFAULT_PAGE,
        cursor: Cursor | None = None,
        order: Order = "desc",
    ) -> tuple[builtins.list[BotEvent], Cursor | None]:
        """A page of events, newest first by default, and the next page's cursor (None at the
        end). A cursor carries the order it was issued for, and that order wins."""
        if not 1 <= limit <= MAX_PAGE:
            raise InvalidInput(f"limit must be between 1 and {MAX_PAGE}", field="limit")
        if cursor is not None:
            order = cursor.order
        rows = await BotEventRepository(session).list_page(
            workspace_id, filters, limit=limit + 1, after=cursor, order=order
        )
        if len(rows) <= limit:
            return rows, None
        last = rows[limit - 1]
        return rows[:limit], Cursor(created_us=to_micros(last.created_at), id=last.id, order=order)


bot_event = BotEventService()

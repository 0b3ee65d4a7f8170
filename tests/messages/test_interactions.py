from __future__ import annotations

import asyncio

import pytest

from hubbub.db.uow import Database, Session
from hubbub.errors import NotFound, UnprocessableEntity
from hubbub.events.service import event as event_service
from hubbub.messages.schemas import InteractionCreate, Message, StatusUpdate
from hubbub.messages.service import message as message_service
from tests.conftest import WorkspaceFixture
from tests.messages.factories import Scene, make_scene, send


def status(value: str, **failure: str) -> StatusUpdate:
    return StatusUpdate.model_validate({"status": value, "failure": failure or None})


async def sent_message(scene: Scene, session: Session) -> Message:
    return await send(session, scene.workspace_id, conversation_id=scene.conversation.id)


async def history(
    session: Session, workspace_id: str, message_id: str
) -> tuple[list[tuple[str, str]], list[str]]:
    """The message's status interactions (type, previous) and its status events, in order."""
    entries, _ = await message_service.list_interactions(
        session, workspace_id, message_id, order="asc"
    )
    page = await event_service.list(session, workspace_id, types=["message.status_changed"])
    events = [e.data["status"] for e in page.events if e.message_id == message_id]
    return [(e.type, e.details["previous"]) for e in entries], events


class TestImplied:
    async def test_read_of_a_message_only_sent_records_delivered_first(
        self, scene: Scene, session: Session
    ) -> None:
        ws = scene.workspace_id
        message = await sent_message(scene, session)
        await message_service.update_status(session, ws, message.id, status("sent"))
        moved, changed = await message_service.update_status(
            session, ws, message.id, status("read")
        )
        assert (moved.status, changed) == ("read", True)
        changes, events = await history(session, ws, message.id)
        assert changes == [("sent", "accepted"), ("delivered", "sent"), ("read", "delivered")]
        assert events == ["sent", "delivered", "read"]

    async def test_read_skipping_from_before_sent_implies_nothing(
        self, scene: Scene, session: Session
    ) -> None:
        ws = scene.workspace_id
        message = await sent_message(scene, session)  # accepted
        await message_service.update_status(session, ws, message.id, status("read"))
        entries, _ = await message_service.list_interactions(session, ws, message.id, order="asc")
        assert [e.type for e in entries] == ["read"]

    async def test_shown_to_its_recipient_a_sent_message_is_delivered_once(
        self, scene: Scene, session: Session
    ) -> None:
        ws = scene.workspace_id
        message = await sent_message(scene, session)
        assert not message_service.moves_when_shown(message)  # accepted: not out yet
        unchanged, changed = await message_service.record_shown(session, ws, message.id)
        assert (unchanged.status, changed) == ("accepted", False)
        sent, _ = await message_service.update_status(session, ws, message.id, status("sent"))
        assert message_service.moves_when_shown(sent)
        shown, changed = await message_service.record_shown(session, ws, message.id)
        assert (shown.status, changed) == ("delivered", True)
        again, changed = await message_service.record_shown(session, ws, message.id)
        assert (again.status, changed) == ("delivered", False)
        assert not message_service.moves_when_shown(again)


class TestStatus:
    async def test_progress_is_recorded(self, scene: Scene, session: Session) -> None:
        ws = scene.workspace_id
        message = await sent_message(scene, session)
        for target in ("sending", "sent", "delivered"):
            updated, changed = await message_service.update_status(
                session, ws, message.id, status(target)
            )
            assert changed
            assert updated.status == target
            assert updated.status_at >= message.status_at
        stored = await message_service.get_or_raise(session, ws, message.id)
        assert stored.status == "delivered"
        entries, _ = await message_service.list_interactions(session, ws, message.id, order="asc")
        assert [(e.type, e.details["previous"]) for e in entries] == [
            ("sending", "accepted"),
            ("sent", "sending"),
            ("delivered", "sent"),
        ]
        page = await event_service.list(session, ws, types=["message.status_changed"])
        assert [e.data["status"] for e in page.events if e.message_id == message.id] == [
            "sending",
            "sent",
            "delivered",
        ]

    async def test_a_known_message_saves_a_read_and_a_stale_one_is_read_again(
        self, scene: Scene, session: Session
    ) -> None:
        ws = scene.workspace_id
        message = await sent_message(scene, session)  # accepted
        moved, changed = await message_service.update_status(
            session, ws, message.id, status("sending"), known=message
        )
        assert (moved.status, changed) == ("sending", True)
        # ``message`` still says accepted: its compare-and-set fails, and the status is read
        # again, so the change applies to what is stored now (sending -> sent).
        moved, changed = await message_service.update_status(
            session, ws, message.id, status("sent"), known=message
        )
        assert (moved.status, changed) == ("sent", True)
        entries, _ = await message_service.list_interactions(session, ws, message.id, order="asc")
        assert [(e.type, e.details["previous"]) for e in entries] == [
            ("sending", "accepted"),
            ("sent", "sending"),
        ]
        # Stale and asking for what is already done: nothing changes.
        again, changed = await message_service.update_status(
            session, ws, message.id, status("sending"), known=message
        )
        assert (again.status, changed) == ("sent", False)

    async def test_late_and_duplicate_callbacks_are_ignored(
        self, scene: Scene, session: Session
    ) -> None:
        ws = scene.workspace_id
        message = await sent_message(scene, session)
        await message_service.update_status(session, ws, message.id, status("read"))
        for late in ("delivered", "sent", "read", "accepted", "scheduled"):
            current, changed = await message_service.update_status(
                session, ws, message.id, status(late)
            )
            assert (current.status, changed) == ("read", False)
        entries, _ = await message_service.list_interactions(session, ws, message.id)
        assert [e.type for e in entries] == ["read"]

    async def test_failure_is_kept(self, scene: Scene, session: Session) -> None:
        ws = scene.workspace_id
        message = await sent_message(scene, session)
        failed, changed = await message_service.update_status(
            session,
            ws,
            message.id,
            status("failed", stage="delivery", code="30003", reason="unreachable"),
        )
        assert changed
        assert failed.failure is not None
        assert (failed.failure.stage, failed.failure.code) == ("delivery", "30003")
        stored = await message_service.get_or_raise(session, ws, message.id)
        assert stored.failure == failed.failure
        _, changed_again = await message_service.update_status(
            session, ws, message.id, status("delivered")
        )
        assert not changed_again

    async def test_failure_without_details_gets_its_stage(
        self, scene: Scene, session: Session
    ) -> None:
        ws = scene.workspace_id
        message = await sent_message(scene, session)
        await message_service.update_status(session, ws, message.id, status("sent"))
        failed, _ = await message_service.update_status(session, ws, message.id, status("failed"))
        assert failed.failure is not None
        assert failed.failure.stage == "delivery"

    async def test_failure_goes_only_with_failed(self, scene: Scene, session: Session) -> None:
        message = await sent_message(scene, session)
        with pytest.raises(UnprocessableEntity) as caught:
            await message_service.update_status(
                session, scene.workspace_id, message.id, status("sent", stage="sending")
            )
        assert caught.value.field == "failure"

    async def test_unknown_message(self, scene: Scene, session: Session) -> None:
        with pytest.raises(NotFound):
            await message_service.update_status(
                session, scene.workspace_id, "missing", status("sent")
            )


async def test_racing_callbacks_never_move_backwards(
    database: Database, workspace: WorkspaceFixture
) -> None:
    async with database.transaction() as session:
        scene = await make_scene(session, workspace.id)
        message = await sent_message(scene, session)
    targets = ["read", "delivered", "sent", "sending", "delivered", "read"] * 5

    async def callback(target: str) -> bool:
        async with database.transaction() as session:
            _, changed = await message_service.update_status(
                session, workspace.id, message.id, status(target)
            )
            return changed

    await asyncio.gather(*(callback(target) for target in targets))
    async with database.read() as session:
        final = await message_service.get_or_raise(session, workspace.id, message.id)
        entries, _ = await message_service.list_interactions(
            session, workspace.id, message.id, order="asc"
        )
    assert final.status == "read"
    order = ["accepted", "sending", "sent", "delivered", "read"]
    ranks = [order.index(entry.type) for entry in entries]
    assert ranks == sorted(set(ranks))


class TestInteractions:
    async def test_record_and_page(self, scene: Scene, session: Session) -> None:
        ws = scene.workspace_id
        message = await sent_message(scene, session)
        recorded = [
            await message_service.record_interaction(
                session,
                ws,
                message.id,
                InteractionCreate.model_validate({"type": kind, "details": {"n": n}}),
            )
            for n, kind in enumerate(["opened", "clicked", "reaction", "clicked", "replied"])
        ]
        seen, cursor = [], None
        while True:
            page, cursor = await message_service.list_interactions(
                session, ws, message.id, limit=2, order="asc", cursor=cursor
            )
            seen += page
            if cursor is None:
                break
        assert seen == recorded
        newest, _ = await message_service.list_interactions(session, ws, message.id, limit=1)
        assert newest == [recorded[-1]]
        page_of_events = await event_service.list(session, ws, types=["interaction.created"])
        assert len([e for e in page_of_events.events if e.message_id == message.id]) == 5

    async def test_unknown_message(self, scene: Scene, session: Session) -> None:
        with pytest.raises(NotFound):
            await message_service.record_interaction(
                session, scene.workspace_id, "missing", InteractionCreate(type="opened")
            )
        with pytest.raises(NotFound):
            await message_service.list_interactions(session, scene.workspace_id, "missing")

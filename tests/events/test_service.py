"""EventService against the real database: the append-only log of a workspace."""

from __future__ import annotations

from hubbub.db.uow import Database, Session
from hubbub.events.service import MAX_PAGE
from hubbub.events.service import event as event_service
from hubbub.kit.ids import new_id
from tests.conftest import WorkspaceFixture


async def record_types(session: Session, workspace_id: str, *types: str) -> None:
    for kind in types:
        await event_service.record(session, workspace_id, type=kind)


async def test_records_events_in_order_with_their_fields(
    workspace: WorkspaceFixture, session: Session
) -> None:
    conversation_id, message_id = new_id(), new_id()
    await event_service.record(
        session,
        workspace.id,
        type="message.created",
        conversation_id=conversation_id,
        message_id=message_id,
        data={"text": "hi", "nested": {"n": 1}},
    )
    await event_service.record(session, workspace.id, type="bare")
    page = await event_service.list(session, workspace.id)
    first, second = page.events
    assert (first.type, first.conversation_id, first.message_id) == (
        "message.created",
        conversation_id,
        message_id,
    )
    assert first.data == {"text": "hi", "nested": {"n": 1}}
    assert (second.type, second.conversation_id, second.data) == ("bare", None, {})
    assert first.seq < second.seq
    assert first.created_at <= second.created_at
    assert first.id != second.id
    assert page.next_after is None


async def test_pages_by_sequence(workspace: WorkspaceFixture, session: Session) -> None:
    await record_types(session, workspace.id, *[f"e{n}" for n in range(5)])
    first = await event_service.list(session, workspace.id, limit=3)
    assert [e.type for e in first.events] == ["e0", "e1", "e2"]
    assert first.next_after == first.events[-1].seq
    rest = await event_service.list(session, workspace.id, after=first.next_after, limit=3)
    assert [e.type for e in rest.events] == ["e3", "e4"]
    assert rest.next_after is None


async def test_clamps_the_page_size(workspace: WorkspaceFixture, session: Session) -> None:
    await record_types(session, workspace.id, "a", "b")
    assert len((await event_service.list(session, workspace.id, limit=0)).events) == 1
    page = await event_service.list(session, workspace.id, limit=MAX_PAGE * 10)
    assert len(page.events) == 2


async def test_filters_by_types_and_conversation(
    workspace: WorkspaceFixture, session: Session
) -> None:
    conversation_id = new_id()
    await record_types(session, workspace.id, "a", "b", "c")
    await event_service.record(session, workspace.id, type="a", conversation_id=conversation_id)
    by_type = await event_service.list(session, workspace.id, types=["a", "c"])
    assert [e.type for e in by_type.events] == ["a", "c", "a"]
    by_conversation = await event_service.list(
        session, workspace.id, conversation_id=conversation_id
    )
    assert [e.conversation_id for e in by_conversation.events] == [conversation_id]
    assert (await event_service.list(session, workspace.id, types=["zzz"])).events == []


async def test_position_before_last_counts_only_the_workspace_events(
    database: Database, workspace: WorkspaceFixture, other_workspace: WorkspaceFixture
) -> None:
    # Interleaved with another workspace's events: sequence numbers are shared.
    for ours, theirs in [("o1", "t1"), ("o2", "t2"), ("o3", "t3")]:
        async with database.transaction() as session:
            await record_types(session, workspace.id, ours)
            await record_types(session, other_workspace.id, theirs, theirs)
    async with database.read() as session:
        for count, expected in [(0, []), (1, ["o3"]), (2, ["o2", "o3"]), (10, ["o1", "o2", "o3"])]:
            after = await event_service.position_before_last(session, workspace.id, count)
            page = await event_service.list(session, workspace.id, after=after)
            assert [e.type for e in page.events] == expected, count


async def test_a_workspace_sees_only_its_own_events(
    workspace: WorkspaceFixture, other_workspace: WorkspaceFixture, session: Session
) -> None:
    await record_types(session, other_workspace.id, "theirs")
    await record_types(session, workspace.id, "ours")
    page = await event_service.list(session, workspace.id)
    assert [(e.type, e.workspace_id) for e in page.events] == [("ours", workspace.id)]

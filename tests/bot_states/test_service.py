"""Bot states on both engines: owners, set/patch/get-or-set, expiry and lapsed states."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from hubbub.bot_states.schemas import StateKey, StateWrite
from hubbub.bot_states.service import bot_state as state_service
from hubbub.contacts.schemas import ContactCreate
from hubbub.contacts.service import contact as contact_service
from hubbub.conversations.schemas import ConversationCreate
from hubbub.conversations.service import conversation as conversation_service
from hubbub.db.models import bot_state
from hubbub.db.uow import Database, Session
from hubbub.errors import NotFound
from hubbub.kit.clock import ManualClock, utcnow
from tests.conftest import WorkspaceFixture


def write(payload: dict[str, object] | None, **expiry: int | None) -> StateWrite:
    return StateWrite.model_validate({"payload": payload, **expiry})


async def lapse(session: Session, state_id: str) -> None:
    await session.conn.execute(
        update(bot_state)
        .where(bot_state.c.id == state_id)
        .values(expires_at=utcnow() - timedelta(milliseconds=1))
    )


async def test_set_get_and_replace(session: Session, workspace: WorkspaceFixture) -> None:
    key = StateKey(type="workflow", owner_id="wf_1", name="vars")
    with pytest.raises(NotFound):
        await state_service.get(session, workspace.id, key)
    created = await state_service.set(session, workspace.id, key, write({"a": 1}))
    assert await state_service.get(session, workspace.id, key) == created
    replaced = await state_service.set(session, workspace.id, key, write({"b": 2}))
    assert (replaced.id, replaced.created_at) == (created.id, created.created_at)
    assert replaced.payload == {"b": 2}
    assert replaced.updated_at >= created.updated_at
    assert await state_service.get(session, workspace.id, key) == replaced


async def test_owners_must_exist_in_the_workspace(
    session: Session, workspace: WorkspaceFixture, other_workspace: WorkspaceFixture
) -> None:
    conversation = await conversation_service.create(session, workspace.id, ConversationCreate())
    contact = await contact_service.create(session, workspace.id, ContactCreate(name="A"))
    for key in (
        StateKey(type="conversation", owner_id=conversation.id, name="s"),
        StateKey(type="user", owner_id=contact.id, name="s"),
        StateKey(type="bot", owner_id=workspace.id, name="s"),
    ):
        await state_service.set(session, workspace.id, key, write({"ok": True}))
        with pytest.raises(NotFound):
            await state_service.get(session, other_workspace.id, key)
        with pytest.raises(NotFound):
            await state_service.set(session, other_workspace.id, key, write({"x": 1}))
    assert (await state_service.get(session, workspace.id, key)).payload == {"ok": True}


async def test_patch_is_a_shallow_merge(session: Session, workspace: WorkspaceFixture) -> None:
    key = StateKey(type="integration", owner_id="intver_x", name="cache")
    with pytest.raises(NotFound):
        await state_service.patch(session, workspace.id, key, write({"a": 1}))
    await state_service.set(session, workspace.id, key, write({"a": 1, "deep": {"x": 1}}))
    patched = await state_service.patch(session, workspace.id, key, write({"deep": {"y": 2}}))
    assert patched.payload == {"a": 1, "deep": {"y": 2}}


async def test_get_or_set_creates_once(session: Session, workspace: WorkspaceFixture) -> None:
    key = StateKey(type="workflow", owner_id="wf", name="once")
    first, created = await state_service.get_or_set(session, workspace.id, key, write({"v": 1}))
    assert created is True
    again, created = await state_service.get_or_set(session, workspace.id, key, write({"v": 2}))
    assert created is False
    assert again == first


async def test_expiry_moves_with_each_write_and_is_kept_unless_given(
    session: Session, workspace: WorkspaceFixture, clock: ManualClock
) -> None:
    key = StateKey(type="workflow", owner_id="wf", name="ttl")
    state = await state_service.set(session, workspace.id, key, write({}, expiry=60_000))
    assert state.expiry_ms == 60_000
    assert state.expires_at == state.updated_at + timedelta(minutes=1)
    patched = await state_service.patch(session, workspace.id, key, write({"a": 1}))
    assert patched.expiry_ms == 60_000
    assert patched.expires_at == patched.updated_at + timedelta(minutes=1)
    cleared = await state_service.set(session, workspace.id, key, write({}, expiry=None))
    assert (cleared.expiry_ms, cleared.expires_at) == (None, None)
    moved = await state_service.set_expiry(session, workspace.id, key, expiry_ms=5)
    assert moved.expires_at == moved.updated_at + timedelta(milliseconds=5)
    # The clock stands still: the 5 ms have not passed when the state is read back.
    assert (await state_service.get(session, workspace.id, key)).expiry_ms == 5
    clock.advance(timedelta(milliseconds=6))
    with pytest.raises(NotFound):
        await state_service.get(session, workspace.id, key)


async def test_a_lapsed_state_is_absent_and_a_write_starts_afresh(
    session: Session, workspace: WorkspaceFixture
) -> None:
    key = StateKey(type="workflow", owner_id="wf", name="lapse")
    old = await state_service.set(session, workspace.id, key, write({"old": 1}, expiry=1000))
    await lapse(session, old.id)
    with pytest.raises(NotFound):
        await state_service.get(session, workspace.id, key)
    with pytest.raises(NotFound):
        await state_service.set_expiry(session, workspace.id, key, expiry_ms=None)
    fresh = await state_service.set(session, workspace.id, key, write({"new": 1}))
    assert fresh.id != old.id
    assert (fresh.payload, fresh.expiry_ms) == ({"new": 1}, None)
    rows = await session.conn.execute(
        select(func.count()).select_from(bot_state).where(bot_state.c.workspace_id == workspace.id)
    )
    assert rows.scalar() == 1


async def test_a_null_payload_deletes(session: Session, workspace: WorkspaceFixture) -> None:
    key = StateKey(type="workflow", owner_id="wf", name="gone")
    stored = await state_service.set(session, workspace.id, key, write({"a": 1}))
    removed = await state_service.set(session, workspace.id, key, write(None))
    assert (removed.id, removed.payload) == (stored.id, {})
    with pytest.raises(NotFound):
        await state_service.get(session, workspace.id, key)


def test_expiry_bounds() -> None:
    for bad in (0, -1, 2_592_000_001):
        with pytest.raises(ValueError, match="expiry"):
            write({}, expiry=bad)
    assert write({}, expiry=2_592_000_000).expiry_given
    assert not write({}).expiry_given


async def test_concurrent_first_writes_make_one_state(
    database: Database, workspace: WorkspaceFixture
) -> None:
    key = StateKey(type="workflow", owner_id="wf", name="race")

    async def get_or_set(n: int) -> tuple[str, bool]:
        async with database.transaction() as session:
            found, created = await state_service.get_or_set(
                session, workspace.id, key, write({"n": n})
            )
            return found.id, created

    async def set_state(n: int) -> str:
        async with database.transaction() as session:
            return (await state_service.set(session, workspace.id, key, write({"n": n}))).id

    results = await asyncio.gather(*(get_or_set(n) for n in range(20)))
    assert len({state_id for state_id, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    ids = await asyncio.gather(*(set_state(n) for n in range(20)))
    assert set(ids) == {results[0][0]}
    async with database.read() as session:
        count = await session.conn.execute(
            select(func.count())
            .select_from(bot_state)
            .where(bot_state.c.workspace_id == workspace.id)
        )
        assert count.scalar() == 1

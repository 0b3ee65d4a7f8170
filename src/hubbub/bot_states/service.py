"""Bot states: get, set, patch, get-or-set and change the expiry of a named state.

Every call first checks the owner: a conversation or user state needs that conversation or
contact in the workspace, and a bot state belongs to the workspace itself (a Botpress bot is a
workspace); integration and workflow ids name nothing Hubbub stores, so any id is accepted.

A state lapses ``expiry_ms`` after its last write (Botpress: "expires if it is idle"); reads do
not keep it alive. A lapsed state is absent: reading it is a NotFound, and writing it starts a
new state. States record no events: they are the bot's private memory, not conversation
activity that webhooks or streams report.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from hubbub.bot_states.repository import BotStateRepository
from hubbub.bot_states.schemas import BotState, StateKey, StateWrite
from hubbub.contacts.service import contact as contact_service
from hubbub.conversations.service import conversation as conversation_service
from hubbub.db.uow import Session
from hubbub.errors import NotFound
from hubbub.kit.clock import utcnow
from hubbub.kit.ids import new_id


class BotStateService:
    async def get(self, session: Session, workspace_id: str, key: StateKey) -> BotState:
        await _check_owner(session, workspace_id, key)
        return _live_or_raise(await BotStateRepository(session).get(workspace_id, key), key)

    async def set(
        self, session: Session, workspace_id: str, key: StateKey, data: StateWrite
    ) -> BotState:
        """Replace the payload (creating the state). A None payload deletes the state; the
        answer is then the state as it was removed, with an empty payload."""
        await _check_owner(session, workspace_id, key)
        repository = BotStateRepository(session)
        now = utcnow()
        stored = await repository.get(workspace_id, key)
        current = _live(stored, now)
        expiry_ms = _expiry(data, current)
        if data.payload is None:
            if stored is not None:
                await repository.delete(workspace_id, stored.id)
            removed = current or _new(workspace_id, key, {}, expiry_ms, now)
            return removed.model_copy(update={"payload": {}, "updated_at": now})
        if current is None:
            created, winner = await _create(
                repository, workspace_id, key, stored, data.payload, expiry_ms
            )
            if winner is None:
                return created
            current = winner  # a concurrent writer created it first: this write lands on it
        return await _rewrite(repository, current, data.payload, expiry_ms, utcnow())

    async def patch(
        self, session: Session, workspace_id: str, key: StateKey, data: StateWrite
    ) -> BotState:
        """Merge the payload's top-level keys into the state's."""
        await _check_owner(session, workspace_id, key)
        repository = BotStateRepository(session)
        current = _live_or_raise(await repository.get(workspace_id, key), key)
        merged = {**current.payload, **(data.payload or {})}
        return await _rewrite(repository, current, merged, _expiry(data, current), utcnow())

    async def get_or_set(
        self, session: Session, workspace_id: str, key: StateKey, data: StateWrite
    ) -> tuple[BotState, bool]:
        """The live state unchanged, or a new one with the payload; True when created."""
        await _check_owner(session, workspace_id, key)
        repository = BotStateRepository(session)
        stored = await repository.get(workspace_id, key)
        current = _live(stored, utcnow())
        if current is not None:
            return current, False
        payload = data.payload or {}
        created, winner = await _create(
            repository, workspace_id, key, stored, payload, _expiry(data, None)
        )
        return (created, True) if winner is None else (winner, False)

    async def set_expiry(
        self, session: Session, workspace_id: str, key: StateKey, *, expiry_ms: int | None
    ) -> BotState:
        """Give the state an idle expiry from now, or none."""
        await _check_owner(session, workspace_id, key)
        repository = BotStateRepository(session)
        current = _live_or_raise(await repository.get(workspace_id, key), key)
        return await _rewrite(repository, current, current.payload, expiry_ms, utcnow())


async def _create(
    repository: BotStateRepository,
    workspace_id: str,
    key: StateKey,
    lapsed: BotState | None,
    payload: dict[str, Any],
    expiry_ms: int | None,
) -> tuple[BotState, BotState | None]:
    """A new state in place of a lapsed one (if any), and None; or, when a concurrent writer
    inserted the same key first, the state it wrote as the second value (PostgreSQL's insert
    waits for that writer to commit, and the next read sees its row)."""
    if lapsed is not None:
        await repository.delete(workspace_id, lapsed.id)
    state = _new(workspace_id, key, payload, expiry_ms, utcnow())
    if await repository.insert_if_absent(state):
        return state, None
    winner = await repository.get(workspace_id, key)
    assert winner is not None  # the row the insert conflicted with
    return state, winner


async def _check_owner(session: Session, workspace_id: str, key: StateKey) -> None:
    if key.type == "conversation":
        if await conversation_service.get(session, workspace_id, key.owner_id) is None:
            raise NotFound("conversation", key.owner_id)
    elif key.type == "user":
        if await contact_service.get(session, workspace_id, key.owner_id) is None:
            raise NotFound("user", key.owner_id)
    elif key.type == "bot" and key.owner_id != workspace_id:
        raise NotFound("bot", key.owner_id)


def _live(state: BotState | None, now: datetime) -> BotState | None:
    if state is None or (state.expires_at is not None and state.expires_at <= now):
        return None
    return state


def _live_or_raise(state: BotState | None, key: StateKey) -> BotState:
    live = _live(state, utcnow())
    if live is None:
        raise NotFound("state", f"{key.type}/{key.owner_id}/{key.name}")
    return live


def _expiry(data: StateWrite, current: BotState | None) -> int | None:
    if data.expiry_given:
        return data.expiry
    return None if current is None else current.expiry_ms


def _expires_at(expiry_ms: int | None, now: datetime) -> datetime | None:
    return None if expiry_ms is None else now + timedelta(milliseconds=expiry_ms)


def _new(
    workspace_id: str,
    key: StateKey,
    payload: dict[str, Any],
    expiry_ms: int | None,
    now: datetime,
) -> BotState:
    return BotState(
        id=new_id(),
        workspace_id=workspace_id,
        type=key.type,
        owner_id=key.owner_id,
        name=key.name,
        payload=payload,
        expiry_ms=expiry_ms,
        expires_at=_expires_at(expiry_ms, now),
        created_at=now,
        updated_at=now,
    )


async def _rewrite(
    repository: BotStateRepository,
    current: BotState,
    payload: dict[str, Any],
    expiry_ms: int | None,
    now: datetime,
) -> BotState:
    """Store the payload and expiry; the write restarts the idle clock."""
    changes = {
        "payload": payload,
        "expiry_ms": expiry_ms,
        "expires_at": _expires_at(expiry_ms, now),
        "updated_at": now,
    }
    await repository.update(current.workspace_id, current.id, changes)
    return current.model_copy(update=changes)


bot_state = BotStateService()

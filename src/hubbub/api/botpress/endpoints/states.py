"""States: a named JSON payload per conversation, user, bot, integration or workflow, read,
set, shallow-patched, got-or-set and given an idle expiry. Nothing is cached, so ``meta.cached``
is always false."""

from __future__ import annotations

from fastapi import APIRouter, Response

from hubbub.api.botpress import mapping
from hubbub.api.botpress.deps import BotReader, BotWriter
from hubbub.api.botpress.schemas import StateExpiryBody, StatePatchBody, StateSetBody, StateType
from hubbub.api.deps import ReadSession, WriteSession
from hubbub.api.errors import json_response
from hubbub.bot_states.service import bot_state as bot_state_service

router = APIRouter()

PATH = "/states/{state_type}/{owner_id}/{name}"
_NOT_CACHED = {"cached": False}


@router.get(PATH)
async def get_state(
    state_type: StateType, owner_id: str, name: str, caller: BotReader, session: ReadSession
) -> Response:
    key = mapping.state_key(state_type, owner_id, name)
    found = await bot_state_service.get(session, caller.workspace_id, key)
    return json_response({"state": mapping.state_out(found), "meta": _NOT_CACHED}, 200)


@router.post(PATH)
async def set_state(
    state_type: StateType,
    owner_id: str,
    name: str,
    body: StateSetBody,
    caller: BotWriter,
    session: WriteSession,
) -> Response:
    key = mapping.state_key(state_type, owner_id, name)
    data = mapping.state_write(body)
    stored = await bot_state_service.set(session, caller.workspace_id, key, data)
    return json_response({"state": mapping.state_out(stored)}, 200)


@router.patch(PATH)
async def patch_state(
    state_type: StateType,
    owner_id: str,
    name: str,
    body: StatePatchBody,
    caller: BotWriter,
    session: WriteSession,
) -> Response:
    key = mapping.state_key(state_type, owner_id, name)
    data = mapping.state_write(body)
    patched = await bot_state_service.patch(session, caller.workspace_id, key, data)
    return json_response({"state": mapping.state_out(patched)}, 200)


@router.post(PATH + "/get-or-set")
async def get_or_set_state(
    state_type: StateType,
    owner_id: str,
    name: str,
    body: StatePatchBody,
    caller: BotWriter,
    session: WriteSession,
) -> Response:
    key = mapping.state_key(state_type, owner_id, name)
    data = mapping.state_write(body)
    found, _ = await bot_state_service.get_or_set(session, caller.workspace_id, key, data)
    return json_response({"state": mapping.state_out(found), "meta": _NOT_CACHED}, 200)


@router.post(PATH + "/expiry")
async def set_state_expiry(
    state_type: StateType,
    owner_id: str,
    name: str,
    body: StateExpiryBody,
    caller: BotWriter,
    session: WriteSession,
) -> Response:
    key = mapping.state_key(state_type, owner_id, name)
    changed = await bot_state_service.set_expiry(
        session, caller.workspace_id, key, expiry_ms=body.expiry
    )
    return json_response({"state": mapping.state_out(changed)}, 200)

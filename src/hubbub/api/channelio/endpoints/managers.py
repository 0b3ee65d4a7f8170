"""Managers = core agents (read only: Channel.io's open API lists and shows managers; they are
made in the Desk, here through the native ``/v1/agents``). ``since`` pages in ascending order,
as documented."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from hubbub.agents.service import agent as agent_service
from hubbub.api.channelio import defaults, views
from hubbub.api.channelio.deps import Reader
from hubbub.api.channelio.endpoints.user_chats import Limit, Since
from hubbub.api.channelio.paging import decode_since
from hubbub.api.deps import Cursors, ReadSession
from hubbub.api.errors import json_response

router = APIRouter(tags=["channelio"])


@router.get("/managers")
async def list_managers(
    actor: Reader,
    session: ReadSession,
    cursors: Cursors,
    since: Since = None,
    limit: Limit = defaults.DEFAULT_LIMIT,
) -> Response:
    page, after = await agent_service.list(
        session,
        actor.workspace_id,
        limit=limit,
        order="asc",
        cursor=decode_since(cursors, since),
    )
    body: dict[str, Any] = {"managers": [views.manager(found) for found in page]}
    if after is not None:
        body["next"] = cursors.encode(after)
    return json_response(body, 200)


@router.get("/managers/{manager_id}")
async def get_manager(manager_id: str, actor: Reader, session: ReadSession) -> Response:
    found = await agent_service.get_or_raise(session, actor.workspace_id, manager_id)
    return json_response({"manager": views.manager(found)}, 200)

"""Who is calling the Botpress dialect: ``Authorization: Bearer <key>`` plus ``x-bot-id``, which
must name the key's workspace (a Botpress bot is a Hubbub workspace). ``x-integration-id``
marks an integration request: the messages it creates are incoming."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from hubbub.api.auth import authenticate, require_scope, token_from_authorization
from hubbub.api.deps import get_database
from hubbub.errors import Forbidden, Unauthenticated
from hubbub.workspaces.schemas import Actor


@dataclass(frozen=True)
class BotCaller:
    actor: Actor
    integration_id: str | None
    integration_alias: str | None

    @property
    def workspace_id(self) -> str:
        return self.actor.workspace_id

    @property
    def is_integration(self) -> bool:
        return bool(self.integration_id)


async def get_caller(request: Request) -> BotCaller:
    actor = await authenticate(get_database(request), token_from_authorization(request))
    bot_id = request.headers.get("x-bot-id")
    if not bot_id:
        raise Unauthenticated("the x-bot-id header is required")
    if bot_id != actor.workspace_id:
        raise Forbidden("x-bot-id does not name the bot (workspace) of this access key")
    return BotCaller(
        actor=actor,
        integration_id=request.headers.get("x-integration-id") or None,
        integration_alias=request.headers.get("x-integration-alias") or None,
    )


async def get_reader(caller: Annotated[BotCaller, Depends(get_caller)]) -> BotCaller:
    require_scope(caller.actor, "read")
    return caller


async def get_writer(caller: Annotated[BotCaller, Depends(get_caller)]) -> BotCaller:
    require_scope(caller.actor, "write")
    return caller


BotReader = Annotated[BotCaller, Depends(get_reader)]
BotWriter = Annotated[BotCaller, Depends(get_writer)]

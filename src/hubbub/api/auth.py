"""Credentials as every surface sends them, resolved to one ``Actor``."""

from __future__ import annotations

from fastapi import Request

from hubbub.db.uow import Database
from hubbub.errors import Forbidden, Unauthenticated
from hubbub.workspaces.schemas import Actor, Scope
from hubbub.workspaces.service import workspace as workspace_service

TOKEN_SCHEMES = ("bearer", "accesskey")


def token_from_authorization(request: Request) -> str | None:
    """``Authorization: Bearer <key>`` or Bird's ``Authorization: AccessKey <key>``."""
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() not in TOKEN_SCHEMES or not token.strip():
        raise Unauthenticated("the Authorization header must be 'Bearer <key>'")
    return token.strip()


def token_from_key_pair(request: Request) -> str | None:
    """Channel.io's ``x-access-key`` + ``x-access-secret``: the two halves of one key."""
    key_id = request.headers.get("x-access-key")
    secret = request.headers.get("x-access-secret")
    if key_id is None and secret is None:
        return None
    if not key_id or not secret:
        raise Unauthenticated("both x-access-key and x-access-secret are required")
    return f"{key_id}.{secret}"


async def authenticate(database: Database, token: str | None) -> Actor:
    if token is None:
        raise Unauthenticated("an access key is required")
    cached = workspace_service.cached_actor(token)
    if cached is not None:
        return cached
    async with database.read() as session:
        return await workspace_service.authenticate(session, token)


def require_scope(actor: Actor, scope: Scope) -> Actor:
    if not actor.can(scope):
        raise Forbidden(f"this access key lacks the '{scope}' scope")
    return actor


def require_workspace(actor: Actor, workspace_id: str) -> Actor:
    if actor.workspace_id != workspace_id:
        raise Forbidden("this access key belongs to another workspace")
    return actor

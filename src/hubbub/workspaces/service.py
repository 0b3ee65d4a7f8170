"""Workspaces (tenants) and their access keys. A key reads ``<key id>.<secret>``; only a hash
of the secret is stored."""

from __future__ import annotations

import builtins
import hmac
import re
import time

from hubbub.db.uow import Session
from hubbub.errors import NotFound, Unauthenticated
from hubbub.kit.clock import utcnow
from hubbub.kit.ids import new_id, new_secret
from hubbub.kit.signing import hash_secret
from hubbub.workspaces.repository import AccessKeyRepository, WorkspaceRepository
from hubbub.workspaces.schemas import (
    AccessKey,
    AccessKeyCreate,
    Actor,
    CreatedWorkspace,
    IssuedKey,
    Workspace,
    WorkspaceCreate,
)

KEY_ID_PREFIX = "hk_"
# Verified keys are remembered briefly so a request does not pay a query to authenticate.
# Revocation in this process takes effect at once; other processes see it within this delay.
AUTH_CACHE_SECONDS = 10.0
_AUTH_CACHE_MAX = 10_000
# Key ids and secrets are ``token_urlsafe`` text; anything else is refused before it reaches a
# query (PostgreSQL would fail on a NUL character rather than find nothing).
_KEY_ID = re.compile(re.escape(KEY_ID_PREFIX) + r"[A-Za-z0-9_-]{1,37}")
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,200}")


def split_token(token: str) -> tuple[str, str]:
    key_id, _, secret = token.strip().partition(".")
    if _KEY_ID.fullmatch(key_id) is None or _SECRET.fullmatch(secret) is None:
        raise Unauthenticated("the access key is malformed; expected '<key id>.<secret>'")
    return key_id, secret


class WorkspaceService:
    def __init__(self) -> None:
        self._auth_cache: dict[str, tuple[float, Actor]] = {}

    async def create(self, session: Session, data: WorkspaceCreate) -> CreatedWorkspace:
        now = utcnow()
        workspace = Workspace(id=new_id(), name=data.name, created_at=now, updated_at=now)
        await WorkspaceRepository(session).insert(workspace.model_dump())
        admin_key = await self.create_key(
            session, workspace.id, AccessKeyCreate(name="admin", scopes=["admin"])
        )
        return CreatedWorkspace(workspace=workspace, admin_key=admin_key)

    async def get_or_raise(self, session: Session, workspace_id: str) -> Workspace:
        workspace = await WorkspaceRepository(session).get(workspace_id)
        if workspace is None:
            raise NotFound("workspace", workspace_id)
        return workspace

    async def list(self, session: Session) -> list[Workspace]:
        return await WorkspaceRepository(session).list()

    async def create_key(
        self, session: Session, workspace_id: str, data: AccessKeyCreate
    ) -> IssuedKey:
        await self.get_or_raise(session, workspace_id)
        key_id = KEY_ID_PREFIX + new_secret(12)
        secret = new_secret(24)
        key = AccessKey(
            id=key_id,
            workspace_id=workspace_id,
            name=data.name,
            scopes=sorted(set(data.scopes)),
            created_at=utcnow(),
        )
        await AccessKeyRepository(session).insert(
            {**key.model_dump(), "secret_hash": hash_secret(secret)}
        )
        return IssuedKey(key=key, token=f"{key_id}.{secret}")

    async def list_keys(self, session: Session, workspace_id: str) -> builtins.list[AccessKey]:
        return await AccessKeyRepository(session).list(workspace_id)

    async def revoke_key(self, session: Session, workspace_id: str, key_id: str) -> AccessKey:
        repository = AccessKeyRepository(session)
        key = await repository.get(workspace_id, key_id)
        if key is None:
            raise NotFound("access key", key_id)
        if key.revoked_at is None:
            key.revoked_at = utcnow()
            await repository.revoke(workspace_id, key_id, {"revoked_at": key.revoked_at})
        # Forget it now and once more after commit: a request authenticating in between still
        # reads the key as active and would cache it for another AUTH_CACHE_SECONDS.
        self._forget(key_id)
        session.after_commit(lambda: self._forget(key_id))
        return key

    def cached_actor(self, token: str) -> Actor | None:
        cached = self._auth_cache.get(token)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        return None

    async def authenticate(self, session: Session, token: str) -> Actor:
        """The actor a ``<key id>.<secret>`` token stands for; Unauthenticated otherwise."""
        token = token.strip()  # cached under the bare token, which is what _forget matches
        cached = self.cached_actor(token)
        if cached is not None:
            return cached
        key_id, secret = split_token(token)
        found = await AccessKeyRepository(session).get_with_hash(key_id)
        if found is None or not hmac.compare_digest(found[1], hash_secret(secret)):
            raise Unauthenticated("the access key is not valid")
        key = found[0]
        if key.revoked_at is not None:
            raise Unauthenticated("the access key was revoked")
        actor = Actor(workspace_id=key.workspace_id, key_id=key.id, scopes=frozenset(key.scopes))
        if len(self._auth_cache) >= _AUTH_CACHE_MAX:
            self._auth_cache.clear()
        self._auth_cache[token] = (time.monotonic() + AUTH_CACHE_SECONDS, actor)
        return actor

    def _forget(self, key_id: str) -> None:
        for token in [t for t in self._auth_cache if t.startswith(key_id + ".")]:
            del self._auth_cache[token]


workspace = WorkspaceService()

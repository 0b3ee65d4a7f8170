"""WorkspaceService against the real database: workspaces, their keys, authentication and
revocation (also through the in-process auth cache)."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from hubbub.api.auth import authenticate as authenticate_request
from hubbub.db.models import access_key
from hubbub.db.uow import Database, Session
from hubbub.errors import NotFound, Unauthenticated
from hubbub.kit.ids import new_id
from hubbub.workspaces.schemas import AccessKeyCreate, Actor, IssuedKey, Scope, WorkspaceCreate
from hubbub.workspaces.service import workspace as workspace_service
from tests.conftest import WorkspaceFixture


async def authenticate(database: Database, token: str) -> Actor:
    async with database.read() as session:
        return await workspace_service.authenticate(session, token)


async def issue_key(database: Database, workspace_id: str, *scopes: Scope) -> IssuedKey:
    async with database.transaction() as session:
        return await workspace_service.create_key(
            session, workspace_id, AccessKeyCreate(name="test key", scopes=list(scopes))
        )


async def revoke(database: Database, workspace_id: str, key_id: str) -> None:
    async with database.transaction() as session:
        await workspace_service.revoke_key(session, workspace_id, key_id)


def other_char(char: str) -> str:
    return "b" if char == "a" else "a"


async def stored_key_row(database: Database, key_id: str) -> dict[str, Any]:
    async with database.read() as session:
        row = (
            await session.conn.execute(select(access_key).where(access_key.c.id == key_id))
        ).one()
    return dict(row._mapping)


class TestCreate:
    async def test_creates_the_workspace_with_a_working_admin_key(self, database: Database) -> None:
        async with database.transaction() as session:
            created = await workspace_service.create(session, WorkspaceCreate(name="acme"))
        assert created.workspace.name == "acme"
        assert created.workspace.created_at == created.workspace.updated_at
        assert created.admin_key.key.workspace_id == created.workspace.id
        assert created.admin_key.key.scopes == ["admin"]

        actor = await authenticate(database, created.admin_key.token)
        assert actor == Actor(
            workspace_id=created.workspace.id,
            key_id=created.admin_key.key.id,
            scopes=frozenset({"admin"}),
        )
        async with database.read() as session:
            assert await workspace_service.get_or_raise(session, created.workspace.id) == (
                created.workspace
            )

    async def test_stores_only_a_sha256_hash_of_the_secret(self, database: Database) -> None:
        async with database.transaction() as session:
            created = await workspace_service.create(session, WorkspaceCreate(name="hashed"))
        token = created.admin_key.token
        key_id, secret = token.split(".", 1)
        assert key_id == created.admin_key.key.id

        row = await stored_key_row(database, key_id)
        assert row["secret_hash"] == hashlib.sha256(secret.encode()).hexdigest()
        stored_text = repr(row)
        assert secret not in stored_text
        assert token not in stored_text

    async def test_the_secret_never_appears_in_listed_keys(
        self, database: Database, workspace: WorkspaceFixture
    ) -> None:
        secret = workspace.token.split(".", 1)[1]
        async with database.read() as session:
            keys = await workspace_service.list_keys(session, workspace.id)
        assert secret not in repr([key.model_dump() for key in keys])

    async def test_a_workspace_name_must_not_be_empty(self) -> None:
        with pytest.raises(ValidationError):
            WorkspaceCreate(name="")


class TestCreateKey:
    @pytest.mark.parametrize(
        ("requested", "stored"),
        [
            (["read"], ["read"]),
            (["write", "read", "write"], ["read", "write"]),
            (["admin"], ["admin"]),
        ],
    )
    async def test_stores_the_requested_scopes_once_each(
        self,
        database: Database,
        workspace: WorkspaceFixture,
        requested: list[Scope],
        stored: list[Scope],
    ) -> None:
        issued = await issue_key(database, workspace.id, *requested)
        assert issued.key.scopes == stored
        assert issued.key.revoked_at is None
        actor = await authenticate(database, issued.token)
        assert actor.scopes == frozenset(stored)
        assert actor.workspace_id == workspace.id

    async def test_defaults_to_every_scope(
        self, database: Database, workspace: WorkspaceFixture
    ) -> None:
        async with database.transaction() as session:
            issued = await workspace_service.create_key(session, workspace.id, AccessKeyCreate())
        assert issued.key.scopes == ["admin", "read", "write"]
        assert issued.key.name == "key"

    @pytest.mark.parametrize("scopes", [[], ["owner"], ["read", "superuser"]])
    def test_refuses_no_scope_or_an_unknown_scope(self, scopes: list[str]) -> None:
        with pytest.raises(ValidationError):
            AccessKeyCreate.model_validate({"scopes": scopes})

    async def test_each_key_gets_its_own_id_and_secret(
        self, database: Database, workspace: WorkspaceFixture
    ) -> None:
        first = await issue_key(database, workspace.id, "read")
        second = await issue_key(database, workspace.id, "read")
        assert first.key.id != second.key.id
        assert first.token.split(".")[1] != second.token.split(".")[1]

    async def test_an_unknown_workspace_is_not_found(self, session: Session) -> None:
        missing = new_id()
        with pytest.raises(NotFound) as raised:
            await workspace_service.create_key(session, missing, AccessKeyCreate())
        assert (raised.value.resource, raised.value.resource_id) == ("workspace", missing)


class TestList:
    async def test_lists_the_workspace_keys_in_creation_order(
        self,
        database: Database,
        workspace: WorkspaceFixture,
        other_workspace: WorkspaceFixture,
    ) -> None:
        reader = await issue_key(database, workspace.id, "read")
        writer = await issue_key(database, workspace.id, "read", "write")
        async with database.read() as session:
            keys = await workspace_service.list_keys(session, workspace.id)
        admin_key_id = workspace.token.split(".")[0]
        assert [key.id for key in keys] == [admin_key_id, reader.key.id, writer.key.id]
        assert [key.scopes for key in keys] == [["admin"], ["read"], ["read", "write"]]
        assert all(key.workspace_id == workspace.id for key in keys)

    async def test_lists_workspaces(self, database: Database, workspace: WorkspaceFixture) -> None:
        async with database.read() as session:
            listed = await workspace_service.list(session)
        assert workspace.id in [w.id for w in listed]
        created = [w.created_at for w in listed]
        assert created == sorted(created)


class TestRevoke:
    async def test_a_revoked_key_no_longer_authenticates(
        self, database: Database, workspace: WorkspaceFixture
    ) -> None:
        issued = await issue_key(database, workspace.id, "read")
        assert (await authenticate(database, issued.token)).key_id == issued.key.id

        await revoke(database, workspace.id, issued.key.id)

        with pytest.raises(Unauthenticated, match="revoked"):
            await authenticate(database, issued.token)
        with pytest.raises(Unauthenticated):
            await authenticate_request(database, issued.token)
        async with database.read() as session:
            listed = {k.id: k for k in await workspace_service.list_keys(session, workspace.id)}
        assert listed[issued.key.id].revoked_at is not None

    async def test_revocation_is_immediate_despite_the_auth_cache(
        self, database: Database, workspace: WorkspaceFixture
    ) -> None:
        issued = await issue_key(database, workspace.id, "read")
        # Authenticating fills the cache: the next check would not even query.
        await authenticate_request(database, issued.token)
        assert workspace_service.cached_actor(issued.token) is not None

        await revoke(database, workspace.id, issued.key.id)

        assert workspace_service.cached_actor(issued.token) is None
        with pytest.raises(Unauthenticated):
            await authenticate_request(database, issued.token)

    async def test_a_request_racing_the_revocation_does_not_keep_the_key_alive(
        self, database: Database, workspace: WorkspaceFixture
    ) -> None:
        issued = await issue_key(database, workspace.id, "read")
        async with database.transaction() as session:
            await workspace_service.revoke_key(session, workspace.id, issued.key.id)
            # Another request, before the revocation commits, still sees an active key and
            # caches it; the commit must drop it again.
            await authenticate(database, issued.token)
        with pytest.raises(Unauthenticated):
            await authenticate_request(database, issued.token)

    async def test_revoking_twice_keeps_the_first_revocation_time(
        self, database: Database, workspace: WorkspaceFixture
    ) -> None:
        issued = await issue_key(database, workspace.id, "read")
        async with database.transaction() as session:
            first = await workspace_service.revoke_key(session, workspace.id, issued.key.id)
        async with database.transaction() as session:
            second = await workspace_service.revoke_key(session, workspace.id, issued.key.id)
        assert first.revoked_at is not None
        assert second.revoked_at == first.revoked_at

    async def test_a_key_of_another_workspace_is_not_found_and_stays_valid(
        self,
        database: Database,
        workspace: WorkspaceFixture,
        other_workspace: WorkspaceFixture,
    ) -> None:
        issued = await issue_key(database, workspace.id, "read")
        with pytest.raises(NotFound) as raised:
            await revoke(database, other_workspace.id, issued.key.id)
        assert (raised.value.resource, raised.value.resource_id) == ("access key", issued.key.id)
        assert (await authenticate(database, issued.token)).workspace_id == workspace.id

    async def test_an_unknown_key_is_not_found(
        self, database: Database, workspace: WorkspaceFixture
    ) -> None:
        with pytest.raises(NotFound):
            await revoke(database, workspace.id, "hk_doesnotexist")


class TestAuthenticate:
    @pytest.mark.parametrize(
        "token",
        [
            "",
            "   ",
            "garbage",
            "hk_abc",
            "hk_abc.",
            ".secret",
            "hk_.secret",
            "xx_abcdef.secret",
            "hk_abc.def.ghi",
            "hk_a\x00b.secret",
            "hk_abc.sec\x00ret",
            "hk_ünïcode.secret",
            "hk_" + "a" * 10_000 + ".secret",
            "hk_abc." + "s" * 10_000,
            "hk_' OR 1=1 --.secret",
        ],
    )
    async def test_a_malformed_token_is_refused(self, database: Database, token: str) -> None:
        with pytest.raises(Unauthenticated):
            await authenticate(database, token)

    async def test_a_wrong_secret_is_refused(
        self, database: Database, workspace: WorkspaceFixture
    ) -> None:
        key_id, secret = workspace.token.split(".")
        with pytest.raises(Unauthenticated, match="not valid"):
            await authenticate(database, f"{key_id}.{secret[:-1]}{other_char(secret[-1])}")
        with pytest.raises(Unauthenticated, match="not valid"):
            await authenticate(database, f"{key_id}.{secret}{secret}")

    async def test_an_unknown_key_id_is_refused(
        self, database: Database, workspace: WorkspaceFixture
    ) -> None:
        secret = workspace.token.split(".")[1]
        with pytest.raises(Unauthenticated, match="not valid"):
            await authenticate(database, f"hk_unknownkeyid.{secret}")

    async def test_surrounding_whitespace_is_ignored(
        self, database: Database, workspace: WorkspaceFixture
    ) -> None:
        actor = await authenticate(database, f"  {workspace.token}\t")
        assert actor.workspace_id == workspace.id

    async def test_no_token_at_all_is_refused(self, database: Database) -> None:
        with pytest.raises(Unauthenticated):
            await authenticate_request(database, None)


class TestActorScopes:
    @pytest.mark.parametrize(
        ("held", "allowed"),
        [
            ({"read"}, {"read"}),
            ({"write"}, {"read", "write"}),
            ({"admin"}, {"read", "write", "admin"}),
            ({"read", "write"}, {"read", "write"}),
            ({"read", "admin"}, {"read", "write", "admin"}),
            (set(), set()),
        ],
    )
    def test_admin_implies_write_implies_read(self, held: set[Scope], allowed: set[Scope]) -> None:
        actor = Actor(workspace_id=new_id(), key_id="hk_x", scopes=frozenset(held))
        scopes: list[Scope] = ["read", "write", "admin"]
        assert {scope for scope in scopes if actor.can(scope)} == allowed

"""``x-access-key`` + ``x-access-secret``: both halves, a valid secret, an active key, and the
scope the route needs; every refusal in Channel.io's error shape."""

from __future__ import annotations

import httpx
import pytest

from hubbub.db.uow import Database
from hubbub.workspaces.schemas import AccessKeyCreate
from hubbub.workspaces.service import workspace as workspace_service
from tests.api.channelio.conftest import BASE, error_of, key_pair
from tests.conftest import WorkspaceFixture

PATH = BASE + "/user-chats"


async def issue(database: Database, workspace_id: str, *scopes: str) -> tuple[str, str]:
    async with database.transaction() as session:
        issued = await workspace_service.create_key(
            session, workspace_id, AccessKeyCreate.model_validate({"scopes": list(scopes)})
        )
    return issued.key.id, issued.token


async def test_the_key_pair_is_accepted(
    client: httpx.AsyncClient, workspace: WorkspaceFixture
) -> None:
    response = await client.get(PATH, headers=key_pair(workspace.token))
    assert response.status_code == 200


@pytest.mark.parametrize("missing", ["x-access-key", "x-access-secret"])
async def test_a_missing_half_is_a_401(
    client: httpx.AsyncClient, workspace: WorkspaceFixture, missing: str
) -> None:
    headers = key_pair(workspace.token)
    del headers[missing]
    errors = error_of(await client.get(PATH, headers=headers), 401, "unauthorized")
    assert "x-access-key and x-access-secret" in errors[0]["message"]


async def test_no_credentials_is_a_401(
    client: httpx.AsyncClient, workspace: WorkspaceFixture
) -> None:
    error_of(await client.get(PATH), 401, "unauthorized")
    # A native bearer token is not Channel.io's way of signing in.
    error_of(await client.get(PATH, headers=workspace.headers), 401, "unauthorized")


@pytest.mark.parametrize(
    "mangle",
    [
        lambda key, secret: (key, secret + "x"),
        lambda key, secret: (key, secret[::-1]),
        lambda key, secret: (key + "x", secret),
        lambda key, secret: ("not a key", secret),
        lambda key, secret: (key, "bad secret!"),
    ],
)
async def test_a_wrong_key_or_secret_is_a_401(
    client: httpx.AsyncClient, workspace: WorkspaceFixture, mangle: object
) -> None:
    pair = key_pair(workspace.token)
    key, secret = mangle(pair["x-access-key"], pair["x-access-secret"])  # type: ignore[operator]
    headers = {"x-access-key": key, "x-access-secret": secret}
    error_of(await client.get(PATH, headers=headers), 401, "unauthorized")


async def test_a_revoked_key_is_a_401(
    client: httpx.AsyncClient, workspace: WorkspaceFixture, database: Database
) -> None:
    key_id, token = await issue(database, workspace.id, "write")
    assert (await client.get(PATH, headers=key_pair(token))).status_code == 200
    async with database.transaction() as session:
        await workspace_service.revoke_key(session, workspace.id, key_id)
    errors = error_of(await client.get(PATH, headers=key_pair(token)), 401, "unauthorized")
    assert "revoked" in errors[0]["message"]


async def test_a_read_only_key_cannot_write(
    client: httpx.AsyncClient, workspace: WorkspaceFixture, database: Database
) -> None:
    _, token = await issue(database, workspace.id, "read")
    headers = key_pair(token)
    assert (await client.get(PATH, headers=headers)).status_code == 200
    response = await client.put(BASE + "/users/@reader", json={}, headers=headers)
    error_of(response, 403, "forbidden")

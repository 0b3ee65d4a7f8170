"""The native error shape ``{"error": {"code", "message", "details"}}`` for every way a request
can go wrong before or inside an endpoint, and no 500 for any bad input."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI

from hubbub.app import create_app
from hubbub.config import Settings
from hubbub.db.uow import Database
from hubbub.workspaces.schemas import AccessKeyCreate, Scope, WorkspaceCreate
from hubbub.workspaces.service import workspace as workspace_service
from tests.api.routes import native_routes
from tests.conftest import TEST_SECRET, WorkspaceFixture

SMALL_LIMIT = 2048


def error_of(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The error body, after checking the status and that the shape is exactly the native one."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    error: dict[str, Any] = body["error"]
    assert set(error) == {"code", "message", "details"}
    assert error["code"] == code
    assert isinstance(error["message"], str)
    assert error["message"]
    assert isinstance(error["details"], dict)
    return error


async def issue_token(database: Database, workspace_id: str, *scopes: Scope) -> str:
    async with database.transaction() as session:
        issued = await workspace_service.create_key(
            session, workspace_id, AccessKeyCreate(scopes=list(scopes))
        )
    return issued.token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest_asyncio.fixture
async def lenient_client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client that shows a server error as its 500 response instead of raising it."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://hubbub.test") as client:
        yield client


class TestRouting:
    @pytest.mark.parametrize("path", ["/v1/nothing-here", "/nothing-here", "/v1/channels/a/b/c"])
    async def test_an_unknown_route_is_a_404(
        self, client: httpx.AsyncClient, workspace: WorkspaceFixture, path: str
    ) -> None:
        error = error_of(await client.get(path, headers=workspace.headers), 404, "not_found")
        assert error["details"]["resource"] == "route"

    @pytest.mark.parametrize(
        ("method", "path"),
        [("PUT", "/v1/channels"), ("DELETE", "/v1/events"), ("PATCH", "/v1/workspaces")],
    )
    async def test_a_wrong_method_is_a_405(
        self, client: httpx.AsyncClient, workspace: WorkspaceFixture, method: str, path: str
    ) -> None:
        response = await client.request(method, path, headers=workspace.headers)
        error_of(response, 405, "method_not_allowed")


class TestBadBodies:
    @pytest.mark.parametrize(
        ("content_type", "content"),
        [
            ("application/x-www-form-urlencoded", b'{"platform": "sandbox", "name": "form"}'),
            ("text/plain", b'{"platform": "sandbox", "name": "plain"}'),
            ("multipart/form-data; boundary=x", b"--x\r\n\r\n--x--\r\n"),
        ],
    )
    async def test_a_body_not_sent_as_json_names_the_content_type(
        self,
        client: httpx.AsyncClient,
        workspace: WorkspaceFixture,
        content_type: str,
        content: bytes,
    ) -> None:
        response = await client.post(
            "/v1/channels",
            content=content,
            headers={**workspace.headers, "Content-Type": content_type},
        )
        error = error_of(response, 415, "unsupported_media_type")
        assert "Content-Type: application/json" in error["message"]
        assert content_type.split(";")[0] in error["message"]
        assert error["details"]["field"] == "Content-Type"

    async def test_a_json_body_of_the_wrong_kind_is_still_a_422(
        self, client: httpx.AsyncClient, workspace: WorkspaceFixture
    ) -> None:
        response = await client.post(
            "/v1/channels",
            content=b'["not", "an", "object"]',
            headers={**workspace.headers, "Content-Type": "application/json"},
        )
        error_of(response, 422, "unprocessable")

    @pytest.mark.parametrize("content", [b"{", b'{"name": "x",}', b"\xff\xfe", b"{'name': 1}"])
    async def test_malformed_json_is_a_400(
        self, client: httpx.AsyncClient, workspace: WorkspaceFixture, content: bytes
    ) -> None:
        response = await client.post(
            f"/v1/workspaces/{workspace.id}/keys",
            content=content,
            headers={**workspace.headers, "Content-Type": "application/json"},
        )
        error = error_of(response, 400, "invalid_input")
        assert error["details"]["field"] == "body"

    @pytest.mark.parametrize(
        ("path", "body", "field"),
        [
            ("keys", {"scopes": ["owner"]}, "scopes.0"),
            ("keys", {"scopes": []}, "scopes"),
            ("keys", {"name": ""}, "name"),
            ("keys", {"name": 5}, "name"),
            ("keys", [], "body"),
            ("channels", {"platform": "pigeon", "name": "x"}, "platform"),
            ("channels", {"name": "x"}, "platform"),
        ],
    )
    async def test_a_schema_violation_is_a_422_naming_the_field(
        self,
        client: httpx.AsyncClient,
        workspace: WorkspaceFixture,
        path: str,
        body: Any,
        field: str,
    ) -> None:
        url = f"/v1/workspaces/{workspace.id}/keys" if path == "keys" else "/v1/channels"
        response = await client.post(url, json=body, headers=workspace.headers)
        error = error_of(response, 422, "unprocessable")
        assert error["details"]["field"] == field
        assert field in error["details"]["fields"]
        assert f"'{field}'" in error["message"]

    async def test_a_bad_query_parameter_is_a_422_naming_it(
        self, client: httpx.AsyncClient, workspace: WorkspaceFixture
    ) -> None:
        response = await client.get(
            "/v1/events", params={"limit": "many"}, headers=workspace.headers
        )
        assert error_of(response, 422, "unprocessable")["details"]["field"] == "limit"


class TestAuthentication:
    @pytest.mark.parametrize(
        "headers",
        [
            {},
            {"Authorization": ""},
            {"Authorization": "Bearer"},
            {"Authorization": "Bearer garbage"},
            {"Authorization": "Bearer hk_unknown.secret"},
            {"Authorization": "Basic dXNlcjpwYXNz"},
            {"x-access-key": "hk_only_half"},
        ],
    )
    async def test_a_missing_or_bad_key_is_a_401(
        self, client: httpx.AsyncClient, workspace: WorkspaceFixture, headers: dict[str, str]
    ) -> None:
        response = await client.post(
            f"/v1/workspaces/{workspace.id}/keys", json={}, headers=headers
        )
        error_of(response, 401, "unauthenticated")
        assert response.headers["www-authenticate"] == "Bearer"

    async def test_a_revoked_key_is_a_401(
        self, client: httpx.AsyncClient, database: Database, workspace: WorkspaceFixture
    ) -> None:
        token = await issue_token(database, workspace.id, "read")
        assert (await client.get("/v1/events", headers=bearer(token))).status_code == 200
        key_id = token.split(".")[0]
        revoked = await client.delete(
            f"/v1/workspaces/{workspace.id}/keys/{key_id}", headers=workspace.headers
        )
        assert revoked.status_code == 204
        error_of(await client.get("/v1/events", headers=bearer(token)), 401, "unauthenticated")

    async def test_authentication_comes_before_body_validation(
        self, client: httpx.AsyncClient, workspace: WorkspaceFixture
    ) -> None:
        response = await client.post(f"/v1/workspaces/{workspace.id}/keys", content=b"{")
        error_of(response, 401, "unauthenticated")


class TestAuthorization:
    async def test_a_read_only_key_cannot_write(
        self, client: httpx.AsyncClient, database: Database, workspace: WorkspaceFixture
    ) -> None:
        token = await issue_token(database, workspace.id, "read")
        response = await client.post(
            "/v1/channels", json={"platform": "sms", "name": "x"}, headers=bearer(token)
        )
        error = error_of(response, 403, "forbidden")
        assert "write" in error["message"]
        listed = await client.get("/v1/channels", headers=workspace.headers)
        assert listed.json()["data"] == []

    async def test_a_write_key_cannot_manage_keys(
        self, client: httpx.AsyncClient, database: Database, workspace: WorkspaceFixture
    ) -> None:
        token = await issue_token(database, workspace.id, "read", "write")
        response = await client.post(
            f"/v1/workspaces/{workspace.id}/keys", json={}, headers=bearer(token)
        )
        assert "admin" in error_of(response, 403, "forbidden")["message"]


class TestBodySize:
    @pytest_asyncio.fixture
    async def small_client(
        self, database: Database, tmp_path: Path
    ) -> AsyncIterator[httpx.AsyncClient]:
        settings = Settings(data_dir=tmp_path, secret=TEST_SECRET, max_body_bytes=SMALL_LIMIT)
        app = create_app(settings, database=database)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hubbub.test") as client:
            yield client

    @staticmethod
    def padded_body(size: int) -> bytes:
        prefix, suffix = b'{"name": "', b'"}'
        return prefix + b"x" * (size - len(prefix) - len(suffix)) + suffix

    async def test_a_declared_length_over_the_limit_is_a_413(
        self, small_client: httpx.AsyncClient, workspace: WorkspaceFixture
    ) -> None:
        response = await small_client.post(
            f"/v1/workspaces/{workspace.id}/keys",
            content=self.padded_body(SMALL_LIMIT + 1),
            headers={**workspace.headers, "Content-Type": "application/json"},
        )
        error = error_of(response, 413, "payload_too_large")
        assert str(SMALL_LIMIT) in error["message"]

    async def test_a_chunked_body_over_the_limit_is_a_413(
        self, small_client: httpx.AsyncClient, workspace: WorkspaceFixture
    ) -> None:
        body = self.padded_body(SMALL_LIMIT * 3)

        async def chunks() -> AsyncIterator[bytes]:
            for start in range(0, len(body), 500):
                yield body[start : start + 500]

        response = await small_client.post(
            f"/v1/workspaces/{workspace.id}/keys",
            content=chunks(),
            headers={**workspace.headers, "Content-Type": "application/json"},
        )
        assert "content-length" not in response.request.headers
        error_of(response, 413, "payload_too_large")

    async def test_a_body_at_the_limit_is_accepted(
        self, small_client: httpx.AsyncClient, workspace: WorkspaceFixture
    ) -> None:
        body = b'{"name": "fits", "scopes": ["read"]' + b" " * SMALL_LIMIT
        body = body[: SMALL_LIMIT - 1] + b"}"
        assert len(body) == SMALL_LIMIT
        response = await small_client.post(
            f"/v1/workspaces/{workspace.id}/keys",
            content=body,
            headers={**workspace.headers, "Content-Type": "application/json"},
        )
        assert response.status_code == 201, response.text


# What a careless or hostile client sends, to every route of the native API.
HOSTILE_IDS = ["does-not-exist", "%00", "x" * 2000, "'; DROP TABLE message; --", "☃", "%2E%2E"]
HOSTILE_QUERY_VALUES = [
    "",
    "0",
    "-1",
    str(10**30),
    "1e400",
    "abc",
    "\x00",
    "x" * 5000,
    "99999-01-01T00:00:00Z",
    '"a" OR b* NEAR(c) -d ^e',
    "=",
    "k=",
    "=v",
]
HOSTILE_VALUES: list[Any] = [
    None,
    "\x00",
    "x" * 20_000,
    10**30,
    -(10**30),
    1e308,
    [],
    {},
    [None, {"type": "\x00"}],
    {"type": "text", "text": "\x00"},
    {"\x00": "\x00"},
]
HOSTILE_RAW_BODIES = [b"{", b"[]", b"null", b"123", b'"text"', b"\x00", b'{"a": NaN}']


def is_native_error(response: httpx.Response) -> bool:
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and set(body.get("error", {})) == {"code", "message", "details"}


async def test_no_bad_input_yields_a_500(
    lenient_client: httpx.AsyncClient, app: FastAPI, database: Database
) -> None:
    # A throwaway workspace: some hostile requests may well succeed at writing.
    async with database.transaction() as session:
        created = await workspace_service.create(session, WorkspaceCreate(name="hostile"))
    own_id = created.workspace.id
    # Asked for JSON: a stream URL would otherwise stream (and never end) for this client.
    headers = {
        **bearer(created.admin_key.token),
        "Content-Type": "application/json",
        "Accept": "application/json",
    }
    failures: list[str] = []
    sent = 0

    async def check(method: str, url: str, **kwargs: Any) -> None:
        nonlocal sent
        sent += 1
        response = await lenient_client.request(method, url, headers=headers, **kwargs)
        if response.status_code >= 500 or (
            response.status_code >= 400 and not is_native_error(response)
        ):
            failures.append(
                f"{method} {url:.120} {kwargs!r:.200} -> {response.status_code} "
                f"{response.text:.200}"
            )

    for route in native_routes(app):
        for value in HOSTILE_IDS:
            await check(route.method, route.url(dict.fromkeys(route.path_params, value)))
        url = route.url(dict.fromkeys(route.path_params, own_id))
        for name in route.query_params:
            for value in HOSTILE_QUERY_VALUES:
                await check(route.method, url, params={name: value})
        if route.method in ("POST", "PATCH"):
            for raw in HOSTILE_RAW_BODIES:
                await check(route.method, url, content=raw)
            for field in route.body_fields:
                for value in HOSTILE_VALUES:
                    await check(route.method, url, content=json.dumps({field: value}))
    assert failures == []
    assert sent > 1000  # the routes were really all exercised


class TestOverload:
    """PostgreSQL's pool has a fixed size (``hubbub.db.engine.create_async``): a request that
    finds every connection busy for the pool's whole timeout is told to come back, not a 500.
    (SQLite's connections are the process's own and are never waited for.)"""

    @pytest_asyncio.fixture
    async def one_connection(self, database: Database) -> AsyncIterator[Database]:
        if database.caps.name != "postgresql":
            pytest.skip("only PostgreSQL's pool is waited for")
        small = Database(database.url, pool_size=1, pool_timeout=0.2)
        yield small
        await small.dispose()

    async def test_a_request_finding_no_free_connection_is_a_503_to_retry(
        self, settings: Settings, one_connection: Database, workspace: WorkspaceFixture
    ) -> None:
        app = create_app(settings, database=one_connection)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hubbub.test") as client:
            async with one_connection.read():  # the pool's only connection, held
                busy = await client.get("/v1/channels", headers=workspace.headers)
                create = await client.post(
                    "/v1/messages", json={"conversation_id": "x"}, headers=workspace.headers
                )
            free = await client.get("/v1/channels", headers=workspace.headers)
        for response in (busy, create):
            error_of(response, 503, "unavailable")
            assert response.headers["retry-after"] == "1"
        assert free.status_code == 200, free.text

"""Users and their keys, the channel check, ``/hello``, the widget files and CORS."""

from __future__ import annotations

import httpx
import pytest

from hubbub.app import create_app
from hubbub.config import Settings
from hubbub.db.uow import Database
from tests.api.webchat.conftest import Visitor, chat_error, make_channel
from tests.conftest import TEST_SECRET, WorkspaceFixture


async def test_a_new_user_is_a_contact_addressable_on_the_channel(
    client: httpx.AsyncClient, workspace: WorkspaceFixture, channel_id: str
) -> None:
    response = await client.post(f"/webchat/{channel_id}/users", json={"name": "Ada"})
    assert response.status_code == 201, response.text
    body = response.json()
    user = body["user"]
    assert set(user) == {"id", "name", "createdAt", "updatedAt"}
    assert user["name"] == "Ada"
    assert user["createdAt"].endswith("Z")
    assert isinstance(body["key"], str)
    assert body["key"]

    contact = (await client.get(f"/v1/contacts/{user['id']}", headers=workspace.headers)).json()
    assert contact["identifiers"] == [{"key": "userid", "value": user["id"]}]
    assert contact["tags"] == {"webchat_channel": channel_id}
    me = await client.get(f"/webchat/{channel_id}/users/me", headers={"x-user-key": body["key"]})
    assert me.status_code == 200
    assert me.json() == {"user": user}


async def test_post_users_without_a_body_creates_a_user(
    client: httpx.AsyncClient, channel_id: str
) -> None:
    response = await client.post(f"/webchat/{channel_id}/users")
    assert response.status_code == 201, response.text
    assert set(response.json()["user"]) == {"id", "createdAt", "updatedAt"}


async def test_the_user_updates_himself(visitor: Visitor) -> None:
    updated = await visitor.ok(
        "PUT",
        "/users/me",
        json={"name": "Grace", "pictureUrl": "https://example.com/g.png", "profile": "{}"},
    )
    assert updated["user"]["name"] == "Grace"
    assert updated["user"]["pictureUrl"] == "https://example.com/g.png"
    assert updated["user"]["profile"] == "{}"

    cleared = await visitor.ok("PUT", "/users/me", json={"pictureUrl": None})
    assert "pictureUrl" not in cleared["user"]
    assert cleared["user"]["name"] == "Grace"  # what the body leaves out stays
    again = await visitor.ok("POST", "/users/get-or-create", json={})
    assert again["user"] == cleared["user"]


async def test_get_or_create_with_a_key_answers_that_user(visitor: Visitor) -> None:
    body = await visitor.ok("POST", "/users/get-or-create", json={"name": "Linus"})
    assert body["user"]["id"] == visitor.id
    assert body["user"]["name"] == "Linus"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"id": "chosen-by-me"}, "id"),
        ({"nickname": "x"}, "nickname"),
        ({"profile": "p" * 1001}, "profile"),
    ],
)
async def test_invalid_user_bodies_are_refused(
    client: httpx.AsyncClient, channel_id: str, body: dict[str, str], field: str
) -> None:
    error = chat_error(
        await client.post(f"/webchat/{channel_id}/users", json=body), 400, "InvalidPayload"
    )
    assert field in error["message"]


@pytest.mark.parametrize(
    "key",
    [
        None,
        "",
        "garbage",
        "no-signature.",
        ".no-contact",
        "0190f3d2-0000-7000-8000-000000000000.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "clé.ünicode",
        "x" * 500,
    ],
)
async def test_a_missing_or_garbled_key_is_unauthorized(
    client: httpx.AsyncClient, channel_id: str, key: str | None
) -> None:
    headers = {} if key is None else {"x-user-key": key.encode("latin-1")}
    for method, path in (
        ("GET", "/users/me"),
        ("POST", "/conversations"),
        ("GET", "/conversations"),
    ):
        response = await client.request(
            method, f"/webchat/{channel_id}{path}", headers=headers, json={}
        )
        chat_error(response, 401, "Unauthorized")


async def test_a_key_with_another_users_id_is_unauthorized(
    client: httpx.AsyncClient, channel_id: str, visitor: Visitor
) -> None:
    other = await Visitor(client, channel_id).join()
    _, _, signature = visitor.key.rpartition(".")
    forged = f"{other.id}.{signature}"
    response = await client.get(f"/webchat/{channel_id}/users/me", headers={"x-user-key": forged})
    chat_error(response, 401, "Unauthorized")


async def test_a_key_of_one_channel_is_refused_on_another(
    client: httpx.AsyncClient, workspace: WorkspaceFixture, visitor: Visitor
) -> None:
    second = await make_channel(client, workspace)
    response = await client.get(f"/webchat/{second}/users/me", headers=visitor.headers)
    chat_error(response, 401, "Unauthorized")


async def test_the_key_of_a_deleted_user_is_unauthorized(
    client: httpx.AsyncClient, workspace: WorkspaceFixture, visitor: Visitor
) -> None:
    deleted = await client.delete(f"/v1/contacts/{visitor.id}", headers=workspace.headers)
    assert deleted.status_code == 204, deleted.text
    chat_error(await visitor.call("GET", "/users/me"), 401, "Unauthorized")


async def test_only_webchat_channels_have_the_api(
    client: httpx.AsyncClient, workspace: WorkspaceFixture
) -> None:
    sms = await make_channel(client, workspace, "sms")
    for channel in (sms, "no-such-channel"):
        for method, path in (("POST", "/users"), ("GET", "/hello"), ("GET", "/")):
            response = await client.request(method, f"/webchat/{channel}{path}")
            error = chat_error(response, 404, "ResourceNotFound")
            assert error["metadata"] == {"resource": "channel", "id": channel}


async def test_unknown_routes_answer_in_the_chat_shape(
    client: httpx.AsyncClient, channel_id: str
) -> None:
    chat_error(await client.get(f"/webchat/{channel_id}/nowhere"), 404, "ResourceNotFound")
    chat_error(await client.delete(f"/webchat/{channel_id}/hello"), 405, "MethodNotFound")


async def test_hello_answers_what_the_chat_client_expects(
    client: httpx.AsyncClient, channel_id: str
) -> None:
    for path in ("/hello", "/hello/"):
        response = await client.get(f"/webchat/{channel_id}{path}")
        assert response.status_code == 200, response.text
        assert "code" not in response.json()
        assert response.json()["channel"]["id"] == channel_id


async def test_the_widget_is_served_from_the_channel_url(
    client: httpx.AsyncClient, channel_id: str
) -> None:
    page = await client.get(f"/webchat/{channel_id}/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert '<script src="widget.js">' in page.text
    script = await client.get(f"/webchat/{channel_id}/widget.js")
    assert script.headers["content-type"].startswith("text/javascript")
    assert "/messages/" in script.text
    assert "/read" in script.text
    style = await client.get(f"/webchat/{channel_id}/widget.css")
    assert style.headers["content-type"].startswith("text/css")
    # The page's relative links need the trailing slash: the bare channel URL redirects.
    bare = await client.get(f"/webchat/{channel_id}")
    assert bare.status_code == 307
    assert bare.headers["location"].endswith(f"/webchat/{channel_id}/")


PREFLIGHT = {
    "Origin": "https://shop.example",
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "content-type,x-user-key",
}


async def test_any_site_may_call_the_api_by_default(
    client: httpx.AsyncClient, channel_id: str, visitor: Visitor
) -> None:
    preflight = await client.options(f"/webchat/{channel_id}/messages", headers=PREFLIGHT)
    assert preflight.status_code == 200
    # Echoed by name, with credentials: what a credentialed browser request needs.
    assert preflight.headers["access-control-allow-origin"] == "https://shop.example"
    assert preflight.headers["access-control-allow-credentials"] == "true"
    assert "x-user-key" in preflight.headers["access-control-allow-headers"].lower()

    me = await visitor.call("GET", "/users/me", headers={"Origin": "https://shop.example"})
    assert me.headers["access-control-allow-origin"] == "https://shop.example"
    refused = await client.get(
        f"/webchat/{channel_id}/users/me", headers={"Origin": "https://shop.example"}
    )
    assert refused.status_code == 401
    assert refused.headers["access-control-allow-origin"] == "https://shop.example"


async def test_the_rest_of_hubbub_stays_same_origin(
    client: httpx.AsyncClient, workspace: WorkspaceFixture
) -> None:
    native = await client.get(
        "/v1/channels", headers={**workspace.headers, "Origin": "https://shop.example"}
    )
    assert native.status_code == 200
    assert "access-control-allow-origin" not in native.headers
    preflight = await client.options("/v1/messages", headers=PREFLIGHT)
    assert "access-control-allow-origin" not in preflight.headers


async def test_allowed_origins_are_configurable(
    database: Database, settings: Settings, workspace: WorkspaceFixture
) -> None:
    limited = Settings(
        data_dir=settings.data_dir,
        secret=TEST_SECRET,
        webchat_allowed_origins="https://shop.example, https://blog.example/",
    )
    app = create_app(limited, database=database)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hubbub.test") as client:
        channel = await make_channel(client, workspace)
        path = f"/webchat/{channel}/users"
        for origin in ("https://shop.example", "https://blog.example"):
            allowed = await client.options(path, headers={**PREFLIGHT, "Origin": origin})
            assert allowed.status_code == 200
            assert allowed.headers["access-control-allow-origin"] == origin
        other = await client.options(path, headers={**PREFLIGHT, "Origin": "https://evil.example"})
        assert other.status_code == 400
        assert "access-control-allow-origin" not in other.headers

"""Every failure under /compat/botpress answers Botpress's error body with the status of its
type: validation, malformed JSON, id lengths, auth, unknown routes and bad queries."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from hubbub.db.uow import Database
from hubbub.workspaces.schemas import AccessKeyCreate
from hubbub.workspaces.service import workspace as workspace_service
from tests.api.botpress.conftest import BASE, Bot, botpress_error, integration_headers
from tests.conftest import WorkspaceFixture

SHORT_ID = "x" * 27
LONG_ID = "x" * 37


async def message_body(bot: Bot, **overrides: Any) -> dict[str, Any]:
    user = await bot.user()
    conversation = await bot.conversation()
    body = {
        "payload": {"text": "hi"},
        "userId": user["id"],
        "conversationId": conversation["id"],
        "type": "text",
        "tags": {},
    }
    body.update(overrides)
    return {key: value for key, value in body.items() if value is not ...}


class TestValidation:
    @pytest.mark.parametrize(
        "overrides",
        [
            {"userId": SHORT_ID},
            {"userId": LONG_ID},
            {"conversationId": SHORT_ID},
            {"conversationId": LONG_ID},
            {"userId": ...},
            {"tags": ...},
            {"type": ...},
            {"payload": ...},
            {"type": ""},
            {"type": "t" * 201},
            {"type": 5},
            {"payload": "text"},
            {"payload": [1]},
            {"tags": {"k": 1}},
            {"tags": {"k": "v" * 501}},
            {"tags": []},
            {"origin": "organic"},
            {"unknown": "field"},
            {"schedule": {}},
            {"schedule": {"dateTime": "not a date at all, no!"}},
            {"schedule": {"delay": "1000"}},
            {"schedule": {"delay": -1}},
            {"schedule": {"delay": 1, "later": True}},
        ],
    )
    async def test_a_bad_message_body_is_invalid_payload(
        self, bot: Bot, overrides: dict[str, Any]
    ) -> None:
        body = await message_body(bot, **overrides)
        error = botpress_error(
            await bot.call("POST", "/messages", json=body), 400, "InvalidPayload"
        )
        assert "detail" not in error

    @pytest.mark.parametrize(
        ("path", "body"),
        [
            ("/users", {"tags": {}, "name": "n" * 201}),
            ("/users", {"tags": {}, "pictureUrl": 5}),
            ("/users", {"name": "no tags"}),
            ("/users/get-or-create", {"tags": {}, "discriminateByTags": "id"}),
            ("/conversations", {"tags": {}}),
            ("/conversations", {"channel": "c", "tags": {}, "integrationName": "i" * 191}),
            ("/conversations/get-or-create", {"channel": "", "tags": {}}),
            ("/events", {"type": "t"}),
            ("/events", {"type": "t", "payload": {}, "conversationId": SHORT_ID}),
            ("/messages/get-or-create", {"type": "t", "tags": {}}),
        ],
    )
    async def test_other_bad_bodies_are_invalid_payload(
        self, bot: Bot, path: str, body: dict[str, Any]
    ) -> None:
        botpress_error(await bot.call("POST", path, json=body), 400, "InvalidPayload")

    @pytest.mark.parametrize(
        "content", [b"{not json", b"", b"[1, 2]", b'"text"', b"null", b'{"tags": {}'], ids=str
    )
    async def test_malformed_json_is_invalid_payload(self, bot: Bot, content: bytes) -> None:
        response = await bot.call(
            "POST", "/users", content=content, headers={"content-type": "application/json"}
        )
        botpress_error(response, 400, "InvalidPayload")

    async def test_a_participant_id_of_the_wrong_length_is_invalid(self, bot: Bot) -> None:
        conversation = await bot.conversation()
        for user_id in (SHORT_ID, LONG_ID):
            response = await bot.call(
                "POST",
                f"/conversations/{conversation['id']}/participants",
                json={"userId": user_id},
            )
            botpress_error(response, 400, "InvalidPayload")

    async def test_a_message_for_an_unknown_conversation_is_not_found(self, bot: Bot) -> None:
        missing = "00000000-0000-7000-8000-000000000000"
        body = await message_body(bot, conversationId=missing)
        botpress_error(await bot.call("POST", "/messages", json=body), 404, "ResourceNotFound")

    async def test_a_user_message_from_an_unknown_user_is_invalid(self, bot: Bot) -> None:
        """The core's author rule (an incoming message's userId is its contact author), in
        Botpress's shape: InvalidPayload naming userId. (Before the rule moved to the core,
        the dialect answered ResourceNotFound, for bot messages too.)"""
        missing = "00000000-0000-7000-8000-000000000000"
        body = await message_body(bot, userId=missing)
        response = await bot.call(
            "POST", "/messages", json=body, headers=integration_headers(bot.workspace)
        )
        error = botpress_error(response, 400, "InvalidPayload")
        assert error["metadata"]["field"] == "userId"

    async def test_a_bot_message_names_the_bot_as_it_likes(self, bot: Bot) -> None:
        """A bot author is a name, not a user: Botpress bots write as ``userId: botId``."""
        body = await message_body(bot, userId=bot.workspace.id)
        created = await bot.ok("POST", "/messages", 201, json=body)
        assert created["message"]["userId"] == bot.workspace.id

    async def test_metadata_names_the_field(self, bot: Bot) -> None:
        body = await message_body(bot, userId=SHORT_ID)
        error = botpress_error(
            await bot.call("POST", "/messages", json=body), 400, "InvalidPayload"
        )
        assert "userId" in error["message"]
        assert error["metadata"]["field"] == "userId"


class TestQueries:
    @pytest.mark.parametrize(
        "params",
        [
            {"nextToken": "garbage"},
            {"nextToken": "eyJ4IjoxfQ.c2lnbmF0dXJl"},
            {"pageSize": "ten"},
            {"pageSize": "0"},
            {"tags.": "x"},
            {"tags.k": ""},
            {"afterDate": "yesterday"},
            {"conversationId": "c" * 501},
        ],
    )
    async def test_a_bad_list_query_is_invalid_query(
        self, bot: Bot, params: dict[str, str]
    ) -> None:
        botpress_error(await bot.call("GET", "/messages", params=params), 400, "InvalidQuery")

    @pytest.mark.parametrize(
        ("path", "params"),
        [
            ("/conversations", {"sortField": "name"}),
            ("/conversations", {"sortDirection": "up"}),
            ("/conversations", {"minMessageCount": "many"}),
            ("/users", {"rangeField": "deletedAt"}),
            ("/events", {"status": "done"}),
        ],
    )
    async def test_a_bad_choice_is_invalid_query(
        self, bot: Bot, path: str, params: dict[str, str]
    ) -> None:
        botpress_error(await bot.call("GET", path, params=params), 400, "InvalidQuery")

    async def test_a_huge_page_size_is_served_in_pages_of_the_maximum(self, bot: Bot) -> None:
        page = await bot.ok("GET", "/users", params={"pageSize": "100000"})
        assert isinstance(page["users"], list)


class TestRouting:
    async def test_an_unknown_route_is_resource_not_found(self, bot: Bot) -> None:
        botpress_error(await bot.call("GET", "/nothing"), 404, "ResourceNotFound")
        botpress_error(await bot.call("GET", "/messages/a/b/c"), 404, "ResourceNotFound")

    async def test_a_wrong_method_is_method_not_found(self, bot: Bot) -> None:
        botpress_error(await bot.call("PATCH", "/messages"), 405, "MethodNotFound")

    async def test_an_unknown_id_is_resource_not_found(self, bot: Bot) -> None:
        for path in ("/messages/", "/conversations/", "/users/", "/events/"):
            response = await bot.call("GET", path + "00000000-0000-7000-8000-000000000000")
            botpress_error(response, 404, "ResourceNotFound")

    async def test_a_slash_in_an_id_is_not_found(self, bot: Bot) -> None:
        response = await bot.call("GET", "/messages/msg%2Fwith%20space")
        botpress_error(response, 404, "ResourceNotFound")


class TestAuth:
    async def test_no_key_is_unauthorized(
        self, client: httpx.AsyncClient, workspace: WorkspaceFixture
    ) -> None:
        response = await client.get(f"{BASE}/users", headers={"x-bot-id": workspace.id})
        botpress_error(response, 401, "Unauthorized")

    @pytest.mark.parametrize("authorization", ["Bearer nope", "Bearer ", "Basic abc", "token"])
    async def test_a_bad_key_is_unauthorized(
        self, client: httpx.AsyncClient, workspace: WorkspaceFixture, authorization: str
    ) -> None:
        headers = {"Authorization": authorization, "x-bot-id": workspace.id}
        botpress_error(await client.get(f"{BASE}/users", headers=headers), 401, "Unauthorized")

    async def test_a_missing_bot_id_is_unauthorized(
        self, client: httpx.AsyncClient, workspace: WorkspaceFixture
    ) -> None:
        response = await client.get(f"{BASE}/users", headers=workspace.headers)
        botpress_error(response, 401, "Unauthorized")

    async def test_another_bot_id_is_forbidden(
        self,
        client: httpx.AsyncClient,
        workspace: WorkspaceFixture,
        other_workspace: WorkspaceFixture,
    ) -> None:
        headers = {**workspace.headers, "x-bot-id": other_workspace.id}
        botpress_error(await client.get(f"{BASE}/users", headers=headers), 403, "Forbidden")
        body = {"tags": {}}
        response = await client.post(f"{BASE}/users", headers=headers, json=body)
        botpress_error(response, 403, "Forbidden")

    async def test_a_read_only_key_cannot_write(
        self, client: httpx.AsyncClient, workspace: WorkspaceFixture, database: Database
    ) -> None:
        async with database.transaction() as session:
            issued = await workspace_service.create_key(
                session, workspace.id, AccessKeyCreate(scopes=["read"])
            )
        headers = {"Authorization": f"Bearer {issued.token}", "x-bot-id": workspace.id}
        assert (await client.get(f"{BASE}/users", headers=headers)).status_code == 200
        response = await client.post(f"{BASE}/users", headers=headers, json={"tags": {}})
        botpress_error(response, 403, "Forbidden")

    async def test_auth_is_checked_before_the_body(
        self, client: httpx.AsyncClient, workspace: WorkspaceFixture
    ) -> None:
        response = await client.post(
            f"{BASE}/messages", headers={"x-bot-id": workspace.id}, json={"bad": True}
        )
        botpress_error(response, 401, "Unauthorized")

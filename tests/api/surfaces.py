"""The five ways into one Hubbub workspace (native, Botpress, Bird, Recrubo, Channel.io), each
able to write a text message into a shared conversation and to read any message back in its own
vocabulary, reduced to a :class:`Seen` the cross-surface tests compare.

Every request goes through the surface itself (its paths, auth headers and body shapes), as that
vendor's client would send it; nothing here reads the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson

from tests.conftest import WorkspaceFixture

BOTPRESS = "/compat/botpress/v1/chat"
BIRD = "/compat/bird"
RECRUBO = "/compat/recrubo/public/v2"
CHANNELIO = "/compat/channelio/open/v5"
JSON_API = "application/vnd.api+json"

SURFACES = ("native", "botpress", "bird", "recrubo", "channelio")


@dataclass(frozen=True)
class Shared:
    """A conversation every surface can reach: on an SMS channel (Bird and Recrubo address
    by channel), with one contact participant (Botpress needs a user, Bird a receiver, Recrubo
    a candidate, Channel.io a chat's user)."""

    workspace: WorkspaceFixture
    channel_id: str
    contact_id: str
    phone: str
    conversation_id: str


@dataclass(frozen=True)
class Seen:
    """One message as a surface shows it. ``status`` is the surface's own word (None where the
    surface has no status field); ``tags`` the surface's own form (None where it shows none)."""

    id: str
    text: str
    status: str | None
    created_at: datetime
    updated_at: datetime
    tags: Any
    raw: dict[str, Any]


def instant(value: str | int) -> datetime:
    """An ISO 8601 string or epoch milliseconds as an aware UTC datetime."""
    if isinstance(value, int):
        return datetime.fromtimestamp(value / 1000, tz=UTC)
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def to_millisecond(value: datetime) -> datetime:
    """The instant cut to whole milliseconds, the finest precision every surface shows."""
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def channelio_headers(token: str) -> dict[str, str]:
    key_id, _, secret = token.partition(".")
    return {"x-access-key": key_id, "x-access-secret": secret}


def json_api_content(body: dict[str, Any]) -> bytes:
    return httpx.Request("POST", "/", json=body).content


def expect(response: httpx.Response, status: int) -> Any:
    assert response.status_code == status, (response.request.url, response.text)
    return response.json()


class Surfaces:
    """One workspace seen through all five surfaces."""

    def __init__(self, client: httpx.AsyncClient, shared: Shared) -> None:
        self.client = client
        self.shared = shared
        token = shared.workspace.token
        self.native_headers = shared.workspace.headers
        self.botpress_headers = {
            "Authorization": f"Bearer {token}",
            "x-bot-id": shared.workspace.id,
        }
        self.bird_headers = {"Authorization": f"AccessKey {token}"}
        self.recrubo_headers = {
            "Authorization": f"Bearer {token}",
            "Content-Type": JSON_API,
            "Accept": JSON_API,
        }
        self.channelio_headers = channelio_headers(token)

    # -- paths ---------------------------------------------------------------------------------

    def bird_messages(self, channel_id: str | None = None, tail: str = "") -> str:
        ws = self.shared.workspace.id
        return (
            f"{BIRD}/workspaces/{ws}/channels/{channel_id or self.shared.channel_id}/messages{tail}"
        )

    # -- writing -------------------------------------------------------------------------------

    async def write(self, surface: str, text: str) -> str:
        """Writes an outgoing text message into the shared conversation through ``surface``;
        answers its id."""
        writer = getattr(self, f"write_{surface}")
        message_id: str = await writer(text)
        return message_id

    async def write_native(self, text: str) -> str:
        body = {
            "conversation_id": self.shared.conversation_id,
            "payload": {"type": "text", "text": text},
            "tags": {"topic": "cross"},
        }
        response = await self.client.post("/v1/messages", json=body, headers=self.native_headers)
        return str(expect(response, 201)["id"])

    async def write_botpress(self, text: str) -> str:
        body = {
            "conversationId": self.shared.conversation_id,
            "userId": self.shared.contact_id,
            "type": "text",
            "payload": {"text": text},
            "tags": {"topic": "cross"},
        }
        response = await self.client.post(
            f"{BOTPRESS}/messages", json=body, headers=self.botpress_headers
        )
        return str(expect(response, 201)["message"]["id"])

    async def write_bird(self, text: str, reply_to: str | None = None) -> str:
        # Bird addresses a channel and a receiver; the core finds the conversation of that
        # channel with that contact, i.e. the shared one.
        body: dict[str, Any] = {
            "receiver": {"contacts": [{"identifierValue": self.shared.phone}]},
            "body": {"type": "text", "text": {"text": text}},
            "tags": ["topic"],
        }
        if reply_to is not None:
            body["replyTo"] = {"id": reply_to, "type": "message"}
        response = await self.client.post(
            self.bird_messages(), json=body, headers=self.bird_headers
        )
        return str(expect(response, 202)["id"])

    async def write_recrubo(self, text: str) -> str:
        body = {
            "data": {
                "type": "messages",
                "attributes": {
                    "messageThreadId": self.shared.conversation_id,
                    "sendBy": "Recruiter",
                    "payload": {"type": "text", "text": {"value": text}},
                },
            }
        }
        response = await self.client.post(
            f"{RECRUBO}/messages", content=json_api_content(body), headers=self.recrubo_headers
        )
        return str(expect(response, 201)["data"]["id"])

    async def write_channelio(self, text: str, options: list[str] | None = None) -> str:
        body: dict[str, Any] = {"plainText": text}
        if options is not None:
            body["options"] = options  # Channel.io-only: kept in Channel.io's private tag
        response = await self.client.post(
            f"{CHANNELIO}/user-chats/{self.shared.conversation_id}/messages",
            json=body,
            headers=self.channelio_headers,
        )
        return str(expect(response, 200)["message"]["id"])

    # -- reading -------------------------------------------------------------------------------

    async def read(self, surface: str, message_id: str) -> Seen:
        reader = getattr(self, f"read_{surface}")
        seen: Seen = await reader(message_id)
        return seen

    async def read_native(self, message_id: str) -> Seen:
        response = await self.client.get(f"/v1/messages/{message_id}", headers=self.native_headers)
        raw = expect(response, 200)
        assert raw["payload"]["type"] == "text"
        return Seen(
            id=raw["id"],
            text=raw["payload"]["text"],
            status=raw["status"],
            created_at=instant(raw["created_at"]),
            updated_at=instant(raw["updated_at"]),
            tags=raw["tags"],
            raw=raw,
        )

    async def read_botpress(self, message_id: str) -> Seen:
        response = await self.client.get(
            f"{BOTPRESS}/messages/{message_id}", headers=self.botpress_headers
        )
        raw = expect(response, 200)["message"]
        assert raw["type"] == "text"
        return Seen(
            id=raw["id"],
            text=raw["payload"]["text"],
            status=raw.get("status"),  # Botpress messages have no status field
            created_at=instant(raw["createdAt"]),
            updated_at=instant(raw["updatedAt"]),
            tags=raw["tags"],
            raw=raw,
        )

    async def read_bird(self, message_id: str) -> Seen:
        response = await self.client.get(
            self.bird_messages(tail=f"/{message_id}"), headers=self.bird_headers
        )
        raw = expect(response, 200)
        assert raw["body"]["type"] == "text"
        return Seen(
            id=raw["id"],
            text=raw["body"]["text"]["text"],
            status=raw["status"],
            created_at=instant(raw["createdAt"]),
            updated_at=instant(raw["updatedAt"]),
            tags=raw["tags"],
            raw=raw,
        )

    async def read_recrubo(self, message_id: str) -> Seen:
        response = await self.client.get(
            f"{RECRUBO}/messages/{message_id}", headers=self.recrubo_headers
        )
        raw = expect(response, 200)["data"]
        attributes = raw["attributes"]
        assert attributes["payload"]["type"] == "text"
        return Seen(
            id=raw["id"],
            text=attributes["payload"]["text"]["value"],
            status=attributes["deliveryStatus"],
            created_at=instant(attributes["createdAt"]),
            updated_at=instant(attributes["updatedAt"]),
            tags=None,  # a Recrubo message shows no tags
            raw=raw,
        )

    async def read_channelio(self, message_id: str) -> Seen:
        """Channel.io has no single-message read: the message is found in its user chat's
        list (every message of the conversation, oldest first)."""
        raw = await self.channelio_find(self.shared.conversation_id, message_id)
        assert raw is not None, f"{message_id} not listed in its user chat"
        return Seen(
            id=raw["id"],
            text=raw["plainText"],
            status=raw["state"],
            created_at=instant(raw["createdAt"]),
            updated_at=instant(raw["updatedAt"]),
            tags=None,  # a Channel.io message shows no tags
            raw=raw,
        )

    async def read_raw(self, surface: str, message_id: str) -> str:
        """The message exactly as ``surface`` answers it (JSON text), to search for leaks."""
        return orjson.dumps((await self.read(surface, message_id)).raw).decode()

    async def channelio_find(self, chat_id: str, message_id: str) -> dict[str, Any] | None:
        response = await self.client.get(
            f"{CHANNELIO}/user-chats/{chat_id}/messages",
            params={"sortOrder": "asc", "limit": 500},
            headers=self.channelio_headers,
        )
        listed: list[dict[str, Any]] = expect(response, 200)["messages"]
        return next((m for m in listed if m["id"] == message_id), None)


async def make_shared(client: httpx.AsyncClient, workspace: WorkspaceFixture) -> Shared:
    """The shared conversation, made through the native API: an SMS channel (WhatsApp would
    fail a first outgoing text: its 24-hour window is closed), a contact with
    a phone number, and their conversation with the contact as participant."""
    headers = workspace.headers
    channel = expect(
        await client.post(
            "/v1/channels",
            json={"platform": "sms", "name": "support", "identifier": "+3197010200001"},
            headers=headers,
        ),
        201,
    )
    phone = "+31612345678"
    contact = expect(
        await client.post(
            "/v1/contacts",
            json={"name": "Ann", "identifiers": [{"key": "phonenumber", "value": phone}]},
            headers=headers,
        ),
        201,
    )
    conversation = expect(
        await client.post(
            "/v1/conversations",
            json={"channel_id": channel["id"], "participant_ids": [contact["id"]]},
            headers=headers,
        ),
        201,
    )
    return Shared(workspace, channel["id"], contact["id"], phone, conversation["id"])

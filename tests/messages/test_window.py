"""The WhatsApp 24-hour service window, enforced by the core create path: a free-form message
outside the window is stored, then fails; templates and other platforms are unrestricted."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from hubbub.conversations.service import conversation as conversation_service
from hubbub.db.models import conversation as conversation_table
from hubbub.db.uow import Database, Session
from hubbub.events.service import event as event_service
from hubbub.kit.clock import utcnow
from hubbub.messages.schemas import MessageGetOrCreate
from hubbub.messages.service import message as message_service
from hubbub.messages.window import WINDOW_CLOSED_CODE, service_window_failure
from tests.conftest import WorkspaceFixture
from tests.messages.factories import Scene, jobs_for, make_scene, send, text

TEMPLATE: dict[str, Any] = {"type": "template", "name": "order_update", "variables": ["42"]}


async def move_last_inbound(session: Session, conversation_id: str, *, hours_ago: float) -> None:
    """Pretend the contact last wrote ``hours_ago``: the window is about the stored time."""
    await session.conn.execute(
        update(conversation_table)
        .where(conversation_table.c.id == conversation_id)
        .values(last_inbound_at=utcnow() - timedelta(hours=hours_ago))
    )


class TestRule:
    def test_whatsapp_free_form_without_inbound_fails(self) -> None:
        now = utcnow()
        failure = service_window_failure(
            platform="whatsapp", payload_type="text", last_inbound_at=None, now=now
        )
        assert failure is not None
        assert (failure.stage, failure.code) == ("sending", WINDOW_CLOSED_CODE)
        assert failure.reason is not None
        assert "template" in failure.reason

    @pytest.mark.parametrize(
        ("hours", "closed"), [(0, False), (23.99, False), (24, False), (24.01, True), (25, True)]
    )
    def test_window_is_24_hours(self, hours: float, closed: bool) -> None:
        now = utcnow()
        failure = service_window_failure(
            platform="whatsapp",
            payload_type="image",
            last_inbound_at=now - timedelta(hours=hours),
            now=now,
        )
        assert (failure is not None) == closed

    @pytest.mark.parametrize(
        ("platform", "payload_type"),
        [("whatsapp", "template"), ("sms", "text"), ("email", "text"), ("webchat", "image")],
    )
    def test_templates_and_other_platforms_pass(self, platform: str, payload_type: str) -> None:
        failure = service_window_failure(
            platform=platform, payload_type=payload_type, last_inbound_at=None, now=utcnow()
        )
        assert failure is None


class TestCreatePath:
    async def test_no_inbound_is_accepted_then_failed(
        self, workspace: WorkspaceFixture, session: Session
    ) -> None:
        scene = await make_scene(session, workspace.id, "whatsapp")
        message = await send(session, workspace.id, conversation_id=scene.conversation.id)
        assert message.status == "failed"
        assert message.failure is not None
        assert (message.failure.stage, message.failure.code) == ("sending", WINDOW_CLOSED_CODE)
        assert await message_service.get_or_raise(session, workspace.id, message.id) == message
        entries, _ = await message_service.list_interactions(
            session, workspace.id, message.id, order="asc"
        )
        assert [(e.type, e.details["previous"]) for e in entries] == [("failed", "accepted")]
        page = await event_service.list(session, workspace.id, limit=500)
        types = [e.type for e in page.events if e.message_id == message.id]
        assert sorted(types) == ["message.created", "message.status_changed"]
        # Nothing is handed to the delivery runner for a message that already failed.
        assert await jobs_for(session, message.id) == []

    async def test_within_window_is_accepted(
        self, workspace: WorkspaceFixture, session: Session
    ) -> None:
        scene = await make_scene(session, workspace.id, "whatsapp")
        conversation_id = scene.conversation.id
        await send(session, workspace.id, conversation_id=conversation_id, direction="incoming")
        message = await send(session, workspace.id, conversation_id=conversation_id)
        assert (message.status, message.failure) == ("accepted", None)
        assert len(await jobs_for(session, message.id)) == 1

    async def test_window_closes_after_24_hours(
        self, workspace: WorkspaceFixture, session: Session
    ) -> None:
        scene = await make_scene(session, workspace.id, "whatsapp")
        conversation_id = scene.conversation.id
        await send(session, workspace.id, conversation_id=conversation_id, direction="incoming")
        await move_last_inbound(session, conversation_id, hours_ago=25)
        message = await send(session, workspace.id, conversation_id=conversation_id)
        assert message.status == "failed"
        conversation = await conversation_service.get_or_raise(
            session, workspace.id, conversation_id
        )
        # The failed message is still counted, and does not reopen the window.
        assert conversation.message_count == 2

    async def test_template_is_always_accepted(
        self, workspace: WorkspaceFixture, session: Session
    ) -> None:
        scene = await make_scene(session, workspace.id, "whatsapp")
        message = await send(
            session, workspace.id, conversation_id=scene.conversation.id, payload=TEMPLATE
        )
        assert message.status == "accepted"

    async def test_sms_is_unrestricted(self, scene: Scene, session: Session) -> None:
        message = await send(session, scene.workspace_id, conversation_id=scene.conversation.id)
        assert message.status == "accepted"

    async def test_scheduled_message_waits_for_the_runner(
        self, workspace: WorkspaceFixture, session: Session
    ) -> None:
        scene = await make_scene(session, workspace.id, "whatsapp")
        later = utcnow() + timedelta(hours=1)
        message = await send(
            session, workspace.id, conversation_id=scene.conversation.id, scheduled_for=later
        )
        assert message.status == "scheduled"

    async def test_get_or_create_applies_the_window(
        self, workspace: WorkspaceFixture, session: Session
    ) -> None:
        scene = await make_scene(session, workspace.id, "whatsapp")
        data = MessageGetOrCreate.model_validate(
            {"conversation_id": scene.conversation.id, "payload": text("hi"), "tags": {"k": "v"}}
        )
        message, created = await message_service.get_or_create(session, workspace.id, data)
        assert (message.status, created) == ("failed", True)


class TestNativeApi:
    async def test_whatsapp_window_over_http(
        self, client: httpx.AsyncClient, workspace: WorkspaceFixture, database: Database
    ) -> None:
        headers = workspace.headers
        channel = (
            await client.post(
                "/v1/channels", json={"platform": "whatsapp", "name": "wa"}, headers=headers
            )
        ).json()
        sms = (
            await client.post(
                "/v1/channels", json={"platform": "sms", "name": "sms"}, headers=headers
            )
        ).json()
        recipients = [{"value": "+15557770001"}]

        async def post(channel_id: str, **body: Any) -> dict[str, Any]:
            body.setdefault("payload", text("hello"))
            response = await client.post(
                "/v1/messages",
                json={"channel_id": channel_id, "recipients": recipients, **body},
                headers=headers,
            )
            assert response.status_code == 201, response.text
            result: dict[str, Any] = response.json()
            return result

        first = await post(channel["id"])
        assert first["status"] == "failed"
        assert first["failure"]["code"] == WINDOW_CLOSED_CODE
        stored = await client.get(f"/v1/messages/{first['id']}", headers=headers)
        assert stored.json()["status"] == "failed"

        incoming = await post(channel["id"], direction="incoming")
        assert incoming["conversation_id"] == first["conversation_id"]
        assert (await post(channel["id"]))["status"] == "accepted"

        async with database.transaction() as session:
            await move_last_inbound(session, first["conversation_id"], hours_ago=25)
        assert (await post(channel["id"]))["status"] == "failed"
        assert (await post(channel["id"], payload=TEMPLATE))["status"] == "accepted"
        assert (await post(sms["id"]))["status"] == "accepted"

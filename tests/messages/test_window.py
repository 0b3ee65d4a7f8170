"""The WhatsApp 24-hour service window, checked when the delivery job runs, whatever surface
made the message: a free-form message outside the window is accepted (the create answers as
usual), then fails when it is sent; templates and other platforms are unrestricted."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from hubbub.config import Settings
from hubbub.connectors import registry, sandbox
from hubbub.connectors.platform import ServiceWindow
from hubbub.conversations.service import conversation as conversation_service
from hubbub.db.models import conversation as conversation_table
from hubbub.db.uow import Database, Session
from hubbub.delivery.runner import run_due
from hubbub.events.service import event as event_service
from hubbub.kit.clock import utcnow
from hubbub.messages.schemas import Message, MessageGetOrCreate
from hubbub.messages.service import message as message_service
from hubbub.messages.window import WINDOW_CLOSED_CODE, service_window_failure
from tests.conftest import WorkspaceFixture
from tests.messages.factories import Scene, jobs_for, make_scene, send, text

TEMPLATE: dict[str, Any] = {"type": "template", "name": "order_update", "variables": ["42"]}


@pytest.fixture
def fast(settings: Settings) -> Settings:
    return settings.model_copy(update={"sandbox_step_seconds": 0.0})


async def scene_in(database: Database, workspace_id: str, platform: str = "whatsapp") -> Scene:
    async with database.transaction() as session:
        return await make_scene(session, workspace_id, platform)


async def send_in(database: Database, workspace_id: str, **fields: Any) -> Message:
    async with database.transaction() as session:
        return await send(session, workspace_id, **fields)


async def delivered(
    database: Database, settings: Settings, workspace_id: str, message_id: str
) -> Message:
    """The message once its delivery job (and the sandbox's walk) has run."""
    await run_due(database, settings, workspace_id=workspace_id)
    async with database.read() as session:
        return await message_service.get_or_raise(session, workspace_id, message_id)


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

    def test_the_window_is_the_descriptors(self) -> None:
        pager = replace(
            sandbox.PLATFORM,
            name="pager",
            title="Pager",
            service_window=ServiceWindow(timedelta(hours=1), frozenset({"text"})),
        )
        now = utcnow()
        with registry.registered(pager):
            late = service_window_failure(
                platform="pager",
                payload_type="image",
                last_inbound_at=now - timedelta(hours=2),
                now=now,
            )
            assert late is not None
            assert late.reason is not None
            assert "more than 1 hour ago" in late.reason
            assert "Pager" in late.reason
            assert (
                service_window_failure(
                    platform="pager", payload_type="text", last_inbound_at=None, now=now
                )
                is None
            )
        assert (
            service_window_failure(
                platform="pager", payload_type="image", last_inbound_at=None, now=now
            )
            is None
        )


class TestAtDelivery:
    async def test_no_inbound_is_accepted_then_fails_when_sent(
        self, workspace: WorkspaceFixture, database: Database, fast: Settings
    ) -> None:
        scene = await scene_in(database, workspace.id)
        message = await send_in(database, workspace.id, conversation_id=scene.conversation.id)
        # Accepted as the vendors document it: the create answers normally.
        assert (message.status, message.failure) == ("accepted", None)
        failed = await delivered(database, fast, workspace.id, message.id)
        assert failed.status == "failed"
        assert failed.failure is not None
        assert (failed.failure.stage, failed.failure.code) == ("sending", WINDOW_CLOSED_CODE)
        assert failed.failure.reason is not None
        assert "template" in failed.failure.reason
        async with database.read() as session:
            entries, _ = await message_service.list_interactions(
                session, workspace.id, message.id, order="asc"
            )
            page = await event_service.list(session, workspace.id, limit=500)
            jobs = await jobs_for(session, message.id)
        # Nothing was handed to a provider: no ``sending`` step, only the failure.
        assert [(e.type, e.details["previous"]) for e in entries] == [("failed", "accepted")]
        types = [e.type for e in page.events if e.message_id == message.id]
        assert sorted(types) == ["message.created", "message.status_changed"]
        assert jobs == []

    async def test_within_window_is_sent(
        self, workspace: WorkspaceFixture, database: Database, fast: Settings
    ) -> None:
        scene = await scene_in(database, workspace.id)
        conversation_id = scene.conversation.id
        await send_in(database, workspace.id, conversation_id=conversation_id, direction="incoming")
        message = await send_in(database, workspace.id, conversation_id=conversation_id)
        assert (message.status, message.failure) == ("accepted", None)
        async with database.read() as session:
            assert len(await jobs_for(session, message.id)) == 1
        assert (await delivered(database, fast, workspace.id, message.id)).status == "read"

    async def test_window_closes_after_24_hours(
        self, workspace: WorkspaceFixture, database: Database, fast: Settings
    ) -> None:
        scene = await scene_in(database, workspace.id)
        conversation_id = scene.conversation.id
        await send_in(database, workspace.id, conversation_id=conversation_id, direction="incoming")
        async with database.transaction() as session:
            await move_last_inbound(session, conversation_id, hours_ago=25)
        message = await send_in(database, workspace.id, conversation_id=conversation_id)
        assert message.status == "accepted"
        failed = await delivered(database, fast, workspace.id, message.id)
        assert failed.status == "failed"
        assert failed.failure is not None
        assert failed.failure.code == WINDOW_CLOSED_CODE
        async with database.read() as session:
            conversation = await conversation_service.get_or_raise(
                session, workspace.id, conversation_id
            )
        # The failed message is still counted, and does not reopen the window.
        assert conversation.message_count == 2

    async def test_template_is_always_sent(
        self, workspace: WorkspaceFixture, database: Database, fast: Settings
    ) -> None:
        scene = await scene_in(database, workspace.id)
        message = await send_in(
            database, workspace.id, conversation_id=scene.conversation.id, payload=TEMPLATE
        )
        assert message.status == "accepted"
        assert (await delivered(database, fast, workspace.id, message.id)).status == "read"

    async def test_sms_is_unrestricted(
        self, workspace: WorkspaceFixture, database: Database, fast: Settings
    ) -> None:
        scene = await scene_in(database, workspace.id, "sms")
        message = await send_in(database, workspace.id, conversation_id=scene.conversation.id)
        assert message.status == "accepted"
        assert (await delivered(database, fast, workspace.id, message.id)).status == "read"

    async def test_scheduled_message_waits_for_the_runner(
        self, workspace: WorkspaceFixture, session: Session
    ) -> None:
        scene = await make_scene(session, workspace.id, "whatsapp")
        later = utcnow() + timedelta(hours=1)
        message = await send(
            session, workspace.id, conversation_id=scene.conversation.id, scheduled_for=later
        )
        assert message.status == "scheduled"

    async def test_get_or_create_is_judged_when_sent(
        self, workspace: WorkspaceFixture, database: Database, fast: Settings
    ) -> None:
        scene = await scene_in(database, workspace.id)
        data = MessageGetOrCreate.model_validate(
            {"conversation_id": scene.conversation.id, "payload": text("hi"), "tags": {"k": "v"}}
        )
        async with database.transaction() as session:
            message, created = await message_service.get_or_create(session, workspace.id, data)
        assert (message.status, created) == ("accepted", True)
        failed = await delivered(database, fast, workspace.id, message.id)
        assert failed.status == "failed"


class TestNativeApi:
    async def test_whatsapp_window_over_http(
        self,
        client: httpx.AsyncClient,
        workspace: WorkspaceFixture,
        database: Database,
        fast: Settings,
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

        async def after_delivery(message: dict[str, Any]) -> dict[str, Any]:
            assert (message["status"], message["failure"]) == ("accepted", None)
            await run_due(database, fast, workspace_id=workspace.id)
            stored = await client.get(f"/v1/messages/{message['id']}", headers=headers)
            result: dict[str, Any] = stored.json()
            return result

        first = await post(channel["id"])
        failed = await after_delivery(first)
        assert failed["status"] == "failed"
        assert failed["failure"]["code"] == WINDOW_CLOSED_CODE

        incoming = await post(channel["id"], direction="incoming")
        assert incoming["conversation_id"] == first["conversation_id"]
        assert (await after_delivery(await post(channel["id"])))["status"] == "read"

        async with database.transaction() as session:
            await move_last_inbound(session, first["conversation_id"], hours_ago=25)
        assert (await after_delivery(await post(channel["id"])))["status"] == "failed"
        template = await post(channel["id"], payload=TEMPLATE)
        assert (await after_delivery(template))["status"] == "read"
        assert (await after_delivery(await post(sms["id"])))["status"] == "read"

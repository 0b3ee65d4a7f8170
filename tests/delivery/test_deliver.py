"""``message.deliver`` end to end through the sandbox, provider failures, and the channel rules
checked again at send time."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest

from hubbub.config import Settings
from hubbub.connectors import registry, webhook
from hubbub.connectors.base import (
    ChannelInfo,
    ConnectorContext,
    InboundBatch,
    InboundRequest,
    OutboundMessage,
    SendFailure,
    SendResult,
)
from hubbub.db.uow import Database
from hubbub.delivery.repository import DeliveryRepository
from hubbub.delivery.revive import retry_job as retry_dead_job
from hubbub.delivery.runner import run_due
from hubbub.delivery.sandbox_inbound import inject
from hubbub.errors import Conflict
from hubbub.jobs.service import job as job_service
from hubbub.kit.clock import utcnow
from hubbub.messages.service import message as message_service
from tests.channels.configs import SMS, WEBHOOK
from tests.conftest import WorkspaceFixture
from tests.delivery.conftest import PHONE, get_message, jobs_of, make_channel, send


async def interaction_types(database: Database, workspace_id: str, message_id: str) -> list[str]:
    async with database.read() as session:
        entries, _ = await message_service.list_interactions(
            session, workspace_id, message_id, order="asc"
        )
    return [entry.type for entry in entries]


async def provider_id(database: Database, workspace_id: str, message_id: str) -> str | None:
    async with database.read() as session:
        return await DeliveryRepository(session).provider_id_of(workspace_id, message_id)


async def test_a_message_walks_through_the_sandbox_to_read(
    database: Database, workspace: WorkspaceFixture, fast: Settings
) -> None:
    channel = await make_channel(database, workspace.id)
    message = await send(database, workspace.id, channel)
    assert message.status == "accepted"
    # deliver, then two sandbox steps (0 s apart in these settings)
    assert await run_due(database, fast, workspace_id=workspace.id) == 3
    delivered = await get_message(database, workspace.id, message.id)
    assert delivered.status == "read"
    assert await interaction_types(database, workspace.id, message.id) == [
        "sending",
        "sent",
        "delivered",
        "read",
    ]
    assert await provider_id(database, workspace.id, message.id) == f"sandbox-{message.id}"
    assert await jobs_of(database, message.id) == []


async def test_the_sandbox_waits_its_step_between_statuses(
    database: Database, workspace: WorkspaceFixture, fast: Settings
) -> None:
    channel = await make_channel(database, workspace.id)
    message = await send(database, workspace.id, channel)
    slow = fast.model_copy(update={"sandbox_step_seconds": 3600.0})
    assert await run_due(database, slow, workspace_id=workspace.id) == 1
    assert (await get_message(database, workspace.id, message.id)).status == "sent"
    [step] = await jobs_of(database, message.id)
    assert step.kind == "sandbox.advance"
    assert timedelta(minutes=59) < step.run_at - utcnow() <= timedelta(hours=1)


async def test_running_a_delivery_twice_sends_once(
    database: Database, workspace: WorkspaceFixture, fast: Settings
) -> None:
    channel = await make_channel(database, workspace.id)
    message = await send(database, workspace.id, channel)
    await run_due(database, fast, workspace_id=workspace.id)
    async with database.transaction() as session:
        await job_service.enqueue(
            session, kind="message.deliver", target_id=message.id, workspace_id=workspace.id
        )
    assert await run_due(database, fast, workspace_id=workspace.id) == 1
    types = await interaction_types(database, workspace.id, message.id)
    assert types.count("sent") == 1


class Flaky:
    """A provider answering with a scripted list of failures, then success."""

    platform = "webhook"
    script: list[SendFailure] = []
    sent: list[OutboundMessage] = []

    def __init__(self, context: ConnectorContext) -> None:
        self.context = context

    async def send(self, message: OutboundMessage) -> SendResult:
        if Flaky.script:
            raise Flaky.script.pop(0)
        Flaky.sent.append(message)
        return SendResult(provider_message_id=f"prov-{message.id}")

    async def parse_inbound(self, channel: ChannelInfo, request: InboundRequest) -> InboundBatch:
        return InboundBatch()


@pytest.fixture
def flaky() -> Iterator[type[Flaky]]:
    Flaky.script = []
    Flaky.sent = []
    with registry.registered(replace(webhook.PLATFORM, connector=Flaky)):
        yield Flaky


async def test_a_retryable_failure_retries_and_then_sends(
    database: Database, workspace: WorkspaceFixture, fast: Settings, flaky: type[Flaky]
) -> None:
    channel = await make_channel(database, workspace.id, "webhook", WEBHOOK)
    flaky.script = [SendFailure("503", "busy", retryable=True)]
    message = await send(database, workspace.id, channel, to="user-1")
    assert await run_due(database, fast, workspace_id=workspace.id) == 2
    sent = await get_message(database, workspace.id, message.id)
    assert sent.status == "sent"  # a real provider reports the rest by callback
    assert [m.id for m in flaky.sent] == [message.id]
    assert flaky.sent[0].recipients[0].value == "user-1"
    assert flaky.sent[0].channel.config == WEBHOOK
    assert await provider_id(database, workspace.id, message.id) == f"prov-{message.id}"


async def test_a_refusal_fails_the_message_with_the_provider_reason(
    database: Database, workspace: WorkspaceFixture, fast: Settings, flaky: type[Flaky]
) -> None:
    channel = await make_channel(database, workspace.id, "webhook", WEBHOOK)
    flaky.script = [SendFailure("21211", "invalid number", retryable=False)]
    message = await send(database, workspace.id, channel, to="user-2")
    await run_due(database, fast, workspace_id=workspace.id)
    failed = await get_message(database, workspace.id, message.id)
    assert failed.status == "failed"
    assert failed.failure is not None
    assert (failed.failure.stage, failed.failure.code, failed.failure.reason) == (
        "sending",
        "21211",
        "invalid number",
    )
    assert await jobs_of(database, message.id) == []


async def test_failing_every_attempt_fails_the_message_and_kills_the_job(
    database: Database, workspace: WorkspaceFixture, fast: Settings, flaky: type[Flaky]
) -> None:
    channel = await make_channel(database, workspace.id, "webhook", WEBHOOK)
    flaky.script = [SendFailure("timeout", "no answer", retryable=True)] * 20
    message = await send(database, workspace.id, channel, to="user-3")
    assert await run_due(database, fast, workspace_id=workspace.id) == 8
    failed = await get_message(database, workspace.id, message.id)
    assert failed.status == "failed"
    assert failed.failure is not None
    assert failed.failure.code == "timeout"
    [dead] = await jobs_of(database, message.id)
    assert (dead.status, dead.attempts, len(dead.errors)) == ("dead", 8, 8)


async def test_a_configured_platform_without_connector_fails_the_message(
    database: Database, workspace: WorkspaceFixture, fast: Settings
) -> None:
    channel = await make_channel(database, workspace.id, "sms", SMS)
    message = await send(database, workspace.id, channel)
    with registry.unregistered("sms"):  # as in a build without the platform
        await run_due(database, fast, workspace_id=workspace.id)
    failed = await get_message(database, workspace.id, message.id)
    assert failed.status == "failed"
    assert failed.failure is not None
    assert failed.failure.code == "no_connector"


async def test_the_whatsapp_window_is_checked_again_when_the_message_is_due(
    database: Database, workspace: WorkspaceFixture, fast: Settings
) -> None:
    channel = await make_channel(database, workspace.id, "whatsapp")
    async with database.transaction() as session:
        # The contact wrote 25 hours ago: the window is closed.
        await inject(session, channel, sender=PHONE, text="hi", at=utcnow() - timedelta(hours=25))
    later = utcnow() + timedelta(hours=1)
    closed = await send(database, workspace.id, channel, "too late", scheduled_for=later)
    assert closed.status == "scheduled"  # judged when due, not when scheduled
    async with database.transaction() as session:
        await message_service.reschedule(session, workspace.id, closed.id, scheduled_for=utcnow())
    await run_due(database, fast, workspace_id=workspace.id)
    failed = await get_message(database, workspace.id, closed.id)
    assert failed.status == "failed"
    assert failed.failure is not None
    assert failed.failure.code == "service_window_closed"

    opened = await send(database, workspace.id, channel, "in time", scheduled_for=later)
    async with database.transaction() as session:
        await inject(session, channel, sender=PHONE, text="hello again")  # opens the window
        await message_service.reschedule(session, workspace.id, opened.id, scheduled_for=utcnow())
    await run_due(database, fast, workspace_id=workspace.id)
    assert (await get_message(database, workspace.id, opened.id)).status == "read"


async def test_replies_carry_the_provider_ids_of_the_thread(
    database: Database, workspace: WorkspaceFixture, fast: Settings, flaky: type[Flaky]
) -> None:
    channel = await make_channel(database, workspace.id, "webhook", WEBHOOK)
    first = await send(database, workspace.id, channel, "one", to="user-4")
    await run_due(database, fast, workspace_id=workspace.id)
    await send(database, workspace.id, channel, "two", to="user-4")
    await run_due(database, fast, workspace_id=workspace.id)
    assert [m.thread_provider_ids for m in flaky.sent] == [(), (f"prov-{first.id}",)]


async def test_retrying_the_dead_job_of_a_failed_message_sends_it_again(
    database: Database, workspace: WorkspaceFixture, fast: Settings, flaky: type[Flaky]
) -> None:
    channel = await make_channel(database, workspace.id, "webhook", WEBHOOK)
    flaky.script = [SendFailure("timeout", "no answer", retryable=True)] * 8
    message = await send(database, workspace.id, channel, to="user-9")
    await run_due(database, fast, workspace_id=workspace.id)
    assert (await get_message(database, workspace.id, message.id)).status == "failed"
    [dead] = await jobs_of(database, message.id)

    # The receiver is fixed (the script has run out): retrying the job sends the message.
    async with database.transaction() as session:
        revived = await retry_dead_job(session, workspace.id, dead.id)
    assert (revived.status, revived.attempts) == ("pending", 0)
    assert (await get_message(database, workspace.id, message.id)).status == "accepted"
    await run_due(database, fast, workspace_id=workspace.id)

    sent = await get_message(database, workspace.id, message.id)
    assert (sent.status, sent.failure) == ("sent", None)
    assert [outbound.id for outbound in flaky.sent] == [message.id]
    assert await jobs_of(database, message.id) == []
    history = await interaction_types(database, workspace.id, message.id)
    assert history == ["sending", "failed", "accepted", "sending", "sent"]


async def test_retrying_a_failed_message_whose_job_ended_sends_it_again(
    database: Database, workspace: WorkspaceFixture, fast: Settings, flaky: type[Flaky]
) -> None:
    channel = await make_channel(database, workspace.id, "webhook", WEBHOOK)
    flaky.script = [SendFailure("400", "refused", retryable=False)]
    message = await send(database, workspace.id, channel, to="user-10")
    await run_due(database, fast, workspace_id=workspace.id)
    assert await jobs_of(database, message.id) == []  # a refusal ends the job at once

    async with database.transaction() as session:
        reopened = await message_service.retry(session, workspace.id, message.id)
    assert (reopened.status, reopened.failure) == ("accepted", None)
    await run_due(database, fast, workspace_id=workspace.id)
    assert (await get_message(database, workspace.id, message.id)).status == "sent"
    assert [outbound.id for outbound in flaky.sent] == [message.id]


async def test_only_a_failed_outgoing_message_can_be_retried(
    database: Database, workspace: WorkspaceFixture, fast: Settings
) -> None:
    channel = await make_channel(database, workspace.id)
    message = await send(database, workspace.id, channel)
    with pytest.raises(Conflict, match="only a failed outgoing message"):
        async with database.transaction() as session:
            await message_service.retry(session, workspace.id, message.id)
    assert (await get_message(database, workspace.id, message.id)).status == "accepted"

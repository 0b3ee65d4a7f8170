"""The ``message.deliver`` job: hand one outgoing message to its channel's connector.

Three steps, the middle one outside any transaction:

1. prepare (one transaction): re-load the message; skip it when it is no longer waiting (sent,
   failed, canceled or deleted in the meantime); check its platform's service window as it is
   now (the one place the rule is checked, for every surface: a message outside the WhatsApp
   window was accepted and fails here, ``service_window_closed``); move it ``scheduled →
   accepted → sending``;
2. send: the connector talks to the provider;
3. record (one transaction): store the provider's id and move the message to what the provider
   confirmed (``sent``); on the sandbox, schedule its walk to ``delivered`` and ``read``; apply
   the status callbacks the provider made before its id was stored (``delivery.parked``).

A retryable provider failure leaves the message ``sending`` and the job retries with backoff;
when the last attempt fails too, or the provider refuses the message for good, the message
becomes ``failed`` (stage ``sending``, the provider's code and reason).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from hubbub.channels.service import channel as channel_service
from hubbub.connectors.base import Address, ChannelInfo, OutboundMessage, SendFailure, SendResult
from hubbub.connectors.registry import NoConnector, connector_for, identifier_key, is_sandboxed
from hubbub.conversations.schemas import Conversation
from hubbub.conversations.service import conversation as conversation_service
from hubbub.db.uow import Session
from hubbub.delivery import handlers
from hubbub.delivery.channels import channel_info, no_channel
from hubbub.delivery.handlers import ClaimedJob, JobContext, PermanentJobError
from hubbub.delivery.parked import apply_parked
from hubbub.delivery.repository import DeliveryRepository
from hubbub.delivery.sandbox_walk import ADVANCE_JOB
from hubbub.errors import NotFound
from hubbub.jobs.service import job as job_service
from hubbub.kit.clock import utcnow
from hubbub.kit.tags import public_tags
from hubbub.messages.schemas import Failure, Message, StatusUpdate
from hubbub.messages.service import DELIVER_JOB
from hubbub.messages.service import message as message_service
from hubbub.messages.window import service_window_failure

WAITING = frozenset({"scheduled", "accepted", "sending"})
MAX_REASON_CHARS = 2000


@dataclass(frozen=True)
class Prepared:
    message: Message
    channel: ChannelInfo
    outbound: OutboundMessage


def register_handlers() -> None:
    handlers.register(DELIVER_JOB, deliver_message)


async def deliver_message(context: JobContext, job: ClaimedJob) -> None:
    if job.workspace_id is None:
        raise PermanentJobError("a message.deliver job needs a workspace")
    async with context.database.transaction() as session:
        prepared = await _prepare(session, job.workspace_id, job.target_id)
    if prepared is None:
        return
    try:
        result = await _send(context, prepared)
    except SendFailure as failure:
        if failure.retryable and not job.is_last_attempt:
            raise
        await _fail(context, prepared.message, failure.code, failure.reason)
        if failure.retryable:  # out of attempts: the job stays, dead, for a person to see
            raise PermanentJobError(f"{failure.code}: {failure.reason}") from failure
        return
    except Exception as error:
        if job.is_last_attempt:
            await _fail(context, prepared.message, "error", f"{type(error).__name__}: {error}")
        raise
    async with context.database.transaction() as session:
        await _record_sent(session, context, prepared, result)
        await context.complete_within(session, job)


async def _prepare(session: Session, workspace_id: str, message_id: str) -> Prepared | None:
    message = await message_service.get(session, workspace_id, message_id)
    if message is None or message.direction != "outgoing" or message.status not in WAITING:
        return None  # deleted, or already settled: running a job twice is harmless
    if message.status == "scheduled":
        message = await _move(session, message, "accepted")
    conversation, channel = await _conversation_and_channel(session, message)
    failure = service_window_failure(
        platform=channel.platform,
        payload_type=message.payload.type,
        last_inbound_at=None if conversation is None else conversation.last_inbound_at,
        now=utcnow(),
    )
    if failure is not None:
        await _apply(session, message, StatusUpdate(status="failed", failure=failure))
        return None
    repository = DeliveryRepository(session)
    if message.status == "sending" and await repository.provider_id_of(workspace_id, message.id):
        # An earlier attempt was sent but its worker stopped before recording it.
        await _move(session, message, "sent")
        return None
    message = await _move(session, message, "sending")
    thread = await repository.thread_provider_ids(
        workspace_id, message.conversation_id, before_message_id=message.id
    )
    return Prepared(message, channel, _outbound(message, channel, thread))


async def _conversation_and_channel(
    session: Session, message: Message
) -> tuple[Conversation | None, ChannelInfo]:
    """The conversation and the channel as they are now (the channel's rules are checked at
    send time, not when the message was made), in one statement when the message goes out on
    its conversation's channel, as nearly all do."""
    try:
        conversation, channel, _ = await conversation_service.get_for_message(
            session, message.workspace_id, message.conversation_id
        )
    except NotFound:
        conversation, channel = None, None
    if message.channel_id is None:
        return conversation, no_channel(message.workspace_id)
    if channel is None or channel.id != message.channel_id:
        channel = await channel_service.get(session, message.workspace_id, message.channel_id)
    info = no_channel(message.workspace_id) if channel is None else channel_info(channel)
    return conversation, info


def _outbound(message: Message, channel: ChannelInfo, thread: tuple[str, ...]) -> OutboundMessage:
    default_key = identifier_key(channel.platform)
    recipients = tuple(
        Address(key=recipient.key or default_key, value=recipient.value, type=recipient.type)
        for recipient in message.recipients
        if recipient.value is not None
    )
    return OutboundMessage(
        id=message.id,
        workspace_id=message.workspace_id,
        conversation_id=message.conversation_id,
        channel=channel,
        recipients=recipients,
        type=message.type,
        payload=message.payload.model_dump(mode="json"),
        text=message.text,
        subject=message.subject,
        # Private tags are one surface's bookkeeping, never a provider's business.
        tags=public_tags(message.tags),
        reference=message.reference,
        thread_provider_ids=thread,
    )


async def _send(context: JobContext, prepared: Prepared) -> SendResult:
    try:
        connector = connector_for(prepared.channel, context.connectors)
    except NoConnector as error:
        raise SendFailure("no_connector", str(error), retryable=False) from error
    return await connector.send(prepared.outbound)


async def _record_sent(
    session: Session, context: JobContext, prepared: Prepared, result: SendResult
) -> None:
    message = prepared.message
    if result.provider_message_id:
        await DeliveryRepository(session).set_provider_id(
            message.workspace_id, message.id, result.provider_message_id
        )
    if result.status == "failed":
        failure = Failure(stage="sending", code="provider_failed")
        await _apply(session, message, StatusUpdate(status="failed", failure=failure))
    else:
        moved = await _move(session, message, result.status)
        if is_sandboxed(prepared.channel) and moved.status == "sent":
            await _start_sandbox_walk(session, context, message)
    if result.provider_message_id and not is_sandboxed(prepared.channel):
        # Callbacks the provider made before this transaction stored its id (see ``parked``);
        # the sandbox makes none, so its sends (the bench's) skip the look-up.
        await apply_parked(
            session,
            message.workspace_id,
            prepared.channel.id,
            result.provider_message_id,
            message.id,
        )


async def _start_sandbox_walk(session: Session, context: JobContext, message: Message) -> None:
    step = timedelta(seconds=context.settings.sandbox_step_seconds)
    await job_service.enqueue(
        session,
        kind=ADVANCE_JOB,
        target_id=message.id,
        workspace_id=message.workspace_id,
        run_at=utcnow() + step,
    )


async def _fail(context: JobContext, message: Message, code: str, reason: str) -> None:
    failure = Failure(stage="sending", code=code[:100], reason=reason[:MAX_REASON_CHARS])
    async with context.database.transaction() as session:
        await _apply(session, message, StatusUpdate(status="failed", failure=failure))


async def _move(session: Session, message: Message, status: str) -> Message:
    return await _apply(session, message, StatusUpdate.model_validate({"status": status}))


async def _apply(session: Session, message: Message, update: StatusUpdate) -> Message:
    moved, _ = await message_service.update_status(
        session, message.workspace_id, message.id, update, known=message
    )
    return moved

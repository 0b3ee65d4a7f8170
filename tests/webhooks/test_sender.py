"""The webhook sender against a real HTTP receiver on loopback: every event of the log reaches
each matching subscription, signed per Standard Webhooks, in order per conversation, through
failures and outages; every attempt is recorded; replay and the retry window work."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from hubbub.db.uow import Database
from hubbub.kit.ids import new_id
from hubbub.webhooks.repository import WebhookRepository
from tests.conftest import WorkspaceFixture
from tests.webhooks.helpers import (
    eventually,
    record_events,
    running_sender,
    sender_settings,
    settled,
    subscribe,
)
from tests.webhooks.receiver import Received, Receiver, verify_standard_webhook


def seqs_by_conversation(received: list[Received]) -> dict[str | None, list[int]]:
    lanes: dict[str | None, list[int]] = defaultdict(list)
    for request in received:
        lanes[request.event["conversation_id"]].append(request.event["seq"])
    return dict(lanes)


def interleaved(conversations: list[str], rounds: int, kind: str = "message.created") -> list[Any]:
    return [(conversation, kind) for _ in range(rounds) for conversation in conversations]


async def test_every_event_arrives_signed_and_in_order(
    database: Database, workspace: WorkspaceFixture, receiver: Receiver, tmp_path: Path
) -> None:
    hook = await subscribe(database, workspace.id, receiver.url)
    conversations = [new_id(), new_id(), new_id()]
    async with running_sender(database, sender_settings(tmp_path)):
        events = await record_events(
            database, workspace.id, [*interleaved(conversations, 4), (None, "channel.created")]
        )
        await receiver.wait_until(lambda: len(receiver.accepted) >= len(events))

    assert sorted(r.event["seq"] for r in receiver.accepted) == [e.seq for e in events]
    for request in receiver.received:
        assert verify_standard_webhook(hook.secret, request.headers, request.body)
        assert request.headers["webhook-id"] == request.event["id"]
        assert request.json["type"] == request.event["type"]
        assert request.event["workspace_id"] == workspace.id
    tampered = receiver.received[0]
    assert not verify_standard_webhook(hook.secret, tampered.headers, tampered.body + b" ")
    for conversation, seqs in seqs_by_conversation(receiver.accepted).items():
        expected = [e.seq for e in events if e.conversation_id == conversation]
        assert seqs == expected, conversation


async def test_filters_by_event_type_and_conversation(
    database: Database, workspace: WorkspaceFixture, receiver: Receiver, tmp_path: Path
) -> None:
    first, second = new_id(), new_id()
    everything = await subscribe(database, workspace.id, receiver.url + "?all")
    messages = await subscribe(database, workspace.id, receiver.url, event_types=["message.*"])
    exact = await subscribe(
        database, workspace.id, receiver.url, event_types=["conversation.updated"]
    )
    plan = [
        (first, "message.created"),
        (second, "conversation.updated"),
        (first, "message.status_changed"),
        (None, "channel.created"),
        (second, "message.created"),
    ]
    async with running_sender(database, sender_settings(tmp_path)):
        events = await record_events(database, workspace.id, plan)
        last = events[-1].seq
        for hook in (everything, messages, exact):
            await eventually(lambda h=hook: settled(database, workspace.id, h.id, last))

    by_hook: dict[str, list[str]] = defaultdict(list)
    for request in receiver.accepted:
        for hook in (everything, messages, exact):
            if verify_standard_webhook(hook.secret, request.headers, request.body):
                by_hook[hook.id].append(request.event["type"])
    assert sorted(by_hook[everything.id]) == sorted(kind for _, kind in plan)
    assert sorted(by_hook[messages.id]) == sorted(
        ["message.created", "message.status_changed", "message.created"]
    )
    assert by_hook[exact.id] == ["conversation.updated"]


async def test_a_failing_conversation_waits_while_others_proceed(
    database: Database, workspace: WorkspaceFixture, receiver: Receiver, tmp_path: Path
) -> None:
    stuck, flowing = new_id(), new_id()
    receiver.respond = lambda body: 503 if body["data"]["conversation_id"] == stuck else 200
    hook = await subscribe(database, workspace.id, receiver.url)
    async with running_sender(database, sender_settings(tmp_path)):
        events = await record_events(database, workspace.id, interleaved([stuck, flowing], 3))
        flowing_seqs = [e.seq for e in events if e.conversation_id == flowing]
        stuck_seqs = [e.seq for e in events if e.conversation_id == stuck]
        await receiver.wait_until(
            lambda: seqs_by_conversation(receiver.accepted).get(flowing) == flowing_seqs
        )
        # Meanwhile only the stuck conversation's first event has been tried, again and again.
        await receiver.wait_until(
            lambda: sum(r.event["conversation_id"] == stuck for r in receiver.received) >= 3
        )
        tried = {r.event["seq"] for r in receiver.received if r.event["conversation_id"] == stuck}
        assert tried == {stuck_seqs[0]}

        receiver.respond = lambda body: 200
        await receiver.wait_until(
            lambda: seqs_by_conversation(receiver.accepted).get(stuck) == stuck_seqs
        )
        await eventually(lambda: settled(database, workspace.id, hook.id, events[-1].seq))


async def test_a_receiver_down_for_a_while_gets_every_event_in_order(
    database: Database, workspace: WorkspaceFixture, tmp_path: Path
) -> None:
    receiver = Receiver()  # not listening yet: connections are refused
    hook = await subscribe(database, workspace.id, receiver.url)
    conversations = [new_id(), new_id()]
    async with running_sender(database, sender_settings(tmp_path)):
        events = await record_events(database, workspace.id, interleaved(conversations, 4))
        await eventually(lambda: failed_attempts_at_least(database, workspace.id, hook.id, 4))
        await receiver.start()
        try:
            await receiver.wait_until(lambda: len(receiver.accepted) == len(events))
            await eventually(lambda: settled(database, workspace.id, hook.id, events[-1].seq))
        finally:
            await receiver.stop()

    for conversation in conversations:
        expected = [e.seq for e in events if e.conversation_id == conversation]
        assert seqs_by_conversation(receiver.accepted)[conversation] == expected


async def failed_attempts_at_least(
    database: Database, workspace_id: str, webhook_id: str, count: int
) -> bool:
    async with database.read() as session:
        deliveries = await WebhookRepository(session).list_deliveries(
            workspace_id, webhook_id, status=None, limit=100, after=None, order="asc"
        )
    return sum(d.attempts for d in deliveries) >= count and all(
        d.last_error is not None for d in deliveries if d.attempts
    )


async def test_attempts_are_recorded(
    database: Database, workspace: WorkspaceFixture, receiver: Receiver, tmp_path: Path
) -> None:
    failures = {"left": 2}

    def flaky(body: Any) -> int:
        failures["left"] -= 1
        return 500 if failures["left"] >= 0 else 204

    receiver.respond = flaky
    hook = await subscribe(database, workspace.id, receiver.url)
    async with running_sender(database, sender_settings(tmp_path)):
        events = await record_events(database, workspace.id, [(new_id(), "message.created")])
        await eventually(lambda: settled(database, workspace.id, hook.id, events[-1].seq))

    async with database.read() as session:
        repository = WebhookRepository(session)
        [delivery] = await repository.list_deliveries(
            workspace.id, hook.id, status=None, limit=10, after=None, order="asc"
        )
        attempts = await repository.list_attempts(workspace.id, delivery.id, limit=10)
    assert delivery.status == "succeeded"
    assert delivery.attempts == 3
    assert delivery.event_id == events[0].id
    assert [a.status_code for a in attempts] == [500, 500, 204]
    assert attempts[0].error == "the receiver answered HTTP 500"
    assert attempts[2].error is None
    assert all(a.duration_ms >= 0 for a in attempts)
    assert attempts[0].attempted_at < attempts[1].attempted_at < attempts[2].attempted_at


async def test_a_delivery_is_dead_after_the_retry_window(
    database: Database, workspace: WorkspaceFixture, receiver: Receiver, tmp_path: Path
) -> None:
    receiver.respond = lambda body: 500
    hook = await subscribe(database, workspace.id, receiver.url)
    settings = sender_settings(tmp_path, webhook_retry_window_seconds=0.5)
    async with running_sender(database, settings):
        events = await record_events(database, workspace.id, [(new_id(), "message.created")])
        await eventually(lambda: settled(database, workspace.id, hook.id, events[-1].seq))

    async with database.read() as session:
        repository = WebhookRepository(session)
        [delivery] = await repository.list_deliveries(
            workspace.id, hook.id, status="dead", limit=10, after=None, order="asc"
        )
        attempts = await repository.list_attempts(workspace.id, delivery.id, limit=100)
    assert delivery.next_attempt_at is None
    assert delivery.last_status_code == 500
    assert len(attempts) == delivery.attempts >= 2
    assert len(receiver.received) == delivery.attempts


async def test_replay_sends_again_from_an_event(
    database: Database, workspace: WorkspaceFixture, receiver: Receiver, tmp_path: Path
) -> None:
    from hubbub.webhooks.service import webhook as webhook_service

    conversation = new_id()
    hook = await subscribe(database, workspace.id, receiver.url)
    async with running_sender(database, sender_settings(tmp_path)):
        events = await record_events(database, workspace.id, interleaved([conversation], 3))
        await eventually(lambda: settled(database, workspace.id, hook.id, events[-1].seq))
        async with database.transaction() as session:
            replayed = await webhook_service.replay(
                session, workspace.id, hook.id, from_event_id=events[1].id
            )
        assert replayed.from_seq == events[1].seq
        await receiver.wait_until(lambda: len(receiver.accepted) == 5)
        await eventually(lambda: settled(database, workspace.id, hook.id, events[-1].seq))

    seqs = [r.event["seq"] for r in receiver.accepted]
    assert seqs == [e.seq for e in events] + [events[1].seq, events[2].seq]
    assert receiver.accepted[3].headers["webhook-id"] == events[1].id

"""Status callbacks that arrive before the runner stored the provider id they name are parked,
then applied when the send that stores the id is recorded; unclaimed ones are purged after the
retention. Driven deterministically: the webhook receiver answers with a provider id chosen
by the test, and the callbacks are posted before the runner sends."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import orjson
from sqlalchemy import func, select, update

from hubbub.config import Settings
from hubbub.connectors.webhook import signed_headers
from hubbub.db.models import parked_status
from hubbub.db.uow import Database
from hubbub.delivery import parked
from hubbub.delivery.runner import run_due
from hubbub.kit.clock import utcnow
from hubbub.kit.ids import new_id
from tests.conftest import WorkspaceFixture
from tests.connectors.conftest import Receiver
from tests.connectors.test_end_to_end import create, send_one, status_of

SECRET = "parked-secret"


async def webhook_channel(client: httpx.AsyncClient, ws: WorkspaceFixture, url: str) -> str:
    body = {"platform": "webhook", "name": "hook", "config": {"url": url, "secret": SECRET}}
    channel = await create(client, ws, "/v1/channels", body)
    return str(channel["id"])


async def post_statuses(
    client: httpx.AsyncClient, channel_id: str, provider_id: str, *statuses: str
) -> None:
    body = {"statuses": [{"message_id": provider_id, "status": s} for s in statuses]}
    raw = orjson.dumps(body)
    response = await client.post(
        f"/inbound/{channel_id}", content=raw, headers=signed_headers(SECRET, raw)
    )
    assert response.status_code == 200, response.text


async def parked_for(database: Database, channel_id: str, provider_id: str) -> list[str]:
    async with database.read() as session:
        rows = await session.conn.execute(
            select(parked_status.c.status).where(
                parked_status.c.channel_id == channel_id,
                parked_status.c.provider_message_id == provider_id,
            )
        )
        return sorted(row[0] for row in rows)


async def test_a_status_posted_before_the_send_is_recorded_is_applied_with_it(
    client: httpx.AsyncClient,
    database: Database,
    settings: Settings,
    workspace: WorkspaceFixture,
    receiver: Receiver,
) -> None:
    channel_id = await webhook_channel(client, workspace, f"{receiver.url}/in")
    message = await send_one(client, workspace, channel_id, "user-1", "fast provider")
    provider_id = "ext-" + new_id()
    # The provider calls back (read first, then delivered: out of order) before the runner
    # has even sent: the worst case of a callback racing the record transaction.
    await post_statuses(client, channel_id, provider_id, "read", "delivered")
    assert await parked_for(database, channel_id, provider_id) == ["delivered", "read"]
    assert await status_of(client, workspace, message["id"]) == "accepted"

    receiver.answers.append((200, orjson.dumps({"id": provider_id}).decode()))
    await run_due(database, settings, workspace_id=workspace.id)

    assert await status_of(client, workspace, message["id"]) == "read"
    assert await parked_for(database, channel_id, provider_id) == []
    listed = await client.get(
        f"/v1/messages/{message['id']}/interactions",
        params={"order": "asc"},
        headers=workspace.headers,
    )
    assert listed.status_code == 200, listed.text
    steps = [item["type"] for item in listed.json()["data"]]
    # Applied in status-machine order: delivered, then read (not read, then a refused delivered).
    assert steps[-3:] == ["sent", "delivered", "read"]


async def test_statuses_for_ids_that_never_come_stay_parked_until_the_retention_purges_them(
    client: httpx.AsyncClient,
    database: Database,
    settings: Settings,
    workspace: WorkspaceFixture,
    receiver: Receiver,
) -> None:
    channel_id = await webhook_channel(client, workspace, f"{receiver.url}/in")
    stale_id, recent_id = "ext-stale-" + new_id(), "ext-recent-" + new_id()
    await post_statuses(client, channel_id, stale_id, "delivered")
    await post_statuses(client, channel_id, recent_id, "delivered")
    await run_due(database, settings, workspace_id=workspace.id)
    assert await parked_for(database, channel_id, stale_id) == ["delivered"]

    async with database.transaction() as session:
        await session.conn.execute(
            update(parked_status)
            .where(parked_status.c.provider_message_id == stale_id)
            .values(received_at=utcnow() - timedelta(days=8))
        )
    retention = settings.parked_status_retention_seconds
    assert retention == 7 * 86_400
    purged = await parked.purge_expired(database, retention_seconds=retention)
    assert purged >= 1
    assert await parked_for(database, channel_id, stale_id) == []
    assert await parked_for(database, channel_id, recent_id) == ["delivered"]


async def test_the_runner_purges_expired_parked_statuses(
    client: httpx.AsyncClient,
    database: Database,
    settings: Settings,
    workspace: WorkspaceFixture,
    receiver: Receiver,
) -> None:
    channel_id = await webhook_channel(client, workspace, f"{receiver.url}/in")
    provider_id = "ext-" + new_id()
    await post_statuses(client, channel_id, provider_id, "failed")
    short = settings.model_copy(update={"parked_status_retention_seconds": 0.000001})
    await run_due(database, short, workspace_id=workspace.id)
    assert await parked_for(database, channel_id, provider_id) == []
    async with database.read() as session:
        left: Any = await session.conn.execute(
            select(func.count())
            .select_from(parked_status)
            .where(parked_status.c.channel_id == channel_id)
        )
        assert left.scalar_one() == 0

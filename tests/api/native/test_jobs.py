"""Jobs, scheduling and the sandbox over the native API, and the public inbound endpoint."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from hubbub.config import Settings
from hubbub.connectors.webhook import signed_headers
from hubbub.db.uow import Database
from hubbub.delivery import handlers
from hubbub.delivery.handlers import ClaimedJob, JobContext, PermanentJobError
from hubbub.delivery.runner import run_due
from hubbub.jobs.service import job as job_service
from hubbub.kit.clock import isoformat, utcnow
from hubbub.kit.ids import new_id
from tests.conftest import WorkspaceFixture


async def broken(context: JobContext, job: ClaimedJob) -> None:
    raise PermanentJobError("broken on purpose")


handlers.register("test.api.broken", broken)


@pytest.fixture
def fast(settings: Settings) -> Settings:
    return settings.model_copy(update={"sandbox_step_seconds": 0.0, "job_retry_base_seconds": 0.0})


async def channel(
    client: httpx.AsyncClient, owner: WorkspaceFixture, platform: str = "sms", **config: Any
) -> dict[str, Any]:
    body = {"platform": platform, "name": "line", "config": config}
    response = await client.post("/v1/channels", json=body, headers=owner.headers)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def message(
    client: httpx.AsyncClient, owner: WorkspaceFixture, channel_id: str, **extra: Any
) -> dict[str, Any]:
    body = {
        "channel_id": channel_id,
        "recipients": [{"value": "+15551234567"}],
        "payload": {"type": "text", "text": "hi"},
        **extra,
    }
    response = await client.post("/v1/messages", json=body, headers=owner.headers)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_dead_jobs_are_listed_and_can_be_run_again(
    client: httpx.AsyncClient, database: Database, workspace: WorkspaceFixture, fast: Settings
) -> None:
    async with database.transaction() as session:
        job_id = await job_service.enqueue(
            session, kind="test.api.broken", target_id=new_id(), workspace_id=workspace.id
        )
    await run_due(database, fast, workspace_id=workspace.id)
    dead = await client.get("/v1/jobs", params={"status": "dead"}, headers=workspace.headers)
    assert dead.status_code == 200
    [listed] = dead.json()["data"]
    assert (listed["id"], listed["status"], listed["attempts"]) == (job_id, "dead", 1)
    assert listed["last_error"] == "PermanentJobError: broken on purpose"
    assert listed["errors"][0]["attempt"] == 1
    pending = await client.get("/v1/jobs", params={"status": "pending"}, headers=workspace.headers)
    assert pending.json() == {"data": [], "next_cursor": None}

    retried = await client.post(f"/v1/jobs/{job_id}/retry", headers=workspace.headers)
    assert retried.status_code == 200
    assert (retried.json()["status"], retried.json()["attempts"]) == ("pending", 0)
    again = await client.post(f"/v1/jobs/{job_id}/retry", headers=workspace.headers)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "conflict"
    missing = await client.post(f"/v1/jobs/{new_id()}/retry", headers=workspace.headers)
    assert missing.status_code == 404


async def test_jobs_page_newest_first(
    client: httpx.AsyncClient, database: Database, workspace: WorkspaceFixture
) -> None:
    sms = await channel(client, workspace)
    sent = [await message(client, workspace, sms["id"]) for _ in range(3)]
    first = await client.get("/v1/jobs", params={"limit": 2}, headers=workspace.headers)
    body = first.json()
    assert [job["target_id"] for job in body["data"]] == [sent[2]["id"], sent[1]["id"]]
    rest = await client.get(
        "/v1/jobs", params={"limit": 2, "cursor": body["next_cursor"]}, headers=workspace.headers
    )
    assert [job["target_id"] for job in rest.json()["data"]] == [sent[0]["id"]]
    assert rest.json()["next_cursor"] is None
    bad = await client.get("/v1/jobs", params={"status": "finished"}, headers=workspace.headers)
    assert bad.status_code == 422


async def test_reschedule_and_cancel_over_the_api(
    client: httpx.AsyncClient, database: Database, workspace: WorkspaceFixture, fast: Settings
) -> None:
    sms = await channel(client, workspace)
    later = isoformat(utcnow() + timedelta(hours=3))
    scheduled = await message(client, workspace, sms["id"], scheduled_for=later)
    assert scheduled["status"] == "scheduled"
    url = f"/v1/messages/{scheduled['id']}"
    moved = await client.post(
        f"{url}/reschedule", json={"scheduled_for": isoformat(utcnow())}, headers=workspace.headers
    )
    assert moved.status_code == 200, moved.text
    await run_due(database, fast, workspace_id=workspace.id)
    assert (await client.get(url, headers=workspace.headers)).json()["status"] == "read"
    too_late = await client.post(f"{url}/cancel", headers=workspace.headers)
    assert too_late.status_code == 409

    other = await message(client, workspace, sms["id"], scheduled_for=later)
    canceled = await client.post(f"/v1/messages/{other['id']}/cancel", headers=workspace.headers)
    assert canceled.json()["status"] == "canceled"
    bad = await client.post(
        f"/v1/messages/{other['id']}/reschedule",
        json={"scheduled_for": "soon"},
        headers=workspace.headers,
    )
    assert bad.status_code == 422
    assert "scheduled_for" in bad.json()["error"]["message"]


async def test_sandbox_inbound_opens_the_whatsapp_window(
    client: httpx.AsyncClient, database: Database, workspace: WorkspaceFixture, fast: Settings
) -> None:
    whatsapp = await channel(client, workspace, "whatsapp")
    phone = "+15557654321"
    injected = await client.post(
        f"/v1/channels/{whatsapp['id']}/sandbox/inbound",
        json={"from": phone, "text": "hello?"},
        headers=workspace.headers,
    )
    assert injected.status_code == 201, injected.text
    incoming = injected.json()
    assert (incoming["direction"], incoming["text"]) == ("incoming", "hello?")
    reply = await client.post(
        "/v1/messages",
        json={
            "conversation_id": incoming["conversation_id"],
            "payload": {"type": "text", "text": "hi!"},
        },
        headers=workspace.headers,
    )
    assert reply.json()["status"] == "accepted"
    await run_due(database, fast, workspace_id=workspace.id)
    got = await client.get(f"/v1/messages/{reply.json()['id']}", headers=workspace.headers)
    assert got.json()["status"] == "read"
    assert got.json()["recipients"][0]["value"] == phone


async def test_sandbox_inbound_is_for_sandbox_channels_only(
    client: httpx.AsyncClient, workspace: WorkspaceFixture
) -> None:
    real = await channel(client, workspace, "webhook", url="http://x.test", secret="s")
    refused = await client.post(
        f"/v1/channels/{real['id']}/sandbox/inbound",
        json={"from": "u1", "text": "x"},
        headers=workspace.headers,
    )
    assert refused.status_code == 422
    missing = await client.post(
        f"/v1/channels/{new_id()}/sandbox/inbound",
        json={"from": "u1", "text": "x"},
        headers=workspace.headers,
    )
    assert missing.status_code == 404


async def test_the_public_inbound_endpoint_checks_the_provider_signature(
    client: httpx.AsyncClient, workspace: WorkspaceFixture
) -> None:
    hook = await channel(client, workspace, "webhook", url="http://x.test", secret="s3cret")
    sandbox = await channel(client, workspace, "sms")
    body = b'{"messages": [{"id": "ext-1", "from": "u-42", "text": "from outside"}]}'
    url = f"/inbound/{hook['id']}"

    assert (await client.post(url, content=body)).status_code == 401
    forged = await client.post(url, content=body, headers=signed_headers("wrong", body))
    assert forged.status_code == 401
    assert (await client.post(f"/inbound/{sandbox['id']}", content=body)).status_code == 403
    assert (await client.post(f"/inbound/{new_id()}", content=body)).status_code == 404

    accepted = await client.post(url, content=body, headers=signed_headers("s3cret", body))
    assert accepted.status_code == 200, accepted.text
    stored = await client.get(
        "/v1/messages", params={"channel_id": hook["id"]}, headers=workspace.headers
    )
    [incoming] = stored.json()["data"]
    assert (incoming["direction"], incoming["text"]) == ("incoming", "from outside")
    replay = await client.post(url, content=body, headers=signed_headers("s3cret", body))
    assert replay.status_code == 200
    again = await client.get(
        "/v1/messages", params={"channel_id": hook["id"]}, headers=workspace.headers
    )
    assert len(again.json()["data"]) == 1  # the provider's retry is not a second message


async def test_another_workspace_reaches_none_of_it(
    client: httpx.AsyncClient,
    database: Database,
    workspace: WorkspaceFixture,
    other_workspace: WorkspaceFixture,
) -> None:
    sms = await channel(client, workspace)
    later = isoformat(utcnow() + timedelta(hours=3))
    scheduled = await message(client, workspace, sms["id"], scheduled_for=later)
    async with database.transaction() as session:
        job_id = await job_service.enqueue(
            session, kind="test.api.broken", target_id=new_id(), workspace_id=workspace.id
        )
    b = other_workspace.headers
    assert (await client.get(f"/v1/jobs/{job_id}", headers=b)).status_code == 404
    assert (await client.post(f"/v1/jobs/{job_id}/retry", headers=b)).status_code == 404
    assert (await client.get("/v1/jobs", headers=b)).json()["data"] == []
    message_url = f"/v1/messages/{scheduled['id']}"
    assert (await client.post(f"{message_url}/cancel", headers=b)).status_code == 404
    moved = await client.post(f"{message_url}/reschedule", json={"scheduled_for": later}, headers=b)
    assert moved.status_code == 404
    injected = await client.post(
        f"/v1/channels/{sms['id']}/sandbox/inbound", json={"from": "x", "text": "y"}, headers=b
    )
    assert injected.status_code == 404
    still = await client.get(message_url, headers=workspace.headers)
    assert still.json()["status"] == "scheduled"
    mine = await client.get(f"/v1/jobs/{job_id}", headers=workspace.headers)
    assert mine.json()["status"] == "pending"

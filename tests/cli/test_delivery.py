"""``hubbub worker``, ``hubbub jobs`` and ``hubbub sandbox inbound`` as real processes."""

from __future__ import annotations

import asyncio
import signal
import sys

from hubbub.db.uow import Database
from hubbub.jobs.service import job as job_service
from hubbub.kit.ids import new_id
from hubbub.messages.schemas import MessageCreate
from hubbub.messages.service import message as message_service
from tests.cli.conftest import HUBBUB, Cli, make_channel, make_workspace

PHONE = "+31612345678"
DELIVERY_TIMEOUT = 60.0


async def send(database: Database, workspace_id: str, channel_id: str) -> str:
    data = MessageCreate.model_validate(
        {
            "channel_id": channel_id,
            "recipients": [{"value": PHONE}],
            "payload": {"type": "text", "text": "hi"},
        }
    )
    async with database.transaction() as session:
        return (await message_service.create(session, workspace_id, data)).id


async def status_of(database: Database, workspace_id: str, message_id: str) -> str:
    async with database.read() as session:
        return (await message_service.get_or_raise(session, workspace_id, message_id)).status


async def test_inbound_then_worker_once_then_dead_jobs(cli: Cli, cli_database: Database) -> None:
    cli.env["HUBBUB_SANDBOX_STEP_SECONDS"] = "0"
    workspace_id = await make_workspace(cli_database)
    channel_id = await make_channel(cli_database, workspace_id)
    incoming = await cli.json("sandbox", "inbound", "--channel", channel_id, "--from", PHONE, "hi")
    assert (incoming["direction"], incoming["text"]) == ("incoming", "hi")

    message_id = await send(cli_database, workspace_id, channel_id)
    async with cli_database.transaction() as session:
        dead_id = await job_service.enqueue(
            session, kind="test.cli.unknown", target_id=new_id(), workspace_id=workspace_id
        )
    ran = await cli.json("worker", "--once")
    assert ran == {"ran": 4}  # deliver, delivered, read, and the unknown kind's only attempt
    assert await status_of(cli_database, workspace_id, message_id) == "read"

    [dead] = await cli.json("jobs", "list", "--dead")
    assert (dead["id"], dead["status"]) == (dead_id, "dead")
    retried = await cli.json("jobs", "retry", dead_id, "--workspace", workspace_id)
    assert retried["status"] == "pending"
    again = await cli.run("jobs", "retry", dead_id)
    assert again.code == 1
    assert "only a dead job can be retried" in " ".join(again.output.split())


async def test_the_worker_delivers_until_stopped(cli: Cli, cli_database: Database) -> None:
    workspace_id = await make_workspace(cli_database)
    channel_id = await make_channel(cli_database, workspace_id)
    env = {**cli.env, "HUBBUB_SANDBOX_STEP_SECONDS": "0.1", "HUBBUB_WORKER_POLL_SECONDS": "0.5"}
    process = await asyncio.create_subprocess_exec(
        str(HUBBUB), "worker", env=env, stdout=asyncio.subprocess.PIPE, stderr=sys.stderr
    )
    try:
        message_id = await send(cli_database, workspace_id, channel_id)
        deadline = asyncio.get_running_loop().time() + DELIVERY_TIMEOUT
        status = "accepted"
        while status != "read" and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.1)
            status = await status_of(cli_database, workspace_id, message_id)
        assert status == "read"
    finally:
        process.send_signal(signal.SIGTERM)
        stdout, _ = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0
    assert b"worker stopped" in stdout

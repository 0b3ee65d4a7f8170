"""Fixtures for the delivery runner: fast settings (no sandbox pause, no retry backoff), a
sandbox channel, and helpers to send and to read jobs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select

from hubbub.channels.schemas import Channel, ChannelCreate
from hubbub.channels.service import channel as channel_service
from hubbub.config import Settings
from hubbub.db.models import job
from hubbub.db.uow import Database
from hubbub.jobs.schemas import Job
from hubbub.messages.schemas import Message, MessageCreate
from hubbub.messages.service import message as message_service

PHONE = "+31612345678"


@pytest.fixture
def fast(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "sandbox_step_seconds": 0.0,
            "job_retry_base_seconds": 0.0,
            "job_retry_cap_seconds": 0.0,
            "worker_concurrency": 8,
        }
    )


async def make_channel(
    database: Database,
    workspace_id: str,
    platform: str = "sms",
    config: dict[str, Any] | None = None,
) -> Channel:
    async with database.transaction() as session:
        return await channel_service.create(
            session,
            workspace_id,
            ChannelCreate.model_validate(
                {"platform": platform, "name": f"{platform} line", "config": config or {}}
            ),
        )


async def send(
    database: Database,
    workspace_id: str,
    channel: Channel,
    text: str = "hello",
    *,
    to: str = PHONE,
    scheduled_for: datetime | None = None,
) -> Message:
    data = MessageCreate.model_validate(
        {
            "channel_id": channel.id,
            "recipients": [{"value": to}],
            "payload": {"type": "text", "text": text},
            "scheduled_for": scheduled_for,
        }
    )
    async with database.transaction() as session:
        return await message_service.create(session, workspace_id, data)


async def get_message(database: Database, workspace_id: str, message_id: str) -> Message:
    async with database.read() as session:
        return await message_service.get_or_raise(session, workspace_id, message_id)


async def jobs_of(database: Database, target_id: str) -> list[Job]:
    async with database.read() as session:
        rows = await session.conn.execute(
            select(job).where(job.c.target_id == target_id).order_by(job.c.created_at)
        )
        return [Job.model_validate(dict(row._mapping)) for row in rows]

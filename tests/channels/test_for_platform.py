"""The workspace's channel for a platform: its oldest one, created (once, however many ask at
the same time) with the given name when there is none; ``named`` narrows it to one name."""

from __future__ import annotations

import asyncio

from hubbub.channels.schemas import Channel, ChannelCreate
from hubbub.channels.service import channel as channel_service
from hubbub.db.uow import Database, Session
from tests.conftest import WorkspaceFixture

CONCURRENT_CALLS = 8


async def test_the_oldest_channel_of_the_platform_is_the_one(
    workspace: WorkspaceFixture, session: Session
) -> None:
    assert await channel_service.for_platform(session, workspace.id, "sms") is None
    older = await channel_service.create(
        session, workspace.id, ChannelCreate(platform="sms", name="first")
    )
    await channel_service.create(session, workspace.id, ChannelCreate(platform="sms", name="2nd"))
    await channel_service.create(session, workspace.id, ChannelCreate(platform="email", name="e"))
    found, created = await channel_service.get_or_create_for_platform(
        session, workspace.id, platform="sms", name="default"
    )
    assert (found.id, created) == (older.id, False)
    assert await channel_service.for_platform(session, workspace.id, "sms") == older


async def test_none_yet_creates_one_and_then_finds_it(
    workspace: WorkspaceFixture, session: Session
) -> None:
    made, made_created = await channel_service.get_or_create_for_platform(
        session, workspace.id, platform="webchat", name="Chat"
    )
    again, again_created = await channel_service.get_or_create_for_platform(
        session, workspace.id, platform="webchat", name="ignored once one exists"
    )
    assert (made.platform, made.name, made_created) == ("webchat", "Chat", True)
    assert (again.id, again_created) == (made.id, False)


async def test_a_deleted_channel_is_replaced(workspace: WorkspaceFixture, session: Session) -> None:
    made, _ = await channel_service.get_or_create_for_platform(
        session, workspace.id, platform="webchat", name="Chat"
    )
    await channel_service.delete(session, workspace.id, made.id)
    replaced, created = await channel_service.get_or_create_for_platform(
        session, workspace.id, platform="webchat", name="Chat"
    )
    assert created
    assert replaced.id != made.id


async def test_named_keeps_one_channel_per_name(
    workspace: WorkspaceFixture, session: Session
) -> None:
    slack, slack_created = await channel_service.get_or_create_for_platform(
        session, workspace.id, platform="sandbox", name="botpress:slack", named=True
    )
    telegram, _ = await channel_service.get_or_create_for_platform(
        session, workspace.id, platform="sandbox", name="botpress:telegram", named=True
    )
    again, again_created = await channel_service.get_or_create_for_platform(
        session, workspace.id, platform="sandbox", name="botpress:slack", named=True
    )
    assert slack_created
    assert not again_created
    assert again.id == slack.id != telegram.id
    found = await channel_service.for_platform(
        session, workspace.id, "sandbox", name="botpress:telegram"
    )
    assert found == telegram


async def test_concurrent_first_uses_create_exactly_one(
    database: Database, workspace: WorkspaceFixture
) -> None:
    async def call(named: bool) -> tuple[Channel, bool]:
        async with database.transaction() as session:
            return await channel_service.get_or_create_for_platform(
                session, workspace.id, platform="webchat", name="Chat", named=named
            )

    for named in (False, True):
        results = await asyncio.gather(*(call(named) for _ in range(CONCURRENT_CALLS)))
        assert len({found.id for found, _ in results}) == 1
        # The named lookup finds the channel the first round made (it has that name).
        assert sum(created for _, created in results) == (0 if named else 1)
    async with database.read() as session:
        channels = await channel_service.list(session, workspace.id, platform="webchat")
    assert len(channels) == 1


async def test_concurrent_first_uses_of_one_name_create_exactly_one(
    database: Database, workspace: WorkspaceFixture
) -> None:
    async def call() -> tuple[Channel, bool]:
        async with database.transaction() as session:
            return await channel_service.get_or_create_for_platform(
                session, workspace.id, platform="sandbox", name="botpress:x", named=True
            )

    results = await asyncio.gather(*(call() for _ in range(CONCURRENT_CALLS)))
    assert len({found.id for found, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    async with database.read() as session:
        channels = await channel_service.list(session, workspace.id, platform="sandbox")
    assert [channel.name for channel in channels] == ["botpress:x"]

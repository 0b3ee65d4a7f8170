"""The database's notifier: who hears of a commit that wrote events or enqueued jobs, per
database, and nothing before the commit or after a rollback."""

from __future__ import annotations

import pytest

from hubbub.db.uow import Database
from hubbub.events.service import event as event_service
from hubbub.jobs.service import job as job_service
from hubbub.kit.ids import new_id
from tests.conftest import WorkspaceFixture


class Calls:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> None:
        self.count += 1


async def record_one(database: Database, workspace_id: str) -> None:
    async with database.transaction() as session:
        await event_service.record(session, workspace_id, type="channel.created")


async def test_a_commit_that_wrote_events_wakes_readers_and_publishers(
    database: Database, workspace: WorkspaceFixture
) -> None:
    events = database.notifier.events
    reader, publisher = Calls(), Calls()
    events.listen(reader)
    events.publish_commits(publisher)
    try:
        async with database.transaction() as session:
            await event_service.record(session, workspace.id, type="channel.created")
            await event_service.record(session, workspace.id, type="channel.updated")
            assert (reader.count, publisher.count) == (0, 0)  # nothing before the commit
        # After the commit, once per event (each sets an ``asyncio.Event``: twice is once).
        assert (reader.count, publisher.count) == (2, 2)
        events.wake()  # another process's commit, heard through LISTEN: readers only
        assert (reader.count, publisher.count) == (3, 2)
    finally:
        events.unlisten(reader)
        events.unpublish_commits(publisher)
    await record_one(database, workspace.id)
    assert (reader.count, publisher.count) == (3, 2)


async def record_then_fail(database: Database, workspace_id: str) -> None:
    async with database.transaction() as session:
        await event_service.record(session, workspace_id, type="channel.created")
        raise RuntimeError("undone")


async def test_a_rollback_wakes_nobody(database: Database, workspace: WorkspaceFixture) -> None:
    reader = Calls()
    database.notifier.events.listen(reader)
    try:
        with pytest.raises(RuntimeError):
            await record_then_fail(database, workspace.id)
        assert reader.count == 0
    finally:
        database.notifier.events.unlisten(reader)


async def test_nobody_listening_costs_no_after_commit_callback(
    database: Database, workspace: WorkspaceFixture
) -> None:
    assert not database.notifier.events.readers
    assert not database.notifier.events.publishers
    async with database.transaction() as session:
        await event_service.record(session, workspace.id, type="channel.created")
        assert session._after_commit == []


async def test_a_broken_reader_keeps_no_other_asleep(
    database: Database, workspace: WorkspaceFixture
) -> None:
    def broken() -> None:
        raise RuntimeError("a bug in one listener")

    reader = Calls()
    events = database.notifier.events
    events.listen(broken)
    events.listen(reader)
    try:
        await record_one(database, workspace.id)
    finally:
        events.unlisten(broken)
        events.unlisten(reader)
    assert reader.count == 1


async def test_each_database_has_its_own_notifier(
    database: Database, workspace: WorkspaceFixture
) -> None:
    """Another ``Database`` of the same URL stands in for another process: in-process
    wake-ups do not cross to it (PostgreSQL's relay does, see ``tests/api/native/test_stream``)."""
    elsewhere = Database(database.url, pool_size=2)
    try:
        assert elsewhere.notifier is not database.notifier
        here, there = Calls(), Calls()
        database.notifier.events.listen(here)
        elsewhere.notifier.events.listen(there)
        try:
            await record_one(elsewhere, workspace.id)
        finally:
            database.notifier.events.unlisten(here)
            elsewhere.notifier.events.unlisten(there)
        assert (here.count, there.count) == (0, 1)
    finally:
        await elsewhere.dispose()


async def enqueue_one(database: Database, workspace_id: str) -> None:
    async with database.transaction() as session:
        await job_service.enqueue(
            session, kind="test.notify", target_id=new_id(), workspace_id=workspace_id
        )


async def test_a_job_wakes_the_local_runner_and_is_published_only_without_one(
    database: Database, workspace: WorkspaceFixture
) -> None:
    """A process whose runner takes the job at once tells no other process (their polls find
    the overflow); one without a runner has the relay tell them."""
    jobs = database.notifier.jobs
    runner, relay = Calls(), Calls()
    jobs.publish_commits(relay)
    try:
        await enqueue_one(database, workspace.id)
        assert relay.count == 1
        jobs.listen(runner)
        try:
            await enqueue_one(database, workspace.id)
        finally:
            jobs.unlisten(runner)
    finally:
        jobs.unpublish_commits(relay)
    assert (runner.count, relay.count) == (1, 1)

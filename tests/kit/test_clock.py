"""The process's clock: the system's by default; a manual one that tests set instead of
sleeping, installed for a block and the system's again after it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hubbub.contacts.schemas import ContactCreate, ContactUpdate, Identifier
from hubbub.contacts.service import contact as contact_service
from hubbub.db.uow import Database
from hubbub.kit import clock as clock_module
from hubbub.kit.clock import ManualClock, utcnow
from hubbub.kit.ids import new_id
from tests.conftest import WorkspaceFixture

NOON = datetime(2021, 5, 17, 12, 0, tzinfo=UTC)


def test_the_system_clock_tells_the_real_time() -> None:
    before = datetime.now(UTC)
    now = utcnow()
    assert before <= now <= datetime.now(UTC)
    assert now.tzinfo is UTC


def test_a_manual_clock_stands_still_until_set_or_advanced() -> None:
    manual = ManualClock(NOON)
    with manual.installed():
        assert utcnow() == utcnow() == NOON
        assert manual.advance(1.5) == NOON + timedelta(seconds=1.5)
        assert manual.advance(timedelta(milliseconds=1)) == NOON + timedelta(seconds=1.501)
        assert utcnow() == NOON + timedelta(seconds=1.501)
        manual.set(NOON - timedelta(days=1))
        assert utcnow() == NOON - timedelta(days=1)
    assert utcnow() > NOON + timedelta(days=365)  # the system clock again
    assert clock_module._clock is clock_module.SYSTEM_CLOCK


def test_a_manual_clock_starts_at_the_real_time_and_takes_only_aware_forward_steps() -> None:
    before = datetime.now(UTC)
    manual = ManualClock()
    assert before <= manual.now() <= datetime.now(UTC)
    with pytest.raises(ValueError):
        manual.advance(-1)
    with pytest.raises(ValueError):
        manual.set(datetime(2030, 1, 1))  # noqa: DTZ001 - naive on purpose
    assert manual.set(datetime.fromisoformat("2030-01-01T02:00:00+02:00")) == datetime(
        2030, 1, 1, tzinfo=UTC
    )


def test_the_clock_fixture_installs_a_manual_clock(clock: ManualClock) -> None:
    clock.set(NOON)
    assert utcnow() == NOON


async def test_what_a_service_records_is_dated_by_the_clock(
    database: Database, workspace: WorkspaceFixture, clock: ManualClock
) -> None:
    clock.set(NOON)
    identifier = Identifier(key="email", value=f"{new_id()}@example.com")
    async with database.transaction() as session:
        created = await contact_service.create(
            session, workspace.id, ContactCreate(identifiers=[identifier])
        )
    clock.advance(60)
    async with database.transaction() as session:
        await contact_service.update(session, workspace.id, created.id, ContactUpdate(name="Ada"))
    async with database.read() as session:
        stored = await contact_service.get_or_raise(session, workspace.id, created.id)
    assert (created.created_at, created.updated_at) == (NOON, NOON)
    assert (stored.created_at, stored.updated_at) == (NOON, NOON + timedelta(minutes=1))

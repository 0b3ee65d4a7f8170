"""The get-or-create mechanism on its own: a claim won creates, a claim lost loads the winner's
row, a claim pointing at a row gone since is released and taken again, and a digest that keeps
being taken from under us ends in a Conflict."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from hubbub.db.uow import Session
from hubbub.discriminators import service as discriminators
from hubbub.discriminators.repository import DiscriminatorRepository
from hubbub.errors import Conflict
from hubbub.kit.ids import new_id
from tests.conftest import WorkspaceFixture

KIND = "test"


@dataclass(frozen=True)
class Row:
    id: str


@dataclass
class Table:
    """Rows in memory, and what the mechanism asked of them."""

    rows: dict[str, Row] = field(default_factory=dict)
    unclaimed: Row | None = None
    created: list[str] = field(default_factory=list)

    async def load(self, row_id: str) -> Row | None:
        return self.rows.get(row_id)

    async def find(self) -> Row | None:
        return self.unclaimed

    async def create(self, row_id: str) -> Row:
        self.created.append(row_id)
        self.rows[row_id] = Row(row_id)
        return self.rows[row_id]


def claim_for(digest: str) -> discriminators.Claim:
    return discriminators.Claim(KIND, digest, "row")


async def run(session: Session, workspace_id: str, table: Table, digest: str) -> tuple[Row, bool]:
    return await discriminators.get_or_create(
        session, workspace_id, claim_for(digest), table.load, table.find, table.create
    )


async def test_a_claim_won_creates_and_the_next_call_loads_it(
    session: Session, workspace: WorkspaceFixture
) -> None:
    table, digest = Table(), new_id()
    first, first_created = await run(session, workspace.id, table, digest)
    again, again_created = await run(session, workspace.id, table, digest)
    assert (first_created, again_created) == (True, False)
    assert again == first
    assert table.created == [first.id]
    claims = DiscriminatorRepository(session)
    assert await claims.get_target(workspace.id, digest) == first.id


async def test_a_claim_lost_loads_the_row_it_points_at(
    session: Session, workspace: WorkspaceFixture
) -> None:
    table, digest = Table(), new_id()
    winner = await table.create(new_id())
    table.created.clear()
    claims = DiscriminatorRepository(session)
    assert await claims.claim(workspace.id, digest, kind=KIND, target_id=winner.id)
    found, created = await run(session, workspace.id, table, digest)
    assert (found, created) == (winner, False)
    assert table.created == []


async def test_a_row_made_without_a_claim_is_claimed_and_found(
    session: Session, workspace: WorkspaceFixture
) -> None:
    table, digest = Table(), new_id()
    table.unclaimed = Row(new_id())
    found, created = await run(session, workspace.id, table, digest)
    assert (found, created) == (table.unclaimed, False)
    claims = DiscriminatorRepository(session)
    assert await claims.get_target(workspace.id, digest) == table.unclaimed.id


async def test_a_claim_pointing_at_a_deleted_row_is_released_and_taken_again(
    session: Session, workspace: WorkspaceFixture
) -> None:
    table, digest = Table(), new_id()
    gone = new_id()
    claims = DiscriminatorRepository(session)
    assert await claims.claim(workspace.id, digest, kind=KIND, target_id=gone)
    found, created = await run(session, workspace.id, table, digest)
    assert created
    assert found.id != gone
    assert await claims.get_target(workspace.id, digest) == found.id


async def test_a_digest_taken_from_under_every_round_ends_in_a_conflict(
    session: Session, workspace: WorkspaceFixture
) -> None:
    digest = new_id()
    claims = DiscriminatorRepository(session)
    rounds = 0

    class Racer(Table):
        async def find(self) -> Row | None:
            # Between our lookup and our claim, another caller claims for a row we never see.
            nonlocal rounds
            rounds += 1
            await claims.claim(workspace.id, digest, kind=KIND, target_id=new_id())
            return None

    racer = Racer()
    with pytest.raises(Conflict) as caught:
        await run(session, workspace.id, racer, digest)
    assert "row is being changed concurrently" in caught.value.message
    assert rounds == discriminators.MAX_ROUNDS
    assert racer.created == []


async def test_reclaim_moves_the_claims_of_a_retagged_row(
    session: Session, workspace: WorkspaceFixture
) -> None:
    old, new, row_id = new_id(), new_id(), new_id()
    claims = DiscriminatorRepository(session)
    assert await claims.claim(workspace.id, old, kind=KIND, target_id=row_id)
    await discriminators.reclaim(session, workspace.id, row_id, kind=KIND, digest=new)
    assert await claims.get_target(workspace.id, old) is None
    assert await claims.get_target(workspace.id, new) == row_id
    await discriminators.release(session, row_id)
    assert await claims.get_target(workspace.id, new) is None

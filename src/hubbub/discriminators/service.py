"""Get-or-create on a claimed digest: the one mechanism every "find this, or make it" of the core
runs on (conversations and contacts and messages by tags, conversations by contacts, the
workspace's channel of a platform).

A digest names what is looked for (``hubbub.kit.tags.discriminator_digest``). A round:

1. the row the digest is claimed for, if it still is what is looked for (``load``); a claim
   whose row was deleted or changed since is released;
2. else a matching row made without a claim (``find``: a plain create, or a row whose claim a
   change released), else a new id;
3. claim the digest for that id. The primary key on (workspace, digest) settles concurrent
   calls: only one claim wins; a lost claim starts the next round, which finds the winner's row;
4. the row found, or a new one inserted under the claimed id (``create``).

Each lost round means another transaction changed what the digest names meanwhile; more than
``MAX_ROUNDS`` of them means something keeps racing us, and the caller gets a ``Conflict``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Final, Protocol, TypeVar

from hubbub.db.uow import Session
from hubbub.discriminators.repository import DiscriminatorRepository
from hubbub.errors import Conflict
from hubbub.kit.ids import new_id

MAX_ROUNDS: Final = 5


class Identified(Protocol):
    @property
    def id(self) -> str: ...


T = TypeVar("T", bound=Identified)


@dataclass(frozen=True)
class Claim:
    """What a get-or-create claims: ``digest`` under ``kind``; ``resource`` names the row in
    the Conflict raised when the rounds run out."""

    kind: str
    digest: str
    resource: str


async def get_or_create(
    session: Session,
    workspace_id: str,
    claim: Claim,
    load: Callable[[str], Awaitable[T | None]],
    find: Callable[[], Awaitable[T | None]],
    create: Callable[[str], Awaitable[T]],
) -> tuple[T, bool]:
    """The row ``claim`` names and whether this call created it. ``load(id)``: the claimed
    row if it still matches (None releases the claim); ``find()``: a matching row made without a
    claim; ``create(id)``: insert the new row under the claimed id."""
    claims = DiscriminatorRepository(session)
    kind, digest = claim.kind, claim.digest
    for _ in range(MAX_ROUNDS):
        claimed_id = await claims.get_target(workspace_id, digest)
        if claimed_id is not None:
            claimed = await load(claimed_id)
            if claimed is not None:
                return claimed, False
            await claims.release_target(claimed_id)
        existing = await find()
        target_id = new_id() if existing is None else existing.id
        if not await claims.claim(workspace_id, digest, kind=kind, target_id=target_id):
            continue  # another transaction claimed first: its row is found next round
        if existing is not None:
            return existing, False
        return await create(target_id), True
    raise Conflict(f"the {claim.resource} is being changed concurrently; retry the request")


def loader(
    get: Callable[[str], Awaitable[T | None]], matches: Callable[[T], bool]
) -> Callable[[str], Awaitable[T | None]]:
    """A ``load`` for ``get_or_create``: the row ``get`` reads, if it ``matches``."""

    async def load(target_id: str) -> T | None:
        found = await get(target_id)
        return found if found is not None and matches(found) else None

    return load


async def release(session: Session, target_id: str) -> None:
    """Drop every claim on a row that is gone, or whose discriminating values changed, so no
    later lookup is led to it by them."""
    await DiscriminatorRepository(session).release_target(target_id)


async def reclaim(
    session: Session, workspace_id: str, target_id: str, *, kind: str, digest: str | None
) -> None:
    """A row's tags changed: the claims made under the old ones are released and ``digest``,
    the claim a get-or-create matched the row by (None: none did), is taken again for it."""
    claims = DiscriminatorRepository(session)
    await claims.release_target(target_id)
    if digest is not None:
        await claims.claim(workspace_id, digest, kind=kind, target_id=target_id)

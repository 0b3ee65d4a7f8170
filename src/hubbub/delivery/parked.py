"""Status callbacks that came before the provider id they name was stored.

A provider answers a send with its id and may call back about that id at once; the runner
stores the id only after the answer, in its record transaction. ``inbound.apply_status`` parks a
status whose provider id is unknown instead of dropping it; when the runner stores the id it
takes the parked statuses for it in the same transaction and applies them in status-machine
order (``sent`` before ``delivered`` before ``read``), and the machine itself refuses any that
would move the message backwards. Parked rows no send ever claims (another system's id, a
message deleted meanwhile) are purged after ``HUBBUB_PARKED_STATUS_RETENTION_SECONDS``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from hubbub.connectors.base import StatusUpdate
from hubbub.db.uow import Database, Session
from hubbub.delivery.inbound import apply_to_message
from hubbub.delivery.parked_repository import ParkedStatusRepository
from hubbub.kit.clock import utcnow
from hubbub.messages.status import rank


async def apply_parked(
    session: Session, workspace_id: str, channel_id: str, provider_message_id: str, message_id: str
) -> int:
    """Apply (and delete) the statuses parked for ``provider_message_id`` on the channel to the
    message that now holds it; how many moved the message."""
    rows = await ParkedStatusRepository(session).take(workspace_id, channel_id, provider_message_id)
    moved = 0
    for row in sorted(rows, key=_machine_order):
        if await apply_to_message(session, workspace_id, message_id, _as_update(row)):
            moved += 1
    return moved


def _machine_order(row: dict[str, Any]) -> tuple[int, Any]:
    return rank(row["status"]), row["received_at"]


def _as_update(row: dict[str, Any]) -> StatusUpdate:
    return StatusUpdate(
        provider_message_id=row["provider_message_id"],
        status=row["status"],
        at=row["at"],
        failure_code=row["failure_code"],
        failure_reason=row["failure_reason"],
        details=row["details"] or {},
    )


async def purge_expired(database: Database, *, retention_seconds: float) -> int:
    """Delete parked statuses older than the retention; how many went."""
    cutoff = utcnow() - timedelta(seconds=retention_seconds)
    async with database.transaction() as session:
        return await ParkedStatusRepository(session).purge_received_before(cutoff)

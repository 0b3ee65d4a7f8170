"""The event relay loop: this process's commits told to the other processes of the database,
and theirs to this one's readers of the event log (the realtime hub, the webhook sender).

The mechanism is the database's (``Notifier.relay`` in ``hubbub.db.notify``: PostgreSQL's
``LISTEN/NOTIFY`` on a connection of its own, one ``NOTIFY`` after commits and never inside a
request's transaction; nothing to relay on SQLite). API and worker processes alike run it."""

from __future__ import annotations

from hubbub.process.context import LoopContext


async def run_relay(context: LoopContext) -> None:
    await context.database.notifier.relay(context.stop)

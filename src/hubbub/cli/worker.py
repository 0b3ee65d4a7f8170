"""``hubbub worker``: the delivery runner (and every other worker loop) without the API.

Run as many as you like on PostgreSQL; they share the queue. ``--once`` runs what is due now
and exits, for cron-style use and scripts."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from typing import Annotated

import typer

from hubbub.cli.context import console, open_database, print_json, run, settings_from_env
from hubbub.config import Settings
from hubbub.delivery.runner import run_due
from hubbub.process.context import LoopContext
from hubbub.process.loops import worker_loops
from hubbub.process.supervisor import Background


def worker(
    database: Annotated[
        str | None,
        typer.Option("--database", help="Database URL (default: SQLite in the data dir)."),
    ] = None,
    concurrency: Annotated[
        int | None, typer.Option(min=1, max=1000, help="Jobs run at once.")
    ] = None,
    once: Annotated[bool, typer.Option("--once", help="Run the jobs due now, then exit.")] = False,
    json: Annotated[bool, typer.Option("--json", help="With --once: print JSON.")] = False,
) -> None:
    """Run jobs (message delivery, retries, scheduled messages) until stopped."""
    # The app module imports every surface, and with them the job handlers they register
    # (bot events, webhooks): the worker must know every kind ``serve`` knows. Imported here,
    # not at the top, so other commands do not pay for the web stack.
    import hubbub.app  # noqa: F401

    settings = settings_from_env(database)
    if concurrency is not None:
        settings = settings.model_copy(update={"worker_concurrency": concurrency})
    if once:
        ran = run(lambda: _run_once(settings))
        if json:
            print_json({"ran": ran})
        else:
            console.print(f"ran {ran} job(s)")
        return
    with contextlib.suppress(KeyboardInterrupt):
        run(lambda: _serve(settings))


async def _run_once(settings: Settings) -> int:
    async with open_database(settings, pool_size=settings.db_pool_size) as database:
        return await run_due(database, settings)


async def _serve(settings: Settings) -> None:
    async with open_database(settings, pool_size=settings.db_pool_size) as database:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        loops = worker_loops()
        background = Background(loops, LoopContext(database, settings, stop))
        background.start()
        names = ", ".join(item.name for item in loops)
        console.print(f"[bold]Hubbub worker[/] running {names}; Ctrl-C stops", highlight=False)
        await stop.wait()
        await background.stop()
        console.print("worker stopped")

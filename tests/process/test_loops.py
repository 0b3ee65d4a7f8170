"""Which loops each process runs, and the supervisor that runs them."""

from __future__ import annotations

import asyncio

import pytest

from hubbub.config import Settings
from hubbub.db.uow import Database
from hubbub.process import supervisor
from hubbub.process.context import BackgroundLoop, LoopContext
from hubbub.process.loops import serve_loops, worker_loops
from hubbub.process.supervisor import Background


def names(loops: list[BackgroundLoop]) -> list[str]:
    return [loop.name for loop in loops]


def test_serve_runs_the_api_loops_and_the_worker_loops_unless_told_not_to(
    settings: Settings,
) -> None:
    assert names(serve_loops(settings)) == [
        "event-relay",
        "realtime-hub",
        "smtp-listener",
        "delivery",
        "webhook-sender",
    ]
    api_only = settings.model_copy(update={"run_worker": False})
    assert names(serve_loops(api_only)) == ["event-relay", "realtime-hub", "smtp-listener"]


def test_the_worker_runs_the_worker_loops_and_the_relay() -> None:
    assert names(worker_loops()) == ["event-relay", "delivery", "webhook-sender"]


def test_no_loop_may_be_listed_twice(database: Database, settings: Settings) -> None:
    loops = worker_loops()
    context = LoopContext(database, settings, asyncio.Event())
    with pytest.raises(ValueError, match="listed twice"):
        Background([*loops, loops[0]], context)


async def test_a_crashed_loop_is_restarted_and_a_stopped_one_ends(
    database: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(supervisor, "RESTART_PAUSE_SECONDS", 0.01)
    runs = 0
    restarted = asyncio.Event()

    async def crashes_once(context: LoopContext) -> None:
        nonlocal runs
        runs += 1
        if runs == 1:
            raise RuntimeError("a bug")
        restarted.set()
        await context.stop.wait()

    background = Background(
        [BackgroundLoop("flaky", crashes_once)], LoopContext(database, settings, asyncio.Event())
    )
    background.start()
    await asyncio.wait_for(restarted.wait(), timeout=5)
    await background.stop(grace_seconds=5)
    assert runs == 2
    assert all(task.done() and not task.cancelled() for task in background.tasks)

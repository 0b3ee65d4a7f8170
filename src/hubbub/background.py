"""The long-running loops of a process: the delivery runner, the webhook sender, the realtime
listener. ``hubbub serve`` starts the worker loops in its lifespan (unless
``HUBBUB_RUN_WORKER=false``) and the API loops always; ``hubbub worker`` runs the worker loops
alone. A loop runs until ``stop`` is set; one that crashes is logged and restarted after a
pause, so a bug in one loop never takes the process or the other loops down."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from hubbub.config import Settings
from hubbub.db.uow import Database
from hubbub.delivery.email_inbound import run_smtp_listener
from hubbub.delivery.runner import worker_loop as delivery_worker_loop
from hubbub.realtime.hub import run_realtime_hub
from hubbub.realtime.relay import run_relay
from hubbub.webhooks.sender import run_webhook_sender

log = logging.getLogger(__name__)

RESTART_PAUSE_SECONDS = 1.0


@dataclass(frozen=True)
class LoopContext:
    database: Database
    settings: Settings
    stop: asyncio.Event


Loop = Callable[[LoopContext], Awaitable[None]]


@dataclass(frozen=True)
class BackgroundLoop:
    name: str
    run: Loop


# Loops that do the work of a worker (claim jobs, send webhooks): in `serve` by default and in
# `hubbub worker`. Each package that owns a loop appends it here.
WORKER_LOOPS: list[BackgroundLoop] = []
# Loops every API process needs whatever its worker setting (e.g. feeding its SSE streams).
API_LOOPS: list[BackgroundLoop] = []

WORKER_LOOPS.append(BackgroundLoop("delivery", delivery_worker_loop))
WORKER_LOOPS.append(BackgroundLoop("webhook-sender", run_webhook_sender))
# The LISTEN/NOTIFY relay serves API and worker processes alike (one copy runs per process).
API_LOOPS.append(BackgroundLoop("event-relay", run_relay))
WORKER_LOOPS.append(BackgroundLoop("event-relay", run_relay))
API_LOOPS.append(BackgroundLoop("realtime-hub", run_realtime_hub))
API_LOOPS.append(BackgroundLoop("smtp-listener", run_smtp_listener))


def loops_for(settings: Settings, *, serving: bool) -> list[BackgroundLoop]:
    loops = list(API_LOOPS) if serving else []
    if settings.run_worker or not serving:
        loops.extend(WORKER_LOOPS)
    return loops


async def supervise(loop: BackgroundLoop, context: LoopContext) -> None:
    while not context.stop.is_set():
        try:
            await loop.run(context)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("background loop %s crashed; restarting", loop.name)
        if context.stop.is_set():
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(context.stop.wait(), RESTART_PAUSE_SECONDS)


class Background:
    """Starts loops as tasks and stops them: set ``stop``, give them a moment, then cancel."""

    def __init__(self, loops: list[BackgroundLoop], context: LoopContext) -> None:
        self.loops = loops
        self.context = context
        self.tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self.tasks = [
            asyncio.create_task(supervise(loop, self.context), name=loop.name)
            for loop in self.loops
        ]

    async def stop(self, grace_seconds: float = 5.0) -> None:
        self.context.stop.set()
        if not self.tasks:
            return
        _, pending = await asyncio.wait(self.tasks, timeout=grace_seconds)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

"""The supervisor: runs a process's loops as tasks until they are stopped. A loop that crashes
is logged and restarted after a pause, so a bug in one loop never takes the process or the
other loops down. Only the processes use it (``hubbub.app``, ``hubbub worker``)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence

from hubbub.process.context import BackgroundLoop, LoopContext

log = logging.getLogger(__name__)

RESTART_PAUSE_SECONDS = 1.0


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

    def __init__(self, loops: Sequence[BackgroundLoop], context: LoopContext) -> None:
        names = [loop.name for loop in loops]
        if len(set(names)) != len(names):
            raise ValueError(f"a loop is listed twice: {names}")
        self.loops = list(loops)
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

"""What a long-running loop is given. A leaf: it imports no feature package, so each feature
defines its loop functions against ``LoopContext`` and the processes (``hubbub.process.loops``)
list them. A loop runs until ``stop`` is set (``hubbub.process.supervisor`` runs them)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from hubbub.config import Settings
from hubbub.db.uow import Database


@dataclass(frozen=True)
class LoopContext:
    """The process's database and settings, and the event that stops its loops."""

    database: Database
    settings: Settings
    stop: asyncio.Event


Loop = Callable[[LoopContext], Awaitable[None]]


@dataclass(frozen=True)
class BackgroundLoop:
    name: str
    run: Loop

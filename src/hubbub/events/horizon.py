"""The safe horizon of the event log: the highest ``seq`` below which no event can still
appear. Readers that follow the log with an ``after seq`` cursor (the realtime hub, the
webhook sender) read only up to it, or they could step over an event that commits late.

SQLite has one writer at a time and assigns ``seq`` inside the write transaction, so events
commit in ``seq`` order and the horizon is simply the highest visible ``seq``.

PostgreSQL hands out ``seq`` from a sequence when the row is inserted, not when the transaction
commits: transaction A can take 41, B take 42 and commit first, and a reader that saw 42 and
moved its cursor there would never see 41. The horizon closes that gap without slowing writers:

* a ``seq`` not yet visible belongs to a transaction that was running when the reader looked
  (migration 0004 makes the insert take its transaction id *before* the number, so no writer
  can hold a number without being listed as running);
* so every observation records the highest visible ``seq`` and the ids of the transactions
  running at that instant (``pg_current_snapshot()``); once all of those have ended, nothing
  at or below that ``seq`` can still appear, and it becomes the horizon;
* and when the numbers above the horizon are contiguous (the usual case) there is no hole to
  wait for, so the newest ``seq`` is safe at once.

Holes left by rolled-back inserts resolve the same way: their transactions end.
"""

from __future__ import annotations

from dataclasses import dataclass

from hubbub.db.engine import Capabilities
from hubbub.db.uow import Session
from hubbub.events.repository import LogPositionRepository

# A reader keeps at most this many unresolved observations; dropping the oldest only delays
# the horizon (a newer observation covers its events once its own transactions end).
MAX_PENDING = 256


@dataclass(frozen=True)
class Snapshot:
    xmin: int
    xmax: int
    running: frozenset[int]

    @classmethod
    def parse(cls, text: str) -> Snapshot:
        xmin, xmax, running = text.split(":")
        return cls(int(xmin), int(xmax), frozenset(int(x) for x in running.split(",") if x))

    def has_ended(self, xid: int) -> bool:
        """Whether transaction ``xid`` had ended when this snapshot was taken."""
        return xid < self.xmin or (xid < self.xmax and xid not in self.running)


@dataclass
class _Observation:
    top: int
    running: frozenset[int]


class LogHorizon:
    """One reader's view of the horizon; call ``advance`` each time it looks at the log."""

    def __init__(self, caps: Capabilities) -> None:
        # One writer at a time means commit order is seq order (see the module docstring).
        self.commits_in_seq_order = caps.single_writer
        self.safe: int | None = None
        self._pending: list[_Observation] = []

    @property
    def settling(self) -> bool:
        """True while some visible events wait for older transactions to end: look again soon."""
        return bool(self._pending)

    async def advance(self, session: Session) -> int | None:
        """Look at the log and return the horizon: every event with ``seq <=`` it is visible
        now and no other ever will be. None until the first observation has settled. Call it
        in a read transaction (a write transaction's own id would hold its observation back)."""
        repository = LogPositionRepository(session)
        if self.commits_in_seq_order:
            self.safe = await repository.top()
            return self.safe
        top, snapshot_text, above = await repository.observe(self.safe)
        snapshot = Snapshot.parse(snapshot_text)
        if self.safe is not None and above == top - self.safe:
            self.safe, self._pending = top, []  # no hole above the horizon
            return top
        self._observe(top, snapshot)
        return self._settle(snapshot)

    def _observe(self, top: int, snapshot: Snapshot) -> None:
        last = self._pending[-1] if self._pending else None
        if last is not None and last.running == snapshot.running:
            last.top = top  # the same transactions decide both: keep one observation
        else:
            self._pending.append(_Observation(top, snapshot.running))
        del self._pending[:-MAX_PENDING]

    def _settle(self, snapshot: Snapshot) -> int | None:
        for observation in list(self._pending):
            if all(snapshot.has_ended(xid) for xid in observation.running):
                self.safe = max(self.safe or 0, observation.top)
        if self.safe is not None:
            self._pending = [o for o in self._pending if o.top > self.safe]
        return self.safe

"""In-process wake-ups for readers of the event log (the realtime hub, the webhook sender).

``record`` registers an after-commit callback, so a reader wakes as soon as a transaction that
wrote events has committed instead of at its next poll. Registrations are per ``Database``: its
``Capabilities`` object is unique to it and every session carries it, which lets ``record`` find
them without knowing the database.

Two kinds of callback: *readers* wake whenever the log may have grown (a local commit, or
another process's, relayed by ``hubbub.realtime.relay`` from PostgreSQL's ``NOTIFY``);
*publishers* hear about local commits only (the relay, which tells the other processes).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from hubbub.db.engine import Capabilities
from hubbub.db.uow import Session

log = logging.getLogger(__name__)

Callback = Callable[[], None]

# id(Capabilities of a Database) -> callbacks.
_readers: dict[int, list[Callback]] = {}
_publishers: dict[int, list[Callback]] = {}


def listen(caps: Capabilities, reader: Callback) -> None:
    _readers.setdefault(id(caps), []).append(reader)


def unlisten(caps: Capabilities, reader: Callback) -> None:
    _remove(_readers, caps, reader)


def publish_commits(caps: Capabilities, publisher: Callback) -> None:
    _publishers.setdefault(id(caps), []).append(publisher)


def unpublish_commits(caps: Capabilities, publisher: Callback) -> None:
    _remove(_publishers, caps, publisher)


def wake(caps: Capabilities) -> None:
    """Tell this process's readers of the database that the log may have grown."""
    _call(_readers.get(id(caps), ()))


def committed(caps: Capabilities) -> None:
    """A local transaction that wrote events has committed."""
    _call(_readers.get(id(caps), ()))
    _call(_publishers.get(id(caps), ()))


def announce_after_commit(session: Session) -> None:
    """Call ``committed`` once ``session`` commits; nothing when nobody listens (two
    dictionary lookups: this runs on the message-create path)."""
    caps = session.caps
    key = id(caps)
    if key in _readers or key in _publishers:
        session.after_commit(lambda: committed(caps))


def _call(callbacks: Iterable[Callback]) -> None:
    for callback in list(callbacks):
        try:
            callback()
        except Exception:  # one broken listener must not keep the others asleep
            log.exception("event log listener failed")


def _remove(registry: dict[int, list[Callback]], caps: Capabilities, callback: Callback) -> None:
    callbacks = registry.get(id(caps), [])
    if callback in callbacks:
        callbacks.remove(callback)
    if not callbacks:
        registry.pop(id(caps), None)

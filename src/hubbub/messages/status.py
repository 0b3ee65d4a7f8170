"""The one delivery-status machine every channel and every dialect shares.

Progress runs ``scheduled → accepted → sending → sent → delivered → read``; a message may skip
steps (a provider that reports ``read`` first) but never goes back. ``failed``, ``rejected`` and
``canceled`` end the machine. ``deleted`` (the message was withdrawn, by us or by the platform)
ends it too and is the one state a terminal message may still move into: a failed or canceled
message can still be deleted, and nothing ever leaves ``deleted``.

What a change implies is recorded on the way: ``read`` reported for a message only ``sent``
records ``delivered`` first (it was delivered, since it was read), so every surface sees the
same history. A message shown to its recipient (a stream that wrote it to them) is delivered
when it was only sent (``shown_status``).

Every allowed transition strictly raises ``rank``, so no sequence of accepted transitions can
move a message backwards, and a duplicate (``current == target``) is never a change. Late or
repeated provider callbacks are therefore harmless: ``transition`` says no and nothing is written.

The one way back is not a transition: a person asks for a failed message to be sent again
(``POST /v1/messages/{id}/retry``, or retrying its dead job), which moves it from ``failed`` to
``accepted`` (``RESENDABLE``). No provider callback can do that.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

Status = Literal[
    "scheduled",
    "accepted",
    "sending",
    "sent",
    "delivered",
    "read",
    "failed",
    "rejected",
    "canceled",
    "deleted",
]
FailureStage = Literal["sending", "delivery"]

STATUSES: Final[tuple[Status, ...]] = get_args(Status)
PROGRESS: Final[tuple[Status, ...]] = (
    "scheduled",
    "accepted",
    "sending",
    "sent",
    "delivered",
    "read",
)
TERMINAL: Final[frozenset[Status]] = frozenset({"failed", "rejected", "canceled", "deleted"})
# Where an outgoing message has gone out to its recipient, and where it has not yet.
WENT_OUT: Final[tuple[Status, ...]] = ("sent", "delivered", "read")
NOT_YET_OUT: Final[tuple[Status, ...]] = ("scheduled", "accepted", "sending")

# Where each ending may be entered from. ``deleted`` is entered from anywhere but itself.
# What a retry asked for by a person may move back to ``accepted``, to be sent again.
RESENDABLE: Final[frozenset[Status]] = frozenset({"failed"})

_ENDING_SOURCES: Final[dict[Status, frozenset[Status]]] = {
    "failed": frozenset({"accepted", "sending", "sent"}),
    "rejected": frozenset({"scheduled", "accepted"}),
    "canceled": frozenset({"scheduled", "accepted"}),
}

_PROGRESS_RANK: Final[dict[Status, int]] = {status: i for i, status in enumerate(PROGRESS)}
_ENDED_RANK: Final = len(PROGRESS)
_DELETED_RANK: Final = len(PROGRESS) + 1


def rank(status: Status) -> int:
    """A position that every allowed transition strictly increases."""
    if status == "deleted":
        return _DELETED_RANK
    if status in TERMINAL:
        return _ENDED_RANK
    return _PROGRESS_RANK[status]


def is_terminal(status: Status) -> bool:
    return status in TERMINAL


def transition(current: Status, target: Status) -> bool:
    """Whether a message in ``current`` moves to ``target``. False means "ignore": a duplicate,
    a step backwards, or a change out of an ended state."""
    if current == target or current == "deleted":
        return False
    if target == "deleted":
        return True
    if current in TERMINAL:
        return False
    if target in _ENDING_SOURCES:
        return current in _ENDING_SOURCES[target]
    return _PROGRESS_RANK[target] > _PROGRESS_RANK[current]


def implied_by(current: Status, target: Status) -> Status | None:
    """The status a change from ``current`` to ``target`` passes through first, if any."""
    return "delivered" if (current, target) == ("sent", "read") else None


def shown_status(current: Status) -> Status | None:
    """What a message in ``current`` moves to once shown to its recipient, if anything."""
    return "delivered" if current == "sent" else None


def sources(target: Status) -> frozenset[Status]:
    """Every state ``target`` may be entered from."""
    return frozenset(status for status in STATUSES if transition(status, target))


def failure_stage(current: Status) -> FailureStage:
    """The stage a failure reported without one happened at: once the provider took the
    message (``sent``) it failed in delivery, before that while sending."""
    return "delivery" if current == "sent" else "sending"

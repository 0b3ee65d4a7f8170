"""How urgent each kind of job is: the one table of job priorities.

The runner claims due jobs by ``(priority, run_at)``, lower priority first, so a message that is
due (a send, or a scheduled send whose time has come) never waits behind a backlog of
housekeeping such as the sandbox's delivered/read walk: a throughput run leaves thousands of
those due at once, and ordering by ``run_at`` alone made scheduled sends seconds late.

Kinds are named here by their strings (the packages that own them import this module, never
the other way round), so an API process that never registered a handler still enqueues every
job with the right priority.
"""

from __future__ import annotations

from typing import Final

# A message to a person: sends and scheduled sends.
SEND: Final = 0
# Work a person is waiting on, but not a message itself (a bot's event).
INTERACTIVE: Final = 10
# Anything not listed below.
DEFAULT: Final = 50
# Bookkeeping nobody waits on: simulated provider callbacks, clean-ups.
HOUSEKEEPING: Final = 100

PRIORITIES: Final[dict[str, int]] = {
    "message.deliver": SEND,
    "bot_event.fire": INTERACTIVE,
    # A snoozed conversation coming back to the inbox.
    "conversation.unsnooze": INTERACTIVE,
    "sandbox.advance": HOUSEKEEPING,
}


def priority_of(kind: str) -> int:
    return PRIORITIES.get(kind, DEFAULT)

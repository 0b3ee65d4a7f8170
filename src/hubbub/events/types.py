"""Every event type the log can hold, and the one grammar that selects them.

A filter is a list of patterns, the same on ``GET /v1/events?type=``, the SSE streams and
webhook subscriptions: ``*`` (everything), an exact type (``message.created``) or a family
(``message.*``). A pattern that names no known type or family is refused, so a typo is an error
and not a filter that silently matches nothing. A new event type is added here, or no filter
can name it (``tests/events/test_types.py`` checks the core's own types are all here).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from hubbub.errors import UnprocessableEntity

EVENT_TYPES: Final = frozenset(
    {
        "agent.created",
        "agent.deleted",
        "agent.updated",
        "bot_event.created",
        "channel.created",
        "conversation.assigned",
        "conversation.closed",
        "conversation.created",
        "conversation.deleted",
        "conversation.participant_added",
        "conversation.participant_removed",
        "conversation.reopened",
        "conversation.snoozed",
        "conversation.updated",
        "interaction.created",
        "message.created",
        "message.deleted",
        "message.status_changed",
        "message.updated",
        "template.created",
        "template.deleted",
    }
)
FAMILIES: Final = frozenset(event_type.split(".", 1)[0] for event_type in EVENT_TYPES)
EVERYTHING: Final = "*"
MAX_PATTERNS: Final = 50


def is_known_pattern(pattern: str) -> bool:
    if pattern == EVERYTHING or pattern in EVENT_TYPES:
        return True
    family, dot, rest = pattern.partition(".")
    return bool(dot) and rest == "*" and family in FAMILIES


def check_patterns(patterns: Iterable[str], *, field: str) -> list[str]:
    """The patterns, deduplicated and sorted; a 422 naming the first unknown one."""
    unique = sorted(set(patterns))
    if len(unique) > MAX_PATTERNS:
        raise UnprocessableEntity(f"at most {MAX_PATTERNS} event type patterns", field=field)
    for pattern in unique:
        if not is_known_pattern(pattern):
            raise UnprocessableEntity(
                f"unknown event type '{pattern[:80]}': give '*', a type such as "
                f"'message.created' or a family such as 'message.*' "
                f"(families: {', '.join(sorted(FAMILIES))})",
                field=field,
            )
    return unique


def matches(patterns: Iterable[str], event_type: str) -> bool:
    """Whether ``event_type`` is selected by ``patterns``."""
    family = event_type.split(".", 1)[0]
    return any(
        pattern in (EVERYTHING, event_type) or pattern == f"{family}.*" for pattern in patterns
    )


def selected_types(patterns: Iterable[str] | None, *, field: str = "type") -> frozenset[str]:
    """The known types ``patterns`` select, for a query by type; empty when they select every
    type (no patterns, or ``*``): no condition is needed then."""
    given = check_patterns(patterns or (), field=field)
    if not given or EVERYTHING in given:
        return frozenset()
    return frozenset(t for t in EVENT_TYPES if matches(given, t))

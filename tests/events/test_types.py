"""One event-type filter grammar: ``*``, a known type, or a known family (``message.*``)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import hubbub
from hubbub.errors import UnprocessableEntity
from hubbub.events.types import EVENT_TYPES, FAMILIES, check_patterns, matches, selected_types
from hubbub.jobs.priorities import PRIORITIES

DOTTED = re.compile(r"[a-z_]+\.[a-z_]+")
# Dotted strings of the same families that are no event type: column and field paths.
NOT_EVENTS = re.compile(r".*\.(id|rowid|search_vector)")


def test_every_type_the_core_writes_is_in_the_catalogue() -> None:
    """Every dotted string of an event family in the code is a known event type, a job kind or
    a column path: an event type used without being catalogued could never be filtered."""
    root = Path(hubbub.__file__).parent
    found: set[str] = set()
    for path in root.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            value = node.value if isinstance(node, ast.Constant) else None
            if (
                isinstance(value, str)
                and DOTTED.fullmatch(value)
                and value.split(".")[0] in FAMILIES
            ):
                found.add(value)
    candidates = {value for value in found if value.split(".")[0] in FAMILIES}
    unknown = {
        value
        for value in candidates - EVENT_TYPES - set(PRIORITIES)
        if not NOT_EVENTS.fullmatch(value)
    }
    assert unknown == set()
    assert {"message.created", "conversation.closed", "agent.created"} <= candidates


@pytest.mark.parametrize(
    ("patterns", "selected"),
    [
        (["message.*"], {t for t in EVENT_TYPES if t.startswith("message.")}),
        (["message.created", "conversation.closed"], {"message.created", "conversation.closed"}),
        (["*"], set()),
        ([], set()),
        (["message.created", "*"], set()),
    ],
)
def test_patterns_select_known_types(patterns: list[str], selected: set[str]) -> None:
    assert selected_types(patterns) == selected


@pytest.mark.parametrize(
    "pattern", ["nonsense.event", "message.creatd", "nonsense.*", "message", "*.created", "**"]
)
def test_an_unknown_pattern_is_refused_naming_it(pattern: str) -> None:
    with pytest.raises(UnprocessableEntity, match="unknown event type") as refused:
        check_patterns(["message.created", pattern], field="type")
    assert refused.value.details["field"] == "type"


def test_matching_follows_the_same_grammar() -> None:
    assert matches(["message.*"], "message.status_changed")
    assert not matches(["message.*"], "conversation.created")
    assert matches(["*"], "agent.deleted")
    assert matches(["conversation.closed"], "conversation.closed")
    assert not matches(["conversation.closed"], "conversation.reopened")

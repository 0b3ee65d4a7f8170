from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hubbub.messages.status import (
    PROGRESS,
    STATUSES,
    TERMINAL,
    Status,
    implied_by,
    rank,
    shown_status,
    sources,
    transition,
)

statuses = st.sampled_from(STATUSES)
progress = st.sampled_from(PROGRESS)


def run(start: Status, targets: list[Status]) -> tuple[Status, list[Status]]:
    """Apply every target the machine accepts; the final state and the states passed."""
    current = start
    path = [current]
    for target in targets:
        if transition(current, target):
            current = target
            path.append(current)
    return current, path


class TestProperties:
    @given(statuses, st.lists(statuses, max_size=30))
    def test_no_sequence_moves_backwards(self, start: Status, targets: list[Status]) -> None:
        _, path = run(start, targets)
        ranks = [rank(status) for status in path]
        assert ranks == sorted(ranks)
        assert len(set(ranks)) == len(ranks), "every accepted change strictly advances"

    @given(progress, st.lists(progress, max_size=30))
    def test_progress_ends_at_the_furthest_target(
        self, start: Status, targets: list[Status]
    ) -> None:
        final, _ = run(start, targets)
        assert rank(final) == max(rank(status) for status in [start, *targets])

    @given(statuses, st.lists(statuses, max_size=30))
    def test_order_of_progress_callbacks_does_not_matter(
        self, start: Status, targets: list[Status]
    ) -> None:
        forward = [t for t in targets if t in PROGRESS]
        assert run(start, forward)[0] == run(start, sorted(forward, key=rank))[0]

    @given(statuses, statuses)
    def test_a_duplicate_is_never_a_change(self, current: Status, target: Status) -> None:
        if transition(current, target):
            assert not transition(target, target)
        assert not transition(current, current)

    @given(st.sampled_from(sorted(TERMINAL - {"deleted"})), st.lists(statuses, max_size=20))
    def test_an_ended_message_can_only_be_deleted(
        self, ended: Status, targets: list[Status]
    ) -> None:
        final, _ = run(ended, targets)
        assert final == ("deleted" if "deleted" in targets else ended)

    @given(st.lists(statuses, max_size=30))
    def test_nothing_leaves_deleted(self, targets: list[Status]) -> None:
        assert run("deleted", targets)[0] == "deleted"

    @given(statuses, statuses)
    def test_sources_agree_with_transition(self, current: Status, target: Status) -> None:
        assert (current in sources(target)) == transition(current, target)


class TestRules:
    @pytest.mark.parametrize(
        ("current", "target", "allowed"),
        [
            ("scheduled", "accepted", True),
            ("accepted", "read", True),
            ("read", "delivered", False),
            ("delivered", "sent", False),
            ("sent", "sent", False),
            ("accepted", "failed", True),
            ("sending", "failed", True),
            ("sent", "failed", True),
            ("scheduled", "failed", False),
            ("delivered", "failed", False),
            ("scheduled", "canceled", True),
            ("accepted", "canceled", True),
            ("sending", "canceled", False),
            ("scheduled", "rejected", True),
            ("accepted", "rejected", True),
            ("sent", "rejected", False),
            ("failed", "delivered", False),
            ("failed", "deleted", True),
            ("read", "deleted", True),
            ("deleted", "read", False),
        ],
    )
    def test_transition(self, current: Status, target: Status, allowed: bool) -> None:
        assert transition(current, target) is allowed

    def test_scheduled_cannot_be_reentered(self) -> None:
        assert sources("scheduled") == frozenset()


@pytest.mark.parametrize(
    ("current", "target", "implied"),
    [
        ("sent", "read", "delivered"),
        ("delivered", "read", None),
        ("accepted", "read", None),
        ("sent", "delivered", None),
    ],
)
def test_what_a_change_implies(current: Status, target: Status, implied: Status | None) -> None:
    assert implied_by(current, target) == implied


@pytest.mark.parametrize(
    ("current", "shown"),
    [("sent", "delivered"), ("accepted", None), ("delivered", None), ("read", None)],
)
def test_what_showing_a_message_changes(current: Status, shown: Status | None) -> None:
    assert shown_status(current) == shown

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hubbub.errors import InvalidCursor
from hubbub.kit.cursors import Cursor, CursorCodec

codec = CursorCodec(b"secret")
cursors = st.builds(
    Cursor,
    created_us=st.integers(min_value=0, max_value=2**62),
    id=st.text(min_size=1, max_size=40),
    order=st.sampled_from(["asc", "desc"]),
)


class TestRoundTrip:
    @given(cursors)
    def test_decode_returns_what_was_encoded(self, cursor: Cursor) -> None:
        assert codec.decode(codec.encode(cursor)) == cursor

    @given(cursors)
    def test_token_is_url_safe(self, cursor: Cursor) -> None:
        token = codec.encode(cursor)
        assert all(c.isalnum() or c in "-_." for c in token)


class TestTampering:
    @given(cursors, st.integers(min_value=0, max_value=200), st.characters(codec="ascii"))
    def test_any_altered_character_is_rejected(self, cursor: Cursor, index: int, char: str) -> None:
        token = codec.encode(cursor)
        position = index % len(token)
        altered = token[:position] + char + token[position + 1 :]
        if altered == token:
            return
        with pytest.raises(InvalidCursor):
            codec.decode(altered)

    def test_another_secret_is_rejected(self) -> None:
        token = CursorCodec(b"other").encode(Cursor(1, "a", "asc"))
        with pytest.raises(InvalidCursor):
            codec.decode(token)

    @pytest.mark.parametrize("token", ["", ".", "abc", "abc.def", "!!!.???"])
    def test_garbage_is_rejected(self, token: str) -> None:
        with pytest.raises(InvalidCursor):
            codec.decode(token)


class TestOptional:
    def test_none_and_empty_mean_the_first_page(self) -> None:
        assert codec.decode_optional(None) is None
        assert codec.decode_optional("") is None
        assert codec.encode_optional(None) is None

    def test_a_cursor_round_trips(self) -> None:
        cursor = Cursor(5, "x", "desc")
        assert codec.decode_optional(codec.encode_optional(cursor)) == cursor

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hubbub.errors import UnprocessableEntity
from hubbub.kit.tags import (
    apply_client_tag_patch,
    apply_tag_patch,
    check_client_tags,
    check_private_tags,
    is_private,
    private_tag,
    private_value,
    public_tags,
)

keys = st.text(min_size=1, max_size=12)
private_keys = keys.map(lambda name: "$" + name)
any_keys = st.one_of(keys, private_keys)
values = st.text(max_size=8)
stored_tags = st.dictionaries(any_keys, st.text(min_size=1, max_size=8), max_size=8)
patches = st.dictionaries(any_keys, st.one_of(st.none(), values), max_size=8)


class TestPrivateTagNames:
    def test_private_tag_is_dollar_surface_colon_name(self) -> None:
        assert private_tag("recrubo", "sendBy") == "$recrubo:sendBy"
        assert is_private(private_tag("bird", "replyTo.id"))

    def test_an_ordinary_key_is_public(self) -> None:
        assert not is_private("topic")
        assert not is_private("recrubo.sendBy")  # a dot is not the private mark

    def test_public_tags_drop_every_dollar_key(self) -> None:
        tags = {"topic": "a", "$recrubo:sendBy": "Ann", "$x": "1", "price$": "2"}
        assert public_tags(tags) == {"topic": "a", "price$": "2"}

    def test_private_value_reads_one_surfaces_value(self) -> None:
        tags = {"$recrubo:sendBy": "Ann", "$bird:sendBy": "Bob"}
        assert private_value(tags, "recrubo", "sendBy") == "Ann"
        assert private_value(tags, "channelio", "sendBy") is None

    def test_private_value_falls_back_to_the_legacy_key(self) -> None:
        legacy = {"recrubo.sendBy": "Old"}
        assert private_value(legacy, "recrubo", "sendBy", legacy_key="recrubo.sendBy") == "Old"
        both = {"recrubo.sendBy": "Old", "$recrubo:sendBy": "New"}
        assert private_value(both, "recrubo", "sendBy", legacy_key="recrubo.sendBy") == "New"


class TestClientChecks:
    def test_public_keys_pass(self) -> None:
        check_client_tags({"topic": "a", "a$b": "c"})
        check_client_tags([])

    def test_a_private_key_is_refused_with_its_field(self) -> None:
        with pytest.raises(UnprocessableEntity) as caught:
            check_client_tags(["topic", "$bird:replyTo.id"], field="tag")
        assert caught.value.status_code == 422
        assert caught.value.details == {"field": "tag", "key": "$bird:replyTo.id"}

    def test_a_surfaces_private_tags_must_be_private(self) -> None:
        check_private_tags({"$recrubo:sendBy": "Ann"})
        with pytest.raises(ValueError, match="topic"):
            check_private_tags({"topic": "a"})


class TestPatches:
    def test_apply_tag_patch_sets_and_removes(self) -> None:
        patched = apply_tag_patch({"a": "1", "b": "2", "c": "3"}, {"a": "9", "b": None, "c": ""})
        assert patched == {"a": "9"}

    def test_a_client_patch_keeps_stored_private_tags(self) -> None:
        current = {"topic": "a", "$recrubo:sendBy": "Ann"}
        patch = {"topic": None, "new": "x", "$recrubo:sendBy": None}
        assert apply_client_tag_patch(current, patch) == {"new": "x", "$recrubo:sendBy": "Ann"}

    @given(stored_tags, patches)
    def test_a_client_patch_never_changes_a_private_key(
        self, current: dict[str, str], patch: dict[str, str | None]
    ) -> None:
        patched = apply_client_tag_patch(current, patch)
        assert {k: v for k, v in patched.items() if is_private(k)} == {
            k: v for k, v in current.items() if is_private(k)
        }

    @given(stored_tags, patches)
    def test_a_client_patch_applies_its_public_keys_like_a_plain_patch(
        self, current: dict[str, str], patch: dict[str, str | None]
    ) -> None:
        patched = apply_client_tag_patch(current, patch)
        assert public_tags(patched) == public_tags(apply_tag_patch(current, patch))

    @given(stored_tags)
    def test_public_tags_keep_exactly_the_public_keys(self, tags: dict[str, str]) -> None:
        shown = public_tags(tags)
        assert not any(is_private(key) for key in shown)
        assert all(shown[key] == tags[key] for key in shown)
        assert set(tags) - set(shown) == {key for key in tags if is_private(key)}

"""Signing with a keyring: the current secret signs, replaced ones verify during their grace."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hubbub.kit.clock import utcnow
from hubbub.kit.signing import Keyring, sign, verify

MESSAGE = b"a cursor's body"


def test_the_current_secret_signs_and_verifies() -> None:
    ring = Keyring(b"new", (b"old",))
    assert sign(ring, MESSAGE) == sign(b"new", MESSAGE)
    assert verify(ring, MESSAGE, sign(b"new", MESSAGE))


def test_a_replaced_secret_verifies_until_its_grace_ends() -> None:
    signed_before_rotation = sign(b"old", MESSAGE)
    open_ended = Keyring(b"new", (b"old",))
    in_grace = Keyring(b"new", (b"old",), utcnow() + timedelta(days=1))
    grace_over = Keyring(b"new", (b"old",), utcnow() - timedelta(seconds=1))
    assert verify(open_ended, MESSAGE, signed_before_rotation)
    assert verify(in_grace, MESSAGE, signed_before_rotation)
    assert not verify(grace_over, MESSAGE, signed_before_rotation)
    assert not verify(Keyring(b"new"), MESSAGE, signed_before_rotation)


def test_other_secrets_and_altered_messages_do_not_verify() -> None:
    ring = Keyring(b"new", (b"old",))
    assert not verify(ring, MESSAGE, sign(b"stranger", MESSAGE))
    assert not verify(ring, MESSAGE + b"!", sign(b"new", MESSAGE))


@pytest.mark.parametrize("signature", ["é" * 22, "\ud800", ""])
def test_a_signature_beyond_ascii_is_wrong_not_an_error(signature: str) -> None:
    assert not verify(Keyring(b"new"), MESSAGE, signature)


@pytest.mark.parametrize(("current", "previous"), [(b"", ()), (b"new", (b"",))])
def test_an_empty_secret_is_refused(current: bytes, previous: tuple[bytes, ...]) -> None:
    with pytest.raises(ValueError, match="empty"):
        Keyring(current, previous)

"""Per-user keys: stateless tokens naming a (channel, contact) pair, HMAC-signed with the app
secret (``hubbub.kit.signing``, as cursors and media links are). No table holds them: a key is
valid when its signature matches, so a key issued on one channel is refused on every other,
and a key can only be made by Hubbub. The purpose is signed with the terms so that no other
signed token (cursor, media link) can pass for a user key."""

from __future__ import annotations

from dataclasses import dataclass

import orjson

from hubbub.kit.signing import Secret, sign, verify

PURPOSE = "hubbub-webchat-user"
SIGNATURE_LENGTH = 24
MAX_KEY_LENGTH = 200


@dataclass(frozen=True)
class UserKey:
    channel_id: str
    contact_id: str


def _message(channel_id: str, contact_id: str) -> bytes:
    return orjson.dumps([PURPOSE, channel_id, contact_id])


def issue(secret: Secret, key: UserKey) -> str:
    """``<contact id>.<signature>``: the contact id is public anyway (it is the user's id)."""
    signature = sign(secret, _message(key.channel_id, key.contact_id), length=SIGNATURE_LENGTH)
    return f"{key.contact_id}.{signature}"


def read(secret: Secret, channel_id: str, token: str) -> UserKey | None:
    """The key ``token`` stands for on ``channel_id``; None when it is not one we issued there."""
    # compare_digest takes ASCII strings only; a real key is ASCII.
    if len(token) > MAX_KEY_LENGTH or not token.isascii():
        return None
    contact_id, _, signature = token.rpartition(".")
    if not contact_id or not signature:
        return None
    message = _message(channel_id, contact_id)
    if not verify(secret, message, signature, length=SIGNATURE_LENGTH):
        return None
    return UserKey(channel_id=channel_id, contact_id=contact_id)

"""Time-ordered ids: UUIDv7 strings, 36 characters (valid for every dialect's id rules)."""

from __future__ import annotations

import secrets

import uuid_utils


def new_id() -> str:
    return str(uuid_utils.uuid7())


def new_secret(nbytes: int = 24) -> str:
    return secrets.token_urlsafe(nbytes)

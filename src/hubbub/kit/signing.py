"""HMAC signing of small tokens (cursors, presigned URLs)."""

from __future__ import annotations

import base64
import hashlib
import hmac


def b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(secret: bytes, message: bytes, *, length: int = 16) -> str:
    return b64encode(hmac.new(secret, message, hashlib.sha256).digest()[:length])


def verify(secret: bytes, message: bytes, signature: str, *, length: int = 16) -> bool:
    return hmac.compare_digest(sign(secret, message, length=length), signature)


def hash_secret(secret: str) -> str:
    """Access-key secrets are 192-bit random strings, so one SHA-256 is enough: there is
    nothing to brute-force, and a slow KDF would cost every request."""
    return hashlib.sha256(secret.encode()).hexdigest()

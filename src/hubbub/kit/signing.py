"""HMAC signing of small tokens (cursors, presigned URLs, webchat user keys).

Tokens are signed with the instance secret and verified against a ``Keyring``: the current
secret and, while a rotation's grace period lasts, the secrets it replaced, so that rotating
the secret does not at once invalidate every cursor, media link and webchat visitor key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime

from hubbub.kit.clock import utcnow


@dataclass(frozen=True)
class Keyring:
    """``current`` signs; ``previous`` secrets still verify until ``previous_until`` (None:
    until they are removed from the configuration)."""

    current: bytes
    previous: tuple[bytes, ...] = ()
    previous_until: datetime | None = None

    def __post_init__(self) -> None:
        if not self.current or not all(self.previous):
            raise ValueError("a signing secret must not be empty")

    def verifying(self) -> tuple[bytes, ...]:
        """The secrets a signature may have been made with, the current one first."""
        if self.previous and (self.previous_until is None or utcnow() < self.previous_until):
            return (self.current, *self.previous)
        return (self.current,)


Secret = bytes | Keyring


def keyring(secret: Secret) -> Keyring:
    return secret if isinstance(secret, Keyring) else Keyring(secret)


def b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(secret: Secret, message: bytes, *, length: int = 16) -> str:
    key = secret.current if isinstance(secret, Keyring) else secret
    return b64encode(hmac.new(key, message, hashlib.sha256).digest()[:length])


def verify(secret: Secret, message: bytes, signature: str, *, length: int = 16) -> bool:
    """Whether ``signature`` is ``message``'s under any secret the keyring accepts. A
    signature with characters beyond ASCII is simply wrong (``compare_digest`` refuses them)."""
    if not signature.isascii():
        return False
    wanted = signature.encode()
    return any(
        hmac.compare_digest(sign(key, message, length=length).encode(), wanted)
        for key in keyring(secret).verifying()
    )


def hash_secret(secret: str) -> str:
    """Access-key secrets are 192-bit random strings, so one SHA-256 is enough: there is
    nothing to brute-force, and a slow KDF would cost every request."""
    return hashlib.sha256(secret.encode()).hexdigest()

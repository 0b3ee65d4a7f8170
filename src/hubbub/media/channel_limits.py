"""What each platform accepts as media, from its descriptor's ``media_rules`` (declared next to
its connector), read by presign and by ``store_bytes``.

A rule names content-type patterns (``image/*`` matches any image) and the largest file of
those types. The first matching rule of the channel's platform wins; a type no rule matches is
refused. Without a channel (or on a platform with no rules) every type is allowed up to the
server's ``max_upload_bytes``, which also caps every rule.
"""

from __future__ import annotations

from hubbub.connectors import registry
from hubbub.connectors.platform import MB, MediaRule
from hubbub.errors import PayloadTooLarge, UnprocessableEntity

__all__ = ["MB", "MediaRule", "check_size", "matches", "max_bytes_for"]


def matches(pattern: str, content_type: str) -> bool:
    if pattern == "*/*" or pattern == content_type:
        return True
    if pattern.endswith("*"):
        return content_type.startswith(pattern[:-1])
    return False


def max_bytes_for(platform: str | None, content_type: str, server_max: int) -> int:
    """The largest file of ``content_type`` the platform takes; UnprocessableEntity when it
    takes no such file."""
    descriptor = registry.find(platform)
    rules = descriptor.media_rules if descriptor is not None else ()
    if not rules:
        return server_max
    for rule in rules:
        if any(matches(pattern, content_type) for pattern in rule.patterns):
            return min(rule.max_bytes, server_max)
    raise UnprocessableEntity(
        f"{platform} channels do not take '{content_type}' files", field="content_type"
    )


def check_size(size: int, limit: int) -> None:
    if size > limit:
        raise PayloadTooLarge(
            f"the file is {size} bytes; at most {limit} are allowed", details={"max_size": limit}
        )

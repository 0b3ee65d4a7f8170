"""What each platform accepts as media: one table, read by presign and by ``store_bytes``.

A rule names content-type patterns (``image/*`` matches any image) and the largest file of
those types. The first matching rule of the channel's platform wins; a type no rule matches is
refused. Without a channel (or on a platform with no rules) every type is allowed up to the
server's ``max_upload_bytes``, which also caps every rule.
"""

from __future__ import annotations

from dataclasses import dataclass

from hubbub.errors import PayloadTooLarge, UnprocessableEntity

MB = 1024 * 1024


@dataclass(frozen=True)
class MediaRule:
    patterns: tuple[str, ...]
    max_bytes: int


# From the providers' published limits (WhatsApp Cloud API media, Twilio MMS, common SMTP
# relays). Platforms missing here take anything up to ``max_upload_bytes``.
CHANNEL_MEDIA_RULES: dict[str, tuple[MediaRule, ...]] = {
    "whatsapp": (
        MediaRule(("image/jpeg", "image/png"), 5 * MB),
        MediaRule(("image/webp",), 500 * 1024),  # stickers
        MediaRule(("audio/aac", "audio/amr", "audio/mpeg", "audio/mp4", "audio/ogg"), 16 * MB),
        MediaRule(("video/mp4", "video/3gpp"), 16 * MB),
        MediaRule(
            (
                "text/plain",
                "application/pdf",
                "application/msword",
                "application/vnd.ms-excel",
                "application/vnd.ms-powerpoint",
                "application/vnd.openxmlformats-officedocument.*",
            ),
            100 * MB,
        ),
    ),
    "sms": (
        MediaRule(("image/jpeg", "image/png", "image/gif"), 5 * MB),
        MediaRule(("audio/*", "video/*", "text/*", "application/pdf"), 5 * MB),
    ),
    "email": (MediaRule(("*/*",), 25 * MB),),
}


def matches(pattern: str, content_type: str) -> bool:
    if pattern == "*/*" or pattern == content_type:
        return True
    if pattern.endswith("*"):
        return content_type.startswith(pattern[:-1])
    return False


def max_bytes_for(platform: str | None, content_type: str, server_max: int) -> int:
    """The largest file of ``content_type`` the platform takes; UnprocessableEntity when it
    takes no such file."""
    rules = CHANNEL_MEDIA_RULES.get(platform or "")
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

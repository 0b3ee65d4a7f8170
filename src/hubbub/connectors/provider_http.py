"""What the HTTP connectors share: one way to call a provider and turn what happened into a
``SendFailure`` (retryable or not), and small parsing helpers for inbound bodies.

The rule every HTTP provider follows here: 2xx is accepted, 408/425/429 and 5xx are worth
another try, any other 4xx is the provider refusing the message for good, and a network error
or a timeout is retryable (the provider may not have seen the request)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson

from hubbub.connectors.base import SendFailure
from hubbub.errors import InvalidInput

RETRYABLE_CLIENT_STATUSES = frozenset({408, 425, 429})
DEFAULT_TIMEOUT_SECONDS = 15.0
MAX_REASON_CHARS = 500
MEDIA_TIMEOUT_SECONDS = 60.0


@dataclass(frozen=True)
class MediaDownload:
    """A provider's file, streamed: read ``chunks`` inside the download's ``async with``."""

    content_type: str | None
    chunks: AsyncIterator[bytes]


class MediaUnavailable(Exception):
    """A provider's file could not be downloaded. ``retryable``: worth asking the provider to
    deliver the callback again (network error, 5xx); otherwise the file is gone for good."""

    def __init__(self, reason: str, *, retryable: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable


@asynccontextmanager
async def download(
    http: httpx.AsyncClient, url: str, **kwargs: Any
) -> AsyncIterator[MediaDownload]:
    """Stream ``url`` (following redirects: providers hand files out from a CDN); raises
    ``MediaUnavailable`` when it cannot."""
    kwargs.setdefault("timeout", MEDIA_TIMEOUT_SECONDS)
    try:
        async with http.stream("GET", url, follow_redirects=True, **kwargs) as response:
            if not response.is_success:
                await response.aread()  # the reason is in the body
                failure = failure_for(response)
                retryable = failure is None or failure.retryable
                reason = f"HTTP {response.status_code}" if failure is None else failure.reason
                raise MediaUnavailable(reason, retryable=retryable)
            yield MediaDownload(response.headers.get("content-type"), response.aiter_bytes())
    except httpx.TransportError as error:  # includes timeouts
        raise MediaUnavailable(f"{type(error).__name__}: {error}", retryable=True) from None


async def request_or_fail(
    http: httpx.AsyncClient, method: str, url: str, **kwargs: Any
) -> httpx.Response:
    """Send the request; return a 2xx response or raise the matching ``SendFailure``."""
    kwargs.setdefault("timeout", DEFAULT_TIMEOUT_SECONDS)
    try:
        response = await http.request(method, url, **kwargs)
    except httpx.TimeoutException as error:
        raise SendFailure(
            "timeout", f"{type(error).__name__} calling {url}", retryable=True
        ) from None
    except httpx.TransportError as error:
        raise SendFailure(
            "unreachable", f"{type(error).__name__}: {error}", retryable=True
        ) from None
    failure = failure_for(response)
    if failure is not None:
        raise failure
    return response


def failure_for(response: httpx.Response) -> SendFailure | None:
    status = response.status_code
    if 200 <= status < 300:
        return None
    reason = f"HTTP {status}: {response.text[:MAX_REASON_CHARS]}"
    if status >= 500:
        return SendFailure(f"http_{status}", reason, retryable=True)
    if status in RETRYABLE_CLIENT_STATUSES:
        code = "rate_limited" if status == 429 else f"http_{status}"
        return SendFailure(code, reason, retryable=True)
    return SendFailure(f"http_{status}", reason, retryable=False)


def json_object(body: bytes, *, what: str) -> dict[str, Any]:
    """``body`` as a JSON object, or ``InvalidInput`` (a 400 at the surface) naming ``what``."""
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise InvalidInput(f"{what} is not valid JSON: {error}") from None
    if not isinstance(parsed, dict):
        raise InvalidInput(f"{what} must be a JSON object")
    return parsed


def response_json(response: httpx.Response) -> Mapping[str, Any]:
    """A provider's 2xx body as an object; an empty or odd body reads as ``{}``."""
    try:
        parsed = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def from_unix(value: Any) -> datetime | None:
    """Unix seconds (int, float or digit string) as an aware UTC datetime; None if absent."""
    try:
        return datetime.fromtimestamp(float(value), tz=UTC)
    except (TypeError, ValueError, OverflowError):
        return None


def from_iso(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def config_value(config: Mapping[str, Any], name: str, *, platform: str) -> str:
    """A required channel setting, or a permanent ``SendFailure`` saying which one is missing
    (retrying cannot fix a channel that is not configured)."""
    value = config.get(name)
    if not isinstance(value, str) or not value:
        raise SendFailure(
            "channel_misconfigured", f"{platform} channel config needs '{name}'", retryable=False
        )
    return value

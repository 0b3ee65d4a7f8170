"""Signed media forms and links. A presigned upload form and a download link carry their terms
in the clear and an HMAC over them (``hubbub.kit.signing`` with the app secret), so the upload
and download routes need no access key: the signature is the authorization. Terms are signed as
one JSON array, so no value can shift into its neighbour."""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from datetime import datetime

import orjson

from hubbub.errors import Forbidden, InvalidInput
from hubbub.kit.clock import from_micros, to_micros
from hubbub.kit.signing import Secret, sign, verify
from hubbub.media.schemas import UploadForm

UPLOAD_PURPOSE = "hubbub-media-upload"
DOWNLOAD_PURPOSE = "hubbub-media-download"
FORM_FIELDS = ("media_id", "workspace_id", "expires", "max_size", "content_types")
SIGNATURE_LENGTH = 24


def _message(purpose: str, values: list[str]) -> bytes:
    return orjson.dumps([purpose, *values])


def upload_form_fields(secret: Secret, form: UploadForm) -> dict[str, str]:
    values = {
        "media_id": form.media_id,
        "workspace_id": form.workspace_id,
        "expires": str(to_micros(form.expires_at) // 1_000_000),
        "max_size": str(form.max_size),
        "content_types": ",".join(form.content_types),
    }
    message = _message(UPLOAD_PURPOSE, [values[name] for name in FORM_FIELDS])
    return {**values, "signature": sign(secret, message, length=SIGNATURE_LENGTH)}


def read_upload_form(secret: Secret, fields: Mapping[str, str], *, now: datetime) -> UploadForm:
    """The form's terms: InvalidInput when a field is missing, Forbidden when the signature
    does not match or the form has expired."""
    missing = [name for name in (*FORM_FIELDS, "signature") if not fields.get(name)]
    if missing:
        raise InvalidInput(f"the upload form lacks {', '.join(missing)}", field=missing[0])
    message = _message(UPLOAD_PURPOSE, [fields[name] for name in FORM_FIELDS])
    if not verify(secret, message, fields["signature"], length=SIGNATURE_LENGTH):
        raise Forbidden("the upload form's signature does not match its fields")
    expires_at = _expiry(fields["expires"])
    if expires_at <= now:
        raise Forbidden("the upload form has expired; ask for a new one")
    return UploadForm(
        media_id=fields["media_id"],
        workspace_id=fields["workspace_id"],
        expires_at=expires_at,
        max_size=int(fields["max_size"]),
        content_types=fields["content_types"].split(","),
    )


def download_signature(secret: Secret, workspace_id: str, media_id: str, expires: int) -> str:
    message = _message(DOWNLOAD_PURPOSE, [workspace_id, media_id, str(expires)])
    return sign(secret, message, length=SIGNATURE_LENGTH)


def check_download(
    secret: Secret,
    *,
    workspace_id: str,
    media_id: str,
    expires: str,
    signature: str,
    now: datetime | None,
) -> None:
    """Forbidden unless the link is ours and (when ``now`` is given) still valid."""
    try:
        expires_s = int(expires)
    except ValueError as error:
        raise Forbidden("the download link is malformed") from error
    expected = download_signature(secret, workspace_id, media_id, expires_s)
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        raise Forbidden("the download link's signature does not match")
    if now is not None and expires_s * 1_000_000 <= to_micros(now):
        raise Forbidden("the download link has expired")


def _expiry(text: str) -> datetime:
    try:
        return from_micros(int(text) * 1_000_000)
    except (ValueError, OverflowError) as error:
        raise Forbidden("the upload form's expiry is malformed") from error

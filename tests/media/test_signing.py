from __future__ import annotations

from datetime import timedelta

import pytest

from hubbub.errors import Forbidden, InvalidInput
from hubbub.kit.clock import utcnow
from hubbub.media.schemas import UploadForm
from hubbub.media.signing import (
    check_download,
    download_signature,
    read_upload_form,
    upload_form_fields,
)

SECRET = b"secret"


def a_form(**changes: object) -> UploadForm:
    values: dict[str, object] = {
        "media_id": "m-1",
        "workspace_id": "w-1",
        "expires_at": utcnow() + timedelta(minutes=5),
        "max_size": 1000,
        "content_types": ["image/png"],
    }
    return UploadForm.model_validate({**values, **changes})


def test_a_signed_form_reads_back() -> None:
    form = a_form()
    read = read_upload_form(SECRET, upload_form_fields(SECRET, form), now=utcnow())
    assert read.media_id == "m-1"
    assert read.workspace_id == "w-1"
    assert read.max_size == 1000
    assert read.content_types == ["image/png"]
    assert abs((read.expires_at - form.expires_at).total_seconds()) < 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("max_size", "999999999"),
        ("content_types", "image/png,application/zip"),
        ("media_id", "m-2"),
        ("workspace_id", "w-2"),
        ("expires", "99999999999"),
        ("signature", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
    ],
)
def test_a_tampered_field_is_forbidden(field: str, value: str) -> None:
    fields = upload_form_fields(SECRET, a_form())
    fields[field] = value
    with pytest.raises(Forbidden, match="signature"):
        read_upload_form(SECRET, fields, now=utcnow())


def test_another_secret_is_forbidden() -> None:
    fields = upload_form_fields(b"other", a_form())
    with pytest.raises(Forbidden):
        read_upload_form(SECRET, fields, now=utcnow())


def test_an_expired_form_is_forbidden() -> None:
    fields = upload_form_fields(SECRET, a_form(expires_at=utcnow() - timedelta(seconds=1)))
    with pytest.raises(Forbidden, match="expired"):
        read_upload_form(SECRET, fields, now=utcnow())


def test_a_missing_field_is_invalid() -> None:
    fields = upload_form_fields(SECRET, a_form())
    del fields["max_size"]
    with pytest.raises(InvalidInput, match="max_size"):
        read_upload_form(SECRET, fields, now=utcnow())


def test_download_links_check_signature_and_expiry() -> None:
    now = utcnow()
    future = int(now.timestamp()) + 60
    good = download_signature(SECRET, "w-1", "m-1", future)
    check_download(
        SECRET, workspace_id="w-1", media_id="m-1", expires=str(future), signature=good, now=now
    )
    with pytest.raises(Forbidden, match="signature"):
        check_download(
            SECRET, workspace_id="w-2", media_id="m-1", expires=str(future), signature=good, now=now
        )
    past = int(now.timestamp()) - 1
    stale = download_signature(SECRET, "w-1", "m-1", past)
    with pytest.raises(Forbidden, match="expired"):
        check_download(
            SECRET, workspace_id="w-1", media_id="m-1", expires=str(past), signature=stale, now=now
        )
    with pytest.raises(Forbidden, match="malformed"):
        check_download(
            SECRET, workspace_id="w-1", media_id="m-1", expires="soon", signature=good, now=now
        )

"""The media service reads its secret and blob folder from the test settings (the app does the
same when it is created), so no test writes outside its temporary data directory."""

from __future__ import annotations

import pytest

from hubbub.config import Settings
from hubbub.media.service import media as media_service


@pytest.fixture(autouse=True)
def media_configured(settings: Settings) -> None:
    media_service.configure(settings)

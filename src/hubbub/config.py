"""Settings, read from ``HUBBUB_*`` environment variables; nothing is read at import time."""

from __future__ import annotations

import secrets
from functools import cached_property
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

SECRET_FILE_NAME = "secret.key"  # noqa: S105 (a file name, not a secret)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HUBBUB_", extra="ignore")

    data_dir: Path = Path("hubbub-data")
    database_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    # Signs cursors and URLs. Generated and kept in the data dir on first run when not given,
    # so every process sharing a data dir (serve, CLI, workers) signs alike.
    secret: str | None = None
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    db_pool_size: int = Field(default=20, ge=1)
    run_worker: bool = True
    # Lets ``POST /v1/workspaces`` create tenants over HTTP; without it only the CLI can.
    admin_token: str | None = None

    @cached_property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return normalize_database_url(self.database_url)
        return f"sqlite+aiosqlite:///{(self.data_dir / 'hubbub.db').resolve()}"

    @cached_property
    def resolved_secret(self) -> bytes:
        if self.secret:
            return self.secret.encode()
        return load_or_create_secret(self.data_dir).encode()

    def ensure_data_dir(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)


def normalize_database_url(url: str) -> str:
    """Accept plain ``postgresql://`` and ``sqlite:///`` URLs and pick the async drivers."""
    for plain, driver in (
        ("postgresql://", "postgresql+asyncpg://"),
        ("postgres://", "postgresql+asyncpg://"),
        ("sqlite://", "sqlite+aiosqlite://"),
    ):
        if url.startswith(plain):
            return driver + url[len(plain) :]
    return url


def load_or_create_secret(data_dir: Path) -> str:
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / SECRET_FILE_NAME
    if path.exists():
        return path.read_text().strip()
    secret = secrets.token_urlsafe(32)
    # O_EXCL: when two processes start at once, one writes and both read the same secret.
    try:
        with path.open("x") as handle:
            handle.write(secret)
        path.chmod(0o600)
    except FileExistsError:
        return path.read_text().strip()
    return secret

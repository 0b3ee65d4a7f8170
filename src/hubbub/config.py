"""Settings, read from ``HUBBUB_*`` environment variables; nothing is read at import time."""

from __future__ import annotations

import contextlib
import os
import secrets
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from hubbub.kit.signing import Keyring

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
    # Rotation: secrets the current one replaced (comma-separated). What they signed (cursors,
    # media links, webchat visitor keys) still verifies until ``previous_secrets_until`` when
    # given, else until they are removed; only the current secret signs.
    previous_secrets: str | None = None
    previous_secrets_until: datetime | None = None
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    # PostgreSQL: connections each process keeps at most, and how long a request waits for
    # one when all are busy before it is answered 503 (SQLite's writers share one connection).
    db_pool_size: int = Field(default=20, ge=1)
    db_pool_timeout_seconds: float = Field(default=10.0, gt=0)
    # SQLite: ``normal`` survives a crash of the process, ``full`` a power loss too, for one
    # fsync per commit (``hubbub.db.engine.SqliteSynchronous``).
    sqlite_synchronous: Literal["normal", "full"] = "normal"
    run_worker: bool = True
    # FastAPI's OpenTelemetry spans and metrics, for a process run under an OpenTelemetry
    # setup (off by default: without a configured provider they only cost time).
    telemetry: bool = False
    # ``hubbub serve`` writes one line per request to stderr (method, path, status, duration).
    access_log: bool = True
    # Lets ``POST /v1/workspaces`` create tenants over HTTP; without it only the CLI can.
    admin_token: str | None = None
    # Media uploads: the largest file accepted (per-channel limits may be lower) and where the
    # local blob store keeps the bytes (default ``<data_dir>/media``).
    max_upload_bytes: int = Field(default=100 * 1_048_576, ge=1024)
    media_dir: Path | None = None
    # Delivery runner: how often an idle worker looks for due jobs when nothing woke it, how
    # many jobs one worker runs at once, how long a claimed job stays leased (a job whose
    # worker died is claimed again after it), and the retry backoff's base and cap.
    worker_poll_seconds: float = Field(default=1.0, gt=0)
    worker_concurrency: int = Field(default=16, ge=1)
    job_lease_seconds: float = Field(default=60.0, gt=0)
    job_retry_base_seconds: float = Field(default=2.0, ge=0)
    job_retry_cap_seconds: float = Field(default=900.0, ge=0)
    # Provider status callbacks that arrive before the runner stored the provider id they name
    # are parked until it does; those never claimed are purged after this long.
    parked_status_retention_seconds: float = Field(default=7 * 86_400.0, gt=0)
    # The sandbox connector's pause between sent, delivered and read (0: at once).
    sandbox_step_seconds: float = Field(default=1.0, ge=0)
    # Outbound webhooks: how often the sender looks at the log when nothing woke it, how many
    # requests it has in flight, each request's timeout, the retry backoff's base and cap, and
    # how long a delivery is retried before it is dead (Standard Webhooks suggests ~a day).
    webhook_poll_seconds: float = Field(default=1.0, gt=0)
    webhook_concurrency: int = Field(default=32, ge=1)
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)
    webhook_retry_base_seconds: float = Field(default=5.0, ge=0)
    webhook_retry_cap_seconds: float = Field(default=3600.0, ge=0)
    webhook_retry_window_seconds: float = Field(default=86_400.0, gt=0)
    # Realtime (SSE): how often the hub looks at the log when nothing woke it (PostgreSQL
    # NOTIFY and in-process commits wake it at once) and the keep-alive comment interval.
    realtime_poll_seconds: float = Field(default=1.0, gt=0)
    sse_keepalive_seconds: float = Field(default=15.0, gt=0)
    # The built-in SMTP listener for email channels: off unless a port is given.
    smtp_listen_port: int | None = Field(default=None, ge=0, le=65535)
    smtp_listen_host: str = "127.0.0.1"
    # The SSRF guard: refuse webhook (subscription and channel) URLs whose host resolves to a
    # loopback, private, link-local, multicast or unspecified address, at creation and before
    # each request. Off by default: self-hosted deployments often post to internal hosts.
    outbound_deny_private_networks: bool = False
    # Where providers reach this Hubbub (their status-callback and inbound URLs are built on
    # it); default: http://<host>:<port>.
    public_base_url: str | None = None
    # Web origins whose pages may call the webchat end-user API (``/webchat/...``) from a
    # browser: a comma-separated list, or ``*`` for any site.
    webchat_allowed_origins: str = "*"

    @cached_property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return normalize_database_url(self.database_url)
        return f"sqlite+aiosqlite:///{(self.data_dir / 'hubbub.db').resolve()}"

    @cached_property
    def resolved_secret(self) -> Keyring:
        current = self.secret or load_or_create_secret(self.data_dir)
        previous = [item.strip() for item in (self.previous_secrets or "").split(",")]
        return Keyring(
            current.encode(),
            tuple(item.encode() for item in previous if item),
            self.previous_secrets_until,
        )

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


class EmptySecret(Exception):
    """The secret file exists but holds nothing: signing with it would make every token
    forgeable, so the process refuses to start."""


def load_or_create_secret(data_dir: Path) -> str:
    """The data dir's secret, created on first use. Several processes may start at once
    (``serve --workers N``): the new secret is written in full to a private file first, then
    linked into place, so no process ever reads a half-written or empty ``secret.key``."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / SECRET_FILE_NAME
    if not path.exists():
        _create_secret_file(path)
    secret = path.read_text().strip()
    if not secret:
        raise EmptySecret(
            f"{path} is empty: delete it to have a new secret made, or set HUBBUB_SECRET"
        )
    return secret


def _create_secret_file(path: Path) -> None:
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(32))
            handle.flush()
            os.fsync(handle.fileno())
        # Fails when another process linked its secret first: then both use that one.
        with contextlib.suppress(FileExistsError):
            os.link(draft, path)
    finally:
        draft.unlink(missing_ok=True)

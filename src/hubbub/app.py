"""The ASGI application: ``create_app(settings)`` wires the database, the surfaces and the
error handlers; the lifespan migrates the database and starts the in-process worker."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.telemetry import TelemetryConfig

from hubbub.api import bird, botpress, channelio, docs, inbound, recrubo, webchat
from hubbub.api.errors import install_error_handlers
from hubbub.api.limits import BodySizeLimit
from hubbub.api.native import router as native_api
from hubbub.api.shortcuts import ShortcutApp
from hubbub.config import Settings
from hubbub.db.migrate import upgrade
from hubbub.db.uow import Database
from hubbub.kit.cursors import CursorCodec
from hubbub.process.context import LoopContext
from hubbub.process.loops import serve_loops
from hubbub.process.supervisor import Background

API_VERSION = "0.1.0"
NO_TELEMETRY: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}


def tune_garbage_collector() -> None:
    """Move what startup allocated out of the collector's sight and collect young objects less
    often: a full collection over a big heap stalled about one request in a dozen by ~80 ms."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


def create_app(
    settings: Settings | None = None, *, database: Database | None = None
) -> ShortcutApp:
    settings = settings or Settings()
    settings.ensure_data_dir()
    owns_database = database is None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = database or Database(
            settings.resolved_database_url,
            pool_size=settings.db_pool_size,
            pool_timeout=settings.db_pool_timeout_seconds,
            sqlite_synchronous=settings.sqlite_synchronous,
        )
        if owns_database:
            await upgrade(db)
        app.state.database = db
        tune_garbage_collector()
        background = Background(serve_loops(settings), LoopContext(db, settings, asyncio.Event()))
        background.start()
        try:
            yield
        finally:
            await background.stop()
            if owns_database:
                await db.dispose()

    app = ShortcutApp(
        title="Hubbub",
        version=API_VERSION,
        description="Self-hosted omnichannel messaging: one message store and delivery engine.",
        lifespan=lifespan,
        # Served by ``hubbub.api.docs`` from the package instead of a CDN.
        docs_url=None,
        redoc_url=None,
        # FastAPI's OpenTelemetry hooks look up the global providers on every request (2-3 %
        # of a create); Hubbub configures none, so they are off unless HUBBUB_TELEMETRY says.
        telemetry=None if settings.telemetry else NO_TELEMETRY,
    )
    app.state.settings = settings
    app.state.cursors = CursorCodec(settings.resolved_secret)
    if database is not None:
        app.state.database = database
    install_error_handlers(app)
    docs.install(app)
    native_api.install(app)
    inbound.install(app)
    for dialect in (botpress, bird, recrubo, channelio, webchat):
        dialect.install(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app

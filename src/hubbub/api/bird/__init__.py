"""The Bird Channels API under /compat/bird: a thin translator over the core services."""

from __future__ import annotations

from fastapi import FastAPI

from hubbub.api.bird import defaults, endpoints
from hubbub.api.bird.errors import render_bird
from hubbub.api.errors import register_renderer
from hubbub.api.routing import add_routes


def install(app: FastAPI) -> None:
    """Add this dialect's routes and error renderer to the app."""
    register_renderer(defaults.PREFIX, render_bird)
    add_routes(app, endpoints.router, prefix=defaults.PREFIX)

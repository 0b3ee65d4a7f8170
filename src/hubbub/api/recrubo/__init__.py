"""The Recrubo Message API v2 (under /compat/recrubo/public/v2): a thin translator."""

from __future__ import annotations

from fastapi import FastAPI

from hubbub.api.errors import register_renderer
from hubbub.api.recrubo import endpoints, templates, threads
from hubbub.api.recrubo.defaults import PREFIX
from hubbub.api.recrubo.errors import render_recrubo
from hubbub.api.routing import add_routes

# Every path under this prefix answers JSON:API errors, unknown routes included.
ERROR_PREFIX = "/compat/recrubo"


def install(app: FastAPI) -> None:
    """Add this dialect's routes and error renderer to the app."""
    for module in (endpoints, threads, templates):
        add_routes(app, module.router, prefix=PREFIX)
    register_renderer(ERROR_PREFIX, render_recrubo)

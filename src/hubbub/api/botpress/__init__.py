"""The Botpress runtime API under /compat/botpress: a thin translator over the core services."""

from __future__ import annotations

from fastapi import FastAPI


def install(app: FastAPI) -> None:
    """Add this dialect's routes and error renderer to the app."""

"""The Channel.io open API v5 (under /compat/channelio/open/v5): a thin translator."""

from __future__ import annotations

from fastapi import FastAPI


def install(app: FastAPI) -> None:
    """Add this dialect's routes and error renderer to the app."""

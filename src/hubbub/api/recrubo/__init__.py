"""The Recrubo Message API v2 (under /compat/recrubo/public/v2): a thin translator."""

from __future__ import annotations

from fastapi import FastAPI


def install(app: FastAPI) -> None:
    """Add this dialect's routes and error renderer to the app."""

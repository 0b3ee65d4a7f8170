"""The native API under ``/v1``: one router per resource, copied flat onto the app."""

from __future__ import annotations

from fastapi import FastAPI

from hubbub.api.native import fast_create
from hubbub.api.native.endpoints import (
    channels,
    contacts,
    conversations,
    events,
    messages,
    workspaces,
)
from hubbub.api.routing import add_routes

PREFIX = "/v1"
# Messages first: the busiest routes are matched first.
MODULES = (messages, conversations, contacts, channels, events, workspaces)


def install(app: FastAPI) -> None:
    for module in MODULES:
        add_routes(app, module.router, prefix=PREFIX)
    fast_create.install(app)

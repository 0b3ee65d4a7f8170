"""The native API under ``/v1``: one router per resource, copied flat onto the app."""

from __future__ import annotations

from hubbub.api import media_routes
from hubbub.api.native import fast_create
from hubbub.api.native.endpoints import (
    agents,
    channels,
    contacts,
    conversations,
    email_inbound,
    events,
    jobs,
    media,
    messages,
    sandbox,
    stream,
    templates,
    webhooks,
    workspaces,
)
from hubbub.api.routing import add_routes
from hubbub.api.shortcuts import ShortcutApp

PREFIX = "/v1"
# Messages first: the busiest routes are matched first.
MODULES = (
    messages,
    conversations,
    contacts,
    channels,
    email_inbound,
    events,
    workspaces,
    templates,
    media,
    jobs,
    sandbox,
    webhooks,
    stream,
    agents,
)


def install(app: ShortcutApp) -> None:
    for module in MODULES:
        add_routes(app, module.router, prefix=PREFIX)
    fast_create.install(app)
    media_routes.install(app)  # the public upload and download routes, outside /v1

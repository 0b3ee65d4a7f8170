"""The Channel.io open API v5 (under /compat/channelio/open/v5): a thin translator onto the
core. Users are contacts, user chats are conversations, managers are agents, messages are
messages; every guess the
vendor's documentation leaves open is in ``defaults``."""

from __future__ import annotations

from fastapi import FastAPI

from hubbub.api.channelio import defaults
from hubbub.api.channelio.endpoints import managers, messages, user_chats, users
from hubbub.api.channelio.errors import render_channelio
from hubbub.api.errors import register_renderer
from hubbub.api.routing import add_routes

# Messages first: the busiest routes are matched first.
MODULES = (messages, user_chats, users, managers)


def install(app: FastAPI) -> None:
    """Add this dialect's routes and error renderer to the app."""
    register_renderer(defaults.ERROR_PATH_PREFIX, render_channelio)
    for module in MODULES:
        add_routes(app, module.router, prefix=defaults.PREFIX)

"""The Botpress runtime ("chat") API under /compat/botpress: a thin translator over the core
services, faithful enough for the real ``@botpress/client`` to work against it unchanged
(``apiUrl: "http://host/compat/botpress"``; ``token`` a Hubbub key; ``botId`` its workspace)."""

from __future__ import annotations

from fastapi import FastAPI

from hubbub.api.botpress.endpoints import (
    conversations,
    events,
    incoming,
    messages,
    states,
    tags,
    users,
)
from hubbub.api.botpress_errors import render_botpress_error
from hubbub.api.errors import register_renderer
from hubbub.api.routing import add_routes
from hubbub.bot_events import tasks as bot_event_tasks

PREFIX = "/compat/botpress"
API_PREFIX = PREFIX + "/v1/chat"


def install(app: FastAPI) -> None:
    """Add this dialect's routes and error renderer to the app."""
    register_renderer(PREFIX, render_botpress_error)
    # Scheduled events are fired by the delivery runner, which runs in this process.
    bot_event_tasks.register_handlers()
    for module in (messages, incoming, conversations, users, events, states, tags):
        add_routes(app, module.router, prefix=API_PREFIX)

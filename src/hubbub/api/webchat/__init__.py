"""The webchat end-user API under ``/webchat/{channel_id}``: visitors of a website talk to
Hubbub directly, in the Botpress Chat API's shapes (``@botpress/chat`` works against it with
``apiUrl: "http://host/webchat/<channel id>"``), each with a per-user key (``x-user-key``).
It also serves a small widget page at ``/webchat/{channel_id}/``.

Routes: ``GET /hello`` · ``POST /users`` · ``POST /users/get-or-create`` ·
``GET|PUT|DELETE /users/me`` · ``POST /conversations`` · ``POST /conversations/get-or-create`` ·
``GET /conversations`` · ``GET|DELETE /conversations/{id}`` · ``GET /conversations/{id}/messages``
· ``GET /conversations/{id}/listen`` (SSE) · ``GET|POST /conversations/{id}/participants`` ·
``GET|DELETE /conversations/{id}/participants/{userId}`` · ``POST /messages`` ·
``GET|DELETE /messages/{id}`` · ``POST /messages/{id}/read`` (Hubbub extension: the user has
read the message) · ``POST /events`` · ``GET /events/{id}``."""

from __future__ import annotations

from fastapi import FastAPI

from hubbub.api.botpress_errors import render_botpress_error
from hubbub.api.errors import register_renderer
from hubbub.api.routing import add_routes
from hubbub.api.webchat import conversations, events, messages, participants, users, widget
from hubbub.api.webchat.cors import ScopedCors, allowed_origins
from hubbub.config import Settings

PREFIX = "/webchat/"
API_PREFIX = "/webchat/{channel_id}"


def install(app: FastAPI) -> None:
    """Add the end-user API's routes, error renderer and CORS policy to the app."""
    settings: Settings = app.state.settings
    register_renderer(PREFIX, render_botpress_error)
    app.add_middleware(
        ScopedCors, prefix=PREFIX, origins=allowed_origins(settings.webchat_allowed_origins)
    )
    for module in (users, conversations, participants, messages, events, widget):
        add_routes(app, module.router, prefix=API_PREFIX)

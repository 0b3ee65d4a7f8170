"""The native API under ``/v1``: one router per resource, gathered here."""

from __future__ import annotations

from fastapi import APIRouter

from hubbub.api.native.endpoints import (
    channels,
    contacts,
    conversations,
    events,
    messages,
    workspaces,
)

router = APIRouter(prefix="/v1")
for module in (workspaces, channels, contacts, conversations, messages, events):
    router.include_router(module.router)

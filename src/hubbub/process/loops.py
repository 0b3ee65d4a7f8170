"""Which loops each kind of process runs: the composition root of background work. It imports
the feature packages' loop functions; none of them imports it (an import contract says so).

``hubbub serve`` runs the API loops, and the worker loops too unless ``HUBBUB_RUN_WORKER=false``;
``hubbub worker`` runs the worker loops alone. The event relay (PostgreSQL's ``LISTEN/NOTIFY``)
serves both kinds, once per process."""

from __future__ import annotations

from hubbub.config import Settings
from hubbub.delivery.email_inbound import run_smtp_listener
from hubbub.delivery.runner import worker_loop
from hubbub.process.context import BackgroundLoop
from hubbub.realtime.hub import run_realtime_hub
from hubbub.realtime.relay import run_relay
from hubbub.webhooks.sender import run_webhook_sender

# Every long-running process: tells the others of its commits and hears of theirs.
RELAY = BackgroundLoop("event-relay", run_relay)
# The work of a worker: claim and run jobs, send webhooks.
WORKER = (
    BackgroundLoop("delivery", worker_loop),
    BackgroundLoop("webhook-sender", run_webhook_sender),
)
# What every API process needs whatever its worker setting: feeding its SSE streams, and the
# SMTP listener (idle unless configured).
API = (
    BackgroundLoop("realtime-hub", run_realtime_hub),
    BackgroundLoop("smtp-listener", run_smtp_listener),
)


def serve_loops(settings: Settings) -> list[BackgroundLoop]:
    """The loops of ``hubbub serve``."""
    return [RELAY, *API, *(WORKER if settings.run_worker else ())]


def worker_loops() -> list[BackgroundLoop]:
    """The loops of ``hubbub worker``."""
    return [RELAY, *WORKER]

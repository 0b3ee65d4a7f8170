"""The webhook sender: a background loop that follows the event log and POSTs each event to
every subscription that wants it, signed per Standard Webhooks.

It does not enqueue a job per event. Each subscription keeps a durable cursor into the log;
the loop reads past it (never beyond the log's safe horizon, ``hubbub.events.horizon``) and
turns matching events into delivery rows, then sends deliveries that are due and at the head of
their lane. A lane is one conversation of one subscription (or its events of no conversation):
while its oldest pending delivery fails and waits for a retry, its later ones wait behind it,
and other lanes go on. Leases (and ``SKIP LOCKED`` on PostgreSQL) let several workers share the
work; a worker that dies lets its leases lapse and the deliveries are sent again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import datetime

import httpx
import orjson

from hubbub.config import Settings
from hubbub.db.uow import Database
from hubbub.events.horizon import LogHorizon
from hubbub.kit import netguard
from hubbub.kit.clock import isoformat, utcnow
from hubbub.process.context import LoopContext
from hubbub.webhooks.outbox import AttemptResult, outbox
from hubbub.webhooks.retry import RetryPolicy
from hubbub.webhooks.signing import signed_headers
from hubbub.webhooks.stored import ClaimedDelivery

log = logging.getLogger(__name__)

USER_AGENT = "Hubbub-Webhooks/1"
# Subscriptions planned per pass; more wait for the next pass (which starts at once).
PLAN_BATCH = 100
# How soon to look again while the horizon waits for older transactions to end.
SETTLING_SECONDS = 0.05
# A lease outlives the request's timeout by this much before another worker may take over.
LEASE_MARGIN_SECONDS = 30.0


async def run_webhook_sender(context: LoopContext) -> None:
    async with new_client(context.settings) as client:
        await WebhookSender(context.database, context.settings, client).run(context.stop)


def new_client(settings: Settings) -> httpx.AsyncClient:
    """The one HTTP client a sender uses for every request (its connection pool is shared)."""
    timeout = settings.webhook_timeout_seconds
    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
        limits=httpx.Limits(max_connections=settings.webhook_concurrency),
        follow_redirects=False,
        headers={"user-agent": USER_AGENT},
    )


def request_body(delivery: ClaimedDelivery) -> bytes:
    """The Standard Webhooks payload shape: ``type``, ``timestamp`` and the event as ``data``."""
    event = delivery.event
    return orjson.dumps(
        {
            "type": event.type,
            "timestamp": isoformat(event.created_at),
            "data": event.model_dump(mode="json"),
        }
    )


class WebhookSender:
    def __init__(self, database: Database, settings: Settings, client: httpx.AsyncClient) -> None:
        self.database = database
        self.settings = settings
        self.client = client
        self.policy = RetryPolicy(
            base_seconds=settings.webhook_retry_base_seconds,
            cap_seconds=settings.webhook_retry_cap_seconds,
            window_seconds=settings.webhook_retry_window_seconds,
        )
        self.horizon = LogHorizon(database.caps)
        self.wake = asyncio.Event()
        # Set when the log may have grown (a commit, a NOTIFY, a poll): only then is planning
        # worth its two queries; a finished delivery wakes the loop without it.
        self.log_grew = asyncio.Event()
        self.inflight: set[asyncio.Task[None]] = set()

    async def run(self, stop: asyncio.Event) -> None:
        self.database.notifier.events.listen(self._on_log_grew)
        self.log_grew.set()
        try:
            while not stop.is_set():
                self.wake.clear()
                more = False
                if self.log_grew.is_set() or self.horizon.settling:
                    self.log_grew.clear()
                    more = await self.plan()
                await self.dispatch()
                if more:
                    self.log_grew.set()
                else:
                    await self._sleep(stop)
        finally:
            self.database.notifier.events.unlisten(self._on_log_grew)
            await self._drain()

    def _on_log_grew(self) -> None:
        self.log_grew.set()
        self.wake.set()

    async def plan(self) -> bool:
        """Turn new events into deliveries; True when some subscription has more to plan."""
        async with self.database.read() as session:
            horizon = await self.horizon.advance(session)
            if horizon is None:
                return False
            behind = await outbox.behind(session, horizon, limit=PLAN_BATCH)
        more = len(behind) == PLAN_BATCH
        for subscription_id in behind:
            async with self.database.transaction() as session:
                more |= await outbox.plan(session, subscription_id, horizon, now=utcnow())
        return more

    async def dispatch(self) -> None:
        free = self.settings.webhook_concurrency - len(self.inflight)
        if free <= 0:
            return
        lease = self.settings.webhook_timeout_seconds + LEASE_MARGIN_SECONDS
        async with self.database.transaction() as session:
            claimed = await outbox.claim(session, now=utcnow(), lease_seconds=lease, limit=free)
        for delivery in claimed:
            task = asyncio.create_task(self._deliver(delivery), name=f"webhook {delivery.id}")
            self.inflight.add(task)
            task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self.inflight.discard(task)
        self.wake.set()  # the next delivery of its lane may now go

    async def _deliver(self, delivery: ClaimedDelivery) -> None:
        try:
            result = await self.attempt(delivery)
            async with self.database.transaction() as session:
                await outbox.record(session, delivery, result, self.policy)
        except Exception:  # its lease lapses and it is tried again
            log.exception("webhook delivery %s could not be recorded", delivery.id)

    async def attempt(self, delivery: ClaimedDelivery) -> AttemptResult:
        """One signed POST. Only the status matters: the response body is never read."""
        body = request_body(delivery)
        headers = signed_headers(delivery.secret, delivery.event.id, int(time.time()), body)
        attempted_at = utcnow()
        blocked = await self._blocked(delivery.url)
        if blocked is not None:
            return AttemptResult(attempted_at, None, blocked, 0, permanent=True)
        started = time.perf_counter()
        status_code: int | None = None
        error: str | None = None
        try:
            async with self.client.stream(
                "POST", delivery.url, content=body, headers=headers
            ) as response:
                status_code = response.status_code
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        if status_code is not None and not 200 <= status_code < 300:
            error = f"the receiver answered HTTP {status_code}"
        duration_ms = round((time.perf_counter() - started) * 1000)
        return AttemptResult(attempted_at, status_code, error, duration_ms)

    async def _blocked(self, url: str) -> str | None:
        """Why the SSRF guard refuses ``url`` now (it is checked at every attempt: the host
        may resolve elsewhere than when the subscription was made); None when it may go."""
        try:
            await netguard.check_url_if_enabled(
                url, enabled=self.settings.outbound_deny_private_networks
            )
        except netguard.BlockedDestination as error:
            return f"refused by the SSRF guard: {error}"
        return None

    async def _sleep(self, stop: asyncio.Event) -> None:
        timeout = self.settings.webhook_poll_seconds
        if self.horizon.settling:
            timeout = min(timeout, SETTLING_SECONDS)
        async with self.database.read() as session:
            due = await outbox.next_due(session, now=utcnow())
        if due is not None:
            timeout = max(0.0, min(timeout, _seconds_until(due)))
        if timeout <= 0 and len(self.inflight) >= self.settings.webhook_concurrency:
            timeout = self.settings.webhook_poll_seconds  # full: a finishing task wakes us
        waiters = [asyncio.ensure_future(self.wake.wait()), asyncio.ensure_future(stop.wait())]
        try:
            done, _ = await asyncio.wait(
                waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            for waiter in waiters:
                waiter.cancel()
        if not done:  # the poll: another process may have written without a NOTIFY
            self.log_grew.set()

    async def _drain(self) -> None:
        """On stop: cancel what is in flight; their leases lapse and they are sent again."""
        for task in list(self.inflight):
            task.cancel()
        with contextlib.suppress(Exception):
            await asyncio.gather(*self.inflight, return_exceptions=True)


def _seconds_until(moment: datetime) -> float:
    return (moment - utcnow()).total_seconds()

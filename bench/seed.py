"""Fill one conversation with many messages straight through the project's own table
definitions: going through HTTP one message at a time would take minutes.

Rows look like what ``POST /v1/messages`` writes for a sandbox text message. Text is drawn from a
small vocabulary (so some words are common) plus a few planted words of known frequency and a
unique token per message, so search has hits of every size to find.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, text, update

from hubbub.db.models.conversation import conversation
from hubbub.db.models.message import message
from hubbub.db.uow import Database, Session
from hubbub.kit.clock import utcnow
from hubbub.kit.ids import new_id
from hubbub.messages.payloads import TextPayload

# fmt: off
VOCABULARY = (
    "hello", "thanks", "order", "delivery", "invoice", "meeting", "tomorrow", "today", "please",
    "confirm", "update", "status", "account", "payment", "refund", "ticket", "support", "question",
    "answer", "schedule", "call", "email", "phone", "address", "package", "tracking", "shipped",
    "arrived", "delayed", "cancel", "change", "price", "quote", "contract", "sign", "review",
    "approve", "welcome", "morning", "evening", "weekend", "office", "team", "project", "report",
)
# fmt: on
# Planted words: (word, one message in every N carries it).
PLANTED = (("orchid", 100), ("zephyr", 1_000), ("quokka", 20_000))
WORDS_PER_MESSAGE = 8
SEED = 20_240_601


@dataclass(frozen=True)
class SeedPlan:
    count: int = 200_000
    batch_size: int = 5_000
    batches_per_transaction: int = 10
    spacing: timedelta = timedelta(milliseconds=1)


@dataclass(frozen=True)
class SeedResult:
    count: int
    seconds: float
    # Words to search for, with how many seeded messages hold each.
    search_words: dict[str, int]

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0


def unique_token(index: int) -> str:
    return f"tok{index:07d}"


def message_text(rng: random.Random, index: int) -> str:
    words = rng.choices(VOCABULARY, k=WORDS_PER_MESSAGE)
    words.extend(word for word, every in PLANTED if index % every == every // 2)
    words.append(unique_token(index))
    return " ".join(words)


def message_rows(
    *,
    workspace_id: str,
    conversation_id: str,
    channel_id: str | None,
    start: datetime,
    plan: SeedPlan,
    hits: dict[str, int],
) -> Iterator[list[dict[str, Any]]]:
    """Batches of rows, oldest first, ``plan.spacing`` apart; counts in ``hits`` the messages
    holding each of its words."""
    rng = random.Random(SEED)
    # The exact stored shape of a text payload, as the API would write it.
    payload = TextPayload(text="-").model_dump(mode="json")
    batch: list[dict[str, Any]] = []
    for index in range(plan.count):
        created = start + plan.spacing * index
        body = message_text(rng, index)
        for word in set(body.split()):
            if word in hits:
                hits[word] += 1
        batch.append(
            {
                "id": new_id(),
                "workspace_id": workspace_id,
                "conversation_id": conversation_id,
                "channel_id": channel_id,
                "direction": "outgoing",
                "author_type": "bot",
                "author_id": None,
                "recipients": [],
                "type": "text",
                "payload": {**payload, "text": body},
                "tags": {},
                "origin": "bench",
                "reference": None,
                "status": "delivered",
                "status_at": created,
                "failure": None,
                "scheduled_for": None,
                "batch_id": None,
                "subject": None,
                "text": body,
                "created_at": created,
                "updated_at": created,
            }
        )
        if len(batch) >= plan.batch_size:
            yield batch
            batch = []
    if batch:
        yield batch


async def seed_conversation(
    database_url: str,
    *,
    workspace_id: str,
    conversation_id: str,
    channel_id: str | None,
    plan: SeedPlan | None = None,
) -> SeedResult:
    """Insert ``plan.count`` messages ending about now, in a few large transactions."""
    plan = plan or SeedPlan()
    database = Database(database_url, pool_size=2)
    started = time.perf_counter()
    start = utcnow() - plan.spacing * plan.count
    hits = dict.fromkeys(search_words(plan.count), 0)
    try:
        batches = message_rows(
            workspace_id=workspace_id,
            conversation_id=conversation_id,
            channel_id=channel_id,
            start=start,
            plan=plan,
            hits=hits,
        )
        inserted = 0
        while inserted < plan.count:
            async with database.transaction() as session:
                for _ in range(plan.batches_per_transaction):
                    rows = next(batches, None)
                    if rows is None:
                        break
                    await session.conn.execute(message.insert(), rows)
                    inserted += len(rows)
        async with database.transaction() as session:
            await _bump_conversation(session, conversation_id, inserted)
            if session.caps.name == "postgresql":
                # What autovacuum would soon do; without it the planner guesses on a table it
                # believes is nearly empty.
                await session.conn.execute(text("ANALYZE message"))
    finally:
        await database.dispose()
    return SeedResult(
        count=inserted,
        seconds=time.perf_counter() - started,
        search_words=hits,
    )


async def _bump_conversation(session: Session, conversation_id: str, inserted: int) -> None:
    newest = select(func.max(message.c.created_at)).where(
        message.c.conversation_id == conversation_id
    )
    last = (await session.conn.execute(newest)).scalar()
    await session.conn.execute(
        update(conversation)
        .where(conversation.c.id == conversation_id)
        .values(
            message_count=conversation.c.message_count + inserted,
            last_message_at=last,
            updated_at=utcnow(),
        )
    )


def search_words(count: int) -> list[str]:
    """A common word, the planted words (rare to very rare) and one unique token."""
    set_of_one = [unique_token(count // 2)] if count else []
    return ["hello", *(word for word, _ in PLANTED), *set_of_one]

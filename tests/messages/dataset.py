"""A small workspace of varied messages that the listing tests query, and a reference filter
in plain Python that says what each query must answer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hubbub.contacts.schemas import Contact
from hubbub.conversations.schemas import Conversation
from hubbub.db.uow import Session
from hubbub.kit.clock import utcnow
from hubbub.messages.schemas import Message, MessageFilter, MessageUpdate, StatusUpdate
from hubbub.messages.service import message as message_service
from tests.messages.factories import (
    make_agent,
    make_channel,
    make_contact,
    make_conversation,
    send,
    text,
)


@dataclass
class Dataset:
    workspace_id: str
    platforms: dict[str, str] = field(default_factory=dict)  # channel id -> platform
    contacts: dict[str, Contact] = field(default_factory=dict)
    conversations: dict[str, Conversation] = field(default_factory=dict)
    messages: dict[str, Message] = field(default_factory=dict)
    marks: dict[str, datetime] = field(default_factory=dict)
    # The agent who wrote the "sale" message.
    agent_id: str = ""

    def contact_ids_for(self, value: str) -> set[str]:
        wanted = {value, value.lower(), "".join(value.split())}
        return {
            c.id
            for c in self.contacts.values()
            if any(identifier.value in wanted for identifier in c.identifiers)
        }


async def build(session: Session, workspace_id: str) -> Dataset:
    ds = Dataset(workspace_id)
    channels = {
        p: await make_channel(session, workspace_id, p) for p in ("sms", "email", "whatsapp")
    }
    ds.platforms = {c.id: p for p, c in channels.items()}
    for name, key, value in [
        ("alice", "phonenumber", "+15550001"),
        ("bob", "emailaddress", "bob@example.com"),
        ("carol", "emailaddress", "carol@example.com"),
    ]:
        ds.contacts[name] = await make_contact(session, workspace_id, key, value)
    c = ds.contacts
    for name, channel, members in [
        ("sms", "sms", [c["alice"]]),
        ("email", "email", [c["bob"], c["carol"]]),
        ("whatsapp", "whatsapp", [c["alice"]]),
    ]:
        ds.conversations[name] = await make_conversation(
            session, workspace_id, channels[channel], members
        )
    conv = {name: conversation.id for name, conversation in ds.conversations.items()}
    ds.agent_id = (await make_agent(session, workspace_id, "Agent One")).id

    async def add(name: str, **fields: Any) -> None:
        ds.messages[name] = await send(session, workspace_id, **fields)

    await add(
        "parcel",
        conversation_id=conv["sms"],
        payload=text("Hello Alice, your parcel ships today"),
        tags={"order": "1", "vip": "yes"},
        batch_id="batch-1",
    )
    await add(
        "thanks",
        conversation_id=conv["sms"],
        direction="incoming",
        payload=text("Thanks! When will it arrive?"),
    )
    await add(
        "invoice",
        channel_id=channels["email"].id,
        recipients=[{"value": "bob@example.com"}, {"value": "carol@example.com", "type": "cc"}],
        subject="Invoice 42",
        payload=text("Please find the invoice attached"),
        tags={"order": "2"},
        batch_id="batch-1",
    )
    await add(
        "reply",
        conversation_id=conv["email"],
        direction="incoming",
        author={"type": "contact", "id": c["bob"].id},
        subject="Re: Invoice 42",
        payload=text("Grüße aus München"),
    )
    ds.marks["middle"] = utcnow()
    await add(
        "privet",
        conversation_id=conv["whatsapp"],
        payload=text("привет мир"),
        tags={"vip": "no"},
    )
    await add("code", conversation_id=conv["sms"], payload=text("Your code is 123456"))
    await add(
        "sale",
        conversation_id=conv["email"],
        author={"type": "agent", "id": ds.agent_id},
        payload={"type": "card", "title": "Spring sale", "subtitle": "Everything must go"},
        tags={"campaign": "spring"},
    )
    ds.marks["updates"] = utcnow()
    for target in ("delivered", "read"):
        ds.messages["code"], _ = await message_service.update_status(
            session, workspace_id, ds.messages["code"].id, StatusUpdate(status=target)
        )
    ds.messages["parcel"] = await message_service.update(
        session, workspace_id, ds.messages["parcel"].id, MessageUpdate(tags={"vip": "gold"})
    )
    return ds


def reference(ds: Dataset, filters: MessageFilter) -> list[str]:
    """What a list must answer: the filter as plain Python, newest first."""

    def holds(m: Message) -> bool:
        tags_ok = all(
            (m.tags.get(k) == v) if sep else (k in m.tags)
            for k, sep, v in (t.partition("=") for t in filters.tags)
        )
        checks = [
            filters.conversation_id in (None, m.conversation_id),
            filters.channel_id in (None, m.channel_id),
            filters.platform in (None, ds.platforms.get(m.channel_id or "")),
            filters.direction in (None, m.direction),
            not filters.status or m.status in filters.status,
            filters.sender is None
            or m.author.id == filters.sender
            or m.author.id in ds.contact_ids_for(filters.sender),
            filters.recipient is None
            or any(
                filters.recipient in (r.value, r.contact_id) or r.value == filters.recipient.lower()
                for r in m.recipients
            ),
            tags_ok,
            filters.created_after is None or m.created_at > filters.created_after,
            filters.created_before is None or m.created_at < filters.created_before,
            filters.updated_after is None or m.updated_at > filters.updated_after,
            filters.updated_before is None or m.updated_at < filters.updated_before,
            filters.batch_id in (None, m.batch_id),
        ]
        return all(checks)

    chosen = sorted(
        (m for m in ds.messages.values() if holds(m)),
        key=lambda m: (m.created_at, m.id),
        reverse=True,
    )
    return [m.id for m in chosen]


def names(ds: Dataset, ids: list[str]) -> list[str]:
    by_id = {m.id: name for name, m in ds.messages.items()}
    return [by_id[i] for i in ids]

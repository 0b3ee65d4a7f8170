"""Messages, the heart of Hubbub: one store for every channel and every dialect.

A create is a handful of statements in the caller's transaction: the message row, the
conversation's counters (one UPDATE), a ``message.created`` event and, for an outgoing message,
a ``message.deliver`` job that the delivery runner picks up after commit (at ``scheduled_for``
when that lies ahead). Nothing is sent before the transaction commits.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from hubbub.conversations.service import conversation as conversation_service
from hubbub.db.uow import Session
from hubbub.discriminators import service as discriminators
from hubbub.errors import NotFound, UnprocessableEntity
from hubbub.events.service import event as event_service
from hubbub.jobs.service import job as job_service
from hubbub.kit.clock import utcnow
from hubbub.kit.cursors import Cursor, Order
from hubbub.kit.ids import new_id
from hubbub.kit.tags import (
    TagMap,
    TagPatch,
    apply_client_tag_patch,
    apply_tag_patch,
    check_client_tags,
    check_private_tags,
    discriminating_tags,
    discriminator_digest,
    tags_match,
)
from hubbub.messages import interactions, listing, scheduling
from hubbub.messages.addressing import Target, resolve_target
from hubbub.messages.authors import check_author
from hubbub.messages.payloads import Payload, message_type, plain_text
from hubbub.messages.repository import MessageRepository, message_row
from hubbub.messages.schemas import (
    AuthorType,
    Interaction,
    InteractionCreate,
    Message,
    MessageCreate,
    MessageFields,
    MessageFilter,
    MessageGetOrCreate,
    MessageUpdate,
    StatusUpdate,
)
from hubbub.messages.status import RESENDABLE, Status

DELIVER_JOB = "message.deliver"
DISCRIMINATOR_KIND = "message"
# How far past our clock an imported message may be dated (the importer's clock may run a
# little fast); anything later is not history.
IMPORT_CLOCK_SKEW = timedelta(minutes=1)


class MessageService:
    async def create(
        self,
        session: Session,
        workspace_id: str,
        data: MessageCreate,
        *,
        actor_kind: AuthorType = "bot",
        private_tags: Mapping[str, str] | None = None,
    ) -> Message:
        """Store a message and schedule its delivery when outgoing. ``actor_kind`` is the
        author type of an outgoing message that names no author; ``private_tags`` are the
        calling surface's own ``$`` tags, kept beside the client's (see ``hubbub.kit.tags``)."""
        check_client_tags(data.tags)
        _check_schedule(data)
        target = await resolve_target(session, workspace_id, data, actor_kind=actor_kind)
        await check_author(session, workspace_id, data.author)
        message_id = new_id()
        return await self._insert(
            session, workspace_id, data, data.payload, target, message_id, private_tags
        )

    async def get_or_create(
        self,
        session: Session,
        workspace_id: str,
        data: MessageGetOrCreate,
        *,
        actor_kind: AuthorType = "bot",
        imported_at: datetime | None = None,
    ) -> tuple[Message, bool]:
        """The conversation's message whose tags match (Botpress's rule, see
        ``hubbub.kit.tags``), with the request's payload and tags applied to it; or a new one.
        Concurrent identical calls create one message: each claims the digest of
        (conversation, tags) before inserting, and only one claim wins.

        ``imported_at`` imports history: a new message is dated then (so it sorts into its
        conversation where it happened) and is never sent; a match keeps its own date."""
        check_client_tags(data.tags)
        check_client_tags(data.discriminate_by_tags or (), field="discriminate_by_tags")
        _check_schedule(data)
        _check_import(data, imported_at)
        target = await resolve_target(session, workspace_id, data, actor_kind=actor_kind)
        await check_author(session, workspace_id, data.author)
        wanted = discriminating_tags(data.tags, data.discriminate_by_tags)
        if not wanted:
            payload = _required(data.payload)
            created = await self._insert(
                session, workspace_id, data, payload, target, new_id(), imported_at=imported_at
            )
            return created, True
        digest = discriminator_digest(DISCRIMINATOR_KIND, target.conversation_id, wanted)
        repository = MessageRepository(session)

        def matches(found: Message) -> bool:
            in_conversation = found.conversation_id == target.conversation_id
            return in_conversation and tags_match(found.tags, wanted)

        load = discriminators.loader(partial(repository.get, workspace_id), matches)

        async def create(message_id: str) -> Message:
            payload = _required(data.payload)
            return await self._insert(
                session, workspace_id, data, payload, target, message_id, imported_at=imported_at
            )

        find = partial(repository.find_by_tags, workspace_id, target.conversation_id, wanted)
        claim = discriminators.Claim(DISCRIMINATOR_KIND, digest, "message")
        found, made = await discriminators.get_or_create(
            session, workspace_id, claim, load, find, create
        )
        if not made:  # matched: the request's payload and tags are applied to it
            found = await self._apply(session, found, data.payload, data.tags, digest)
        return found, made

    async def tag_values(
        self, session: Session, workspace_id: str, key: str, *, after: str | None, limit: int
    ) -> tuple[list[str], str | None]:
        """A page of the distinct values of tag ``key`` on the workspace's messages, in order,
        after ``after``; and the value the next page starts after (None at the end)."""
        check_client_tags([key], field="key")
        return await MessageRepository(session).tag_values(
            workspace_id, key, after=after, limit=limit
        )

    async def get(self, session: Session, workspace_id: str, message_id: str) -> Message | None:
        return await MessageRepository(session).get(workspace_id, message_id)

    async def get_or_raise(self, session: Session, workspace_id: str, message_id: str) -> Message:
        found = await self.get(session, workspace_id, message_id)
        if found is None:
            raise NotFound("message", message_id)
        return found

    async def update(
        self,
        session: Session,
        workspace_id: str,
        message_id: str,
        data: MessageUpdate,
        *,
        private_tags: TagPatch | None = None,
    ) -> Message:
        """Replace the payload (the text follows it) and patch the tags; ``private_tags``
        patches the calling surface's own ``$`` tags."""
        check_client_tags(data.tags or {})
        found = await self.get_or_raise(session, workspace_id, message_id)
        return await self._apply(
            session, found, data.payload, data.tags or {}, private_tags=private_tags
        )

    async def delete(self, session: Session, workspace_id: str, message_id: str) -> None:
        found = await self.get_or_raise(session, workspace_id, message_id)
        await MessageRepository(session).delete(workspace_id, message_id)
        # A later get-or-create with the same tags creates afresh instead of finding nothing.
        await discriminators.release(session, message_id)
        await conversation_service.forget_message(session, workspace_id, found.conversation_id)
        await event_service.record(
            session,
            workspace_id,
            type="message.deleted",
            conversation_id=found.conversation_id,
            message_id=message_id,
            data={
                "message_id": message_id,
                "conversation_id": found.conversation_id,
                # The row is gone: what readers of the log need to know of the message is
                # here (who wrote it; whether it had gone out, and so been seen).
                "author": found.author.model_dump(mode="json"),
                "direction": found.direction,
                "status": found.status,
            },
        )

    async def update_status(
        self,
        session: Session,
        workspace_id: str,
        message_id: str,
        data: StatusUpdate,
        *,
        known: Message | None = None,
    ) -> tuple[Message, bool]:
        """Move the message through the status machine; a duplicate, backward or late change
        is ignored and answers ``changed=False``. ``known``: the message as read in this
        transaction (see ``interactions.update_status``)."""
        return await interactions.update_status(
            session, workspace_id, message_id, data, known=known
        )

    async def retry(self, session: Session, workspace_id: str, message_id: str) -> Message:
        """Send a failed outgoing message again: back to ``accepted`` through the status
        machine's one way back, and its delivery job run again (its dead job revived, or a new
        one). Conflict unless the message failed."""
        reopened = await interactions.reopen_for_retry(session, workspace_id, message_id)
        await job_service.revive_or_enqueue(
            session, workspace_id, kind=DELIVER_JOB, target_id=message_id
        )
        return reopened

    async def reopen_failed_delivery(
        self, session: Session, workspace_id: str, message_id: str
    ) -> None:
        """Before a dead delivery job of the message runs again: a message that failed is
        moved back to ``accepted`` so the job sends it (one still ``sending``, whose worker died
        mid-send, needs nothing)."""
        found = await self.get(session, workspace_id, message_id)
        if found is not None and found.status in RESENDABLE:
            await interactions.reopen_for_retry(session, workspace_id, message_id, known=found)

    async def record_shown(
        self, session: Session, workspace_id: str, message_id: str
    ) -> tuple[Message, bool]:
        """The message's recipient has been shown it (a stream wrote it to them): delivered,
        when it was only sent. ``moves_when_shown`` says beforehand whether it can change."""
        return await interactions.record_shown(session, workspace_id, message_id)

    def moves_when_shown(self, message: Message) -> bool:
        return interactions.moves_when_shown(message)

    async def record_interaction(
        self, session: Session, workspace_id: str, message_id: str, data: InteractionCreate
    ) -> Interaction:
        return await interactions.record(session, workspace_id, message_id, data)

    async def list_interactions(
        self,
        session: Session,
        workspace_id: str,
        message_id: str,
        *,
        limit: int = listing.DEFAULT_PAGE,
        order: Order = "desc",
        cursor: Cursor | None = None,
    ) -> tuple[builtins.list[Interaction], Cursor | None]:
        return await interactions.list_page(
            session, workspace_id, message_id, limit=limit, order=order, cursor=cursor
        )

    async def _insert(
        self,
        session: Session,
        workspace_id: str,
        data: MessageFields,
        payload: Payload,
        target: Target,
        message_id: str,
        private_tags: Mapping[str, str] | None = None,
        *,
        imported_at: datetime | None = None,
    ) -> Message:
        now = utcnow()
        created_at = now if imported_at is None else imported_at
        outgoing = data.direction == "outgoing"
        status = _initial_status(data, now, imported=imported_at is not None)
        message = Message(
            id=message_id,
            workspace_id=workspace_id,
            conversation_id=target.conversation_id,
            channel_id=target.channel_id,
            direction=data.direction,
            author=target.author,
            recipients=target.recipients,
            type=message_type(payload),
            payload=payload,
            tags=_with_private(apply_tag_patch({}, data.tags), private_tags),
            origin=data.origin,
            reference=data.reference,
            status=status,
            status_at=created_at,
            scheduled_for=data.scheduled_for,
            batch_id=data.batch_id,
            subject=data.subject,
            text=plain_text(payload),
            created_at=created_at,
            updated_at=now,
        )
        await MessageRepository(session).insert(message)
        await conversation_service.count_new_message(
            session, workspace_id, message.conversation_id, at=created_at, inbound=not outgoing
        )
        await self._record(session, message, "message.created")
        if outgoing and imported_at is None:  # imported history went out elsewhere, once
            await job_service.enqueue(
                session,
                kind=DELIVER_JOB,
                target_id=message.id,
                workspace_id=workspace_id,
                run_at=_run_at(data.scheduled_for, now),
            )
        return message

    async def _apply(
        self,
        session: Session,
        message: Message,
        payload: Payload | None,
        tags: TagPatch,
        digest: str | None = None,
        *,
        private_tags: TagPatch | None = None,
    ) -> Message:
        """Replace the payload and patch the tags. Claims made under the old tags are released
        so no later lookup lands here by them; ``digest``, the claim this request matched by,
        is taken again."""
        changes: dict[str, Any] = {}
        if payload is not None and payload != message.payload:
            changes.update(payload=payload, type=message_type(payload), text=plain_text(payload))
        patched = _with_private(apply_client_tag_patch(message.tags, tags), private_tags)
        if patched != message.tags:
            changes["tags"] = patched
        if not changes:
            return message
        changes["updated_at"] = utcnow()
        updated = message.model_copy(update=changes)
        row = message_row(updated)
        await MessageRepository(session).update(
            message.workspace_id, message.id, {key: row[key] for key in changes}
        )
        if "tags" in changes:
            await discriminators.reclaim(
                session, message.workspace_id, message.id, kind=DISCRIMINATOR_KIND, digest=digest
            )
        await self._record(session, updated, "message.updated")
        return updated

    async def _record(self, session: Session, message: Message, type: str) -> None:
        await event_service.record(
            session,
            message.workspace_id,
            type=type,
            conversation_id=message.conversation_id,
            message_id=message.id,
            data={"message": message.model_dump(mode="json")},
        )

    async def reschedule(
        self, session: Session, workspace_id: str, message_id: str, *, scheduled_for: datetime
    ) -> Message:
        """Move a scheduled message (and its delivery job) to ``scheduled_for``."""
        return await scheduling.reschedule(session, workspace_id, message_id, scheduled_for)

    async def cancel(self, session: Session, workspace_id: str, message_id: str) -> Message:
        """Cancel a message that has not gone out yet; its delivery job is dropped."""
        return await scheduling.cancel(session, workspace_id, message_id)

    # Last in the class: below this method, ``list[...]`` in the class body would name it.
    async def list(
        self,
        session: Session,
        workspace_id: str,
        filters: MessageFilter,
        *,
        limit: int = listing.DEFAULT_PAGE,
        order: Order = "desc",
        cursor: Cursor | None = None,
        offset: int = 0,
    ) -> tuple[builtins.list[Message], Cursor | None]:
        """A page of messages matching every filter, and the cursor of the next page (None at
        the end). ``offset`` skips that many matches first (numbered pages; keyset cursors are
        the cheap way to read on)."""
        return await listing.list_page(
            session, workspace_id, filters, limit=limit, order=order, cursor=cursor, offset=offset
        )


def _check_schedule(data: MessageFields) -> None:
    if data.scheduled_for is not None and data.direction != "outgoing":
        raise UnprocessableEntity("only outgoing messages can be scheduled", field="scheduled_for")


def _check_import(data: MessageFields, imported_at: datetime | None) -> None:
    if imported_at is None:
        return
    if data.scheduled_for is not None:
        raise UnprocessableEntity("an imported message cannot be scheduled", field="scheduled_for")
    if imported_at > utcnow() + IMPORT_CLOCK_SKEW:
        raise UnprocessableEntity(
            "an imported message cannot be dated in the future", field="created_at"
        )


def _initial_status(data: MessageFields, now: datetime, *, imported: bool) -> Status:
    """Incoming messages have arrived; imported outgoing ones went out before we knew them;
    others wait for their delivery job (at ``scheduled_for`` when that lies ahead)."""
    if data.direction != "outgoing":
        return "delivered"
    if imported:
        return "sent"
    scheduled = data.scheduled_for is not None and data.scheduled_for > now
    return "scheduled" if scheduled else "accepted"


def _required(payload: Payload | None) -> Payload:
    if payload is None:
        raise UnprocessableEntity("payload is required to create a message", field="payload")
    return payload


def _run_at(scheduled_for: datetime | None, now: datetime) -> datetime:
    return scheduled_for if scheduled_for is not None and scheduled_for > now else now


message = MessageService()


def _with_private(tags: TagMap, private_tags: TagPatch | None) -> TagMap:
    """``tags`` with a surface's own ``$`` tags patched in."""
    if not private_tags:
        return tags
    check_private_tags(private_tags)
    return apply_tag_patch(tags, private_tags)

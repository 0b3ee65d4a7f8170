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
from typing import Any

from hubbub.conversations.service import conversation as conversation_service
from hubbub.db.uow import Session
from hubbub.discriminators.repository import DiscriminatorRepository
from hubbub.errors import Conflict, NotFound, UnprocessableEntity
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
    Failure,
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
from hubbub.messages.status import Status
from hubbub.messages.window import is_restricted, service_window_failure

DELIVER_JOB = "message.deliver"
DISCRIMINATOR_KIND = "message"
# A claim can point at a message that a concurrent transaction deleted or retagged: such a claim
# is dropped and taken again. More rounds than this means something keeps racing us.
_CLAIM_ROUNDS = 5
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
        claims = DiscriminatorRepository(session)
        repository = MessageRepository(session)
        for _ in range(_CLAIM_ROUNDS):
            claimed = await self._claimed_match(session, workspace_id, digest, target, wanted)
            if claimed is not None:
                return await self._apply(session, claimed, data.payload, data.tags, digest), False
            # No live claim: a message written without one (a plain create) may still match.
            existing = await repository.find_by_tags(workspace_id, target.conversation_id, wanted)
            target_id = new_id() if existing is None else existing.id
            if not await claims.claim(
                workspace_id, digest, kind=DISCRIMINATOR_KIND, target_id=target_id
            ):
                continue  # another transaction claimed first: its message is found next round
            if existing is not None:
                return await self._apply(session, existing, data.payload, data.tags, digest), False
            payload = _required(data.payload)
            created = await self._insert(
                session, workspace_id, data, payload, target, target_id, imported_at=imported_at
            )
            return created, True
        raise Conflict("the message is being changed concurrently; retry the request")

    async def _claimed_match(
        self, session: Session, workspace_id: str, digest: str, target: Target, wanted: TagMap
    ) -> Message | None:
        """The message the digest is claimed for, if it still matches; a claim whose message
        is gone or was retagged is released."""
        claims = DiscriminatorRepository(session)
        target_id = await claims.get_target(workspace_id, digest)
        if target_id is None:
            return None
        found = await MessageRepository(session).get(workspace_id, target_id)
        if (
            found is not None
            and found.conversation_id == target.conversation_id
            and tags_match(found.tags, wanted)
        ):
            return found
        await claims.release_target(target_id)
        return None

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
        await DiscriminatorRepository(session).release_target(message_id)
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
        # Read before the message is counted: the window is about the contact's last message.
        closed = await _window_failure(session, workspace_id, message, target.platform, now)
        await MessageRepository(session).insert(message)
        await conversation_service.count_new_message(
            session, workspace_id, message.conversation_id, at=created_at, inbound=not outgoing
        )
        await self._record(session, message, "message.created")
        if closed is not None:
            # Accepted, then failed: both steps are interactions and events, and nothing is sent.
            failed, _ = await interactions.update_status(
                session, workspace_id, message.id, StatusUpdate(status="failed", failure=closed)
            )
            return failed
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
            claims = DiscriminatorRepository(session)
            await claims.release_target(message.id)
            if digest is not None:
                await claims.claim(
                    message.workspace_id, digest, kind=DISCRIMINATOR_KIND, target_id=message.id
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


async def _window_failure(
    session: Session, workspace_id: str, message: Message, platform: str | None, now: datetime
) -> Failure | None:
    """Why an outgoing message being accepted now breaks the WhatsApp service window, if it
    does. Only restricted platforms pay for the conversation lookup; scheduled messages are
    judged by the delivery runner when they are due."""
    if message.status != "accepted" or not is_restricted(platform):
        return None
    assert platform is not None
    conversation = await conversation_service.get_or_raise(
        session, workspace_id, message.conversation_id
    )
    return service_window_failure(
        platform=platform,
        payload_type=message.payload.type,
        last_inbound_at=conversation.last_inbound_at,
        now=now,
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

"""Conversations: threads between contacts and the workspace on a channel, with their
participants, message counters and get-or-create by tags or by contacts."""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import partial
from typing import Any

from hubbub.channels.schemas import Channel
from hubbub.contacts.schemas import Contact
from hubbub.contacts.service import contact as contact_service
from hubbub.conversations import participants
from hubbub.conversations.commands import ConversationCommands
from hubbub.conversations.participant_repository import ParticipantRepository
from hubbub.conversations.repository import ConversationRepository
from hubbub.conversations.schemas import (
    Conversation,
    ConversationCreate,
    ConversationGetOrCreate,
    ConversationQuery,
    ConversationStatus,
    ConversationUpdate,
    Participant,
    ParticipantRole,
)
from hubbub.db.uow import Session
from hubbub.discriminators import service as discriminators
from hubbub.errors import InvalidCursor, InvalidInput, NotFound, UnprocessableEntity
from hubbub.events.service import event as event_service
from hubbub.kit.clock import to_micros, utcnow
from hubbub.kit.cursors import Cursor, Order
from hubbub.kit.ids import new_id
from hubbub.kit.tags import (
    apply_client_tag_patch,
    apply_tag_patch,
    check_client_tags,
    discriminating_tags,
    discriminator_digest,
    tags_match,
)

TAGS_KIND = "conversation"
CONTACTS_KIND = "conv_contacts"
MAX_PAGE = 500


class ConversationService(ConversationCommands):
    async def create(
        self, session: Session, workspace_id: str, data: ConversationCreate
    ) -> Conversation:
        check_client_tags(data.tags)
        await self._check_references(session, workspace_id, data.channel_id, data.participant_ids)
        return await self._insert(session, workspace_id, data, conversation_id=new_id())

    async def get_or_create(
        self, session: Session, workspace_id: str, data: ConversationGetOrCreate
    ) -> tuple[Conversation, bool]:
        """The conversation whose tags match the request (Botpress's rule, see
        ``hubbub.kit.tags``), with the request's tags applied; or a new one. Concurrent identical
        calls race on the discriminator digest, so exactly one of them creates."""
        check_client_tags(data.tags)
        check_client_tags(data.discriminate_by_tags or (), field="discriminate_by_tags")
        await self._check_references(session, workspace_id, data.channel_id, data.participant_ids)
        wanted = discriminating_tags(data.tags, data.discriminate_by_tags)
        if not wanted:
            return await self._insert(session, workspace_id, data, conversation_id=new_id()), True
        digest = discriminator_digest(TAGS_KIND, data.channel_id or "", wanted)
        repository = ConversationRepository(session)

        def matches(found: Conversation) -> bool:
            return found.channel_id == data.channel_id and tags_match(found.tags, wanted)

        load = discriminators.loader(partial(repository.get, workspace_id), matches)

        async def create(conversation_id: str) -> Conversation:
            return await self._insert(session, workspace_id, data, conversation_id=conversation_id)

        find = partial(repository.find_by_tags, workspace_id, data.channel_id, wanted)
        claim = discriminators.Claim(TAGS_KIND, digest, "conversation")
        found, created = await discriminators.get_or_create(
            session, workspace_id, claim, load, find, create
        )
        if not created:  # matched: the request's tags are applied to it
            found = await self._apply_tags(session, workspace_id, found, data.tags, digest)
        return found, created

    async def get_or_create_for_contacts(
        self, session: Session, workspace_id: str, *, channel_id: str, contact_ids: list[str]
    ) -> tuple[Conversation, bool]:
        """The conversation of ``channel_id`` with exactly these contacts, created if needed,
        and whether this call created it; the contacts are (again) made its participants (those
        who had left rejoin, which records their ``conversation.participant_added``)."""
        wanted = sorted(set(contact_ids))
        if not wanted:
            raise InvalidInput("a conversation needs at least one contact", field="contact_ids")
        await self._check_references(session, workspace_id, channel_id, wanted, "contact_ids")
        digest = discriminator_digest(CONTACTS_KIND, channel_id, {"contacts": ",".join(wanted)})
        repository = ConversationRepository(session)

        async def load(conversation_id: str) -> Conversation | None:
            found = await repository.get(workspace_id, conversation_id)
            if found is None or found.channel_id != channel_id:
                return None
            await participants.join(session, workspace_id, found.id, wanted, role="contact")
            return found

        async def find() -> Conversation | None:
            existing_id = await repository.find_by_contacts(workspace_id, channel_id, wanted)
            return None if existing_id is None else await repository.get(workspace_id, existing_id)

        async def create(conversation_id: str) -> Conversation:
            data = ConversationCreate(channel_id=channel_id, participant_ids=wanted)
            return await self._insert(session, workspace_id, data, conversation_id=conversation_id)

        claim = discriminators.Claim(CONTACTS_KIND, digest, "conversation")
        return await discriminators.get_or_create(session, workspace_id, claim, load, find, create)

    async def tag_values(
        self, session: Session, workspace_id: str, key: str, *, after: str | None, limit: int
    ) -> tuple[list[str], str | None]:
        """A page of the distinct values of tag ``key`` on the workspace's conversations, in order,
        after ``after``; and the value the next page starts after (None at the end)."""
        check_client_tags([key], field="key")
        return await ConversationRepository(session).tag_values(
            workspace_id, key, after=after, limit=limit
        )

    async def get(
        self, session: Session, workspace_id: str, conversation_id: str
    ) -> Conversation | None:
        return await ConversationRepository(session).get(workspace_id, conversation_id)

    async def get_or_raise(
        self, session: Session, workspace_id: str, conversation_id: str
    ) -> Conversation:
        found = await ConversationRepository(session).get(workspace_id, conversation_id)
        if found is None:
            raise NotFound("conversation", conversation_id)
        return found

    async def get_for_message(
        self, session: Session, workspace_id: str, conversation_id: str
    ) -> tuple[Conversation, Channel | None, builtins.list[str]]:
        """The conversation, its channel and its contact participants' ids, read together."""
        found = await ConversationRepository(session).get_for_message(workspace_id, conversation_id)
        if found is None:
            raise NotFound("conversation", conversation_id)
        conversation, channel_row, contact_ids = found
        channel = None if channel_row is None else Channel.model_validate(channel_row)
        return conversation, channel, contact_ids

    async def update(
        self, session: Session, workspace_id: str, conversation_id: str, data: ConversationUpdate
    ) -> Conversation:
        """Change what the request names. Tags are patched (None/"" removes a key); attributes,
        when given, replace the old ones; an explicit ``subject: null`` clears the subject. The
        status and the assignee change through the commands, with their events."""
        current = await self.get_or_raise(session, workspace_id, conversation_id)
        changes = _changes(current, data)  # checked before any command writes
        current = await self.run_update_commands(session, workspace_id, current, data)
        return await self._save(session, workspace_id, current, changes)

    async def delete(self, session: Session, workspace_id: str, conversation_id: str) -> None:
        """Delete the conversation; its messages and participants go with it (foreign keys)."""
        if not await ConversationRepository(session).delete(workspace_id, conversation_id):
            raise NotFound("conversation", conversation_id)
        await discriminators.release(session, conversation_id)
        await event_service.record(
            session, workspace_id, type="conversation.deleted", conversation_id=conversation_id
        )

    async def list(
        self,
        session: Session,
        workspace_id: str,
        *,
        channel_id: str | None = None,
        status: ConversationStatus | None = None,
        tag: str | None = None,
        participant_id: str | None = None,
        assignee_id: str | None = None,
        limit: int = 50,
        cursor: Cursor | None = None,
        order: Order = "desc",
        offset: int = 0,
    ) -> tuple[builtins.list[Conversation], Cursor | None]:
        """One page in (created_at, id) order, and the cursor of the next page if there is one.
        ``tag`` is ``key`` (the tag is set) or ``key=value``; ``assignee_id`` an agent's id, or
        ``UNASSIGNED`` (``"none"``) for the conversations nobody is assigned; ``offset`` skips
        that many first."""
        if cursor is not None and cursor.order != order:
            raise InvalidCursor(f"the cursor was issued for order '{cursor.order}'", field="cursor")
        limit = max(1, min(limit, MAX_PAGE))
        rows = await ConversationRepository(session).list(
            workspace_id,
            channel_id=channel_id,
            status=status,
            tag=_parse_tag(tag),
            participant_id=participant_id,
            assignee_id=assignee_id,
            limit=limit + 1,
            after=cursor,
            order=order,
            offset=offset,
        )
        if len(rows) <= limit:
            return rows, None
        page = rows[:limit]
        last = page[-1]
        return page, Cursor(created_us=to_micros(last.created_at), id=last.id, order=order)

    async def list_matching(
        self,
        session: Session,
        workspace_id: str,
        query: ConversationQuery,
        *,
        limit: int = 50,
        cursor: Cursor | None = None,
        order: Order = "desc",
    ) -> tuple[builtins.list[Conversation], Cursor | None]:
        """One page of conversations matching ``query`` and the next page's cursor (None at
        the end). A cursor carries the order it was issued for, and that order wins."""
        if not 1 <= limit <= MAX_PAGE:
            raise InvalidInput(f"limit must be between 1 and {MAX_PAGE}", field="limit")
        check_client_tags(query.tags)
        if cursor is not None:
            order = cursor.order
        rows = await ConversationRepository(session).list_matching(
            workspace_id, query, limit=limit + 1, after=cursor, order=order
        )
        if len(rows) <= limit:
            return rows, None
        page = rows[:limit]
        last = page[-1]
        position = last.created_at if query.sort_field == "created_at" else last.updated_at
        return page, Cursor(created_us=to_micros(position), id=last.id, order=order)

    async def record_message(
        self,
        session: Session,
        workspace_id: str,
        conversation_id: str,
        *,
        at: datetime,
        inbound: bool,
    ) -> None:
        """Count a new message: one UPDATE, as it runs on every message write."""
        recorded = await ConversationRepository(session).record_message(
            workspace_id, conversation_id, at=at, inbound=inbound, now=utcnow()
        )
        if not recorded:
            raise NotFound("conversation", conversation_id)

    async def count_new_message(
        self,
        session: Session,
        workspace_id: str,
        conversation_id: str,
        *,
        at: datetime,
        inbound: bool,
    ) -> None:
        """``record_message`` for the message-create path, which has just read the
        conversation: no answer is awaited (see ``ConversationRepository.count_message``)."""
        await ConversationRepository(session).count_message(
            workspace_id, conversation_id, at=at, inbound=inbound, now=utcnow()
        )

    async def forget_message(
        self, session: Session, workspace_id: str, conversation_id: str
    ) -> None:
        if not await ConversationRepository(session).forget_message(workspace_id, conversation_id):
            raise NotFound("conversation", conversation_id)

    async def add_participant(
        self,
        session: Session,
        workspace_id: str,
        conversation_id: str,
        *,
        contact_id: str,
        role: ParticipantRole = "contact",
    ) -> Participant:
        """Make the contact a participant; a contact already there keeps its role (and no
        event is recorded)."""
        await self.get_or_raise(session, workspace_id, conversation_id)
        await self._check_contacts(session, workspace_id, [contact_id], "contact_id")
        await participants.join(session, workspace_id, conversation_id, [contact_id], role=role)
        added = await ParticipantRepository(session).get(workspace_id, conversation_id, contact_id)
        assert added is not None  # inserted or already there, in this transaction
        return added

    async def get_participant(
        self, session: Session, workspace_id: str, conversation_id: str, contact_id: str
    ) -> Participant | None:
        return await ParticipantRepository(session).get(workspace_id, conversation_id, contact_id)

    async def list_participants(
        self, session: Session, workspace_id: str, conversation_id: str
    ) -> builtins.list[Participant]:
        await self.get_or_raise(session, workspace_id, conversation_id)
        return await ParticipantRepository(session).list(workspace_id, conversation_id)

    async def list_participant_page(
        self,
        session: Session,
        workspace_id: str,
        conversation_id: str,
        *,
        role: ParticipantRole | None = None,
        limit: int = 50,
        cursor: Cursor | None = None,
    ) -> tuple[builtins.list[Participant], Cursor | None]:
        """One page of the participants (of ``role``) in the order they joined, and the next
        page's cursor (None at the end). Only ``asc`` cursors belong to this list."""
        await self.get_or_raise(session, workspace_id, conversation_id)
        return await participants.page(
            session, workspace_id, conversation_id, role=role, limit=limit, cursor=cursor
        )

    async def remove_participant(
        self, session: Session, workspace_id: str, conversation_id: str, *, contact_id: str
    ) -> None:
        await self.get_or_raise(session, workspace_id, conversation_id)
        await participants.leave(session, workspace_id, conversation_id, contact_id)

    async def delete_contact(self, session: Session, workspace_id: str, contact_id: str) -> None:
        """Delete a contact, recording first its departure from each conversation it took part
        in (the foreign key alone would drop its participations without an event). Every API
        that deletes a contact deletes it through here."""
        await participants.leave_everywhere(session, workspace_id, contact_id)
        await contact_service.delete(session, workspace_id, contact_id)

    async def contact_participant_ids(
        self, session: Session, workspace_id: str, conversation_id: str
    ) -> builtins.list[str]:
        """The contact participants' ids, in the order they joined."""
        return await ParticipantRepository(session).contact_ids(workspace_id, conversation_id)

    async def primary_contact(
        self, session: Session, workspace_id: str, conversation_id: str
    ) -> Contact | None:
        """The conversation's primary contact (see ``primary_contact_id``), None when it has no
        contact participant."""
        contact_ids = await self.contact_participant_ids(session, workspace_id, conversation_id)
        primary = primary_contact_id(contact_ids)
        return (
            None if primary is None else await contact_service.get(session, workspace_id, primary)
        )

    async def _insert(
        self,
        session: Session,
        workspace_id: str,
        data: ConversationCreate,
        *,
        conversation_id: str,
    ) -> Conversation:
        now = utcnow()
        created = Conversation(
            id=conversation_id,
            workspace_id=workspace_id,
            channel_id=data.channel_id,
            status="open",
            subject=data.subject,
            tags=apply_tag_patch({}, data.tags),
            attributes=data.attributes,
            message_count=0,
            status_changed_at=now,
            created_at=now,
            updated_at=now,
        )
        await ConversationRepository(session).insert(created.model_dump())
        await ParticipantRepository(session).add(
            workspace_id, created.id, data.participant_ids, role="contact", at=now
        )
        await event_service.record(
            session, workspace_id, type="conversation.created", conversation_id=created.id
        )
        return created

    async def _apply_tags(
        self,
        session: Session,
        workspace_id: str,
        found: Conversation,
        tags: dict[str, str],
        digest: str,
    ) -> Conversation:
        """Patch the matched conversation's tags with the request's; when they change, its old
        claims are released and the one this request matched by is taken again."""
        merged = apply_client_tag_patch(found.tags, tags)
        if merged == found.tags:
            return found
        return await self._save(session, workspace_id, found, {"tags": merged}, digest=digest)

    async def _save(
        self,
        session: Session,
        workspace_id: str,
        current: Conversation,
        changes: dict[str, Any],
        *,
        digest: str | None = None,
    ) -> Conversation:
        if not changes:
            return current
        changes["updated_at"] = utcnow()
        await ConversationRepository(session).update(workspace_id, current.id, changes)
        if "tags" in changes:
            # Claims made under the old tags must not lead a later lookup here.
            await discriminators.reclaim(
                session, workspace_id, current.id, kind=TAGS_KIND, digest=digest
            )
        await event_service.record(
            session,
            workspace_id,
            type="conversation.updated",
            conversation_id=current.id,
            data={"fields": sorted(k for k in changes if k != "updated_at")},
        )
        return current.model_copy(update=changes)

    async def _check_references(
        self,
        session: Session,
        workspace_id: str,
        channel_id: str | None,
        contact_ids: Iterable[str],
        contacts_field: str = "participant_ids",
    ) -> None:
        if channel_id is not None and not await ConversationRepository(session).channel_exists(
            workspace_id, channel_id
        ):
            raise UnprocessableEntity(f"channel {channel_id} does not exist", field="channel_id")
        await self._check_contacts(session, workspace_id, contact_ids, contacts_field)

    async def _check_contacts(
        self, session: Session, workspace_id: str, contact_ids: Iterable[str], field: str
    ) -> None:
        wanted = set(contact_ids)
        if not wanted:
            return
        known = await ConversationRepository(session).existing_contact_ids(workspace_id, wanted)
        missing = sorted(wanted - known)
        if missing:
            raise UnprocessableEntity(
                f"contact {missing[0]} does not exist", field=field, details={"missing": missing}
            )


def primary_contact_id(contact_ids: Sequence[str]) -> str | None:
    """Of a conversation's contact participants (in the order they joined), the one it is with:
    the first. The author of an incoming message that names none, the user of a Channel.io
    chat, the candidate of a Recrubo thread."""
    return contact_ids[0] if contact_ids else None


def _changes(current: Conversation, data: ConversationUpdate) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if "subject" in data.model_fields_set and data.subject != current.subject:
        changes["subject"] = data.subject
    if data.tags is not None:
        check_client_tags(data.tags)
        tags = apply_client_tag_patch(current.tags, data.tags)
        if tags != current.tags:
            changes["tags"] = tags
    if data.attributes is not None and data.attributes != current.attributes:
        changes["attributes"] = data.attributes
    return changes


def _parse_tag(tag: str | None) -> tuple[str, str | None] | None:
    if tag is None:
        return None
    key, equals, value = tag.partition("=")
    if not key:
        raise InvalidInput("a tag filter reads 'key' or 'key=value'", field="tag")
    check_client_tags([key], field="tag")
    return key, (value if equals else None)


conversation = ConversationService()

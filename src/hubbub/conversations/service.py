"""Conversations: threads between contacts and the workspace on a channel, with their
participants, message counters and get-or-create by tags or by contacts."""

from __future__ import annotations

import builtins
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from hubbub.channels.schemas import Channel
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
from hubbub.discriminators.repository import DiscriminatorRepository
from hubbub.errors import Conflict, InvalidCursor, InvalidInput, NotFound, UnprocessableEntity
from hubbub.events.service import event as event_service
from hubbub.kit.clock import to_micros, utcnow
from hubbub.kit.cursors import Cursor, Order
from hubbub.kit.ids import new_id
from hubbub.kit.tags import (
    TagMap,
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
# A claim can point at a row that a concurrent transaction deleted or retagged: such a claim is
# dropped and taken again. More rounds than this means something keeps racing us.
MAX_CLAIM_ROUNDS = 5


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
        claims = DiscriminatorRepository(session)
        for _ in range(MAX_CLAIM_ROUNDS):
            found = await self._claimed_match(
                session, workspace_id, digest, data.channel_id, wanted
            )
            if found is None:
                # No live claim: a row made without one (a plain create, or one whose claim a
                # retag released) may still match; otherwise the claim is for a new row.
                found = await repository.find_by_tags(workspace_id, data.channel_id, wanted)
                target_id = new_id() if found is None else found.id
                if not await claims.claim(
                    workspace_id, digest, kind=TAGS_KIND, target_id=target_id
                ):
                    continue  # another transaction claimed first: its row is found next round
                if found is None:
                    created = await self._insert(
                        session, workspace_id, data, conversation_id=target_id
                    )
                    return created, True
            return await self._apply_tags(session, workspace_id, found, data.tags, digest), False
        raise Conflict("the conversation is being changed concurrently; retry the request")

    async def get_or_create_for_contacts(
        self, session: Session, workspace_id: str, *, channel_id: str, contact_ids: list[str]
    ) -> Conversation:
        """The conversation of ``channel_id`` with exactly these contacts, created if needed;
        the contacts are (again) made its participants (those who had left rejoin, which
        records their ``conversation.participant_added``)."""
        wanted = sorted(set(contact_ids))
        if not wanted:
            raise InvalidInput("a conversation needs at least one contact", field="contact_ids")
        await self._check_references(session, workspace_id, channel_id, wanted, "contact_ids")
        digest = discriminator_digest(CONTACTS_KIND, channel_id, {"contacts": ",".join(wanted)})
        repository = ConversationRepository(session)
        claims = DiscriminatorRepository(session)
        for _ in range(MAX_CLAIM_ROUNDS):
            target_id = await claims.get_target(workspace_id, digest)
            if target_id is not None:
                found = await repository.get(workspace_id, target_id)
                if found is not None and found.channel_id == channel_id:
                    await participants.join(session, workspace_id, found.id, wanted, role="contact")
                    return found
                await claims.release_target(target_id)
            existing_id = await repository.find_by_contacts(workspace_id, channel_id, wanted)
            target_id = new_id() if existing_id is None else existing_id
            if not await claims.claim(
                workspace_id, digest, kind=CONTACTS_KIND, target_id=target_id
            ):
                continue
            if existing_id is not None:
                return await self.get_or_raise(session, workspace_id, existing_id)
            data = ConversationCreate(channel_id=channel_id, participant_ids=wanted)
            return await self._insert(session, workspace_id, data, conversation_id=target_id)
        raise Conflict("the conversation is being changed concurrently; retry the request")

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
        await DiscriminatorRepository(session).release_target(conversation_id)
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
        return await ParticipantRepository(session).contact_ids(workspace_id, conversation_id)

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

    async def _claimed_match(
        self,
        session: Session,
        workspace_id: str,
        digest: str,
        channel_id: str | None,
        wanted: TagMap,
    ) -> Conversation | None:
        """The conversation the digest is claimed for, if it still matches; a claim whose row
        is gone or no longer matches is released."""
        claims = DiscriminatorRepository(session)
        target_id = await claims.get_target(workspace_id, digest)
        if target_id is None:
            return None
        found = await ConversationRepository(session).get(workspace_id, target_id)
        if found is not None and found.channel_id == channel_id and tags_match(found.tags, wanted):
            return found
        await claims.release_target(target_id)
        return None

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
        updated = await self._save(session, workspace_id, found, {"tags": merged})
        await DiscriminatorRepository(session).claim(
            workspace_id, digest, kind=TAGS_KIND, target_id=found.id
        )
        return updated

    async def _save(
        self, session: Session, workspace_id: str, current: Conversation, changes: dict[str, Any]
    ) -> Conversation:
        if not changes:
            return current
        changes["updated_at"] = utcnow()
        await ConversationRepository(session).update(workspace_id, current.id, changes)
        if "tags" in changes:
            # Claims made under the old tags must not lead a later lookup here.
            await DiscriminatorRepository(session).release_target(current.id)
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

"""The SQL delivery needs on messages beyond the messages package's own: provider ids."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from hubbub.channels.schemas import Channel
from hubbub.db.models import channel, conversation, message
from hubbub.db.uow import Session

# Enough earlier ids for a reply to thread on (email References), few enough to stay cheap.
THREAD_IDS_LIMIT = 20


class DeliveryRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    async def channel_by_id(self, channel_id: str) -> Channel | None:
        """A channel by id alone: a provider's callback names the channel, not the workspace."""
        row = (
            await self.session.conn.execute(select(channel).where(channel.c.id == channel_id))
        ).one_or_none()
        return None if row is None else Channel.model_validate(dict(row._mapping))

    async def last_inbound_at(self, workspace_id: str, conversation_id: str) -> datetime | None:
        found = await self.session.conn.execute(
            select(conversation.c.last_inbound_at).where(
                conversation.c.workspace_id == workspace_id, conversation.c.id == conversation_id
            )
        )
        value: datetime | None = found.scalar_one_or_none()
        return value

    async def set_last_inbound_at(
        self, workspace_id: str, conversation_id: str, at: datetime | None
    ) -> None:
        await self.session.conn.execute(
            update(conversation)
            .where(
                conversation.c.workspace_id == workspace_id, conversation.c.id == conversation_id
            )
            .values(last_inbound_at=at)
        )

    async def set_provider_id(self, workspace_id: str, message_id: str, provider_id: str) -> None:
        await self.session.conn.execute(
            update(message)
            .where(message.c.workspace_id == workspace_id, message.c.id == message_id)
            .values(provider_message_id=provider_id)
        )

    async def provider_id_of(self, workspace_id: str, message_id: str) -> str | None:
        found = await self.session.conn.execute(
            select(message.c.provider_message_id).where(
                message.c.workspace_id == workspace_id, message.c.id == message_id
            )
        )
        value: str | None = found.scalar_one_or_none()
        return value

    async def message_id_for_provider_id(
        self, workspace_id: str, provider_id: str, *, channel_id: str | None = None
    ) -> str | None:
        """The message a provider knows as ``provider_id`` (the oldest, should there be two)."""
        statement = select(message.c.id).where(
            message.c.workspace_id == workspace_id, message.c.provider_message_id == provider_id
        )
        if channel_id is not None:
            statement = statement.where(message.c.channel_id == channel_id)
        found = await self.session.conn.execute(
            statement.order_by(message.c.created_at, message.c.id).limit(1)
        )
        value: str | None = found.scalar_one_or_none()
        return value

    async def conversation_of_provider_ids(
        self, workspace_id: str, channel_id: str, provider_ids: tuple[str, ...]
    ) -> str | None:
        """The conversation of the first of ``provider_ids`` known on the channel."""
        for provider_id in provider_ids:
            found = await self.session.conn.execute(
                select(message.c.conversation_id)
                .where(
                    message.c.workspace_id == workspace_id,
                    message.c.provider_message_id == provider_id,
                    message.c.channel_id == channel_id,
                )
                .limit(1)
            )
            conversation_id: str | None = found.scalar_one_or_none()
            if conversation_id is not None:
                return conversation_id
        return None

    async def thread_provider_ids(
        self, workspace_id: str, conversation_id: str, *, before_message_id: str
    ) -> tuple[str, ...]:
        """Provider ids of the conversation's messages older than the given one, oldest first."""
        rows = await self.session.conn.execute(
            select(message.c.provider_message_id)
            .where(
                message.c.workspace_id == workspace_id,
                message.c.conversation_id == conversation_id,
                message.c.provider_message_id.is_not(None),
                message.c.id < before_message_id,  # UUIDv7 ids sort by creation time
            )
            .order_by(message.c.created_at.desc(), message.c.id.desc())
            .limit(THREAD_IDS_LIMIT)
        )
        return tuple(reversed([row[0] for row in rows]))

"""Channels: a workspace's connections to a platform (sandbox, email, SMS, ...), each with its
connector config and sender identity."""

from __future__ import annotations

from functools import partial
from typing import Any

from hubbub.channels.repository import ChannelRepository
from hubbub.channels.schemas import Channel, ChannelCreate, ChannelUpdate, Platform
from hubbub.connectors import registry
from hubbub.connectors.webhook import check_channel_destination
from hubbub.db.uow import Session
from hubbub.discriminators import service as discriminators
from hubbub.errors import NotFound, UnprocessableEntity
from hubbub.events.service import event as event_service
from hubbub.kit.clock import utcnow
from hubbub.kit.ids import new_id
from hubbub.kit.tags import discriminator_digest

DEFAULT_CHANNEL_KIND = "default_channel"
NAMED_CHANNEL_KIND = "named_channel"


class ChannelService:
    async def create(
        self,
        session: Session,
        workspace_id: str,
        data: ChannelCreate,
        *,
        channel_id: str | None = None,
    ) -> Channel:
        await _check_config(data.platform, data.config)
        now = utcnow()
        channel = Channel(
            id=channel_id or new_id(),
            workspace_id=workspace_id,
            platform=data.platform,
            name=data.name,
            identifier=data.identifier,
            config=data.config,
            created_at=now,
            updated_at=now,
        )
        await ChannelRepository(session).insert(channel.model_dump())
        # The config may hold provider credentials: the event log (replayed to webhooks) must
        # not carry it.
        await event_service.record(
            session,
            workspace_id,
            type="channel.created",
            data={
                "channel_id": channel.id,
                "platform": channel.platform,
                "name": channel.name,
                "identifier": channel.identifier,
            },
        )
        return channel

    async def for_platform(
        self, session: Session, workspace_id: str, platform: str, *, name: str | None = None
    ) -> Channel | None:
        """The workspace's channel of ``platform`` (of those called ``name``, when given): its
        oldest one. Every surface that needs "the workspace's channel for platform X" asks here
        (or ``get_or_create_for_platform``), so they all agree on which one it is."""
        return await ChannelRepository(session).oldest(workspace_id, platform, name=name)

    async def get_or_create_for_platform(
        self,
        session: Session,
        workspace_id: str,
        *,
        platform: Platform,
        name: str,
        named: bool = False,
    ) -> tuple[Channel, bool]:
        """``for_platform`` (of those called ``name`` when ``named``), or, when there is none, a
        new one called ``name``; and whether this call created it. Concurrent first uses create
        one channel: each claims the (platform, name) digest before inserting."""
        only = name if named else None
        found = await self.for_platform(session, workspace_id, platform, name=only)
        if found is not None:
            return found, False
        repository = ChannelRepository(session)
        kind = NAMED_CHANNEL_KIND if named else DEFAULT_CHANNEL_KIND
        digest = discriminator_digest(kind, platform, {} if only is None else {"name": only})

        def matches(found: Channel) -> bool:
            return found.platform == platform and (only is None or found.name == only)

        load = discriminators.loader(partial(repository.get, workspace_id), matches)

        async def create(channel_id: str) -> Channel:
            data = ChannelCreate(platform=platform, name=name)
            return await self.create(session, workspace_id, data, channel_id=channel_id)

        find = partial(repository.oldest, workspace_id, platform, name=only)
        claim = discriminators.Claim(kind, digest, "channel")
        return await discriminators.get_or_create(session, workspace_id, claim, load, find, create)

    async def get(self, session: Session, workspace_id: str, channel_id: str) -> Channel | None:
        return await ChannelRepository(session).get(workspace_id, channel_id)

    async def get_or_raise(self, session: Session, workspace_id: str, channel_id: str) -> Channel:
        channel = await self.get(session, workspace_id, channel_id)
        if channel is None:
            raise NotFound("channel", channel_id)
        return channel

    async def ids_for_platform(
        self, session: Session, workspace_id: str, platform: str
    ) -> list[str]:
        return await ChannelRepository(session).ids_for_platform(workspace_id, platform)

    async def update(
        self, session: Session, workspace_id: str, channel_id: str, data: ChannelUpdate
    ) -> Channel:
        channel = await self.get_or_raise(session, workspace_id, channel_id)
        changes = _changes(data)
        if not changes:
            return channel
        if "config" in changes:
            await _check_config(channel.platform, changes["config"])
        changes["updated_at"] = utcnow()
        await ChannelRepository(session).update(workspace_id, channel_id, changes)
        return channel.model_copy(update=changes)

    async def delete(self, session: Session, workspace_id: str, channel_id: str) -> None:
        if not await ChannelRepository(session).delete(workspace_id, channel_id):
            raise NotFound("channel", channel_id)
        await discriminators.release(session, channel_id)

    async def find_by_identifier(
        self, session: Session, *, platform: str, identifier: str
    ) -> list[Channel]:
        """Every workspace's channels of ``platform`` with this sender identity. Only for
        inbound paths addressed by identity rather than by API key (the SMTP listener)."""
        return await ChannelRepository(session).with_identifier(platform, identifier)

    # Last in the class: below this method, ``list[...]`` in the class body would name it.
    async def list(
        self, session: Session, workspace_id: str, *, platform: str | None = None
    ) -> list[Channel]:
        return await ChannelRepository(session).list(workspace_id, platform=platform)


async def _check_config(platform: str, config: dict[str, Any]) -> None:
    """The platform's settings model refuses unknown keys, wrong types and missing required
    keys (422 on ``config.<key>``); an empty config (sandbox delivery) always passes."""
    descriptor = registry.find(platform)
    if descriptor is None:  # a stored channel whose platform left this build
        raise UnprocessableEntity(
            f"platform {platform!r} is not available; one of: {', '.join(registry.names())}",
            field="platform",
        )
    descriptor.check_config(config)
    await check_channel_destination(platform, config)


def _changes(data: ChannelUpdate) -> dict[str, Any]:
    """The columns a patch sets. An explicit null clears the identifier; for the name and the
    config, which cannot be empty, null means "leave as is"."""
    changes: dict[str, Any] = {}
    if data.name is not None:
        changes["name"] = data.name
    if "identifier" in data.model_fields_set:
        changes["identifier"] = data.identifier
    if data.config is not None:
        changes["config"] = data.config
    return changes


channel = ChannelService()

"""Channels: a workspace's connections to a platform (sandbox, email, SMS, ...), each with its
connector config and sender identity."""

from __future__ import annotations

from typing import Any

from hubbub.channels.repository import ChannelRepository
from hubbub.channels.schemas import Channel, ChannelCreate, ChannelUpdate, Platform
from hubbub.connectors import registry
from hubbub.connectors.webhook import check_channel_destination
from hubbub.db.uow import Session
from hubbub.discriminators.repository import DiscriminatorRepository
from hubbub.errors import Conflict, NotFound, UnprocessableEntity
from hubbub.events.service import event as event_service
from hubbub.kit.clock import utcnow
from hubbub.kit.ids import new_id
from hubbub.kit.tags import discriminator_digest

DEFAULT_CHANNEL_KIND = "default_channel"
# A claim can point at a channel deleted since: it is dropped and taken again.
_CLAIM_ROUNDS = 5


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

    async def get_or_create_default(
        self, session: Session, workspace_id: str, *, platform: Platform, name: str
    ) -> Channel:
        """The workspace's default channel of ``platform``: its oldest one, or, when it has
        none, a new one called ``name``. Concurrent first uses create one channel: each claims
        the (platform) digest before inserting, and only one claim wins."""
        repository = ChannelRepository(session)
        claims = DiscriminatorRepository(session)
        digest = discriminator_digest(DEFAULT_CHANNEL_KIND, platform, {})
        for _ in range(_CLAIM_ROUNDS):
            found = await repository.first_for_platform(workspace_id, platform)
            if found is not None:
                return found
            channel_id = new_id()
            if await claims.claim(
                workspace_id, digest, kind=DEFAULT_CHANNEL_KIND, target_id=channel_id
            ):
                data = ChannelCreate(platform=platform, name=name)
                return await self.create(session, workspace_id, data, channel_id=channel_id)
            claimed = await claims.get_target(workspace_id, digest)
            if claimed is not None and (await repository.get(workspace_id, claimed)) is None:
                await claims.release_target(claimed)  # its channel was deleted since
        raise Conflict("the default channel is being created concurrently; retry the request")

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

"""The one place Botpress integrations meet core channels.

A Botpress conversation belongs to an integration (``telegram``, ``slack``, ...) and names a
channel of it (``channel``, ``dm``, ...). Hubbub keeps one core channel per integration name,
named ``botpress:<integration>`` on the sandbox platform, created the first time a conversation
names that integration; the Botpress ``channel`` string is kept on the conversation (attribute
``botpress.channel``). A conversation on any other core channel reports that channel's platform
as its integration. A request that names no integration uses the caller's
``x-integration-alias`` header, else ``hubbub``.

Two concurrent first uses of a new integration name on PostgreSQL could create two channels; the
oldest is used from then on (SQLite has a single writer, so it cannot happen there).
"""

from __future__ import annotations

from hubbub.api.botpress.deps import BotCaller
from hubbub.channels.schemas import Channel, ChannelCreate
from hubbub.channels.service import channel as channel_service
from hubbub.db.uow import Session
from hubbub.errors import InvalidInput

CHANNEL_PREFIX = "botpress:"
PLATFORM = "sandbox"
DEFAULT_INTEGRATION = "hubbub"


MAX_INTEGRATION_NAME = 190  # the channel name it becomes holds at most 200 characters


def requested_integration(name: str | None, caller: BotCaller) -> str:
    chosen = name or caller.integration_alias or DEFAULT_INTEGRATION
    if len(chosen) > MAX_INTEGRATION_NAME:
        raise InvalidInput(
            f"integration names are at most {MAX_INTEGRATION_NAME} characters",
            field="integrationName",
        )
    return chosen


def integration_of(channel: Channel | None) -> str:
    if channel is None:
        return ""
    if channel.name.startswith(CHANNEL_PREFIX):
        return channel.name[len(CHANNEL_PREFIX) :]
    return channel.platform


async def find_channel(session: Session, workspace_id: str, integration: str) -> Channel | None:
    wanted = CHANNEL_PREFIX + integration
    channels = await channel_service.list(session, workspace_id, platform=PLATFORM)
    named = [channel for channel in channels if channel.name == wanted]
    return min(named, key=lambda channel: (channel.created_at, channel.id), default=None)


async def channel_for(session: Session, workspace_id: str, integration: str) -> Channel:
    """The integration's channel, created on first use."""
    found = await find_channel(session, workspace_id, integration)
    if found is not None:
        return found
    data = ChannelCreate(platform=PLATFORM, name=CHANNEL_PREFIX + integration)
    return await channel_service.create(session, workspace_id, data)


async def integration_names(session: Session, workspace_id: str) -> dict[str, str]:
    """Channel id → integration name, for rendering many conversations at once."""
    channels = await channel_service.list(session, workspace_id)
    return {channel.id: integration_of(channel) for channel in channels}


async def integration_for(session: Session, workspace_id: str, channel_id: str | None) -> str:
    if channel_id is None:
        return ""
    return integration_of(await channel_service.get(session, workspace_id, channel_id))

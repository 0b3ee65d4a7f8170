"""The one place Botpress integrations meet core channels.

A Botpress conversation belongs to an integration (``telegram``, ``slack``, ...) and names a
channel of it (``channel``, ``dm``, ...). Hubbub keeps one core channel per integration name,
named ``botpress:<integration>`` on the sandbox platform, created the first time a conversation
names that integration; the Botpress ``channel`` string is kept on the conversation (attribute
``botpress.channel``). A conversation on any other core channel reports that channel's platform
as its integration. A request that names no integration uses the caller's
``x-integration-alias`` header, else ``hubbub``.

Which channel that is, and its creation on first use (concurrent first uses create one), is the
core's rule: ``ChannelService.get_or_create_for_platform`` with ``named=True``.
"""

from __future__ import annotations

from hubbub.api.botpress.deps import BotCaller
from hubbub.channels.schemas import Channel, Platform
from hubbub.channels.service import channel as channel_service
from hubbub.db.uow import Session
from hubbub.errors import InvalidInput

CHANNEL_PREFIX = "botpress:"
PLATFORM: Platform = "sandbox"
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
    name = CHANNEL_PREFIX + integration
    return await channel_service.for_platform(session, workspace_id, PLATFORM, name=name)


async def channel_for(session: Session, workspace_id: str, integration: str) -> Channel:
    """The integration's channel, created on first use."""
    name = CHANNEL_PREFIX + integration
    channel, _ = await channel_service.get_or_create_for_platform(
        session, workspace_id, platform=PLATFORM, name=name, named=True
    )
    return channel


async def integration_names(session: Session, workspace_id: str) -> dict[str, str]:
    """Channel id → integration name, for rendering many conversations at once."""
    channels = await channel_service.list(session, workspace_id)
    return {channel.id: integration_of(channel) for channel in channels}


async def integration_for(session: Session, workspace_id: str, channel_id: str | None) -> str:
    if channel_id is None:
        return ""
    return integration_of(await channel_service.get(session, workspace_id, channel_id))

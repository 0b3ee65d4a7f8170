"""The neutral ``ChannelInfo`` connectors see, built from the core's channel."""

from __future__ import annotations

from hubbub.channels.schemas import Channel
from hubbub.connectors.base import ChannelInfo
from hubbub.connectors.registry import SANDBOX


def channel_info(channel: Channel) -> ChannelInfo:
    return ChannelInfo(
        id=channel.id,
        workspace_id=channel.workspace_id,
        platform=channel.platform,
        identifier=channel.identifier,
        config=dict(channel.config),
    )


def no_channel(workspace_id: str) -> ChannelInfo:
    """What a message of a conversation without a channel is sent through: the sandbox."""
    return ChannelInfo(
        id="", workspace_id=workspace_id, platform=SANDBOX.name, identifier=None, config={}
    )

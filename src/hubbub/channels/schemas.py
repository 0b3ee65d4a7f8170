from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, Field, WithJsonSchema

from hubbub.connectors import registry


def _known_platform(name: str) -> str:
    if registry.find(name) is None:
        raise ValueError(f"unknown platform; one of: {', '.join(registry.names())}")
    return name


# The platforms registered when the app starts, for the OpenAPI document; validation reads the
# registry at call time, so a platform registered later is accepted too.
_PLATFORM_SCHEMA = WithJsonSchema({"type": "string", "enum": list(registry.names())})
# A platform a caller names: it must be registered.
Platform = Annotated[str, AfterValidator(_known_platform), _PLATFORM_SCHEMA]
# A stored channel's platform, shown as stored (even if its platform left this build).
PlatformName = Annotated[str, _PLATFORM_SCHEMA]


class Channel(BaseModel):
    id: str
    workspace_id: str
    platform: PlatformName
    name: str
    identifier: str | None = None
    config: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime
    updated_at: datetime

    @property
    def allows_several_recipients(self) -> bool:
        """Several addresses named on one send (to/cc/bcc), as the platform says."""
        descriptor = registry.find(self.platform)
        return descriptor is not None and descriptor.several_recipients

    @property
    def allows_group_conversations(self) -> bool:
        """A message to a conversation of several participants, as the platform says (email
        as several recipients, and the platforms where a conversation is a room)."""
        descriptor = registry.find(self.platform)
        return descriptor is not None and descriptor.group_conversations


class ChannelCreate(BaseModel):
    platform: Platform
    name: str = Field(min_length=1, max_length=200)
    identifier: str | None = Field(default=None, max_length=320)
    # Provider settings (the platform's own keys, checked when saved); a channel without them
    # delivers through the sandbox.
    config: dict[str, Any] = Field(default_factory=dict)


class ChannelUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    identifier: str | None = Field(default=None, max_length=320)
    config: dict[str, Any] | None = None

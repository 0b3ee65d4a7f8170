from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

Platform = Literal["sandbox", "email", "sms", "whatsapp", "webchat", "webhook"]
PLATFORMS: tuple[Platform, ...] = ("sandbox", "email", "sms", "whatsapp", "webchat", "webhook")

# The identifier key a platform's contacts are addressed by when a caller names none.
DEFAULT_IDENTIFIER_KEY: dict[str, str] = {
    "sandbox": "userid",
    "email": "emailaddress",
    "sms": "phonenumber",
    "whatsapp": "phonenumber",
    "webchat": "userid",
    "webhook": "userid",
}


GROUP_PLATFORMS = frozenset({"email", "sandbox", "webchat", "webhook"})


class Channel(BaseModel):
    id: str
    workspace_id: str
    platform: Platform
    name: str
    identifier: str | None = None
    config: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime
    updated_at: datetime

    @property
    def allows_several_recipients(self) -> bool:
        """Several addresses named on one send (to/cc/bcc): only email has them."""
        return self.platform == "email"

    @property
    def allows_group_conversations(self) -> bool:
        """A message to a conversation of several participants: email (as several
        recipients), and the platforms where a conversation is a room (a Botpress
        conversation, a web chat, a webhook peer). SMS and WhatsApp are one-to-one."""
        return self.platform in GROUP_PLATFORMS


class ChannelCreate(BaseModel):
    platform: Platform
    name: str = Field(min_length=1, max_length=200)
    identifier: str | None = Field(default=None, max_length=320)
    # Provider settings; a channel without them delivers through the sandbox.
    config: dict[str, Any] = Field(default_factory=dict)


class ChannelUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    identifier: str | None = Field(default=None, max_length=320)
    config: dict[str, Any] | None = None

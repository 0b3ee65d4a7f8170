"""What Hubbub knows of a channel platform, in one object declared next to its connector.

Each connector module (``email.py``, ``twilio.py``, ...) ends with its ``PLATFORM``, a
``PlatformDescriptor``, and ``connectors/registry.py`` registers it. Everything that differs by
platform reads it there: how contacts are addressed (``identifier_key``), whether one send names
several recipients and whether a conversation may have several participants, the service
window, media limits, the connector, and the channel settings (``settings``: a pydantic model
naming every config key, which are required and which are secret). Nothing else in Hubbub keeps
a list of platforms.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails

from hubbub.connectors.base import Connector, ConnectorContext
from hubbub.errors import UnprocessableEntity

MB: Final = 1024 * 1024
# A config field holding a credential (``Annotated[str, SECRET]``): never to be shown back.
SECRET: Final = Field(min_length=1, json_schema_extra={"secret": True})
# A config field that must not be empty when given (``Annotated[str, TEXT]``).
TEXT: Final = Field(min_length=1)


@dataclass(frozen=True)
class MediaRule:
    """Files of these content types (``image/*`` matches any image) up to ``max_bytes``."""

    patterns: tuple[str, ...]
    max_bytes: int


@dataclass(frozen=True)
class ServiceWindow:
    """Free-form messages only within ``length`` of the contact's last inbound message; the
    payload types in ``always_allowed`` (approved templates) may be sent at any time."""

    length: timedelta
    always_allowed: frozenset[str] = frozenset({"template"})


class ChannelSettings(BaseModel):
    """The base of a platform's channel settings: unknown keys and wrong types (``"587"`` for
    a port) are refused, so what is stored is what the connector reads."""

    model_config = ConfigDict(
        extra="forbid", strict=True, frozen=True, use_attribute_docstrings=True
    )


class NoSettings(ChannelSettings):
    """For platforms that take no settings (the sandbox; webchat, where Hubbub is the
    provider): only an empty config."""


@dataclass(frozen=True)
class PlatformDescriptor:
    name: str  # on the wire: a channel's ``platform``
    title: str  # as people write it ("WhatsApp"), for messages
    # The identifier key a platform's contacts are addressed by when a caller names none.
    identifier_key: str
    connector: Callable[[ConnectorContext], Connector]
    settings: type[ChannelSettings] = NoSettings
    # Several addresses on one send (to/cc/bcc): the connector hands them all to the provider.
    several_recipients: bool = False
    # A message to a conversation of several participants (a room, or email's recipients).
    group_conversations: bool = False
    service_window: ServiceWindow | None = None
    # The first rule matching a file's type wins; none: any file up to the server's limit.
    media_rules: tuple[MediaRule, ...] = ()
    # Hubbub is the provider (webchat): its connector runs even without settings, since the
    # sandbox would fake the statuses its users report for real.
    self_provided: bool = False
    # The payload types the provider has a native form for; None: every type. Informative: the
    # core refuses none, a connector renders the others as their plain text.
    payload_types: frozenset[str] | None = None
    # The provider de-duplicates a re-sent message itself (so a retry after a crash is safe).
    provider_idempotency: bool = False
    secret_fields: frozenset[str] = field(init=False)
    required_fields: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        if self.several_recipients and not self.group_conversations:
            # One send to several contacts makes a conversation of several participants.
            raise ValueError(f"{self.name}: several_recipients needs group_conversations")
        fields = self.settings.model_fields
        object.__setattr__(
            self,
            "secret_fields",
            frozenset(key_of(name, info) for name, info in fields.items() if is_secret(info)),
        )
        object.__setattr__(
            self,
            "required_fields",
            frozenset(key_of(name, info) for name, info in fields.items() if info.is_required()),
        )

    @property
    def config_keys(self) -> tuple[str, ...]:
        """Every setting's key, in declaration order."""
        return tuple(key_of(name, info) for name, info in self.settings.model_fields.items())

    def check_config(self, config: Mapping[str, Any]) -> None:
        """``UnprocessableEntity`` on ``config.<key>`` unless ``config`` is empty (delivery
        through the sandbox) or valid settings for this platform."""
        if not config:
            return
        try:
            self.settings.model_validate(config)
        except ValidationError as error:
            problems = [self._problem(detail) for detail in error.errors()]
            raise UnprocessableEntity(
                "; ".join(f"{key}: {reason}" for key, reason in problems),
                field=problems[0][0],
                details={"errors": [{"field": key, "reason": r} for key, r in problems]},
            ) from None

    def _problem(self, detail: ErrorDetails) -> tuple[str, str]:
        key = ".".join(["config", *(str(part) for part in detail["loc"])])
        if detail["type"] == "extra_forbidden":
            keys = ", ".join(self.config_keys) or "no settings"
            return key, f"unknown setting for {self.title} channels (they take {keys})"
        return key, str(detail["msg"])


def key_of(name: str, info: FieldInfo) -> str:
    """A settings field's config key: its alias when it has one (``from``)."""
    return info.alias or name


def is_secret(info: FieldInfo) -> bool:
    extra = info.json_schema_extra
    return isinstance(extra, dict) and extra.get("secret") is True

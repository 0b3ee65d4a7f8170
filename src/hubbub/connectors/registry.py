"""Every channel platform Hubbub knows: one ``PlatformDescriptor`` each, registered here once.

Adding a platform is its connector module (ending with its ``PLATFORM`` descriptor) plus one
line in ``BUILT_IN``. Reads are a dict lookup (``find``, ``get``), cheap on every request.

A channel without provider settings (an empty ``config``) goes through the sandbox, whatever its
platform, so every channel works out of the box and tests need no provider; the platform's own
rules (recipients, the service window, media limits) still apply. A configured channel goes
through its platform's connector. Self-provided platforms (webchat, where Hubbub is the
provider) always use their own connector: the sandbox would fake the delivered and read
statuses their users report for real.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

from hubbub.connectors import email, sandbox, twilio, webchat, webhook, whatsapp
from hubbub.connectors.base import ChannelInfo, Connector, ConnectorContext
from hubbub.connectors.platform import PlatformDescriptor
from hubbub.connectors.sandbox import SandboxConnector

BUILT_IN: Final = (
    sandbox.PLATFORM,
    email.PLATFORM,
    twilio.PLATFORM,
    whatsapp.PLATFORM,
    webchat.PLATFORM,
    webhook.PLATFORM,
)
SANDBOX: Final = sandbox.PLATFORM
# The key a recipient is looked up by when neither it nor a platform says which.
FALLBACK_IDENTIFIER_KEY: Final = "userid"

_platforms: dict[str, PlatformDescriptor] = {}


class NoConnector(Exception):
    """A configured channel whose platform is not registered in this process."""


class UnknownPlatform(LookupError):
    def __init__(self, name: str) -> None:
        super().__init__(f"unknown platform {name!r}; one of: {', '.join(names())}")
        self.name = name


def register(descriptor: PlatformDescriptor) -> None:
    if descriptor.name in _platforms:
        raise ValueError(f"platform {descriptor.name!r} is already registered")
    _platforms[descriptor.name] = descriptor


def unregister(name: str) -> PlatformDescriptor | None:
    return _platforms.pop(name, None)


@contextmanager
def registered(descriptor: PlatformDescriptor) -> Iterator[PlatformDescriptor]:
    """``descriptor`` registered for the block (in place of the one of that name, if any,
    put back afterwards): for tests and for trying a platform out."""
    previous = _platforms.get(descriptor.name)
    _platforms[descriptor.name] = descriptor
    try:
        yield descriptor
    finally:
        if previous is None:
            _platforms.pop(descriptor.name, None)
        else:
            _platforms[descriptor.name] = previous


@contextmanager
def unregistered(name: str) -> Iterator[None]:
    """No platform ``name`` for the block (as in a build without it)."""
    before = dict(_platforms)
    _platforms.pop(name, None)
    try:
        yield
    finally:
        _platforms.clear()
        _platforms.update(before)


def find(name: str | None) -> PlatformDescriptor | None:
    return _platforms.get(name) if name is not None else None


def get(name: str) -> PlatformDescriptor:
    descriptor = _platforms.get(name)
    if descriptor is None:
        raise UnknownPlatform(name)
    return descriptor


def identifier_key(name: str | None) -> str:
    """The key the platform's contacts are addressed by; ``userid`` without a (known) one."""
    descriptor = _platforms.get(name) if name is not None else None
    return descriptor.identifier_key if descriptor is not None else FALLBACK_IDENTIFIER_KEY


def names() -> tuple[str, ...]:
    """The registered platforms' names, in registration order."""
    return tuple(_platforms)


def descriptors() -> tuple[PlatformDescriptor, ...]:
    return tuple(_platforms.values())


def is_sandboxed(channel: ChannelInfo) -> bool:
    descriptor = _platforms.get(channel.platform)
    if descriptor is not None and descriptor.self_provided:
        return False
    return descriptor is SANDBOX or not channel.config


def connector_for(channel: ChannelInfo, context: ConnectorContext) -> Connector:
    if is_sandboxed(channel):
        return SandboxConnector(context)
    descriptor = _platforms.get(channel.platform)
    if descriptor is None:
        raise NoConnector(f"no connector for platform {channel.platform!r}")
    return descriptor.connector(context)


for _descriptor in BUILT_IN:
    register(_descriptor)

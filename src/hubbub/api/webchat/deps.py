"""Who is calling the end-user API: a webchat channel named by the path (404 when there is no
such channel or it is not a webchat one) and, on every route but user creation, the end user
named by the ``x-user-key`` header (401 when it is missing, garbled, issued on another channel
or names a user that is gone). Each dependency reads in the request's own session."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path, Request

from hubbub.api.deps import ReadSession, WriteSession
from hubbub.api.webchat import keys
from hubbub.channels.schemas import Channel
from hubbub.contacts.schemas import Contact
from hubbub.contacts.service import contact as contact_service
from hubbub.db.uow import Session
from hubbub.delivery.repository import DeliveryRepository
from hubbub.errors import NotFound, Unauthenticated
from hubbub.kit.signing import Secret

USER_KEY_HEADER = "x-user-key"
PLATFORM = "webchat"

ChannelId = Annotated[str, Path(min_length=1, max_length=64)]


@dataclass(frozen=True)
class WebchatUser:
    channel: Channel
    contact: Contact

    @property
    def workspace_id(self) -> str:
        return self.channel.workspace_id

    @property
    def id(self) -> str:
        return self.contact.id


def app_secret(request: Request) -> Secret:
    secret: Secret = request.app.state.settings.resolved_secret
    return secret


async def webchat_channel(session: Session, channel_id: str) -> Channel:
    # A channel by id alone: the path names the channel, and the channel its workspace.
    found = await DeliveryRepository(session).channel_by_id(channel_id)
    if found is None or found.platform != PLATFORM:
        raise NotFound("channel", channel_id)
    return found


async def _user(request: Request, session: Session, channel_id: str) -> WebchatUser:
    channel = await webchat_channel(session, channel_id)
    token = request.headers.get(USER_KEY_HEADER)
    if not token:
        raise Unauthenticated(f"the {USER_KEY_HEADER} header is required")
    key = keys.read(app_secret(request), channel.id, token)
    if key is None:
        raise Unauthenticated(f"the {USER_KEY_HEADER} is not a user key of this channel")
    contact = await contact_service.get(session, channel.workspace_id, key.contact_id)
    if contact is None:
        raise Unauthenticated("the user of this key no longer exists")
    return WebchatUser(channel, contact)


async def channel_on_read(channel_id: ChannelId, session: ReadSession) -> Channel:
    return await webchat_channel(session, channel_id)


async def channel_on_write(channel_id: ChannelId, session: WriteSession) -> Channel:
    return await webchat_channel(session, channel_id)


async def user_on_read(
    channel_id: ChannelId, request: Request, session: ReadSession
) -> WebchatUser:
    return await _user(request, session, channel_id)


async def user_on_write(
    channel_id: ChannelId, request: Request, session: WriteSession
) -> WebchatUser:
    return await _user(request, session, channel_id)


# ``scope="function"`` like the sessions they read in (a dependency may not outlive them).
ReadChannel = Annotated[Channel, Depends(channel_on_read, scope="function")]
WriteChannel = Annotated[Channel, Depends(channel_on_write, scope="function")]
Reader = Annotated[WebchatUser, Depends(user_on_read, scope="function")]
Writer = Annotated[WebchatUser, Depends(user_on_write, scope="function")]

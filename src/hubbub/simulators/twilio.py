"""A Twilio Programmable Messaging simulator: ``POST /2010-04-01/Accounts/{sid}/Messages.json``
with HTTP basic auth and a form body, answered like Twilio (201 with the message resource;
errors as ``{"code", "message", "more_info", "status"}``). Each accepted message is recorded
and its ``StatusCallback`` receives ``sent`` then ``delivered`` (configurable), form-encoded
and signed with ``X-Twilio-Signature`` exactly as Twilio signs.

    simulator = TwilioSimulator({"AC123": "token"}, status_delay=0.5)
    app = simulator.app  # any ASGI server; or: async with serve(simulator.app) as url: ...
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from email.utils import format_datetime

import httpx
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hubbub.kit.clock import utcnow
from hubbub.simulators.common import Callbacks, Faults, control_routes
from hubbub.simulators.media import MediaLibrary

E164 = re.compile(r"^\+[1-9]\d{1,14}$")
MAX_BODY = 1600
API = "/2010-04-01/Accounts/{account_sid}"
DEFAULT_ACCOUNTS = {"AC00000000000000000000000000000000": "simulator-auth-token"}


@dataclass
class SimulatedMessage:
    sid: str
    account_sid: str
    to: str
    from_: str | None
    messaging_service_sid: str | None
    body: str
    media_urls: list[str]
    status_callback: str | None
    status: str = "queued"
    statuses: list[str] = field(default_factory=list)

    def resource(self) -> dict[str, object]:
        now = format_datetime(utcnow())
        return {
            "sid": self.sid,
            "account_sid": self.account_sid,
            "to": self.to,
            "from": self.from_,
            "messaging_service_sid": self.messaging_service_sid,
            "body": self.body,
            "status": self.status,
            "num_media": str(len(self.media_urls)),
            "num_segments": str(max(1, -(-len(self.body) // 160))),
            "direction": "outbound-api",
            "api_version": "2010-04-01",
            "price": None,
            "price_unit": "USD",
            "error_code": None,
            "error_message": None,
            "date_created": now,
            "date_updated": now,
            "date_sent": None,
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{self.sid}.json",
        }


def twilio_signature(auth_token: str, url: str, params: dict[str, str]) -> str:
    signed = url + "".join(name + params[name] for name in sorted(params))
    digest = hmac.new(auth_token.encode(), signed.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def error(status: int, code: int, message: str) -> JSONResponse:
    body = {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    return JSONResponse(body, status_code=status)


class TwilioSimulator:
    def __init__(
        self,
        accounts: dict[str, str] | None = None,
        *,
        status_delay: float = 0.0,
        statuses: tuple[str, ...] = ("sent", "delivered"),
        callback_http: httpx.AsyncClient | None = None,
    ) -> None:
        self.accounts = dict(accounts or DEFAULT_ACCOUNTS)
        self.statuses = statuses
        self.messages: list[SimulatedMessage] = []
        self.faults = Faults()
        self.callbacks = Callbacks(callback_http, status_delay)
        self.media = MediaLibrary()
        self.app = Starlette(
            routes=[
                Route(API + "/Messages.json", self.create_message, methods=["POST"]),
                Route(API + "/Messages/{sid}.json", self.fetch_message, methods=["GET"]),
                Route(API + "/Messages/{sid}/Media/{media_sid}", self.fetch_media, methods=["GET"]),
                *control_routes(self.faults, self.snapshot),
            ]
        )

    def fail_next(self, count: int, status: int = 500) -> None:
        self.faults.fail_next(count, status)

    def received(self, body: str) -> int:
        """How many accepted sends carried ``body`` (a duplicate shows as 2)."""
        return sum(1 for message in self.messages if message.body == body)

    def duplicates(self) -> dict[str, int]:
        counts = Counter(message.body for message in self.messages)
        return {body: count for body, count in counts.items() if count > 1}

    def snapshot(self) -> list[dict[str, object]]:
        return [asdict(message) for message in self.messages]

    async def drain(self) -> None:
        await self.callbacks.drain()

    def _authenticated(self, request: Request) -> str | None:
        account_sid = str(request.path_params["account_sid"])
        header = request.headers.get("authorization", "")
        if not header.lower().startswith("basic "):
            return None
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return None
        token = self.accounts.get(user)
        if token is None or user != account_sid or not hmac.compare_digest(token, password):
            return None
        return account_sid

    async def create_message(self, request: Request) -> Response:
        account_sid = self._authenticated(request)
        if account_sid is None:
            return error(401, 20003, "Authenticate")
        injected = self.faults.take()
        if injected is not None:
            return error(injected, 20429 if injected == 429 else 20500, "Injected failure")
        try:
            form = await request.form()
        except ClientDisconnect:  # the sender died mid-request: nothing was accepted
            return Response(status_code=499)
        fields = {key: str(value) for key, value in form.items()}
        problem = validation_error(fields)
        if problem is not None:
            return problem
        message = SimulatedMessage(
            sid="SM" + secrets.token_hex(16),
            account_sid=account_sid,
            to=fields["To"],
            from_=fields.get("From"),
            messaging_service_sid=fields.get("MessagingServiceSid"),
            body=fields.get("Body", ""),
            media_urls=[str(url) for url in form.getlist("MediaUrl")],
            status_callback=fields.get("StatusCallback"),
        )
        self.messages.append(message)
        self._report(message)
        return JSONResponse(message.resource(), status_code=201)

    async def fetch_message(self, request: Request) -> Response:
        if self._authenticated(request) is None:
            return error(401, 20003, "Authenticate")
        for message in self.messages:
            if message.sid == request.path_params["sid"]:
                return JSONResponse(message.resource())
        return error(404, 20404, "The requested resource was not found")

    def add_media(self, data: bytes, content_type: str, *, account_sid: str | None = None) -> str:
        """Keep a file for an incoming MMS; its media URL's path (under the simulator's URL)."""
        account = account_sid or next(iter(self.accounts))
        stored = self.media.add(data, content_type, prefix="ME")
        return (
            f"/2010-04-01/Accounts/{account}/Messages/MM{secrets.token_hex(16)}/Media/{stored.id}"
        )

    async def fetch_media(self, request: Request) -> Response:
        """An MMS's media URL, behind HTTP basic auth (Twilio's "enforce HTTP auth on media")."""
        if self._authenticated(request) is None:
            return error(401, 20003, "Authenticate")
        found = self.media.served(str(request.path_params["media_sid"]))
        if found is None:
            return error(404, 20404, "The requested resource was not found")
        return Response(found.data, media_type=found.mime_type)

    def _report(self, message: SimulatedMessage) -> None:
        if not message.status_callback:
            return
        url = message.status_callback
        token = self.accounts[message.account_sid]

        def step(status: str) -> tuple[str, Callable[[], Awaitable[httpx.Response]]]:
            async def post() -> httpx.Response:
                message.status = status
                message.statuses.append(status)
                params = {
                    "MessageSid": message.sid,
                    "SmsSid": message.sid,
                    "MessageStatus": status,
                    "SmsStatus": status,
                    "AccountSid": message.account_sid,
                    "To": message.to,
                    "From": message.from_ or "",
                    "ApiVersion": "2010-04-01",
                }
                headers = {"X-Twilio-Signature": twilio_signature(token, url, params)}
                return await self.callbacks.client().post(url, data=params, headers=headers)

            return status, post

        self.callbacks.schedule([step(status) for status in self.statuses])

    async def send_inbound(
        self,
        url: str,
        *,
        from_: str,
        to: str,
        body: str,
        media: tuple[tuple[str, str], ...] = (),
        account_sid: str | None = None,
    ) -> httpx.Response:
        """Post an incoming SMS/MMS to ``url`` the way Twilio does, signed."""
        account = account_sid or next(iter(self.accounts))
        params = {
            "MessageSid": "SM" + secrets.token_hex(16),
            "AccountSid": account,
            "From": from_,
            "To": to,
            "Body": body,
            "NumMedia": str(len(media)),
            "SmsStatus": "received",
            "ApiVersion": "2010-04-01",
        }
        for index, (media_url, content_type) in enumerate(media):
            params[f"MediaUrl{index}"] = media_url
            params[f"MediaContentType{index}"] = content_type
        headers = {"X-Twilio-Signature": twilio_signature(self.accounts[account], url, params)}
        return await self.callbacks.client().post(url, data=params, headers=headers)


def validation_error(fields: dict[str, str]) -> JSONResponse | None:
    to = fields.get("To", "")
    if not to:
        return error(400, 21604, "A 'To' phone number is required.")
    if not E164.match(to):
        return error(400, 21211, f"The 'To' number {to} is not a valid phone number.")
    if not fields.get("From") and not fields.get("MessagingServiceSid"):
        return error(400, 21603, "A 'From' phone number is required.")
    if not fields.get("Body") and "MediaUrl" not in fields:
        return error(400, 21602, "Message body is required.")
    if len(fields.get("Body", "")) > MAX_BODY:
        return error(400, 21617, "The concatenated message body exceeds the 1600 character limit.")
    return None


def create_app() -> Starlette:
    """For ``uvicorn --factory``: a simulator with the default account."""
    return TwilioSimulator().app

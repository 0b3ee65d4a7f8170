"""A WhatsApp Cloud API simulator: ``POST /{version}/{phone_number_id}/messages`` with a
bearer token, answered like the Graph API (``{"messaging_product", "contacts", "messages":
[{"id": "wamid..."}]}``; errors as ``{"error": {"message", "type", "code", "error_data",
"fbtrace_id"}}``). Accepted messages are recorded and reported to the phone number's webhook
(``subscribe``) as ``sent``, ``delivered``, ``read`` status notifications, signed with
``X-Hub-Signature-256`` like Meta signs them. With ``enforce_window`` a free-form message to a
user who has not written in 24 h is accepted and then fails with error 131047, as the real API
does; ``send_inbound`` plays a user writing in. Inbound media: ``media.add(bytes, mime)`` gives
an id to name in a message, served as ``GET /{version}/{media id}`` (metadata and a download
URL) and that URL, both behind the bearer token.

    simulator = WhatsAppCloudSimulator(access_token="t", app_secret="s")
    simulator.subscribe("1234", "http://127.0.0.1:8000/inbound/<channel id>")
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import httpx
import orjson
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hubbub.simulators.common import Callbacks, Faults, control_routes
from hubbub.simulators.media import MediaLibrary

WA_ID = re.compile(r"^\d{6,15}$")
WINDOW_SECONDS = 24 * 3600
# Demo credentials for a simulator started without any (never a real provider's).
DEFAULT_ACCESS_TOKEN = "simulator-access-token"  # noqa: S105
DEFAULT_APP_SECRET = "simulator-app-secret"  # noqa: S105
TYPES = frozenset(
    {
        "text",
        "image",
        "audio",
        "video",
        "document",
        "sticker",
        "location",
        "template",
        "interactive",
        "reaction",
        "contacts",
    }
)


@dataclass
class SimulatedMessage:
    id: str
    phone_number_id: str
    to: str
    type: str
    body: dict[str, Any]
    callback_data: str | None
    statuses: list[str] = field(default_factory=list)


def hub_signature(app_secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def error(status: int, code: int, message: str, details: str = "") -> JSONResponse:
    body = {
        "error": {
            "message": f"(#{code}) {message}",
            "type": "OAuthException",
            "code": code,
            "error_data": {"messaging_product": "whatsapp", "details": details or message},
            "fbtrace_id": secrets.token_urlsafe(12),
        }
    }
    return JSONResponse(body, status_code=status)


def new_wamid() -> str:
    return "wamid." + secrets.token_urlsafe(36)


class WhatsAppCloudSimulator:
    def __init__(
        self,
        *,
        access_token: str = DEFAULT_ACCESS_TOKEN,
        app_secret: str = DEFAULT_APP_SECRET,
        status_delay: float = 0.0,
        statuses: tuple[str, ...] = ("sent", "delivered", "read"),
        enforce_window: bool = False,
        callback_http: httpx.AsyncClient | None = None,
    ) -> None:
        self.access_token = access_token
        self.app_secret = app_secret
        self.statuses = statuses
        self.enforce_window = enforce_window
        self.webhooks: dict[str, str] = {}  # phone number id -> Hubbub's webhook URL
        self.last_inbound: dict[str, float] = {}  # wa_id -> when the user last wrote
        self.messages: list[SimulatedMessage] = []
        self.faults = Faults()
        self.callbacks = Callbacks(callback_http, status_delay)
        self.media = MediaLibrary()
        self.app = Starlette(
            routes=[
                Route("/{version}/{phone_number_id}/messages", self.send, methods=["POST"]),
                *control_routes(self.faults, self.snapshot),
                Route("/_media/{media_id}", self.download_media, methods=["GET"]),
                Route("/{version}/{media_id}", self.media_object, methods=["GET"]),
            ]
        )

    def _bearer_ok(self, request: Request) -> bool:
        header = request.headers.get("authorization", "")
        return hmac.compare_digest(header, f"Bearer {self.access_token}")

    async def media_object(self, request: Request) -> Response:
        """``GET /{version}/{media id}``: the media's metadata and a download URL."""
        if not self._bearer_ok(request):
            return error(401, 190, "Invalid OAuth access token.")
        found = self.media.get(str(request.path_params["media_id"]))
        if found is None:
            return error(404, 100, "Unsupported get request. Object does not exist.")
        return JSONResponse(
            {
                "messaging_product": "whatsapp",
                "url": str(request.url_for("download_media", media_id=found.id)),
                "mime_type": found.mime_type,
                "sha256": found.sha256,
                "file_size": len(found.data),
                "id": found.id,
            }
        )

    async def download_media(self, request: Request) -> Response:
        """The download URL: the bytes, with the same bearer token (as Meta's CDN asks)."""
        if not self._bearer_ok(request):
            return error(401, 190, "Invalid OAuth access token.")
        found = self.media.served(str(request.path_params["media_id"]))
        if found is None:
            return error(404, 100, "Media not found.")
        return Response(found.data, media_type=found.mime_type)

    def subscribe(self, phone_number_id: str, url: str) -> None:
        self.webhooks[phone_number_id] = url

    def fail_next(self, count: int, status: int = 500) -> None:
        self.faults.fail_next(count, status)

    def received(self, callback_data: str) -> int:
        """How many accepted sends carried ``biz_opaque_callback_data`` (Hubbub's message id)."""
        return sum(1 for message in self.messages if message.callback_data == callback_data)

    def duplicates(self) -> dict[str, int]:
        counts = Counter(message.callback_data for message in self.messages)
        return {str(key): count for key, count in counts.items() if count > 1}

    def snapshot(self) -> list[dict[str, object]]:
        return [asdict(message) for message in self.messages]

    async def drain(self) -> None:
        await self.callbacks.drain()

    async def send(self, request: Request) -> Response:
        header = request.headers.get("authorization", "")
        if not hmac.compare_digest(header, f"Bearer {self.access_token}"):
            return error(401, 190, "Invalid OAuth access token.")
        injected = self.faults.take()
        if injected is not None:
            code = 130429 if injected == 429 else 131000
            return error(injected, code, "Injected failure")
        try:
            body = orjson.loads(await request.body())
        except ClientDisconnect:  # the sender died mid-request: nothing was accepted
            return Response(status_code=499)
        except orjson.JSONDecodeError:
            return error(400, 100, "Invalid JSON body")
        problem = validation_error(body)
        if problem is not None:
            return problem
        message = SimulatedMessage(
            id=new_wamid(),
            phone_number_id=str(request.path_params["phone_number_id"]),
            to=body["to"],
            type=body.get("type", "text"),
            body=body,
            callback_data=body.get("biz_opaque_callback_data"),
        )
        self.messages.append(message)
        self._report(message)
        answer: dict[str, Any] = {"id": message.id}
        if message.type == "template":
            answer["message_status"] = "accepted"
        return JSONResponse(
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": body["to"], "wa_id": body["to"]}],
                "messages": [answer],
            }
        )

    def _outside_window(self, message: SimulatedMessage) -> bool:
        if not self.enforce_window or message.type == "template":
            return False
        last = self.last_inbound.get(message.to)
        return last is None or time.time() - last > WINDOW_SECONDS

    def _report(self, message: SimulatedMessage) -> None:
        url = self.webhooks.get(message.phone_number_id)
        if url is None:
            return
        if self._outside_window(message):
            steps = [("failed", self._status_poster(url, message, "failed"))]
        else:
            steps = [(s, self._status_poster(url, message, s)) for s in self.statuses]
        self.callbacks.schedule(steps)

    def _status_poster(
        self, url: str, message: SimulatedMessage, status: str
    ) -> Callable[[], Awaitable[httpx.Response]]:
        async def post() -> httpx.Response:
            message.statuses.append(status)
            item: dict[str, Any] = {
                "id": message.id,
                "status": status,
                "timestamp": str(int(time.time())),
                "recipient_id": message.to,
            }
            if message.callback_data:
                item["biz_opaque_callback_data"] = message.callback_data
            if status == "failed":
                item["errors"] = [
                    {
                        "code": 131047,
                        "title": "Re-engagement message",
                        "message": "Re-engagement message",
                        "error_data": {
                            "details": "More than 24 hours have passed since the "
                            "recipient last replied to the sender number."
                        },
                    }
                ]
            return await self._post_webhook(url, message.phone_number_id, {"statuses": [item]})

        return post

    async def _post_webhook(
        self, url: str, phone_number_id: str, value: dict[str, Any]
    ) -> httpx.Response:
        envelope = {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": "WABA-" + phone_number_id,
                    "changes": [
                        {
                            "field": "messages",
                            "value": {
                                "messaging_product": "whatsapp",
                                "metadata": {
                                    "display_phone_number": phone_number_id,
                                    "phone_number_id": phone_number_id,
                                },
                                **value,
                            },
                        }
                    ],
                }
            ],
        }
        raw = orjson.dumps(envelope)
        headers = {
            "Content-Type": "application/json",
            "X-Hub-Signature-256": hub_signature(self.app_secret, raw),
        }
        return await self.callbacks.client().post(url, content=raw, headers=headers)

    async def send_inbound(
        self,
        phone_number_id: str,
        *,
        from_: str,
        text: str | None = None,
        message: dict[str, Any] | None = None,
        reply_to: str | None = None,
        name: str = "Simulated User",
    ) -> httpx.Response:
        """A user writes in: post a signed ``messages`` notification to the number's webhook.
        ``message`` gives a raw Cloud API message object (type and its body); else ``text``."""
        wa_id = from_.removeprefix("+")
        self.last_inbound[wa_id] = time.time()
        item: dict[str, Any] = {
            "from": wa_id,
            "id": new_wamid(),
            "timestamp": str(int(time.time())),
            **(message or {"type": "text", "text": {"body": text or ""}}),
        }
        if reply_to:
            item["context"] = {"from": phone_number_id, "id": reply_to}
        value = {"contacts": [{"profile": {"name": name}, "wa_id": wa_id}], "messages": [item]}
        return await self._post_webhook(self.webhooks[phone_number_id], phone_number_id, value)


def validation_error(body: Any) -> JSONResponse | None:
    if not isinstance(body, dict) or body.get("messaging_product") != "whatsapp":
        return error(400, 100, "The parameter messaging_product is required.")
    if not isinstance(body.get("to"), str) or not WA_ID.match(body["to"].removeprefix("+")):
        return error(400, 131009, "Parameter value is not valid", "to must be a phone number")
    kind = body.get("type", "text")
    if kind not in TYPES or not isinstance(body.get(kind), dict):
        return error(400, 100, f"Param {kind} is required for type {kind}.")
    content = body[kind]
    if kind == "text" and not content.get("body"):
        return error(400, 100, "The parameter text['body'] is required.")
    if kind in ("image", "audio", "video", "document", "sticker") and not (
        content.get("link") or content.get("id")
    ):
        return error(400, 131009, "Parameter value is not valid", f"{kind} needs a link or id")
    if kind == "template" and not (content.get("name") and content.get("language")):
        return error(400, 132000, "Template name and language are required.")
    return None


def create_app() -> Starlette:
    """For ``uvicorn --factory``: a simulator with the default credentials."""
    return WhatsAppCloudSimulator().app

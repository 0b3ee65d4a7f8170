"""Core objects as Recrubo JSON:API resource objects, and the documents that carry them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from fastapi.responses import Response

from hubbub.api.recrubo.defaults import (
    DELIVERY_STATUS,
    LEGACY_SEND_BY_TAG,
    MEDIA_TYPE,
    PRIVATE_SURFACE,
    SEND_BY,
)
from hubbub.api.recrubo.payloads import from_core
from hubbub.conversations.schemas import Conversation
from hubbub.kit.tags import private_value
from hubbub.messages.schemas import Failure, Message
from hubbub.templates.schemas import Template, TemplateComponent

MESSAGES = "messages"
THREADS = "messageThreads"
TEMPLATES = "messageTemplates"
CHATBOT_PAUSED = "chatbotPaused"


def iso(value: datetime) -> str:
    """ISO 8601 with an offset, as Recrubo writes it; microseconds kept so that a value read
    back into a filter is exact."""
    return value.astimezone(UTC).isoformat()


def send_by(message: Message) -> str:
    kept = private_value(message.tags, PRIVATE_SURFACE, SEND_BY, legacy_key=LEGACY_SEND_BY_TAG)
    return kept or message.author.id or message.author.type


def origin(message: Message) -> str:
    return "outbound" if message.direction == "outgoing" else "inbound"


def error_messages(failure: Failure | None) -> list[dict[str, Any]]:
    if failure is None:
        return []
    return [
        {
            "code": failure.code or "failed",
            "message": failure.reason or f"the message failed while {failure.stage}",
            "stage": failure.stage,
        }
    ]


def message_resource(message: Message) -> dict[str, Any]:
    return {
        "id": message.id,
        "type": MESSAGES,
        "attributes": {
            "sendBy": send_by(message),
            "origin": origin(message),
            "messageThreadId": message.conversation_id,
            "payload": from_core(message.payload),
            "deliveryStatus": DELIVERY_STATUS[message.status],
            "errorMessages": error_messages(message.failure),
            "createdAt": iso(message.created_at),
            "updatedAt": iso(message.updated_at),
        },
        "relationships": {
            "messageThread": {"data": {"type": THREADS, "id": message.conversation_id}}
        },
    }


@dataclass(frozen=True)
class ThreadView:
    """A conversation with what a thread shows that the conversation row does not hold."""

    conversation: Conversation
    channel: str | None
    identifier: str | None
    message_ids: list[str] | None = None  # when messages are included


def thread_resource(view: ThreadView) -> dict[str, Any]:
    conversation = view.conversation
    resource: dict[str, Any] = {
        "id": conversation.id,
        "type": THREADS,
        "attributes": {
            "channel": view.channel,
            "identifier": view.identifier,
            "chatbotPaused": bool(conversation.attributes.get(CHATBOT_PAUSED, False)),
            "createdAt": iso(conversation.created_at),
            "updatedAt": iso(conversation.updated_at),
        },
    }
    if view.message_ids is not None:
        resource["relationships"] = {
            "messages": {"data": [{"type": MESSAGES, "id": i} for i in view.message_ids]}
        }
    return resource


def template_resource(template: Template) -> dict[str, Any]:
    return {
        "id": template.id,
        "type": TEMPLATES,
        "attributes": {
            "name": template.name,
            "language": template.language,
            "category": template.category,
            "status": template.status.upper(),
            "components": [_component(component) for component in template.components],
            "preview": preview(template),
            "createdAt": iso(template.created_at),
            "updatedAt": iso(template.updated_at),
        },
    }


def preview(template: Template) -> str:
    return "\n\n".join(c.text for c in template.components if c.text is not None)


def _component(component: TemplateComponent) -> dict[str, Any]:
    out: dict[str, Any] = {"type": component.type.upper()}
    if component.text is not None:
        out["text"] = component.text
    if component.format is not None:
        out["format"] = component.format
    if component.example is not None:
        out["example"] = component.example
    if component.buttons is not None:
        out["buttons"] = [button.model_dump(exclude_none=True) for button in component.buttons]
    return out


def document(
    data: dict[str, Any] | list[dict[str, Any]],
    *,
    status_code: int = 200,
    included: list[dict[str, Any]] | None = None,
    links: dict[str, Any] | None = None,
    meta: dict[str, Any] | None = None,
) -> Response:
    body: dict[str, Any] = {"data": data}
    if included is not None:
        body["included"] = included
    if links is not None:
        body["links"] = links
    if meta is not None:
        body["meta"] = meta
    return Response(orjson.dumps(body), status_code=status_code, media_type=MEDIA_TYPE)

"""The JSON:API documents clients send, validated before anything is stored. Members that are
read-only (``deliveryStatus``, ``createdAt``, ...) or unknown are refused, not dropped."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from hubbub.api.recrubo.defaults import MAX_SEND_BY

Id = Annotated[str, Field(min_length=1, max_length=64)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ThreadIdentifier(_Strict):
    type: Literal["messageThreads"]
    id: Id


class ThreadRelationship(_Strict):
    data: ThreadIdentifier


class MessageRelationships(_Strict):
    messageThread: ThreadRelationship | None = None


class MessageAttributes(_Strict):
    sendBy: Annotated[str, Field(min_length=1, max_length=MAX_SEND_BY)]
    origin: Literal["outbound", "inbound"] | None = None
    messageThreadId: Id | None = None
    # Checked member by member in ``payloads``, which names the exact member at fault.
    payload: dict[str, Any]


class MessagePatchAttributes(_Strict):
    sendBy: Annotated[str | None, Field(min_length=1, max_length=MAX_SEND_BY)] = None
    payload: dict[str, Any] | None = None


class MessageCreateResource(_Strict):
    type: Literal["messages"]
    attributes: MessageAttributes
    relationships: MessageRelationships | None = None


class MessagePatchResource(_Strict):
    type: Literal["messages"]
    id: Id | None = None
    attributes: MessagePatchAttributes = Field(default_factory=MessagePatchAttributes)


class MessageCreateDocument(_Strict):
    data: MessageCreateResource


class MessagePatchDocument(_Strict):
    data: MessagePatchResource


class ThreadAttributes(_Strict):
    channel: Annotated[str, Field(min_length=1, max_length=64)]
    identifier: Annotated[str, Field(min_length=1, max_length=320)]
    chatbotPaused: bool = False


class ThreadPatchAttributes(_Strict):
    chatbotPaused: bool | None = None


class ThreadCreateResource(_Strict):
    type: Literal["messageThreads"]
    attributes: ThreadAttributes


class ThreadPatchResource(_Strict):
    type: Literal["messageThreads"]
    id: Id | None = None
    attributes: ThreadPatchAttributes = Field(default_factory=ThreadPatchAttributes)


class ThreadCreateDocument(_Strict):
    data: ThreadCreateResource


class ThreadPatchDocument(_Strict):
    data: ThreadPatchResource


class TemplateComponentInput(_Strict):
    type: Annotated[str, Field(min_length=1, max_length=16)]
    text: Annotated[str | None, Field(min_length=1, max_length=4096)] = None
    format: Annotated[str | None, Field(max_length=32)] = None
    example: dict[str, Any] | None = None
    buttons: Annotated[list[dict[str, Any]] | None, Field(max_length=10)] = None


class TemplateAttributes(_Strict):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    language: Annotated[str, Field(min_length=2, max_length=35)]
    category: Annotated[str | None, Field(min_length=1, max_length=32)] = None
    components: Annotated[list[TemplateComponentInput], Field(min_length=1, max_length=10)]


class TemplateCreateResource(_Strict):
    type: Literal["messageTemplates"]
    attributes: TemplateAttributes


class TemplateCreateDocument(_Strict):
    data: TemplateCreateResource

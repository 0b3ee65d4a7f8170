"""Bird's request bodies (A.3, A.4), with Bird's own field names so validation errors name the
fields a Bird client sent. The top-level send body refuses unknown fields (Bird's
``additionalProperties: false``); the body contents keep fields we do not model, so a valid
Bird body is never refused for an option Hubbub ignores."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from hubbub.api.bird import defaults

Text = Annotated[str, Field(min_length=1, max_length=16384)]
Url = Annotated[str, Field(min_length=1, max_length=4096)]
Name = Annotated[str | None, Field(max_length=255)]
BodyType = Literal[
    "text",
    "html",
    "image",
    "file",
    "gif",
    "location",
    "carousel",
    "list",
    "section",
    "authentication",
    "template",
    "action",
]
Tag = Annotated[str, Field(min_length=1, max_length=50, pattern=defaults.TAG_PATTERN)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class Identifier(Strict):
    identifierKey: Annotated[str, Field(min_length=1, max_length=64)]
    identifierValue: Annotated[str, Field(min_length=1, max_length=320)]


class ReceiverContact(Strict):
    id: Annotated[str | None, Field(max_length=64)] = None
    identifierKey: Annotated[str | None, Field(min_length=1, max_length=64)] = None
    identifierValue: Annotated[str | None, Field(min_length=1, max_length=320)] = None
    type: Literal["to", "cc", "bcc"] | None = None
    identifiers: Annotated[list[Identifier] | None, Field(max_length=20)] = None
    platformAddress: Annotated[str | None, Field(max_length=320)] = None
    platformAddressSelector: Annotated[str | None, Field(max_length=200)] = None

    @model_validator(mode="after")
    def _addressed(self) -> ReceiverContact:
        if not (self.identifierValue or self.identifiers or self.id or self.platformAddress):
            raise ValueError("a contact needs identifierValue, identifiers, id or platformAddress")
        return self


class Receiver(Strict):
    contacts: Annotated[list[ReceiverContact], Field(min_length=1, max_length=100)]


class Attachment(Open):
    mediaUrl: Url
    filename: Name = None
    inline: bool | None = None


class TextContent(Open):
    text: Text
    attachments: Annotated[list[Attachment] | None, Field(max_length=20)] = None
    metadata: dict[str, Any] | None = None


class HtmlContent(Open):
    text: Annotated[str | None, Field(max_length=65536)] = None
    html: Annotated[str | None, Field(max_length=262144)] = None
    attachments: Annotated[list[Attachment] | None, Field(max_length=20)] = None
    metadata: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _one_of(self) -> HtmlContent:
        if not self.text and not self.html:
            raise ValueError("html needs text or html")
        return self


class Image(Open):
    mediaUrl: Url
    altText: Annotated[str | None, Field(max_length=4096)] = None


class ImageContent(Open):
    images: Annotated[list[Image], Field(min_length=1, max_length=20)]
    text: Annotated[str | None, Field(max_length=4096)] = None
    metadata: dict[str, Any] | None = None


class File(Open):
    mediaUrl: Url
    contentType: Annotated[str, Field(min_length=3, max_length=255)]
    filename: Name = None
    altText: Annotated[str | None, Field(max_length=4096)] = None


class FileContent(Open):
    files: Annotated[list[File], Field(min_length=1, max_length=20)]
    text: Annotated[str | None, Field(max_length=4096)] = None
    metadata: dict[str, Any] | None = None


class Coordinates(Strict):
    latitude: Annotated[float, Field(ge=-90, le=90)]
    longitude: Annotated[float, Field(ge=-180, le=180)]


class Place(Open):
    address: Annotated[str | None, Field(max_length=1000)] = None
    label: Annotated[str | None, Field(max_length=1000)] = None


class LocationContent(Open):
    coordinates: Coordinates
    location: Place | None = None


class Body(Strict):
    """``type`` names the one content field that must be present."""

    type: BodyType
    text: TextContent | None = None
    html: HtmlContent | None = None
    image: ImageContent | None = None
    file: FileContent | None = None
    location: LocationContent | None = None
    gif: dict[str, Any] | None = None
    carousel: dict[str, Any] | None = None
    list: dict[str, Any] | None = None
    section: dict[str, Any] | None = None
    authentication: dict[str, Any] | None = None
    template: dict[str, Any] | None = None
    action: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _content_for_type(self) -> Body:
        if getattr(self, self.type) is None:
            raise ValueError(f"a body of type '{self.type}' needs the '{self.type}' field")
        return self


class TemplateParameter(Open):
    type: Annotated[str, Field(min_length=1, max_length=64)]
    key: Annotated[str, Field(min_length=1, max_length=200)]
    value: Any = None


class Template(Open):
    name: Annotated[str | None, Field(min_length=1, max_length=200)] = None
    projectId: Annotated[str | None, Field(min_length=1, max_length=200)] = None
    version: Annotated[str | None, Field(max_length=64)] = None
    locale: Annotated[str | None, Field(max_length=35)] = None
    parameters: Annotated[list[TemplateParameter] | None, Field(max_length=100)] = None
    variables: dict[str, str] | None = None

    @model_validator(mode="after")
    def _named(self) -> Template:
        if not self.name and not self.projectId:
            raise ValueError("a template needs projectId or name")
        return self


class ReplyTo(Strict):
    id: Annotated[str, Field(min_length=1, max_length=64)]
    type: Literal["message", "click", "referrals"]
    order: int | None = None


class SenderConnector(Open):
    identifierValue: Annotated[str, Field(min_length=1, max_length=320)]


class Sender(Strict):
    connector: SenderConnector


class CreateMessage(Strict):
    receiver: Receiver
    sender: Sender | None = None
    body: Body | None = None
    template: Template | None = None
    reference: Annotated[str | None, Field(max_length=200)] = None
    meta: dict[str, Any] | None = None
    replyTo: ReplyTo | None = None
    tags: Annotated[list[Tag] | None, Field(max_length=defaults.MAX_TAGS)] = None
    scheduledFor: datetime | None = None
    validity: Annotated[int | None, Field(ge=0)] = None
    shortLinks: dict[str, Any] | None = None
    notification: dict[str, Any] | None = None
    capFrequency: bool | None = None
    enableLinkTracking: bool | None = None
    ignoreQuietHours: bool | None = None
    ignoreGlobalHoldout: bool | None = None

    @model_validator(mode="after")
    def _body_xor_template(self) -> CreateMessage:
        if (self.body is None) == (self.template is None):
            raise ValueError("set either body or template (template sends set only template)")
        return self

    @field_validator("tags")
    @classmethod
    def _lower_case(cls, tags: list[str] | None) -> list[str] | None:
        return None if tags is None else list(dict.fromkeys(tag.lower() for tag in tags))


class BatchMessages(Strict):
    messageRequests: Annotated[list[Any], Field(min_length=1, max_length=defaults.MAX_BATCH)]


class PresignedUploadRequest(Strict):
    contentType: Annotated[str, Field(min_length=1, max_length=255)]

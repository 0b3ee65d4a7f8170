"""Channel.io request bodies (reference B.2, B.4). Field names are Channel.io's own. Unknown
fields are refused with a 422 naming them, as the core does, rather than silently dropped."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from hubbub.api.channelio.defaults import MAX_REQUEST_ID
from hubbub.contacts.service import MAX_NAME_LENGTH as MAX_USER_NAME
from hubbub.messages.payloads import MAX_BLOCKS, MAX_TEXT, MAX_URL

MessageOption = Literal[
    "actAsManager",
    "displayAsChannel",
    "doNotPost",
    "doNotSearch",
    "doNotSendApp",
    "doNotUpdateDesk",
    "immutable",
    "private",
    "silent",
    "silentToManager",
    "silentToUser",
]
ColorVariant = Literal["cobalt", "green", "orange", "red", "black", "pink", "purple"]
Text = Annotated[str, Field(max_length=MAX_TEXT)]
Url = Annotated[str, Field(min_length=1, max_length=MAX_URL)]
Short = Annotated[str, Field(max_length=255)]
TagName = Annotated[str, Field(min_length=1, max_length=100)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class UserUpsert(_Strict):
    """``PUT /users/@{memberId}``: ``profile`` fields are set (a null removes one),
    ``profileOnce`` fields only where still unset, ``tags`` replace the user's tags."""

    profile: Annotated[dict[str, Any] | None, Field(max_length=100)] = None
    profileOnce: Annotated[dict[str, Any] | None, Field(max_length=100)] = None
    tags: Annotated[list[TagName] | None, Field(max_length=50)] = None
    language: Annotated[str | None, Field(max_length=35)] = None
    unsubscribeEmail: bool | None = None
    unsubscribeTexting: bool | None = None

    @field_validator("profile", "profileOnce")
    @classmethod
    def _name_is_short_text(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        name = (value or {}).get("name")
        if name is not None and (not isinstance(name, str) or len(name) > MAX_USER_NAME):
            raise ValueError(f"name must be text of at most {MAX_USER_NAME} characters")
        return value


class UserChatUpdate(_Strict):
    description: Annotated[str | None, Field(max_length=MAX_TEXT)] = None


class Block(_Strict):
    type: Literal["text", "code", "bullets"]
    value: Text | None = None
    language: Annotated[str | None, Field(max_length=64)] = None
    blocks: Annotated[list[Block] | None, Field(max_length=MAX_BLOCKS)] = None


class ButtonAction(_Strict):
    # Action type strings are not documented ([INF]): web, command, wam.
    type: Literal["web", "command", "wam"]
    attributes: dict[str, Any] = Field(default_factory=dict)


class Button(_Strict):
    title: Annotated[str, Field(min_length=1, max_length=1000)]
    action: ButtonAction | None = None
    colorVariant: ColorVariant | None = None
    url: Url | None = None  # deprecated: the same as a web action


class File(_Strict):
    id: Annotated[str, Field(min_length=1, max_length=200)]
    name: Short
    size: Annotated[int, Field(ge=0)]
    bucket: Annotated[str, Field(min_length=1, max_length=255)]
    key: Annotated[str, Field(min_length=1, max_length=1024)]
    type: Annotated[str | None, Field(max_length=64)] = None
    contentType: Short | None = None
    duration: float | None = None
    width: int | None = None
    height: int | None = None
    orientation: int | None = None
    animated: bool | None = None
    previewKey: Annotated[str | None, Field(max_length=1024)] = None


class WebPage(_Strict):
    id: Short | None = None
    url: Url
    title: Text | None = None
    description: Text | None = None
    imageUrl: Url | None = None
    videoUrl: Url | None = None
    publisher: Short | None = None
    author: Short | None = None
    width: int | None = None
    height: int | None = None
    logo: Url | None = None
    name: Short | None = None


class MessageCreate(_Strict):
    blocks: Annotated[list[Block] | None, Field(max_length=MAX_BLOCKS)] = None
    plainText: Annotated[str | None, Field(min_length=1, max_length=MAX_TEXT)] = None
    buttons: Annotated[list[Button] | None, Field(min_length=1, max_length=2)] = None
    files: Annotated[list[File] | None, Field(min_length=1, max_length=10)] = None
    webPage: WebPage | None = None
    options: Annotated[list[MessageOption] | None, Field(max_length=11)] = None
    requestId: Annotated[str | None, Field(min_length=1, max_length=MAX_REQUEST_ID)] = None

    @field_validator("options")
    @classmethod
    def _options_unique(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and len(set(value)) != len(value):
            raise ValueError("options must be unique")
        return value

    def has_content(self) -> bool:
        return any(
            part for part in (self.blocks, self.plainText, self.buttons, self.files, self.webPage)
        )

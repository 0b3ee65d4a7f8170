"""Message templates: fixed, pre-approved text (WhatsApp's model) with ``{{n}}`` placeholders
that a send fills with variables. A template is written once and never edited: to change one,
delete it and create another (as WhatsApp requires a new approval)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from hubbub.channels.schemas import Platform, PlatformName

ComponentType = Literal["header", "body", "footer", "buttons"]
TemplateStatus = Literal["approved", "pending", "rejected"]

MAX_COMPONENTS = 10
MAX_COMPONENT_TEXT = 4096
MAX_BUTTONS = 10
MAX_PLACEHOLDER = 100
PLACEHOLDER = re.compile(r"\{\{\s*(\d+)\s*\}\}")


class TemplateButton(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Annotated[str, Field(min_length=1, max_length=32)] = "quick_reply"
    text: Annotated[str, Field(min_length=1, max_length=200)]
    url: Annotated[str | None, Field(max_length=2000)] = None
    phone_number: Annotated[str | None, Field(max_length=32)] = None


class TemplateComponent(BaseModel):
    """A part of the template. ``text`` (header, body, footer) may hold ``{{1}}``, ``{{2}}``...
    numbered from 1 within the component; ``buttons`` is for the buttons component."""

    model_config = ConfigDict(extra="forbid")

    type: ComponentType
    format: Annotated[str | None, Field(max_length=32)] = None
    text: Annotated[str | None, Field(min_length=1, max_length=MAX_COMPONENT_TEXT)] = None
    buttons: Annotated[list[TemplateButton] | None, Field(max_length=MAX_BUTTONS)] = None
    # Sample values per placeholder, as WhatsApp asks for on submission.
    example: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _content_fits_type(self) -> TemplateComponent:
        if self.type == "buttons":
            if not self.buttons:
                raise ValueError("a buttons component needs 'buttons'")
            if self.text is not None:
                raise ValueError("a buttons component has no 'text'")
        elif self.text is None:
            raise ValueError(f"a {self.type} component needs 'text'")
        elif self.buttons is not None:
            raise ValueError(f"only a buttons component has 'buttons', not a {self.type}")
        return self

    @field_validator("text")
    @classmethod
    def _placeholders_numbered_from_one(cls, text: str | None) -> str | None:
        if text is None:
            return None
        numbers = placeholder_numbers(text)
        if numbers and numbers != set(range(1, max(numbers) + 1)):
            raise ValueError("placeholders must be numbered {{1}}, {{2}}, ... without gaps")
        if numbers and max(numbers) > MAX_PLACEHOLDER:
            raise ValueError(f"at most {MAX_PLACEHOLDER} placeholders per component")
        return text


def placeholder_numbers(text: str) -> set[int]:
    return {int(number) for number in PLACEHOLDER.findall(text)}


class Template(BaseModel):
    id: str
    workspace_id: str
    name: str
    language: str
    platform: PlatformName | None = None  # as stored
    channel_id: str | None = None
    category: str | None = None
    status: TemplateStatus
    components: list[TemplateComponent]
    created_at: datetime
    updated_at: datetime


class TemplateCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=200)]
    language: Annotated[str, Field(min_length=2, max_length=35, pattern=r"^[A-Za-z0-9_-]+$")]
    platform: Platform | None = None
    channel_id: Annotated[str | None, Field(max_length=64)] = None
    category: Annotated[str | None, Field(min_length=1, max_length=32)] = None
    # Hubbub does not submit templates for approval: a stored template can be sent.
    status: TemplateStatus = "approved"
    components: Annotated[list[TemplateComponent], Field(min_length=1, max_length=MAX_COMPONENTS)]

    @field_validator("components")
    @classmethod
    def _one_body_and_unique_types(
        cls, components: list[TemplateComponent]
    ) -> list[TemplateComponent]:
        types = [component.type for component in components]
        if types.count("body") != 1:
            raise ValueError("a template has exactly one body component")
        duplicated = sorted({t for t in types if types.count(t) > 1})
        if duplicated:
            raise ValueError(f"component types appear more than once: {', '.join(duplicated)}")
        return components


class TemplateFilter(BaseModel):
    name: str | None = None
    language: str | None = None
    platform: str | None = None
    channel_id: str | None = None
    category: str | None = None
    status: str | None = None


class RenderedComponent(BaseModel):
    type: ComponentType
    text: str | None = None
    # The variables that filled this component's placeholders, in order.
    variables: list[str] = Field(default_factory=list)
    buttons: list[TemplateButton] | None = None


class RenderedTemplate(BaseModel):
    template_id: str
    name: str
    language: str
    components: list[RenderedComponent]
    # Header, body and footer as a person reads them, one a paragraph.
    text: str

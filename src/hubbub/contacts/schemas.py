from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, field_serializer

from hubbub.kit.tags import public_tags

IdentifierKey = str  # "emailaddress", "phonenumber", "userid", ... (lower-case, 1..64)


class Identifier(BaseModel):
    key: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9_:.-]+$")
    value: str = Field(min_length=1, max_length=320)


class Contact(BaseModel):
    id: str
    workspace_id: str
    name: str | None = None
    identifiers: list[Identifier] = Field(default_factory=list)
    attributes: dict[str, Any] = Field(default_factory=dict)
    tags: dict[str, str] = Field(default_factory=dict)
    created_at: datetime
    updated_at: datetime

    @field_serializer("tags", when_used="json")
    def _public_tags(self, tags: dict[str, str]) -> dict[str, str]:
        # The wire never shows a surface's private tags (see ``hubbub.kit.tags``).
        return public_tags(tags)


class ContactCreate(BaseModel):
    name: str | None = Field(default=None, max_length=200)
    identifiers: list[Identifier] = Field(default_factory=list, max_length=20)
    attributes: dict[str, Any] = Field(default_factory=dict)
    tags: dict[str, str] = Field(default_factory=dict)


class ContactUpdate(BaseModel):
    name: str | None = Field(default=None, max_length=200)
    attributes: dict[str, Any] | None = None
    # Patch semantics: a None or empty value removes the tag.
    tags: dict[str, str | None] | None = None
    add_identifiers: list[Identifier] = Field(default_factory=list, max_length=20)


class ContactGetOrCreate(BaseModel):
    # The key may arrive in any case ("userId"); the service lower-cases it.
    key: str = Field(min_length=1, max_length=64)
    value: str = Field(min_length=1, max_length=320)
    name: str | None = Field(default=None, max_length=200)


class ContactGetOrCreateByTags(BaseModel):
    """Botpress's get-or-create user: the contact whose tags match (only those named in
    ``discriminate_by_tags`` when given) gets the request's tags; otherwise one is created with
    ``name`` and ``attributes``. A None or empty tag value removes that tag."""

    name: str | None = Field(default=None, max_length=200)
    attributes: dict[str, Any] = Field(default_factory=dict)
    tags: dict[str, str | None] = Field(default_factory=dict)
    discriminate_by_tags: list[str] | None = None


class ContactQuery(BaseModel):
    """A richer list filter (every given one must hold): several ``key=value`` tags, the
    participants of a conversation, and an inclusive time range on ``range_field``. Pages are
    ordered by ``sort_field`` then id."""

    tags: dict[str, str] = Field(default_factory=dict)
    conversation_id: str | None = None
    after: datetime | None = None
    before: datetime | None = None
    range_field: Literal["created_at", "updated_at"] = "created_at"
    sort_field: Literal["created_at", "updated_at"] = "created_at"

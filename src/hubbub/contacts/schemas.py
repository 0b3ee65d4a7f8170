from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

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

"""Idempotency keys: a stored key with a fingerprint of the first request and its response.

A replay with the same request returns the first response; the same key with another request is
a conflict. The key row is written in the same transaction as the create it guards, so a create
that rolls back leaves no key behind and a retry runs again.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import orjson
from pydantic import BaseModel

from hubbub.db.uow import Session
from hubbub.errors import IdempotencyConflict, InvalidInput
from hubbub.idempotency.repository import IdempotencyRepository

MAX_KEY_LENGTH = 255


@dataclass(frozen=True)
class StoredResponse:
    status: int
    body: str


def fingerprint(*parts: bytes | str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
        digest.update(b"\x00")
    return digest.hexdigest()


def canonical(request: BaseModel) -> bytes:
    """The parsed request in one spelling: a retry whose JSON differs only in white space, key
    order or explicit nulls is the same request, so it replays instead of conflicting."""
    return orjson.dumps(request.model_dump(exclude_none=True), option=orjson.OPT_SORT_KEYS)


class IdempotencyService:
    async def begin(
        self, session: Session, workspace_id: str, *, key: str, request_fingerprint: str
    ) -> StoredResponse | None:
        """Claim ``key``; return the stored response when the key was already used by the same
        request, raise ``IdempotencyConflict`` when it was used by another one."""
        if not key or len(key) > MAX_KEY_LENGTH:
            raise InvalidInput(
                f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters",
                field="Idempotency-Key",
            )
        repository = IdempotencyRepository(session)
        if await repository.claim(workspace_id, key, request_fingerprint):
            return None
        row = await repository.get(workspace_id, key)
        if row is None or row.fingerprint != request_fingerprint:
            raise IdempotencyConflict(
                "this Idempotency-Key was already used with a different request",
                details={"field": "Idempotency-Key"},
            )
        if row.response_status is None or row.response_body is None:
            raise IdempotencyConflict(
                "a request with this Idempotency-Key is still in progress",
                details={"field": "Idempotency-Key"},
            )
        return StoredResponse(status=row.response_status, body=row.response_body)

    async def complete(
        self, session: Session, workspace_id: str, *, key: str, response: StoredResponse
    ) -> None:
        await IdempotencyRepository(session).store_response(
            workspace_id, key, response.status, response.body
        )


idempotency = IdempotencyService()

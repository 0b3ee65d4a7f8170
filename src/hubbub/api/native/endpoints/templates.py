"""``/v1/templates``: message templates. They are never updated: delete and create anew."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel

from hubbub.api.native.deps import Cursors, Reader, ReadSession, Writer, WriteSession
from hubbub.channels.schemas import Platform
from hubbub.kit.cursors import Order
from hubbub.templates.schemas import Template, TemplateCreate, TemplateFilter, TemplateStatus
from hubbub.templates.service import DEFAULT_PAGE, MAX_PAGE
from hubbub.templates.service import template as template_service

router = APIRouter(tags=["templates"])


class TemplateList(BaseModel):
    data: list[Template]
    next_cursor: str | None = None


@router.post("/templates", status_code=status.HTTP_201_CREATED)
async def create_template(body: TemplateCreate, actor: Writer, session: WriteSession) -> Template:
    return await template_service.create(session, actor.workspace_id, body)


@router.get("/templates")
async def list_templates(
    actor: Reader,
    session: ReadSession,
    cursors: Cursors,
    name: str | None = None,
    language: str | None = None,
    platform: Platform | None = None,
    channel_id: str | None = None,
    category: str | None = None,
    status: TemplateStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = DEFAULT_PAGE,
    order: Order = "desc",
    cursor: str | None = None,
) -> TemplateList:
    filters = TemplateFilter(
        name=name,
        language=language,
        platform=platform,
        channel_id=channel_id,
        category=category,
        status=status,
    )
    page, after = await template_service.list(
        session,
        actor.workspace_id,
        filters,
        limit=limit,
        order=order,
        cursor=cursors.decode_optional(cursor),
    )
    return TemplateList(data=page, next_cursor=cursors.encode_optional(after))


@router.get("/templates/{template_id}")
async def get_template(template_id: str, actor: Reader, session: ReadSession) -> Template:
    return await template_service.get_or_raise(session, actor.workspace_id, template_id)


@router.delete("/templates/{template_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_template(template_id: str, actor: Writer, session: WriteSession) -> Response:
    await template_service.delete(session, actor.workspace_id, template_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)

"""``/message-templates``: WhatsApp message templates. Created, read, listed and deleted; never
updated (a PATCH answers 405, as Recrubo documents no update)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError

from hubbub.api.deps import ReadSession, WriteSession
from hubbub.api.errors import MethodNotAllowed
from hubbub.api.recrubo.defaults import TEMPLATE_CATEGORIES, TEMPLATE_PLATFORM
from hubbub.api.recrubo.deps import Reader, Writer
from hubbub.api.recrubo.errors import (
    document_validation_error,
    invalid_field,
    invalid_parameter,
    read_document,
)
from hubbub.api.recrubo.mapping import TEMPLATES, document, template_resource
from hubbub.api.recrubo.query import (
    Filter,
    page_links,
    page_meta,
    parse_include,
    parse_list_query,
    read_page,
)
from hubbub.api.recrubo.schemas import TemplateAttributes, TemplateCreateDocument
from hubbub.kit.cursors import Cursor
from hubbub.templates.schemas import Template, TemplateCreate, TemplateFilter
from hubbub.templates.service import template as template_service

router = APIRouter(tags=["recrubo"])

TEMPLATE_FILTERS: dict[str, tuple[str, ...]] = {
    "name": ("eq",),
    "language": ("eq",),
    "category": ("eq",),
    "status": ("eq",),
}


@router.post("/message-templates")
async def create_template(request: Request, actor: Writer, session: WriteSession) -> Response:
    body = await read_document(request, TemplateCreateDocument, resource_type=TEMPLATES)
    created = await template_service.create(
        session, actor.workspace_id, _core_template(body.data.attributes)
    )
    return document(template_resource(created), status_code=201)


def _core_template(attributes: TemplateAttributes) -> TemplateCreate:
    category = attributes.category.upper() if attributes.category is not None else None
    if category is not None and category not in TEMPLATE_CATEGORIES:
        names = ", ".join(sorted(TEMPLATE_CATEGORIES))
        raise invalid_field("/data/attributes/category", f"category is one of {names}")
    components: list[dict[str, Any]] = [
        {**component.model_dump(exclude_none=True), "type": component.type.lower()}
        for component in attributes.components
    ]
    try:
        return TemplateCreate.model_validate(
            {
                "name": attributes.name,
                "language": attributes.language,
                "platform": TEMPLATE_PLATFORM,
                "category": category,
                "components": components,
            }
        )
    except ValidationError as exc:
        raise document_validation_error(exc) from exc


@router.get("/message-templates")
async def list_templates(request: Request, actor: Reader, session: ReadSession) -> Response:
    query = parse_list_query(request, filters=TEMPLATE_FILTERS)
    filters = template_filter(query.filters)

    async def fetch(limit: int, cursor: Cursor | None) -> tuple[list[Template], Cursor | None]:
        return await template_service.list(
            session, actor.workspace_id, filters, limit=limit, order=query.order, cursor=cursor
        )

    rows, more = await read_page(fetch, query)
    return document(
        [template_resource(row) for row in rows],
        links=page_links(request, query, more),
        meta=page_meta(query, len(rows)),
    )


def template_filter(filters: list[Filter]) -> TemplateFilter:
    result = TemplateFilter()
    for item in filters:
        match item.attribute:
            case "name":
                result.name = item.value
            case "language":
                result.language = item.value
            case "category":
                result.category = item.value.upper()
            case "status":
                status = item.value.lower()
                if status not in ("approved", "pending", "rejected"):
                    raise invalid_parameter(
                        item.parameter, "status is one of APPROVED, PENDING, REJECTED"
                    )
                result.status = status
    return result


@router.get("/message-templates/{template_id}")
async def get_template(
    template_id: str, request: Request, actor: Reader, session: ReadSession
) -> Response:
    parse_include(request)
    found = await template_service.get_or_raise(session, actor.workspace_id, template_id)
    return document(template_resource(found))


@router.patch("/message-templates/{template_id}")
async def update_template(template_id: str, actor: Writer) -> Response:
    raise MethodNotAllowed(
        "message templates cannot be updated: delete the template and create a new one"
    )


@router.delete("/message-templates/{template_id}", status_code=204)
async def delete_template(template_id: str, actor: Writer, session: WriteSession) -> Response:
    await template_service.delete(session, actor.workspace_id, template_id)
    return Response(status_code=204)

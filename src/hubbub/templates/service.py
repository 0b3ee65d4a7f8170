"""Message templates: create, read, list, delete (never update), and ``render``, which fills a
template's ``{{n}}`` placeholders with a send's variables."""

from __future__ import annotations

import builtins
import re
from collections.abc import Mapping

from hubbub.channels.service import channel as channel_service
from hubbub.db.uow import Session
from hubbub.errors import InvalidCursor, InvalidInput, NotFound, UnprocessableEntity
from hubbub.events.service import event as event_service
from hubbub.kit.clock import to_micros, utcnow
from hubbub.kit.cursors import Cursor, Order
from hubbub.kit.ids import new_id
from hubbub.templates.repository import TemplateRepository
from hubbub.templates.schemas import (
    PLACEHOLDER,
    RenderedComponent,
    RenderedTemplate,
    Template,
    TemplateComponent,
    TemplateCreate,
    TemplateFilter,
    placeholder_numbers,
)

DEFAULT_PAGE = 50
MAX_PAGE = 500


class TemplateService:
    async def create(self, session: Session, workspace_id: str, data: TemplateCreate) -> Template:
        platform = data.platform
        if data.channel_id is not None:
            channel = await channel_service.get(session, workspace_id, data.channel_id)
            if channel is None:
                raise UnprocessableEntity(
                    f"channel {data.channel_id} not found", field="channel_id"
                )
            if platform is not None and platform != channel.platform:
                raise UnprocessableEntity(
                    f"the channel is a {channel.platform} channel, not {platform}",
                    field="platform",
                )
            platform = channel.platform
        now = utcnow()
        template = Template(
            id=new_id(),
            workspace_id=workspace_id,
            **data.model_dump(exclude={"platform"}),
            platform=platform,
            created_at=now,
            updated_at=now,
        )
        await TemplateRepository(session).insert(template)
        await event_service.record(
            session,
            workspace_id,
            type="template.created",
            data={"template": template.model_dump(mode="json")},
        )
        return template

    async def get(self, session: Session, workspace_id: str, template_id: str) -> Template | None:
        return await TemplateRepository(session).get(workspace_id, template_id)

    async def get_or_raise(self, session: Session, workspace_id: str, template_id: str) -> Template:
        found = await self.get(session, workspace_id, template_id)
        if found is None:
            raise NotFound("template", template_id)
        return found

    async def delete(self, session: Session, workspace_id: str, template_id: str) -> None:
        if not await TemplateRepository(session).delete(workspace_id, template_id):
            raise NotFound("template", template_id)
        await event_service.record(
            session, workspace_id, type="template.deleted", data={"template_id": template_id}
        )

    def render(self, template: Template, variables: builtins.list[str]) -> RenderedTemplate:
        return render(template, variables)

    # Last in the class: below this method, ``list[...]`` in the class body would name it.
    async def list(
        self,
        session: Session,
        workspace_id: str,
        filters: TemplateFilter,
        *,
        limit: int = DEFAULT_PAGE,
        order: Order = "desc",
        cursor: Cursor | None = None,
    ) -> tuple[builtins.list[Template], Cursor | None]:
        """A page in (created_at, id) order and the cursor of the next one (None at the end)."""
        if not 1 <= limit <= MAX_PAGE:
            raise InvalidInput(f"limit must be between 1 and {MAX_PAGE}", field="limit")
        if cursor is not None and cursor.order != order:
            raise InvalidCursor(f"the cursor was issued for order '{cursor.order}'", field="cursor")
        rows = await TemplateRepository(session).list(
            workspace_id, filters, limit=limit + 1, order=order, after=cursor
        )
        if len(rows) <= limit:
            return rows, None
        last = rows[limit - 1]
        return rows[:limit], Cursor(created_us=to_micros(last.created_at), id=last.id, order=order)


def variable_counts(template: Template) -> list[int]:
    """How many variables each component takes, in component order."""
    return [_count(component) for component in template.components]


def render(template: Template, variables: list[str]) -> RenderedTemplate:
    """Fill the placeholders in order: each component's ``{{1}}``..``{{k}}`` take the next k
    variables (header first, then body, then footer, as the template lists them). A missing or
    an extra variable is an error, as WhatsApp refuses a send whose count differs."""
    needed = sum(variable_counts(template))
    if len(variables) < needed:
        raise UnprocessableEntity(
            f"template '{template.name}' needs {needed} variables but got {len(variables)}: "
            f"variable {{{{{len(variables) + 1}}}}} is missing",
            field="variables",
        )
    if len(variables) > needed:
        raise UnprocessableEntity(
            f"template '{template.name}' takes {needed} variables but got {len(variables)}",
            field="variables",
        )
    rendered: list[RenderedComponent] = []
    start = 0
    for component in template.components:
        taken = variables[start : start + _count(component)]
        start += len(taken)
        rendered.append(_fill(component, taken))
    text = "\n\n".join(c.text for c in rendered if c.text is not None)
    return RenderedTemplate(
        template_id=template.id,
        name=template.name,
        language=template.language,
        components=rendered,
        text=text,
    )


def render_components(template: Template, variables: Mapping[str, list[str]]) -> RenderedTemplate:
    """``render`` with the variables given per component type (``{"body": [...]}``), as
    WhatsApp-style senders give them: each list must fill its component exactly."""
    known = {component.type for component in template.components}
    unknown = sorted(set(variables) - known)
    if unknown:
        raise UnprocessableEntity(
            f"template '{template.name}' has no {', '.join(unknown)} component",
            field="variables",
        )
    flat: list[str] = []
    for component in template.components:
        given = variables.get(component.type, [])
        needed = _count(component)
        if len(given) != needed:
            raise UnprocessableEntity(
                f"the {component.type} of template '{template.name}' takes {needed} variables "
                f"but got {len(given)}"
                + (
                    f": variable {{{{{len(given) + 1}}}}} is missing" if len(given) < needed else ""
                ),
                field=f"variables.{component.type}",
            )
        flat += given
    return render(template, flat)


def _count(component: TemplateComponent) -> int:
    numbers = placeholder_numbers(component.text or "")
    return max(numbers) if numbers else 0


def _fill(component: TemplateComponent, variables: list[str]) -> RenderedComponent:
    def value(match: re.Match[str]) -> str:
        return variables[int(match.group(1)) - 1]

    text = None if component.text is None else PLACEHOLDER.sub(value, component.text)
    return RenderedComponent(
        type=component.type, text=text, variables=variables, buttons=component.buttons
    )


template = TemplateService()

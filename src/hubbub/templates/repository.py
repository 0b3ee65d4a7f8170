from __future__ import annotations

from typing import Any

from sqlalchemy import Select, delete, insert, select

from hubbub.db.keyset import keyset
from hubbub.db.models import message_template
from hubbub.db.uow import Session
from hubbub.kit.cursors import Cursor, Order
from hubbub.templates.schemas import Template, TemplateFilter

_FILTER_COLUMNS = ("name", "language", "platform", "channel_id", "category", "status")


class TemplateRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    async def insert(self, template: Template) -> None:
        await self.session.conn.execute(
            insert(message_template).values(**template.model_dump(mode="python"))
        )

    async def get(self, workspace_id: str, template_id: str) -> Template | None:
        row = (
            await self.session.conn.execute(
                select(message_template).where(
                    message_template.c.workspace_id == workspace_id,
                    message_template.c.id == template_id,
                )
            )
        ).one_or_none()
        return None if row is None else Template.model_validate(row._mapping)

    async def delete(self, workspace_id: str, template_id: str) -> bool:
        """True when a row was deleted."""
        result = await self.session.conn.execute(
            delete(message_template).where(
                message_template.c.workspace_id == workspace_id,
                message_template.c.id == template_id,
            )
        )
        return bool(result.rowcount)

    # Last in the class: below this method, ``list[...]`` in the class body would name it.
    async def list(
        self,
        workspace_id: str,
        filters: TemplateFilter,
        *,
        limit: int,
        order: Order,
        after: Cursor | None,
    ) -> list[Template]:
        query = _filtered(select(message_template), workspace_id, filters)
        query = keyset(query, message_template.c.created_at, message_template.c.id, after, order)
        rows = await self.session.conn.execute(query.limit(limit))
        return [Template.model_validate(row._mapping) for row in rows]


def _filtered(query: Select[Any], workspace_id: str, filters: TemplateFilter) -> Select[Any]:
    query = query.where(message_template.c.workspace_id == workspace_id)
    for name in _FILTER_COLUMNS:
        value = getattr(filters, name)
        if value is not None:
            query = query.where(message_template.c[name] == value)
    return query

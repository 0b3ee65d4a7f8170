"""Distinct values of one tag key among a workspace's rows, a page at a time: the same query
on every table that has ``workspace_id`` and a ``tags`` map (Botpress's ``listTagValues`` for
users, conversations and messages)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Table, select

from hubbub.db.uow import Session


async def tag_value_page(
    session: Session, table: Table, workspace_id: str, key: str, *, after: str | None, limit: int
) -> tuple[list[str], str | None]:
    """Up to ``limit`` values of tag ``key`` in order, after ``after``; and the value the next
    page starts after (None at the end). The value is picked in a subquery so the outer DISTINCT
    and ORDER BY name a plain column (PostgreSQL cannot match two bound ``->>`` expressions)."""
    values = (
        select(session.caps.json_text(table.c.tags, key).label("value"))
        .where(table.c.workspace_id == workspace_id)
        .subquery()
    )
    bounds: list[ColumnElement[bool]] = [values.c.value.is_not(None)]
    if after is not None:
        bounds.append(values.c.value > after)
    statement = (
        select(values.c.value).distinct().where(*bounds).order_by(values.c.value).limit(limit + 1)
    )
    found = [row.value for row in await session.conn.execute(statement)]
    return found[:limit], found[limit - 1] if len(found) > limit else None

"""Listing messages: the API's filters resolved to what a message row holds, then one keyset
page. A filter that can match nothing (a platform without channels, a search without a word)
answers an empty page without a query."""

from __future__ import annotations

from hubbub.channels.service import channel as channel_service
from hubbub.contacts.service import contact as contact_service
from hubbub.db.uow import Session
from hubbub.errors import InvalidInput, UnprocessableEntity
from hubbub.kit.clock import to_micros
from hubbub.kit.cursors import Cursor, Order
from hubbub.kit.tags import check_client_tags, check_private_tags
from hubbub.messages.repository import MessageQuery, MessageRepository
from hubbub.messages.schemas import Message, MessageFilter

DEFAULT_PAGE = 50
MAX_PAGE = 500


def check_page(limit: int, order: Order, cursor: Cursor | None) -> Order:
    """The order to read in: a cursor carries the order it was issued for, and that wins."""
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"limit must be between 1 and {MAX_PAGE}", field="limit")
    return order if cursor is None else cursor.order


def next_cursor(rows: list[Message], limit: int, order: Order) -> Cursor | None:
    if len(rows) <= limit:
        return None
    last = rows[limit - 1]
    return Cursor(created_us=to_micros(last.created_at), id=last.id, order=order)


async def list_page(
    session: Session,
    workspace_id: str,
    filters: MessageFilter,
    *,
    limit: int,
    order: Order,
    cursor: Cursor | None,
    offset: int = 0,
) -> tuple[list[Message], Cursor | None]:
    order = check_page(limit, order, cursor)
    query = await resolve_query(session, workspace_id, filters)
    if query is None:
        return [], None
    rows = await MessageRepository(session).list_page(
        workspace_id, query, limit=limit + 1, order=order, after=cursor, offset=offset
    )
    return rows[:limit], next_cursor(rows, limit, order)


async def resolve_query(
    session: Session, workspace_id: str, filters: MessageFilter
) -> MessageQuery | None:
    """The filter as row values; None when it cannot match any message."""
    channel_ids = None
    if filters.platform is not None:
        channel_ids = await channel_service.ids_for_platform(
            session, workspace_id, filters.platform
        )
        if not channel_ids:
            return None
    author_ids = None
    if filters.sender is not None:
        author_ids = [filters.sender] + await contact_service.contact_ids_for_identifier(
            session, workspace_id, filters.sender
        )
    fulltext = None
    if filters.q is not None and filters.q.strip():
        fulltext = session.caps.fulltext_query(filters.q)
        if fulltext is None:
            return None
    tag_keys, tag_pairs = parse_tags(filters.tags)
    check_private_tags(filters.private_tags)
    tag_pairs.extend(filters.private_tags.items())
    return MessageQuery(
        conversation_id=filters.conversation_id,
        channel_id=filters.channel_id,
        channel_ids=channel_ids,
        direction=filters.direction,
        statuses=list(filters.status) if filters.status else None,
        author_ids=author_ids,
        recipient_values=recipient_forms(filters.recipient),
        tag_keys=tag_keys,
        tag_pairs=tag_pairs,
        created_after=filters.created_after,
        created_before=filters.created_before,
        updated_after=filters.updated_after,
        updated_before=filters.updated_before,
        batch_id=filters.batch_id,
        fulltext=fulltext,
    )


def parse_tags(tags: list[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """``key`` (the tag is set) and ``key=value`` filters."""
    keys: list[str] = []
    pairs: list[tuple[str, str]] = []
    for tag in tags:
        key, sep, value = tag.partition("=")
        if not key or (sep and not value):
            raise UnprocessableEntity("a tag filter reads 'key' or 'key=value'", field="tag")
        check_client_tags([key], field="tag")
        if sep:
            pairs.append((key, value))
        else:
            keys.append(key)
    return keys, pairs


def recipient_forms(value: str | None) -> list[str] | None:
    """The forms a recipient's address may be stored in (identifiers are normalized when
    stored: e-mail addresses lower-cased, spaces dropped from phone numbers), and the value
    itself as a contact id."""
    if value is None:
        return None
    stripped = value.strip()
    forms = [value, stripped, stripped.lower(), "".join(stripped.split())]
    return list(dict.fromkeys(form for form in forms if form))

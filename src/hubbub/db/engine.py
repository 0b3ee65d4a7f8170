"""Engine setup and the named capabilities that hide the differences between SQLite and
PostgreSQL (in the spirit of Synapse's ``BaseDatabaseEngine``). Repositories ask the
capability object; nothing else says ``if sqlite``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import orjson
from sqlalchemy import (
    ColumnElement,
    Engine,
    Integer,
    Select,
    Table,
    TextClause,
    event,
    exists,
    func,
    literal,
    literal_column,
    select,
    text,
)
from sqlalchemy import create_engine as sa_create_engine
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import UnaryExpression

if TYPE_CHECKING:  # the asyncio extension costs a quarter second to import; SQLite never needs it
    from sqlalchemy.ext.asyncio import AsyncEngine

EngineName = Literal["sqlite", "postgresql"]

# How SQLite syncs a commit (``HUBBUB_SQLITE_SYNCHRONOUS``). In WAL mode, NORMAL: a commit is
# written to the log before it returns, so it survives a crash of the process, but the log is
# synced only at checkpoints: a power loss or an OS crash may undo the last commits (never
# corrupting the database). FULL: the log is synced at every commit (every group commit), so a
# commit also survives a power loss, for one fsync per group.
SqliteSynchronous = Literal["normal", "full"]

SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=10000",
    "PRAGMA cache_size=-65536",
    "PRAGMA temp_store=MEMORY",
    "PRAGMA mmap_size=268435456",
    # Checkpoints run on a thread of their own (``hubbub.db.checkpoint``); a COMMIT does one
    # only when the log has grown this far anyway (64 MB), as a bound.
    "PRAGMA wal_autocheckpoint=16384",
)

# SQLite: a word with fewer matches than this is looked up through the full-text index first.
FULLTEXT_FEW = 1000
# A word, and a ``*`` right after it when it is to match as a prefix.
_FTS_TERM = re.compile(r"(\w+)(\*?)", re.UNICODE)
_CUSTOM_PLAN = text("SET LOCAL plan_cache_mode = force_custom_plan")
# Keys a quoted SQLite JSON path label can name: nothing the JSON text would escape.
_PATH_SAFE_KEY = re.compile(r'[^"\\\x00-\x1f]*')


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


@dataclass(frozen=True)
class Capabilities:
    name: EngineName
    # SQLite has one writer at a time: the process serializes its own write transactions
    # instead of letting them spin on the file lock.
    single_writer: bool
    supports_skip_locked: bool
    supports_listen_notify: bool

    def insert(self, table: Table) -> Any:
        """An INSERT that knows ``on_conflict_do_nothing`` / ``on_conflict_do_update``."""
        dialect = sqlite if self.name == "sqlite" else postgresql
        return dialect.insert(table)

    def json_text(self, column: Any, key: str) -> ColumnElement[Any]:
        """The string value of ``column[key]`` for a JSON object of strings."""
        if self.name == "sqlite":
            return _sqlite_value_at(column, key)
        return column.op("->>")(key)  # type: ignore[no-any-return]

    def json_has_pair(self, column: Any, key: str, value: str) -> ColumnElement[bool]:
        if self.name == "sqlite":
            return self.json_text(column, key) == value
        return column.op("@>")(literal({key: value}, postgresql.JSONB))  # type: ignore[no-any-return]

    def json_has_key(self, column: Any, key: str) -> ColumnElement[bool]:
        if self.name == "sqlite":
            return self.json_text(column, key).is_not(None)
        return column.op("?")(key)  # type: ignore[no-any-return]

    def json_array_has_object_with(
        self, column: Any, field: str, value: str
    ) -> ColumnElement[bool]:
        """Whether a JSON array of objects holds one whose ``field`` equals ``value``."""
        if self.name == "sqlite":
            item = func.json_each(column).table_valued("value").alias()
            return exists().select_from(item).where(_sqlite_value_at(item.c.value, field) == value)
        return column.op("@>")(literal([{field: value}], postgresql.JSONB))  # type: ignore[no-any-return]

    def json_rows(self, *columns: Any) -> ColumnElement[Any]:
        """An aggregate: the group's rows as a JSON array of arrays of ``columns``, in no
        particular order (sort them after decoding)."""
        if self.name == "sqlite":
            return func.json_group_array(func.json_array(*columns))
        return func.json_agg(func.json_build_array(*columns))

    def custom_plan(self) -> TextClause | None:
        """A statement that makes PostgreSQL plan the rest of the transaction's queries for
        their actual values. Prepared statements switch to a generic plan after five runs, and
        for a condition whose selectivity depends on the value (a full-text word, a tag) that
        plan is the one for a common value: it walks the newest rows and filters them, which
        is 0.3 ms for a word in one message out of six and 120 ms for a word in ten out of
        200,000 (measured); the custom plan reads the index of the condition instead."""
        if self.name == "sqlite":
            return None
        return _CUSTOM_PLAN

    def fulltext_query(self, query: str) -> str | None:
        """The user's words as a query for this engine's full-text index; None when the
        query has no word to look for. Every word must match (AND); a word written with a
        trailing ``*`` matches as a prefix. Prefixes are asked for, not implied: PostgreSQL
        cannot estimate how many rows a prefix matches (it assumes 2 %), so it walked the
        newest messages for a rare word (130 ms over 200,000 messages, measured), where an
        exact word's estimate comes from the column's statistics and it reads the index."""
        terms = _FTS_TERM.findall(query)
        if not terms:
            return None
        if self.name == "sqlite":
            return " ".join('"' + word.replace('"', '""') + '"' + star for word, star in terms)
        return " & ".join(word + (":*" if star else "") for word, star in terms)

    def fulltext_condition(self, message_table: Table, fts_query: str) -> ColumnElement[bool]:
        if self.name == "sqlite":
            return literal_column("message.rowid").in_(
                text("SELECT rowid FROM message_fts WHERE message_fts MATCH :fts").bindparams(
                    fts=fts_query
                )
            )
        return literal_column("message.search_vector").op("@@")(
            func.to_tsquery("simple", fts_query)
        )

    def fulltext_probe(self, fts_query: str) -> Select[Any] | None:
        """SQLite: how many of the first ``FULLTEXT_FEW`` matches there are (a tenth of a
        millisecond from the FTS5 index), to tell a rare word from a common one; None on
        PostgreSQL, whose planner estimates that from the column's statistics."""
        if self.name != "sqlite":
            return None
        few = (
            text("SELECT rowid FROM message_fts WHERE message_fts MATCH :fts LIMIT :few")
            .bindparams(fts=fts_query, few=FULLTEXT_FEW)
            .columns(rowid=Integer)
            .subquery()
        )
        return select(func.count()).select_from(few)

    def unindexed(self, column: ColumnElement[Any]) -> ColumnElement[Any]:
        """``column`` such that SQLite will not reach rows through an index on it (SQLite's
        documented unary ``+``). Used for a rare word (``fulltext_probe`` found fewer than
        ``FULLTEXT_FEW`` matches): with the workspace's index ruled out, SQLite fetches the few
        matches by rowid and sorts them, instead of walking the workspace's newest messages
        until enough match, which for ten matches in 200,000 messages walked them all (30 to
        50 ms; measured, against under 1 ms)."""
        if self.name != "sqlite":
            return column
        return UnaryExpression(column, operator=operators.custom_op("+"), type_=column.type)


def _sqlite_value_at(document: Any, key: str) -> ColumnElement[Any]:
    """``document[key]`` on SQLite. Every bound value gets its own parameter, so any number of
    these combine in one statement."""
    if _PATH_SAFE_KEY.fullmatch(key):
        return func.json_extract(document, f'$."{key}"')
    # A quoted path label is compared with the key as the JSON text spells it, escapes and
    # all, and cannot hold a double quote: look such keys up among the object's members.
    member = func.json_each(document).table_valued("key", "value").alias()
    return select(member.c.value).where(member.c.key == key).scalar_subquery()


def capabilities_for(url: str) -> Capabilities:
    if url.startswith("sqlite"):
        return Capabilities(
            name="sqlite",
            single_writer=True,
            supports_skip_locked=False,
            supports_listen_notify=False,
        )
    if url.startswith("postgresql"):
        return Capabilities(
            name="postgresql",
            single_writer=False,
            supports_skip_locked=True,
            supports_listen_notify=True,
        )
    raise ValueError(f"unsupported database URL: {url.split(':', 1)[0]}")


def create_sync(
    url: str, *, pool_size: int = 20, synchronous: SqliteSynchronous = "normal"
) -> Engine:
    """SQLite through the standard library driver, used from the event loop's thread."""
    engine = sa_create_engine(
        url.replace("sqlite+aiosqlite://", "sqlite://"),
        json_serializer=_json_dumps,
        json_deserializer=orjson.loads,
        pool_size=pool_size,
        max_overflow=pool_size,
        # Every transaction ends in an explicit commit or rollback; no reset needed on return.
        pool_reset_on_return=None,
        connect_args={"check_same_thread": False},
    )
    _configure_sqlite(engine, synchronous)
    return engine


def create_async(url: str, *, pool_size: int = 20, pool_timeout: float = 10.0) -> AsyncEngine:
    """PostgreSQL through asyncpg. The pool has a fixed size and no overflow: it opens
    connections as they are first needed and keeps them, and a request beyond the size waits
    for one (at most ``pool_timeout`` seconds, then ``sqlalchemy.exc.TimeoutError``, which the
    API answers with a 503). An overflow connection is closed when it is given back while the
    pool already keeps ``pool_size``, so a load between the size and the size plus the overflow
    opened and closed a connection every few requests (a connect costs a millisecond of CPU on
    each side): at 32 concurrent creates on a pool of 20 plus 20, 860-940/s against
    1,620-1,680/s with no connection churned (measured, one process). Nothing takes a second
    connection while it holds one, so waiting cannot deadlock (the suite was run with every
    nested checkout logged: none outside two tests that race transactions on purpose)."""
    from sqlalchemy.ext.asyncio import create_async_engine  # only PostgreSQL needs it

    return create_async_engine(
        url,
        json_serializer=_json_dumps,
        json_deserializer=orjson.loads,
        pool_size=pool_size,
        max_overflow=0,
        pool_timeout=pool_timeout,
        pool_reset_on_return=None,
    )


def _configure_sqlite(engine: Engine, synchronous: SqliteSynchronous) -> None:
    """pysqlite's own transaction handling defers BEGIN and cannot say IMMEDIATE; take it over
    (the SQLAlchemy recipe) so write transactions take the write lock up front and never fail
    with SQLITE_BUSY when upgrading a read lock."""

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: DBAPIConnection, record: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
        cursor.execute(f"PRAGMA synchronous={synchronous.upper()}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn: Any) -> None:
        conn.exec_driver_sql(conn.info.get("hubbub_begin", "BEGIN"))

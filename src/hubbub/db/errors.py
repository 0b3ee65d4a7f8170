"""Telling a value the database refuses from a fault of the server.

PostgreSQL rejects a NUL character in text, a number outside BIGINT or a string longer than its
column with an error of SQLSTATE class 22 ("data exception"); SQLite refuses an integer beyond
64 bits with an ``OverflowError`` before the statement runs. Either way the caller sent a value
that cannot be stored or compared, which is bad input and not an internal error.
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError

# What a statement raises when a bound value is refused; surfaces catch these and ask
# ``is_unstorable_value`` whether the caller is to blame.
STATEMENT_ERRORS: tuple[type[Exception], ...] = (DBAPIError, OverflowError)

DATA_EXCEPTION_CLASS = "22"


def is_unstorable_value(error: BaseException) -> bool:
    if isinstance(error, DBAPIError):
        sqlstate = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
        return isinstance(sqlstate, str) and sqlstate.startswith(DATA_EXCEPTION_CLASS)
    return isinstance(error, OverflowError) and "SQLite INTEGER" in str(error)


FOREIGN_KEY_VIOLATION = "23503"


def is_vanished_reference(error: BaseException) -> bool:
    """A row refers to one that a concurrent transaction deleted (PostgreSQL can report this
    at commit, for writes sent together at the end of a transaction: ``hubbub.db.deferred``)."""
    if isinstance(error, DBAPIError):
        sqlstate = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
        return sqlstate == FOREIGN_KEY_VIOLATION
    return False

"""Bookkeeping writes that a request may skip rather than wait for.

On SQLite one writer at a time holds the database; a large import holds it for the whole of
its transaction (all or nothing). A page or API read that also records something on the side
(a token's last use) must not wait up to the busy timeout and then fail: on SQLite it tries
once, without waiting, and skips the record when the writer is taken. Elsewhere (PostgreSQL
locks rows, not the database) it simply writes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import DEFAULT_DB_ALIAS, OperationalError, connections, transaction
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


#: How long a client is asked to wait when the database is busy (an import holds SQLite's writer).
BUSY_RETRY_AFTER_S = 30


def is_database_busy(exc: BaseException) -> bool:
    """Whether ``exc`` is SQLite's answer to a write while another transaction holds the
    writer for longer than the busy timeout (not a fault: the request may be tried again)."""
    return isinstance(exc, OperationalError) and (
        "database is locked" in str(exc) or "database is busy" in str(exc)
    )


def busy_message() -> str:
    return _(
        "Kenesh is busy writing a large import and could not save this. Nothing was lost: "
        "try again in a minute."
    )


def unless_database_busy(write: Callable[[], object], using: str = DEFAULT_DB_ALIAS) -> bool:
    """Run ``write`` in a transaction of its own; on SQLite, skip it if another transaction
    holds the writer (no wait). True when it was written."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        with transaction.atomic(using=using):
            write()
        return True
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        waited = int(cursor.fetchone()[0])
        cursor.execute("PRAGMA busy_timeout = 0")
    try:
        with transaction.atomic(using=using):
            write()
    except OperationalError as exc:
        if not is_database_busy(exc):
            raise
        logger.info("skipped a bookkeeping write: the database is busy (%s)", exc)
        return False
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA busy_timeout = {waited}")
    return True

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

logger = logging.getLogger(__name__)


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
        if "locked" not in str(exc) and "busy" not in str(exc):
            raise
        logger.info("skipped a bookkeeping write: the database is busy (%s)", exc)
        return False
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA busy_timeout = {waited}")
    return True

"""A bookkeeping write on SQLite is skipped, not waited for, while another connection holds the
writer (an import's transaction), and written when the writer is free."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, connections

from kenesh.core.db import unless_database_busy

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="PostgreSQL locks rows, never the whole database"
)
ALIAS = "busy_probe"


@pytest.fixture
def database_file(tmp_path: Path, django_db_blocker: Any) -> Iterator[Path]:
    """A SQLite file with the settings of Kenesh's own (20 s busy timeout), as its own alias
    (not the test database: that one lives in memory, where SQLite never waits)."""
    path = tmp_path / "probe.sqlite3"
    with sqlite3.connect(path) as setup:
        setup.execute("PRAGMA journal_mode=WAL")  # as Kenesh leaves its database
        setup.execute("CREATE TABLE seen (n INTEGER)")
    connections.settings[ALIAS] = {**connection.settings_dict, "NAME": str(path)}
    try:
        with django_db_blocker.unblock():
            yield path
    finally:
        connections[ALIAS].close()
        del connections[ALIAS]
        del connections.settings[ALIAS]


def insert(n: int) -> None:
    with connections[ALIAS].cursor() as cursor:
        cursor.execute("INSERT INTO seen VALUES (%s)", [n])


def _rows(path: Path) -> list[int]:
    with sqlite3.connect(path) as reader:
        return [n for (n,) in reader.execute("SELECT n FROM seen ORDER BY n")]


def test_a_bookkeeping_write_is_skipped_at_once_while_another_transaction_writes(
    database_file: Path,
) -> None:
    holder = sqlite3.connect(database_file, timeout=0, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # what an import's transaction holds
    try:
        started = time.monotonic()
        assert unless_database_busy(lambda: insert(1), ALIAS) is False
        assert time.monotonic() - started < 5  # the busy timeout is 20 s
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert _rows(database_file) == []
    with connections[ALIAS].cursor() as cursor:  # the usual busy timeout is back
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] == 20000


def test_a_bookkeeping_write_goes_through_when_the_writer_is_free(database_file: Path) -> None:
    assert unless_database_busy(lambda: insert(2), ALIAS) is True
    assert _rows(database_file) == [2]

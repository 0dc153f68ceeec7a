"""The projection's schema: the numbered SQL files of this package (``NNN_name.sql``, shipped as
package data, so an installed ``jost`` carries its schema) applied in order, once each,
recorded in ``schema_migrations``."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from importlib.resources import files
from importlib.resources.abc import Traversable

import duckdb

MIGRATIONS_DIR: Traversable = files(__name__)
_NAME = re.compile(r"^(\d+)_[\w-]+\.sql$")


def migration_files(directory: Traversable = MIGRATIONS_DIR) -> list[tuple[int, Traversable]]:
    found = []
    for path in directory.iterdir():
        if m := _NAME.match(path.name):
            found.append((int(m.group(1)), path))
    found.sort(key=lambda item: item[0])
    versions = [v for v, _ in found]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"two migrations share a number in {directory}")
    return found


def migrate(con: duckdb.DuckDBPyConnection, directory: Traversable = MIGRATIONS_DIR) -> list[int]:
    """Apply the migrations not applied yet, each in its own transaction; returns their
    numbers."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)"
    )
    done = {row[0] for row in con.execute("SELECT version FROM schema_migrations").fetchall()}
    applied = []
    for version, path in migration_files(directory):
        if version in done:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(path.read_text())
            con.execute(
                "INSERT INTO schema_migrations VALUES (?, ?, ?)",
                [version, path.name, datetime.now(UTC).replace(tzinfo=None)],
            )
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        applied.append(version)
    return applied

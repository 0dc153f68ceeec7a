"""Read-only SQL over the projection for admin tokens.

Four locks: the database refuses file and network access and any change of that setting
(``Projection(lock_down=True)``); only a single SELECT statement is accepted; it runs in a
READ ONLY transaction; and it is interrupted after a time limit. Rows are capped.
"""

from __future__ import annotations

import threading
import time
from datetime import date, datetime
from decimal import Decimal

import duckdb

from jost.contracts import SqlQuery, SqlResult
from jost.platform.api.problems import Problem

_PLAIN = (type(None), bool, int, float, str, datetime, date)


def _plain(value: object) -> object:
    if isinstance(value, _PLAIN):
        return value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)


def run_readonly(con: duckdb.DuckDBPyConnection, query: SqlQuery, seconds: float) -> SqlResult:
    try:
        statements = con.extract_statements(query.sql)
    except duckdb.Error as exc:
        raise Problem(400, f"cannot parse SQL: {exc}", field="$.sql", slug="bad-sql") from exc
    if len(statements) != 1:
        raise Problem(
            400, f"send exactly one statement, got {len(statements)}", field="$.sql", slug="bad-sql"
        )
    if statements[0].type != duckdb.StatementType.SELECT:
        raise Problem(
            403,
            f"only SELECT is allowed, got {statements[0].type.name}",
            field="$.sql",
            slug="read-only",
        )
    cur = con.cursor()
    timer = threading.Timer(seconds, cur.interrupt)
    started = time.perf_counter()
    try:
        cur.execute("BEGIN TRANSACTION READ ONLY")
        timer.start()
        try:
            cur.execute(query.sql)
            columns = [d[0] for d in cur.description or []]
            rows = cur.fetchmany(query.max_rows + 1)
        except duckdb.InterruptException as exc:
            raise Problem(
                408,
                f"query ran longer than {seconds:g} s and was stopped",
                field="$.sql",
                slug="sql-timeout",
            ) from exc
        except duckdb.PermissionException as exc:
            raise Problem(403, f"not allowed: {exc}", field="$.sql", slug="read-only") from exc
        except duckdb.Error as exc:
            raise Problem(400, str(exc), field="$.sql", slug="bad-sql") from exc
        finally:
            timer.cancel()
            cur.execute("ROLLBACK")
    finally:
        cur.close()
    return SqlResult(
        columns=columns,
        rows=[[_plain(v) for v in row] for row in rows[: query.max_rows]],
        truncated=len(rows) > query.max_rows,
        seconds=round(time.perf_counter() - started, 6),
    )

"""Read-only SQL over the projection for admin tokens.

Locks: the database refuses file and network access and any change of its settings, and holds
its working memory and spill files within limits (``Projection(lock_down=True)``); only a
single SELECT statement is accepted; it runs in a READ ONLY transaction; and the answer is
bounded in rows, bytes and time:

- rows: at most ``max_rows``.
- bytes: the answer's rows take at most ``MAX_ANSWER_BYTES`` encoded; the rows after the one
  that would pass it are left out and ``truncated`` is true, as when rows are left out by
  ``max_rows`` (a client tells the two apart by the row count; a first row larger than the
  cap gives no rows). DuckDB keeps a fetched result whole in memory, outside its
  ``memory_limit``, so the cap is applied inside the query, before anything is kept: the
  statement runs as a subquery under a LIMIT, and a streaming window sums each row's size as
  text; rows past the cap come out empty (NULL), so a result never holds much more than the
  cap. The rows then kept are encoded one by one and measured exactly.
- time: ``seconds`` covers running the query, fetching its rows and encoding them. A timer
  interrupts DuckDB, and the loop that encodes rows checks the same deadline; past it the
  answer is 408. What remains after the loop is joining already encoded rows.
"""

from __future__ import annotations

import threading
import time

import duckdb
import msgspec

from jost.contracts import SqlQuery, SqlResult
from jost.platform.api.problems import Problem

MAX_ANSWER_BYTES = 4 * 1024 * 1024
"""The encoded rows of one answer, at most."""
_BATCH = 256

# Types JSON lacks: Decimal as a number, timedelta (INTERVAL) as an ISO 8601 duration, bytes
# (BLOB) as base64, UUID as text; anything else as its text.
_encoder = msgspec.json.Encoder(enc_hook=str, decimal_format="number")


def _timeout(seconds: float) -> Problem:
    return Problem(
        408,
        f"query ran longer than {seconds:g} s and was stopped",
        field="$.sql",
        slug="sql-timeout",
    )


def _without_terminator(statement: duckdb.Statement) -> str:
    """The statement's text without its closing semicolon (and comments after it), to be
    run as a subquery. A statement that parsed alone cannot close the parentheses around it."""
    text = statement.query
    tokens = [t for t in duckdb.tokenize(text) if t[1] != duckdb.token_type.comment]
    if tokens and text[tokens[-1][0]] == ";":
        return text[: tokens[-1][0]]
    return text


def _text_size(column: str, type_name: str) -> str:
    """SQL for the length of a value as text, about its length in JSON (a lower bound)."""
    if type_name == "VARCHAR":
        return f"strlen({column})"
    if type_name == "BLOB":
        return f"octet_length({column})"
    return f"strlen(CAST({column} AS VARCHAR))"


def _bounded(select: str, types: list[str], max_rows: int, max_bytes: int) -> str:
    """``select`` under the row and byte caps: its columns renamed c0..cN, each row's size
    summed in a streaming window (``jost_bytes``, the last column), and the values of rows
    past ``max_bytes`` replaced by NULL, so that DuckDB never keeps them."""
    columns = [f"c{i}" for i in range(len(types))]
    size = " + ".join(
        f"coalesce({_text_size(c, t)}, 4) + 1" for c, t in zip(columns, types, strict=True)
    )
    kept = ", ".join(f"CASE WHEN jost_bytes <= {max_bytes} THEN {c} END" for c in columns)
    return (
        f"SELECT {kept}, jost_bytes FROM (SELECT *, sum({size} + 1) OVER "
        "(ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS jost_bytes FROM (\n"
        f"{select}\n) AS jost_q({', '.join(columns)})) LIMIT {max_rows + 1}"
    )


def _fetch(
    cur: duckdb.DuckDBPyConnection, max_rows: int, budget: int, deadline: float, seconds: float
) -> tuple[list[msgspec.Raw], bool]:
    """Encode the bounded query's rows until they end, ``max_rows`` are taken or the next
    row would pass ``budget`` bytes; returns the encoded rows and whether rows were left out."""
    rows: list[msgspec.Raw] = []
    used = 0
    while chunk := cur.fetchmany(_BATCH):
        for *values, estimated in chunk:
            # ``estimated`` is the running total of the text sizes: past the budget, DuckDB
            # has already left the values out.
            if len(rows) == max_rows or estimated > budget:
                return rows, True
            if time.monotonic() > deadline:
                raise _timeout(seconds)
            encoded = _encoder.encode(values)
            used += len(encoded) + 1
            if used > budget:
                return rows, True
            rows.append(msgspec.Raw(encoded))
    return rows, False


def run_readonly(
    con: duckdb.DuckDBPyConnection,
    query: SqlQuery,
    seconds: float,
    max_bytes: int = MAX_ANSWER_BYTES,
) -> SqlResult:
    """The answer's ``rows`` hold each row already encoded (``msgspec.Raw``): the response
    writes them as they are."""
    deadline = time.monotonic() + seconds
    started = time.perf_counter()
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
    select = _without_terminator(statements[0])
    cur = con.cursor()
    timer = threading.Timer(seconds, cur.interrupt)
    try:
        cur.execute("BEGIN TRANSACTION READ ONLY")
        timer.start()
        try:
            shape = cur.sql(select)  # binds the statement, runs nothing
            columns = list(shape.columns)
            budget = max_bytes - len(_encoder.encode(columns))
            types = [str(t) for t in shape.types]
            cur.execute(_bounded(select, types, query.max_rows, budget))
            rows, truncated = _fetch(cur, query.max_rows, budget, deadline, seconds)
        except duckdb.InterruptException as exc:
            raise _timeout(seconds) from exc
        except duckdb.PermissionException as exc:
            raise Problem(403, f"not allowed: {exc}", field="$.sql", slug="read-only") from exc
        except duckdb.OutOfMemoryException as exc:
            raise Problem(
                422, f"the query needs too much memory: {exc}", field="$.sql", slug="sql-memory"
            ) from exc
        except duckdb.Error as exc:
            raise Problem(400, str(exc), field="$.sql", slug="bad-sql") from exc
        finally:
            timer.cancel()
            cur.execute("ROLLBACK")
    finally:
        cur.close()
    return SqlResult(
        columns=columns,
        rows=rows,  # type: ignore[arg-type]  # encoded rows: see the docstring
        truncated=truncated,
        seconds=round(time.perf_counter() - started, 6),
    )

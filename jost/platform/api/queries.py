"""Reads from the projection, each on its own cursor (handlers run in threads)."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
import msgspec

from jost.contracts import (
    Event,
    JobEvents,
    JobPage,
    JobResult,
    JobStatus,
    LoggedEvent,
    Rules,
    ShardStats,
    SimulationConfig,
    Summary,
)

_STATUS_COLUMNS = (
    "job_id, status, shards_done, shards_total, submitted_at, planned_at, finished_at, "
    "rounds, error"
)


def _utc(at: datetime | None) -> datetime | None:
    return at.replace(tzinfo=UTC) if at is not None else None


def _status(row: tuple) -> JobStatus:
    job_id, status, done, total, submitted, planned, finished, rounds, error = row
    return JobStatus(
        job_id=job_id,
        status=status,
        shards_done=done,
        shards_total=total,
        submitted_at=_utc(submitted),
        planned_at=_utc(planned),
        finished_at=_utc(finished),
        rounds=rounds,
        error=error,
    )


def job_status(cur: duckdb.DuckDBPyConnection, owner: str, job_id: str) -> JobStatus | None:
    """The job's status; a job accepted but not yet folded from the log is ``submitted``."""
    row = cur.execute(
        f"SELECT {_STATUS_COLUMNS} FROM jobs WHERE job_id = ? AND owner = ?", [job_id, owner]
    ).fetchone()
    if row is None:
        row = cur.execute(
            "SELECT job_id, 'submitted', 0, NULL, accepted_at, NULL, NULL, rounds, NULL "
            "FROM submissions WHERE job_id = ? AND owner = ?",
            [job_id, owner],
        ).fetchone()
    return _status(row) if row else None


def folded(cur: duckdb.DuckDBPyConnection, job_id: str) -> bool:
    """Whether the job's JobSubmitted has come back from the log into the projection."""
    return cur.execute("SELECT 1 FROM jobs WHERE job_id = ?", [job_id]).fetchone() is not None


def quiet_since(cur: duckdb.DuckDBPyConnection, job_id: str) -> datetime | None:
    """When the job's last fact was emitted (UTC), None when it has none."""
    row = cur.execute("SELECT max(emitted_at) FROM events WHERE job_id = ?", [job_id]).fetchone()
    return _utc(row[0]) if row else None


def job_config(cur: duckdb.DuckDBPyConnection, owner: str, job_id: str) -> SimulationConfig | None:
    row = cur.execute(
        "SELECT config FROM jobs WHERE job_id = ? AND owner = ?", [job_id, owner]
    ).fetchone()
    return msgspec.json.decode(row[0], type=SimulationConfig) if row else None


def job_result(cur: duckdb.DuckDBPyConnection, job_id: str) -> JobResult | None:
    row = cur.execute("SELECT summary, stats FROM results WHERE job_id = ?", [job_id]).fetchone()
    if not row:
        return None
    return JobResult(
        job_id=job_id,
        summary=msgspec.json.decode(row[0], type=Summary),
        stats=msgspec.json.decode(row[1], type=ShardStats),
    )


def job_page(cur: duckdb.DuckDBPyConnection, owner: str, offset: int, limit: int) -> JobPage:
    rows = cur.execute(
        f"SELECT {_STATUS_COLUMNS} FROM jobs WHERE owner = ? "
        "ORDER BY submitted_at DESC, job_id LIMIT ? OFFSET ?",
        [owner, limit + 1, offset],
    ).fetchall()
    more = len(rows) > limit
    return JobPage(
        jobs=[_status(r) for r in rows[:limit]],
        offset=offset,
        limit=limit,
        next_offset=offset + limit if more else None,
    )


_event_decoder = msgspec.json.Decoder(Event)


def job_events(cur: duckdb.DuckDBPyConnection, job_id: str) -> JobEvents:
    # The archive's order: log order, across the logs a restart restores into.
    rows = cur.execute(
        "SELECT log_partition, log_offset, body FROM events WHERE job_id = ? ORDER BY seq",
        [job_id],
    ).fetchall()
    return JobEvents(
        job_id=job_id,
        events=[
            LoggedEvent(partition=p, offset=o, event=_event_decoder.decode(body))
            for p, o, body in rows
        ],
    )


class HistoryRow(msgspec.Struct, frozen=True, kw_only=True):
    """A job as the workbench's history lists it: its status, its rules, its EV once done."""

    status: JobStatus
    rules: Rules
    ev: float | None
    ev_stderr: float | None


class HistoryPage(msgspec.Struct, frozen=True, kw_only=True):
    rows: list[HistoryRow]
    offset: int
    limit: int
    next_offset: int | None


class _RulesOnly(msgspec.Struct):
    # A job's config decoded for its rules alone: the rest of the document is skipped.
    rules: Rules = Rules()


_rules_decoder = msgspec.json.Decoder(_RulesOnly)


def job_history(
    cur: duckdb.DuckDBPyConnection,
    owner: str,
    status: str | None,
    offset: int,
    limit: int,
) -> HistoryPage:
    """``owner``'s jobs, newest first, with their rules and EV; ``status`` filters."""
    where = "j.owner = ?" + (" AND j.status = ?" if status else "")
    params: list[object] = [owner, *([status] if status else []), limit + 1, offset]
    columns = ", ".join(f"j.{c.strip()}" for c in _STATUS_COLUMNS.split(","))
    rows = cur.execute(
        f"SELECT {columns}, j.config, r.ev, r.ev_stderr FROM jobs j "
        f"LEFT JOIN results r USING (job_id) WHERE {where} "
        "ORDER BY j.submitted_at DESC, j.job_id LIMIT ? OFFSET ?",
        params,
    ).fetchall()
    return HistoryPage(
        rows=[
            HistoryRow(
                status=_status(row[:9]),
                rules=_rules_decoder.decode(row[9]).rules,
                ev=row[10],
                ev_stderr=row[11],
            )
            for row in rows[:limit]
        ],
        offset=offset,
        limit=limit,
        next_offset=offset + limit if len(rows) > limit else None,
    )


def jobs_by_state(cur: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """How many jobs, of every owner, are in each state."""
    return dict(cur.execute("SELECT status, count(*) FROM jobs GROUP BY status").fetchall())

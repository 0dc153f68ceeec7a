"""Sweeps in the projection: recording one the API accepts (the sweep and every point's job in
one transaction, before the 202), folding its ``SweepSubmitted`` into ``sweeps`` and
``sweep_points``, restoring the facts into a new log, and reading a sweep's status and table
(its points' jobs and results, from ``jobs`` and ``results``)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

import duckdb
import msgspec

from jost.contracts import JobSubmitted, Summary
from jost.contracts.sweeps import (
    SweepPage,
    SweepPoint,
    SweepResults,
    SweepRow,
    SweepState,
    SweepStatus,
    SweepSubmitted,
)
from jost.platform.fold import json_text, utc_naive
from jost.platform.lifecycle import TERMINAL
from jost.platform.projection import Projection, record_submissions

_fact = msgspec.json.Decoder(SweepSubmitted)
_summary = msgspec.json.Decoder(Summary)
_points = msgspec.json.Decoder(dict[str, Any])


# -- Intake ---------------------------------------------------------------------------------------


def accept(
    projection: Projection, fact: SweepSubmitted, jobs: list[JobSubmitted]
) -> SweepSubmitted | None:
    """Record a sweep and its points' jobs in one transaction, before the 202. None when the
    sweep is new; else the fact recorded first under its id (one Idempotency-Key, one sweep,
    whatever the concurrency), and nothing is written."""

    def record(cur: duckdb.DuckDBPyConnection) -> SweepSubmitted | None:
        inserted = cur.execute(
            "INSERT INTO sweep_intake VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING "
            "RETURNING sweep_id",
            [fact.sweep_id, fact.owner, utc_naive(fact.at), json_text(fact)],
        ).fetchall()
        if not inserted:
            (stored,) = cur.execute(
                "SELECT event FROM sweep_intake WHERE sweep_id = ?", [fact.sweep_id]
            ).fetchone() or (None,)
            return _fact.decode(stored)
        record_submissions(cur, jobs)
        return None

    return projection.write(record)


def submitted_jobs(projection: Projection, job_ids: list[str]) -> list[JobSubmitted]:
    """The points' jobs as recorded at intake, in the order of ``job_ids``."""
    rows = dict(
        projection.cursor()
        .execute(
            "SELECT job_id, event FROM submissions WHERE job_id IN (SELECT unnest(?::VARCHAR[]))",
            [job_ids],
        )
        .fetchall()
    )
    return [msgspec.json.decode(rows[j], type=JobSubmitted) for j in job_ids if j in rows]


def unfolded(projection: Projection, sweep_id: str, job_ids: list[str]) -> tuple[bool, set[str]]:
    """Whether the sweep's fact is folded, and which of ``job_ids`` are not folded yet (the
    facts to append again when a resubmission finds them missing from the log)."""
    cur = projection.cursor()
    folded = bool(cur.execute("SELECT 1 FROM sweeps WHERE sweep_id = ?", [sweep_id]).fetchall())
    present = {
        j
        for (j,) in cur.execute(
            "SELECT job_id FROM jobs WHERE job_id IN (SELECT unnest(?::VARCHAR[]))", [job_ids]
        ).fetchall()
    }
    return folded, set(job_ids) - present


# -- Fold -----------------------------------------------------------------------------------------


def fold_sweeps(cur: duckdb.DuckDBPyConnection, facts: list[SweepSubmitted]) -> None:
    """Fold a batch's sweep facts (inside the projection's transaction): the first fact of a
    sweep stands, copies change nothing."""
    cur.execute(
        "INSERT INTO sweeps SELECT * FROM (SELECT unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), "
        "unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::INTEGER[]), unnest(?::VARCHAR[]), "
        "unnest(?::TIMESTAMP[])) ON CONFLICT DO NOTHING",
        [
            [f.sweep_id for f in facts],
            [f.owner for f in facts],
            [f.name for f in facts],
            [json_text(f.axes) for f in facts],
            [len(f.points) for f in facts],
            [f.idempotency_key for f in facts],
            [utc_naive(f.at) for f in facts],
        ],
    )
    points = [(f.sweep_id, p) for f in facts for p in f.points]
    cur.execute(
        "INSERT INTO sweep_points SELECT * FROM (SELECT unnest(?::VARCHAR[]), "
        "unnest(?::INTEGER[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::BIGINT[]), "
        "unnest(?::INTEGER[])) ON CONFLICT DO NOTHING",
        [
            [s for s, _ in points],
            [p.index for _, p in points],
            [p.job_id for _, p in points],
            [json_text(p.values) for _, p in points],
            [p.rounds for _, p in points],
            [p.shards for _, p in points],
        ],
    )


# -- Restore --------------------------------------------------------------------------------------


def restorable(projection: Projection) -> list[SweepSubmitted]:
    """Every sweep fact this file knows (recorded here or archived from the log), each once,
    oldest first: what a new log needs so that the sweeps stay readable and a replay of it
    rebuilds them."""
    rows = (
        projection.cursor()
        .execute(
            "SELECT event FROM sweep_intake UNION ALL "
            "SELECT body FROM events WHERE kind = 'SweepSubmitted'"
        )
        .fetchall()
    )
    facts: dict[str, SweepSubmitted] = {}
    for (body,) in rows:
        fact = _fact.decode(body)
        facts.setdefault(fact.event_id, fact)
    return sorted(facts.values(), key=lambda f: (f.at, f.sweep_id))


# -- Reads ----------------------------------------------------------------------------------------


class _Sweep(msgspec.Struct, frozen=True, kw_only=True):
    sweep_id: str
    name: str
    axes: dict[str, list[Any]]
    submitted_at: datetime
    points: list[SweepPoint]


class _Job(msgspec.Struct, frozen=True, kw_only=True):
    status: str
    shards_done: int
    shards_total: int | None
    finished_at: datetime | None


def _utc(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC)


def _sweep(cur: duckdb.DuckDBPyConnection, owner: str, sweep_id: str) -> _Sweep | None:
    """The sweep as folded; else as accepted and not folded yet; None when ``owner`` has no
    such sweep."""
    row = cur.execute(
        "SELECT name, axes, submitted_at FROM sweeps WHERE sweep_id = ? AND owner = ?",
        [sweep_id, owner],
    ).fetchone()
    if row is not None:
        name, axes, submitted_at = row
        points = [
            SweepPoint(index=i, job_id=j, values=_points.decode(v), rounds=r, shards=s)
            for i, j, v, r, s in cur.execute(
                "SELECT point, job_id, axis_values, rounds, shards FROM sweep_points "
                "WHERE sweep_id = ? ORDER BY point",
                [sweep_id],
            ).fetchall()
        ]
        return _Sweep(
            sweep_id=sweep_id,
            name=name,
            axes=msgspec.json.decode(axes),
            submitted_at=_utc(submitted_at),
            points=points,
        )
    row = cur.execute(
        "SELECT event FROM sweep_intake WHERE sweep_id = ? AND owner = ?", [sweep_id, owner]
    ).fetchone()
    if row is None:
        return None
    fact = _fact.decode(row[0])
    return _Sweep(
        sweep_id=sweep_id,
        name=fact.name,
        axes=fact.axes,
        submitted_at=fact.at.astimezone(UTC),
        points=fact.points,
    )


def _jobs(cur: duckdb.DuckDBPyConnection, sweep: _Sweep) -> dict[str, _Job]:
    rows = cur.execute(
        "SELECT job_id, status, shards_done, shards_total, finished_at FROM jobs "
        "WHERE job_id IN (SELECT unnest(?::VARCHAR[]))",
        [[p.job_id for p in sweep.points]],
    ).fetchall()
    return {
        job_id: _Job(
            status=status,
            shards_done=done,
            shards_total=total,
            finished_at=_utc(finished) if finished else None,
        )
        for job_id, status, done, total, finished in rows
    }


_WAITING = _Job(status="submitted", shards_done=0, shards_total=None, finished_at=None)


def _state(statuses: list[str]) -> SweepState:
    if any(s not in TERMINAL for s in statuses):
        return "running"
    if "failed" in statuses:
        return "failed"
    if "cancelled" in statuses:
        return "cancelled"
    return "completed"


def _status(sweep: _Sweep, jobs: dict[str, _Job]) -> SweepStatus:
    points = [(p, jobs.get(p.job_id, _WAITING)) for p in sweep.points]
    statuses = [j.status for _, j in points]
    state = _state(statuses)
    ends = [j.finished_at for _, j in points if j.finished_at is not None]
    return SweepStatus(
        sweep_id=sweep.sweep_id,
        name=sweep.name,
        status=state,
        axes=sweep.axes,
        points=len(points),
        points_completed=statuses.count("completed"),
        points_failed=statuses.count("failed"),
        points_cancelled=statuses.count("cancelled"),
        shards_done=sum(j.shards_done for _, j in points),
        shards_total=sum(j.shards_total or p.shards for p, j in points),
        rounds=sum(p.rounds for p, _ in points),
        submitted_at=sweep.submitted_at,
        finished_at=max(ends) if state != "running" and ends else None,
    )


def sweep_status(cur: duckdb.DuckDBPyConnection, owner: str, sweep_id: str) -> SweepStatus | None:
    sweep = _sweep(cur, owner, sweep_id)
    return None if sweep is None else _status(sweep, _jobs(cur, sweep))


def sweep_results(cur: duckdb.DuckDBPyConnection, owner: str, sweep_id: str) -> SweepResults | None:
    sweep = _sweep(cur, owner, sweep_id)
    if sweep is None:
        return None
    jobs = _jobs(cur, sweep)
    summaries = {
        job_id: _summary.decode(summary)
        for job_id, summary in cur.execute(
            "SELECT job_id, summary FROM results WHERE job_id IN (SELECT unnest(?::VARCHAR[]))",
            [[p.job_id for p in sweep.points]],
        ).fetchall()
    }
    rows = []
    for p in sweep.points:
        status = jobs.get(p.job_id, _WAITING).status
        s = summaries.get(p.job_id)
        figures: dict[str, Any] = {}
        if s is not None:
            figures = {
                "rounds": s.rounds,
                "ev": s.ev,
                "ev_stderr": s.ev_stderr,
                "ev_ci95_low": s.ev_ci95_low,
                "ev_ci95_high": s.ev_ci95_high,
                "win_per_100": s.win_per_100,
                "sd_per_100": s.sd_per_100,
                "score": s.score,
                "n0": s.n0,
                "ror": s.risk.ror_formula if s.risk is not None else None,
            }
        rows.append(
            SweepRow(index=p.index, job_id=p.job_id, values=p.values, status=status, **figures)
        )
    return SweepResults(
        sweep_id=sweep_id,
        status=_state([r.status for r in rows]),
        axes=list(sweep.axes),
        rows=rows,
    )


def sweep_page(cur: duckdb.DuckDBPyConnection, owner: str, offset: int, limit: int) -> SweepPage:
    ids = cur.execute(
        "SELECT sweep_id FROM (SELECT sweep_id, submitted_at AS since FROM sweeps WHERE owner = ? "
        "UNION ALL SELECT sweep_id, accepted_at FROM sweep_intake WHERE owner = ? AND "
        "sweep_id NOT IN (SELECT sweep_id FROM sweeps)) ORDER BY since DESC, sweep_id "
        "LIMIT ? OFFSET ?",
        [owner, owner, limit + 1, offset],
    ).fetchall()
    more = len(ids) > limit
    sweeps = [sweep_status(cur, owner, sweep_id) for (sweep_id,) in ids[:limit]]
    return SweepPage(
        sweeps=[s for s in sweeps if s is not None],
        offset=offset,
        limit=limit,
        next_offset=offset + limit if more else None,
    )


CSV_FIGURES = (
    "job_id",
    "status",
    "rounds",
    "ev",
    "ev_stderr",
    "ev_ci95_low",
    "ev_ci95_high",
    "win_per_100",
    "sd_per_100",
    "score",
    "n0",
    "ror",
)


def _cell(value: Any) -> Any:
    """A CSV cell: numbers and text as they are (a float's repr reads back exactly), None
    empty, anything else (a list, an object, a boolean) as JSON."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return json_text(value)
    return value


def results_csv(results: SweepResults) -> str:
    """The table as CSV: ``index``, the axes' paths, then ``CSV_FIGURES``; one row per point."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["index", *results.axes, *CSV_FIGURES])
    for row in results.rows:
        writer.writerow(
            [
                row.index,
                *(_cell(row.values.get(a)) for a in results.axes),
                *(_cell(getattr(row, f)) for f in CSV_FIGURES),
            ]
        )
    return out.getvalue()

"""Index analyses on the platform (issue 17 item 1): the intake the API writes before its 202,
the projection's fold of the analyses' facts, the reads of ``/api/indices/``, and what a
restart restores.

The path: the API records the request (``analysis_intake``) and appends AnalysisSubmitted; a
member of the analysis group (``consumers.analyses``) plans it (the compositions, from the
seed) and appends AnalysisPlanned and one SliceRequested per slice, spread over the log's
partitions so every member takes its share; each slice's partial sums come back as a
SliceCompleted. The fold keeps every slice's sums and, once all are in, merges them in slice
order and finishes (``jost.engine.indices.finish``): a pure function of the facts, so a replay
gives the same row, and the answer is the local ``generate()``'s.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import msgspec

from jost.contracts import SimulationConfig
from jost.contracts.indices import (
    AnalysisEvent,
    AnalysisFailed,
    AnalysisPage,
    AnalysisPlanned,
    AnalysisStatus,
    AnalysisSubmitted,
    GeneratedIndices,
    IndexPlan,
    IndexSums,
    SliceCompleted,
    SliceRequested,
)

if TYPE_CHECKING:
    # Only the API and the fold pass cursors here: a worker imports this module for
    # ``fact_id`` and would load DuckDB (55 ms of the pool's start) for nothing.
    import duckdb

ENDED = ("completed", "failed")
_NAMESPACE = uuid.UUID("0b7f3c52-93e1-5d4a-a3f4-6c2e9d1b7a08")
_json = msgspec.json.Encoder()


def analysis_id_for_key(owner: str, idempotency_key: str) -> str:
    """The same owner and key always name the same analysis."""
    return str(uuid.uuid5(_NAMESPACE, f"indices/{owner}/{idempotency_key}"))


def fact_id(analysis_id: str, kind: str, index: int | None = None) -> str:
    """Deterministic: the same fact emitted twice (a slice run again) has the same id."""
    name = f"{analysis_id}/{kind}" if index is None else f"{analysis_id}/{kind}/{index}"
    return str(uuid.uuid5(_NAMESPACE, name))


def _naive(at: datetime) -> datetime:
    from jost.platform.fold import utc_naive

    return utc_naive(at)


def _system_name(config: SimulationConfig) -> str | None:
    count = config.strategy.count
    if count is None:
        return None
    return count.system if isinstance(count.system, str) else count.system.name


# -- intake (the API, before its 202) ---------------------------------------------------------


def accept(cur: duckdb.DuckDBPyConnection, fact: AnalysisSubmitted) -> AnalysisSubmitted | None:
    """Record an accepted analysis (run under the projection's writer lock). None when it is
    new, else the request recorded first under its id."""
    inserted = cur.execute(
        "INSERT INTO analysis_intake VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING "
        "RETURNING analysis_id",
        [
            fact.analysis_id,
            fact.owner,
            fact.idempotency_key,
            _naive(fact.at),
            _json.encode(fact).decode(),
        ],
    ).fetchall()
    if inserted:
        return None
    row = cur.execute(
        "SELECT event FROM analysis_intake WHERE analysis_id = ?", [fact.analysis_id]
    ).fetchone()
    assert row is not None
    return msgspec.json.decode(row[0], type=AnalysisSubmitted)


def restorable(cur: duckdb.DuckDBPyConnection) -> list[AnalysisSubmitted | SliceCompleted]:
    """Every accepted analysis not completed or failed, oldest first, with the slices it had
    done: a restart appends them to the new log, where the workers plan it again and run only
    the slices not done (each restored result lands ahead of its slice's new request)."""
    rows = cur.execute(
        "SELECT i.analysis_id, i.event FROM analysis_intake i LEFT JOIN analyses a "
        "USING (analysis_id) WHERE a.status IS NULL OR a.status NOT IN ('completed', 'failed') "
        "ORDER BY i.accepted_at, i.analysis_id"
    ).fetchall()
    facts: list[AnalysisSubmitted | SliceCompleted] = []
    for analysis_id, body in rows:
        facts.append(msgspec.json.decode(body, type=AnalysisSubmitted))
        for index, at, seconds, sums in cur.execute(
            "SELECT slice_index, completed_at, seconds, sums FROM analysis_slices "
            "WHERE analysis_id = ? ORDER BY slice_index",
            [analysis_id],
        ).fetchall():
            facts.append(
                SliceCompleted(
                    event_id=fact_id(analysis_id, "SliceCompleted", index),
                    analysis_id=analysis_id,
                    at=at.replace(tzinfo=UTC),
                    sums=msgspec.json.decode(sums, type=IndexSums),
                    seconds=seconds,
                )
            )
    return facts


# -- the fold (the projector, in its transaction) ---------------------------------------------


def fold(cur: duckdb.DuckDBPyConnection, facts: Iterable[AnalysisEvent]) -> None:
    """Fold a batch's new analysis facts (copies are already dropped by the archive); slices
    may come before their plan (another partition), so the end is checked for every analysis
    the batch touched."""
    touched: list[str] = []
    for fact in sorted(facts, key=lambda f: _ORDER[type(f)]):
        if fact.analysis_id not in touched:
            touched.append(fact.analysis_id)
        match fact:
            case AnalysisSubmitted():
                cur.execute(
                    "INSERT INTO analyses (analysis_id, owner, status, per_count, seed, "
                    "count_system, submitted_at, idempotency_key, config) VALUES "
                    "(?, ?, 'submitted', ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    [
                        fact.analysis_id,
                        fact.owner,
                        fact.per_count,
                        fact.seed,
                        _system_name(fact.config),
                        _naive(fact.at),
                        fact.idempotency_key,
                        _json.encode(fact.config).decode(),
                    ],
                )
            case AnalysisPlanned():
                cur.execute(
                    "UPDATE analyses SET plan = ?, compositions_total = ?, slices_total = ?, "
                    "status = CASE WHEN status = 'submitted' THEN 'running' ELSE status END "
                    "WHERE analysis_id = ? AND plan IS NULL",
                    [
                        _json.encode(fact.plan).decode(),
                        fact.plan.compositions,
                        len(fact.plan.slices),
                        fact.analysis_id,
                    ],
                )
            case SliceCompleted():
                cur.execute(
                    "INSERT INTO analysis_slices VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    [
                        fact.analysis_id,
                        fact.sums.index,
                        fact.sums.compositions,
                        _naive(fact.at),
                        fact.seconds,
                        _json.encode(fact.sums).decode(),
                    ],
                )
            case AnalysisFailed():
                cur.execute(
                    "UPDATE analyses SET status = 'failed', error = ?, finished_at = ? "
                    "WHERE analysis_id = ? AND status NOT IN ('completed', 'failed')",
                    [fact.reason, _naive(fact.at), fact.analysis_id],
                )
    for analysis_id in touched:
        _maybe_finish(cur, analysis_id)


_ORDER = {
    AnalysisSubmitted: 0,
    AnalysisPlanned: 1,
    SliceRequested: 2,  # a work item: archived, nothing to fold
    SliceCompleted: 3,
    AnalysisFailed: 4,
}


def _maybe_finish(cur: duckdb.DuckDBPyConnection, analysis_id: str) -> None:
    row = cur.execute(
        "SELECT a.status, a.config, a.plan, a.slices_total, a.submitted_at, count(s.slice_index), "
        "max(s.completed_at) FROM analyses a LEFT JOIN analysis_slices s USING (analysis_id) "
        "WHERE a.analysis_id = ? GROUP BY ALL",
        [analysis_id],
    ).fetchone()
    if row is None:
        return
    status, config, plan, total, submitted_at, done, last = row
    if status in ENDED or plan is None or done < total:
        return
    sums = [
        msgspec.json.decode(body, type=IndexSums)
        for (body,) in cur.execute(
            "SELECT sums FROM analysis_slices WHERE analysis_id = ? ORDER BY slice_index",
            [analysis_id],
        ).fetchall()
    ]
    # Imported here: index generation loads the exact analyzer (numba), and the processes
    # that import this module (the API through its projection, jost run's parent restoring
    # the archive) seldom or never finish an analysis.
    from jost.engine.indices import finish

    try:
        result = finish(
            msgspec.json.decode(config, type=SimulationConfig),
            msgspec.json.decode(plan, type=IndexPlan),
            sums,
            seconds=(last - submitted_at).total_seconds(),
        )
    except Exception as exc:  # a fact, not a stopped projector
        cur.execute(
            "UPDATE analyses SET status = 'failed', error = ?, finished_at = ? "
            "WHERE analysis_id = ?",
            [f"finishing failed: {type(exc).__name__}: {exc}", last, analysis_id],
        )
        return
    cur.execute(
        "UPDATE analyses SET status = 'completed', result = ?, finished_at = ? "
        "WHERE analysis_id = ?",
        [_json.encode(result).decode(), last, analysis_id],
    )


# -- reads ------------------------------------------------------------------------------------

_COLUMNS = (
    "a.analysis_id, a.status, coalesce((SELECT sum(compositions) FROM analysis_slices s "
    "WHERE s.analysis_id = a.analysis_id), 0), a.compositions_total, a.per_count, a.seed, "
    "a.count_system, a.submitted_at, a.finished_at, a.error, a.result"
)


def _status(row: tuple) -> AnalysisStatus:
    ident, status, done, total, per_count, seed, system, at, ended, error, result = row
    return AnalysisStatus(
        analysis_id=ident,
        status=status,
        compositions_done=int(done),
        compositions_total=total,
        per_count=per_count,
        seed=seed,
        count_system=system,
        submitted_at=at,
        finished_at=ended,
        error=error,
        result=None if result is None else msgspec.json.decode(result, type=GeneratedIndices),
    )


def status(cur: duckdb.DuckDBPyConnection, owner: str, analysis_id: str) -> AnalysisStatus | None:
    """The owner's analysis (None: not theirs, or unknown); accepted and not folded yet, it
    is ``submitted``."""
    row = cur.execute(
        f"SELECT {_COLUMNS} FROM analyses a WHERE a.analysis_id = ? AND a.owner = ?",
        [analysis_id, owner],
    ).fetchone()
    if row is not None:
        return _status(row)
    intake = cur.execute(
        "SELECT event FROM analysis_intake WHERE analysis_id = ? AND owner = ?",
        [analysis_id, owner],
    ).fetchone()
    if intake is None:
        return None
    fact = msgspec.json.decode(intake[0], type=AnalysisSubmitted)
    return AnalysisStatus(
        analysis_id=analysis_id,
        status="submitted",
        compositions_done=0,
        compositions_total=None,
        per_count=fact.per_count,
        seed=fact.seed,
        count_system=_system_name(fact.config),
        submitted_at=_naive(fact.at),
    )


def folded(cur: duckdb.DuckDBPyConnection, analysis_id: str) -> bool:
    return bool(
        cur.execute("SELECT 1 FROM analyses WHERE analysis_id = ?", [analysis_id]).fetchall()
    )


def page(cur: duckdb.DuckDBPyConnection, owner: str, offset: int, limit: int) -> AnalysisPage:
    """The owner's analyses, newest first."""
    rows = cur.execute(
        f"SELECT {_COLUMNS} FROM analyses a WHERE a.owner = ? "
        "ORDER BY a.submitted_at DESC, a.analysis_id LIMIT ? OFFSET ?",
        [owner, limit, offset],
    ).fetchall()
    total = cur.execute("SELECT count(*) FROM analyses WHERE owner = ?", [owner]).fetchone()
    return AnalysisPage(analyses=[_status(r) for r in rows], total=total[0] if total else 0)

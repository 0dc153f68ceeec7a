"""The fold of a batch of the log's facts into the projection's tables, set-based: a few
statements per batch whatever its size. Its cost is per statement and per value handed to
DuckDB far more than per row, so a batch's columns go to DuckDB as numpy arrays (a scan of
them costs a fifth of binding each value as a list parameter) and its bulky statistics are
never decoded (``benchmarks/jobs.py --only projector``).

``Projection.apply`` calls it inside its transaction; nothing here commits.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple, Union, get_args

import duckdb
import msgspec
import numpy as np

from jost.contracts import (
    Event,
    JobCancelled,
    JobCompleted,
    JobFailed,
    JobPlanned,
    JobSubmitted,
    ShardCompleted,
    ShardFailed,
    TokenEvent,
    TokenIssued,
    TokenRevoked,
)
from jost.contracts.indices import AnalysisEvent
from jost.contracts.sweeps import SweepSubmitted
from jost.platform.lifecycle import TERMINAL, ending, sql_list

Fact = Event | TokenEvent | SweepSubmitted | AnalysisEvent
"""What a message of ``jost.events`` holds."""


def _raw_view(cls: type, *names: str) -> type:
    """``cls`` with its fields ``names`` kept as the JSON they were logged in. The fold stores
    a shard's statistics as they came and never looks inside them, and decoding them was
    three quarters of the decode of a batch. A subclass, so that ``isinstance`` and ``match``
    see the contract's class (and its name, the tag, is the same)."""
    return msgspec.defstruct(
        cls.__name__,
        [(name, msgspec.Raw) for name in names],
        bases=(cls,),
        kw_only=True,
        gc=False,  # no cycles through a fact: the collector need not track a batch's
    )


_VIEWS: dict[type, type] = {
    ShardCompleted: _raw_view(ShardCompleted, "stats"),
    JobCompleted: _raw_view(JobCompleted, "stats"),
}


def _members(union: Any) -> tuple[type, ...]:
    return get_args(union) or (union,)


DECODER = msgspec.json.Decoder(
    Union[  # noqa: UP007 (a union built from a tuple)
        tuple(
            _VIEWS.get(cls, cls)
            for union in (Event, TokenEvent, SweepSubmitted, AnalysisEvent)
            for cls in _members(union)
        )
    ]
)
"""Decodes a message of the log into a fact (the views above for the bulky ones), or raises
``msgspec.DecodeError``."""


class Logged(NamedTuple):
    """A fact of the batch, where it sits in the log and its message as logged."""

    fact: Any
    partition: int
    offset: int
    raw: bytes


def json_text(obj: object) -> str:
    """A fact's part as JSON text; a raw part (see ``_raw_view``) as it was logged."""
    return msgspec.json.encode(obj).decode()


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def _timestamps(moments: Sequence[datetime]) -> np.ndarray:
    """UTC timestamps for a TIMESTAMP column (a naive moment is read as UTC, as
    ``utc_naive`` reads it): microseconds since the epoch, a sixth of the cost of numpy's
    own conversion of datetimes."""
    micros = ((_in_utc(at) - _EPOCH) // _MICROSECOND for at in moments)
    return np.fromiter(micros, dtype=np.int64, count=len(moments)).astype("datetime64[us]")


def _in_utc(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _texts(values: Sequence[str]) -> np.ndarray:
    return np.array(values, dtype=object)


@contextlib.contextmanager
def _frame(
    cur: duckdb.DuckDBPyConnection, name: str, columns: dict[str, np.ndarray]
) -> Iterator[None]:
    """``columns`` as a table named ``name`` on ``cur`` while the block runs. A column that
    may hold NULL comes as values and a mask: an array of objects with None in it is typed
    by DuckDB from a sample of its rows."""
    cur.register(name, columns)
    try:
        yield
    finally:
        cur.unregister(name)


# -- the archive -----------------------------------------------------------------------------

INDEXED_LOOKUP = 256
"""Up to this many ids the archive is asked for each by its primary key: DuckDB's index
answers in a few milliseconds however long the archive is. For more, one scan of the
archive's ids (30 ms per million events here) costs less than planning the lookups."""


def _archived(cur: duckdb.DuckDBPyConnection, ids: list[str]) -> set[str]:
    """Which of ``ids`` the archive holds already."""
    if len(ids) <= INDEXED_LOOKUP:
        rows = cur.execute(
            f"SELECT event_id FROM events WHERE event_id IN ({', '.join('?' * len(ids))})", ids
        ).fetchall()
    else:
        rows = cur.execute(
            "SELECT event_id FROM events WHERE event_id IN (SELECT unnest(?::VARCHAR[]))", [ids]
        ).fetchall()
    return {event_id for (event_id,) in rows}


def archive(cur: duckdb.DuckDBPyConnection, batch: list[Logged], last_seq: int) -> list[Logged]:
    """Insert the batch's new facts into the archive, numbered on from ``last_seq``, the
    archive's last (``seq``: the archive's order, which survives a restored log); returns
    them in log order. A fact whose id is archived already is a copy and changes nothing."""
    if not batch:
        return []
    known = _archived(cur, [b.fact.event_id for b in batch])
    new = [b for b in batch if b.fact.event_id not in known] if known else batch
    if not new:
        return []
    facts = [b.fact for b in new]
    jobs = [getattr(f, "job_id", None) for f in facts]  # a token's fact has no job
    shards = [getattr(f, "shard_index", None) for f in facts]
    columns = {
        "event_id": _texts([f.event_id for f in facts]),
        "job_id": _texts([job or "" for job in jobs]),
        "has_job": np.array([job is not None for job in jobs], dtype=bool),
        "kind": _texts([type(f).__name__ for f in facts]),
        "shard_index": np.array([shard or 0 for shard in shards], dtype=np.int64),
        "has_shard": np.array([shard is not None for shard in shards], dtype=bool),
        "log_partition": np.array([b.partition for b in new], dtype=np.int32),
        "log_offset": np.array([b.offset for b in new], dtype=np.int64),
        "emitted_at": _timestamps([f.at for f in facts]),
        "schema_version": np.array([f.schema_version for f in facts], dtype=np.int32),
        "body": _texts([b.raw.decode() for b in new]),
        "seq": np.arange(last_seq + 1, last_seq + 1 + len(new), dtype=np.int64),
    }
    with _frame(cur, "fold_events", columns):
        cur.execute(
            "INSERT INTO events SELECT event_id, CASE WHEN has_job THEN job_id END, kind, "
            "CASE WHEN has_shard THEN shard_index END, log_partition, log_offset, emitted_at, "
            "schema_version, body, seq FROM fold_events"
        )
    return new


# -- the jobs' tables ------------------------------------------------------------------------


def canonical_runs(batch: list[Logged]) -> list[list[Logged]]:
    """The batch cut, in order, into the fewest runs in canonical order: per job, at most one
    JobSubmitted, first among the job's events in the run, and at most one JobPlanned, before
    any of the job's shard events. Every log the platform writes is one run (the coordinator
    appends JobPlanned after reading JobSubmitted and before requesting shards); within a run
    the set-based fold of ``fold_jobs`` gives exactly what folding one event after the other
    gives (the other effects commute), so folding the runs one after the other is the fold of
    the log, whatever the batch cuts."""
    runs: list[list[Logged]] = []
    seen: dict[str, set[str]] = {}
    for logged in batch:
        kind = type(logged.fact).__name__
        kinds = seen.get(logged.fact.job_id, set())
        breaks = (kind == "JobSubmitted" and kinds) or (
            kind == "JobPlanned" and kinds & {"JobPlanned", "ShardCompleted", "ShardFailed"}
        )
        if breaks or not runs:
            runs.append([])
            seen = {}
            kinds = set()
        runs[-1].append(logged)
        kinds.add(kind)
        seen[logged.fact.job_id] = kinds
    return runs


ShardKey = tuple[str, int]


def fold_jobs(cur: duckdb.DuckDBPyConnection, run: list[Logged]) -> None:
    """The fold of a run in canonical order (see ``canonical_runs``), a few statements per
    run instead of a few per event. Where the one-by-one fold lets the first fact win (a
    shard's completion, a job's end) the first in log order is kept; where it lets the last
    win (a shard's failure message) the last."""
    submitted: list[JobSubmitted] = []
    planned: list[JobPlanned] = []
    failed: dict[ShardKey, ShardFailed] = {}
    completed: dict[ShardKey, ShardCompleted] = {}
    finished: dict[str, JobCompleted | JobFailed | JobCancelled] = {}
    for logged in run:
        match event := logged.fact:
            case JobSubmitted():
                submitted.append(event)
            case JobPlanned():
                planned.append(event)
            case ShardFailed():
                failed[(event.job_id, event.shard_index)] = event
            case ShardCompleted():
                completed.setdefault((event.job_id, event.shard_index), event)
            case JobCompleted() | JobFailed() | JobCancelled():
                finished.setdefault(event.job_id, event)

    if submitted:
        _fold_submitted(cur, submitted)
    counts: Counter[str] = Counter()
    if planned:
        counts += _fold_planned(cur, planned, failed, completed)
    if failed:
        _fold_failed(cur, list(failed.values()))
    if completed:
        counts += _fold_completed(cur, list(completed.values()))
    if counts:
        cur.execute(
            "UPDATE jobs SET shards_done = shards_done + c.n FROM (SELECT "
            "unnest(?::VARCHAR[]) AS job_id, unnest(?::INTEGER[]) AS n) AS c "
            "WHERE jobs.job_id = c.job_id",
            [list(counts), list(counts.values())],
        )
    if finished:
        _fold_finished(cur, finished)


def _fold_submitted(cur: duckdb.DuckDBPyConnection, submitted: list[JobSubmitted]) -> None:
    keys = [e.idempotency_key for e in submitted]
    columns = {
        "job_id": _texts([e.job_id for e in submitted]),
        "owner": _texts([e.owner for e in submitted]),
        "rounds": np.array([e.config.rounds for e in submitted], dtype=np.int64),
        "seed": np.array([e.config.seed for e in submitted], dtype=np.int64),
        "submitted_at": _timestamps([e.at for e in submitted]),
        "idempotency_key": _texts([key or "" for key in keys]),
        "keyed": np.array([key is not None for key in keys], dtype=bool),
        "config": _texts([json_text(e.config) for e in submitted]),
    }
    with _frame(cur, "fold_submitted", columns):
        cur.execute(
            "INSERT INTO jobs SELECT job_id, owner, 'submitted', rounds, seed, NULL, 0, "
            "submitted_at, NULL, NULL, CASE WHEN keyed THEN idempotency_key END, NULL, config "
            "FROM fold_submitted ON CONFLICT DO NOTHING"
        )


def _fold_planned(
    cur: duckdb.DuckDBPyConnection,
    planned: list[JobPlanned],
    failed: dict[ShardKey, ShardFailed],
    completed: dict[ShardKey, ShardCompleted],
) -> Counter[str]:
    """Plan the jobs, and write their shards' rows as the run leaves them: a shard planned,
    failed and completed in one run is one row inserted, not a row inserted and then
    upserted twice. Takes the shards it wrote out of ``failed`` and ``completed``; returns
    how many of each job's it wrote completed."""
    cur.execute(
        "UPDATE jobs SET shards_total = p.total, planned_at = p.ts, status = CASE WHEN "
        "jobs.status = 'submitted' THEN 'running' ELSE jobs.status END FROM (SELECT "
        "unnest(?::VARCHAR[]) AS job_id, unnest(?::INTEGER[]) AS total, "
        "unnest(?::TIMESTAMP[]) AS ts) AS p WHERE jobs.job_id = p.job_id",
        [
            [e.job_id for e in planned],
            [len(e.shard_rounds) for e in planned],
            [utc_naive(e.at) for e in planned],
        ],
    )
    keys = [(e.job_id, i) for e in planned for i in range(len(e.shard_rounds))]
    done = [completed.get(key) for key in keys]
    failures = [failed.get(key) for key in keys]
    columns = {
        "job_id": _texts([job for job, _ in keys]),
        "shard_index": np.array([i for _, i in keys], dtype=np.int32),
        "rounds": np.array([r for e in planned for r in e.shard_rounds], dtype=np.int64),
        "done": np.array([c is not None for c in done], dtype=bool),
        "failed": np.array([f is not None for f in failures], dtype=bool),
        "completed_at": _timestamps([c.at if c else _EPOCH for c in done]),
        "seconds": np.array([c.seconds if c else 0.0 for c in done], dtype=np.float64),
        "error": _texts([f.error if f else "" for f in failures]),
        "stats": _texts([json_text(c.stats) if c else "" for c in done]),
    }
    with _frame(cur, "fold_shards", columns):
        # A row already there (a shard's fact folded before its plan: no log the platform
        # writes has one) is kept, and the run's facts about it are folded as any other's.
        written = cur.execute(
            "INSERT INTO shards SELECT job_id, shard_index, rounds, CASE WHEN done THEN "
            "'completed' WHEN failed THEN 'failed' ELSE 'pending' END, CASE WHEN done THEN "
            "completed_at END, CASE WHEN done THEN seconds END, CASE WHEN failed AND NOT done "
            "THEN error END, CASE WHEN done THEN stats END FROM fold_shards "
            "ON CONFLICT DO NOTHING RETURNING job_id, shard_index"
        ).fetchall()
    counts: Counter[str] = Counter()
    for key in written:
        failed.pop(key, None)
        if completed.pop(key, None) is not None:
            counts[key[0]] += 1
    return counts


def _fold_failed(cur: duckdb.DuckDBPyConnection, failures: list[ShardFailed]) -> None:
    # Before the completions: a failure never overrides a completed shard, and a later
    # completion overrides a failure, whichever came first in the run.
    cur.execute(
        "UPDATE shards SET status = 'failed', error = f.error FROM (SELECT "
        "unnest(?::VARCHAR[]) AS job_id, unnest(?::INTEGER[]) AS shard_index, "
        "unnest(?::VARCHAR[]) AS error) AS f WHERE shards.job_id = f.job_id AND "
        "shards.shard_index = f.shard_index AND shards.status <> 'completed'",
        [
            [e.job_id for e in failures],
            [e.shard_index for e in failures],
            [e.error for e in failures],
        ],
    )


def _fold_completed(cur: duckdb.DuckDBPyConnection, done: list[ShardCompleted]) -> Counter[str]:
    """Complete the shards of jobs planned in an earlier run; returns how many of each job's
    completed for the first time (only those count)."""
    columns = {
        "job_id": _texts([e.job_id for e in done]),
        "shard_index": np.array([e.shard_index for e in done], dtype=np.int32),
        "rounds": np.array([e.rounds for e in done], dtype=np.int64),
        "completed_at": _timestamps([e.at for e in done]),
        "seconds": np.array([e.seconds for e in done], dtype=np.float64),
        "stats": _texts([json_text(e.stats) for e in done]),
    }
    with _frame(cur, "fold_completed", columns):
        rows = cur.execute(
            "INSERT INTO shards SELECT job_id, shard_index, rounds, 'completed', completed_at, "
            "seconds, NULL, stats FROM fold_completed "
            "ON CONFLICT (job_id, shard_index) DO UPDATE SET status = 'completed', "
            "completed_at = excluded.completed_at, seconds = excluded.seconds, error = NULL, "
            "stats = excluded.stats WHERE shards.status <> 'completed' RETURNING job_id"
        ).fetchall()
    return Counter(job_id for (job_id,) in rows)


def _fold_finished(
    cur: duckdb.DuckDBPyConnection, finished: dict[str, JobCompleted | JobFailed | JobCancelled]
) -> None:
    ended = cur.execute(
        "UPDATE jobs SET status = t.status, finished_at = t.ts, error = t.error FROM (SELECT "
        "unnest(?::VARCHAR[]) AS job_id, unnest(?::VARCHAR[]) AS status, "
        "unnest(?::TIMESTAMP[]) AS ts, unnest(?::VARCHAR[]) AS error) AS t "
        f"WHERE jobs.job_id = t.job_id AND jobs.status NOT IN {sql_list(TERMINAL)} "
        "RETURNING jobs.job_id",
        [
            list(finished),
            [ending(e) for e in finished.values()],
            [utc_naive(e.at) for e in finished.values()],
            [e.reason if isinstance(e, JobFailed) else None for e in finished.values()],
        ],
    ).fetchall()
    results = [e for (job_id,) in ended if isinstance(e := finished[job_id], JobCompleted)]
    if not results:
        return
    columns = {
        "job_id": _texts([e.job_id for e in results]),
        "rounds": np.array([e.summary.rounds for e in results], dtype=np.int64),
        "ev": np.array([e.summary.ev for e in results], dtype=np.float64),
        "ev_stderr": np.array([e.summary.ev_stderr for e in results], dtype=np.float64),
        "completed_at": _timestamps([e.at for e in results]),
        "summary": _texts([json_text(e.summary) for e in results]),
        "stats": _texts([json_text(e.stats) for e in results]),
    }
    with _frame(cur, "fold_results", columns):
        cur.execute(
            "INSERT INTO results SELECT job_id, rounds, ev, ev_stderr, completed_at, summary, "
            "stats FROM fold_results ON CONFLICT DO NOTHING"
        )


# -- tokens ----------------------------------------------------------------------------------


def fold_tokens(cur: duckdb.DuckDBPyConnection, facts: list[TokenIssued | TokenRevoked]) -> None:
    """The token facts of a batch, in log order: the first issue of a name stands (a name is
    issued once; the intake refuses a second), the first revocation stamps it. A token's facts
    share a key, so its revocation never comes before its issue."""
    issued = [f for f in facts if isinstance(f, TokenIssued)]
    revoked = [f for f in facts if isinstance(f, TokenRevoked)]
    if issued:
        cur.execute(
            "INSERT INTO tokens SELECT * FROM (SELECT unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), "
            "unnest(?::BOOLEAN[]), unnest(?::TIMESTAMP[]), NULL::TIMESTAMP) ON CONFLICT DO NOTHING",
            [
                [f.name for f in issued],
                [f.digest for f in issued],
                [f.admin for f in issued],
                [utc_naive(f.at) for f in issued],
            ],
        )
    if revoked:
        cur.execute(
            "UPDATE tokens SET revoked_at = r.ts FROM (SELECT unnest(?::VARCHAR[]) AS name, "
            "unnest(?::TIMESTAMP[]) AS ts) AS r WHERE tokens.name = r.name AND "
            "tokens.revoked_at IS NULL",
            [[f.name for f in revoked], [utc_naive(f.at) for f in revoked]],
        )


def utc_naive(at: datetime) -> datetime:
    """``at`` in UTC without its zone, as the projection's TIMESTAMP columns hold it."""
    if at.tzinfo is UTC:  # as the log's facts decode: the fold's common case, made cheap
        return at.replace(tzinfo=None)
    return at.astimezone(UTC).replace(tzinfo=None) if at.tzinfo else at

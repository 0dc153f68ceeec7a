"""The DuckDB projection of ``jost.events``: a pure fold of the log into ``jobs``, ``shards``,
``events`` and ``results``.

Applying a batch writes its rows and the next offsets in one transaction, so a restart neither
loses nor folds anything twice; an event whose id is already archived changes nothing, so a
duplicate in the log (a shard run twice) is harmless.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import msgspec

from jost.contracts import (
    Event,
    JobCancelled,
    JobCompleted,
    JobFailed,
    JobPlanned,
    JobSubmitted,
    ShardCompleted,
    ShardFailed,
)
from jost.platform.migrations import migrate

TABLES = ("jobs", "shards", "events", "results")
TERMINAL = ("completed", "failed", "cancelled")


class Record(msgspec.Struct, frozen=True):
    """One message of the log: where it sits and its raw value."""

    topic: str
    partition: int
    offset: int
    value: bytes


def utc_naive(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(tzinfo=None) if at.tzinfo else at


def _json(obj: object) -> str:
    return msgspec.json.encode(obj).decode()


class Projection:
    """Owns the DuckDB file: the only writer. Readers take ``cursor()`` (one per thread)."""

    def __init__(self, path: str | Path, *, lock_down: bool = False) -> None:
        self.path = str(path)
        self._con = duckdb.connect(self.path)
        migrate(self._con)
        if lock_down:
            # The API runs players' SQL on this database: no file or network access, and no
            # statement may turn that back on.
            self._con.execute("SET enable_external_access = false")
            self._con.execute("SET lock_configuration = true")
        self._lock = threading.Lock()
        self._decoder = msgspec.json.Decoder(Event)

    def cursor(self) -> duckdb.DuckDBPyConnection:
        return self._con.cursor()

    def close(self) -> None:
        with self._lock:
            self._con.close()

    def offsets(self, topic: str) -> dict[int, int]:
        rows = (
            self._con.cursor()
            .execute(
                "SELECT log_partition, next_offset FROM projector_offsets WHERE topic = ?", [topic]
            )
            .fetchall()
        )
        return dict(rows)

    def bind_log(self, topic: str, cluster_id: str) -> bool:
        """Record which cluster's log the offsets of ``topic`` refer to; when it is another
        cluster than last time, forget the old offsets (returns True then)."""
        with self._lock:
            cur = self._con.cursor()
            row = cur.execute(
                "SELECT cluster_id FROM projector_log WHERE topic = ?", [topic]
            ).fetchone()
            if row is not None and row[0] == cluster_id:
                return False
            cur.execute("BEGIN TRANSACTION")
            cur.execute("DELETE FROM projector_offsets WHERE topic = ?", [topic])
            cur.execute(
                "INSERT INTO projector_log VALUES (?, ?) ON CONFLICT (topic) "
                "DO UPDATE SET cluster_id = excluded.cluster_id",
                [topic, cluster_id],
            )
            cur.execute("COMMIT")
            return row is not None

    def apply(self, records: Iterable[Record]) -> int:
        """Fold a batch in one transaction; returns how many new events it applied. Records
        that do not decode as events are skipped (their offsets still advance): the log is
        shared and a stray message must not stop the projection."""
        applied = 0
        with self._lock:
            cur = self._con.cursor()
            cur.execute("BEGIN TRANSACTION")
            try:
                next_offsets: dict[tuple[str, int], int] = {}
                for rec in records:
                    next_offsets[(rec.topic, rec.partition)] = rec.offset + 1
                    try:
                        event = self._decoder.decode(rec.value)
                    except msgspec.DecodeError:
                        continue
                    applied += _fold(cur, event, rec.partition, rec.offset, rec.value)
                for (topic, partition), nxt in next_offsets.items():
                    cur.execute(
                        "INSERT INTO projector_offsets VALUES (?, ?, ?) ON CONFLICT "
                        "(topic, log_partition) DO UPDATE SET next_offset = excluded.next_offset",
                        [topic, partition, nxt],
                    )
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise
        return applied


def _fold(
    cur: duckdb.DuckDBPyConnection, event: Event, partition: int, offset: int, raw: bytes
) -> int:
    at = utc_naive(event.at)
    shard_index = getattr(event, "shard_index", None)
    # The archive insert is also the duplicate check: a known event id inserts nothing.
    new = cur.execute(
        "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING "
        "RETURNING event_id",
        [
            event.event_id,
            event.job_id,
            type(event).__name__,
            shard_index,
            partition,
            offset,
            at,
            event.schema_version,
            raw.decode(),
        ],
    ).fetchall()
    if not new:
        return 0
    match event:
        case JobSubmitted():
            cur.execute(
                "INSERT INTO jobs VALUES (?, ?, 'submitted', ?, ?, NULL, 0, ?, NULL, NULL, ?, "
                "NULL, ?) ON CONFLICT DO NOTHING",
                [
                    event.job_id,
                    event.owner,
                    event.config.rounds,
                    event.config.seed,
                    at,
                    event.idempotency_key,
                    _json(event.config),
                ],
            )
        case JobPlanned():
            cur.execute(
                "UPDATE jobs SET shards_total = ?, planned_at = ?, status = CASE WHEN status = "
                "'submitted' THEN 'running' ELSE status END WHERE job_id = ?",
                [len(event.shard_rounds), at, event.job_id],
            )
            for index, rounds in enumerate(event.shard_rounds):
                cur.execute(
                    "INSERT INTO shards VALUES (?, ?, ?, 'pending', NULL, NULL, NULL, NULL) "
                    "ON CONFLICT DO NOTHING",
                    [event.job_id, index, rounds],
                )
        case ShardCompleted():
            # A second ShardCompleted of one shard (another event id) leaves the first
            # standing; only a shard completed for the first time counts.
            changed = cur.execute(
                "INSERT INTO shards VALUES (?, ?, ?, 'completed', ?, ?, NULL, ?) "
                "ON CONFLICT (job_id, shard_index) DO UPDATE SET status = 'completed', "
                "completed_at = excluded.completed_at, seconds = excluded.seconds, "
                "error = NULL, stats = excluded.stats WHERE shards.status <> 'completed' "
                "RETURNING shard_index",
                [
                    event.job_id,
                    event.shard_index,
                    event.rounds,
                    at,
                    event.seconds,
                    _json(event.stats),
                ],
            ).fetchall()
            if changed:
                cur.execute(
                    "UPDATE jobs SET shards_done = shards_done + 1 WHERE job_id = ?",
                    [event.job_id],
                )
        case ShardFailed():
            cur.execute(
                "UPDATE shards SET status = 'failed', error = ? WHERE job_id = ? AND "
                "shard_index = ? AND status <> 'completed'",
                [event.error, event.job_id, event.shard_index],
            )
        case JobCompleted():
            if _finish(cur, event.job_id, "completed", at, None):
                cur.execute(
                    "INSERT INTO results VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    [
                        event.job_id,
                        event.summary.rounds,
                        event.summary.ev,
                        event.summary.ev_stderr,
                        at,
                        _json(event.summary),
                        _json(event.stats),
                    ],
                )
        case JobFailed():
            _finish(cur, event.job_id, "failed", at, event.reason)
        case JobCancelled():
            _finish(cur, event.job_id, "cancelled", at, None)
    return 1


def _finish(
    cur: duckdb.DuckDBPyConnection, job_id: str, status: str, at: datetime, error: str | None
) -> bool:
    """The first terminal fact wins: a job cancelled before its last shard stays cancelled."""
    rows = cur.execute(
        "UPDATE jobs SET status = ?, finished_at = ?, error = ? WHERE job_id = ? AND "
        "status NOT IN ('completed', 'failed', 'cancelled') RETURNING job_id",
        [status, at, error, job_id],
    ).fetchall()
    return bool(rows)

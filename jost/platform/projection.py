"""The DuckDB projection of ``jost.events``: a pure fold of the log into ``jobs``, ``shards``,
``events`` and ``results``.

Applying a batch writes its rows and the next offsets in one transaction, so a restart neither
loses nor folds anything twice; an event whose id is already archived changes nothing, so a
duplicate in the log (a shard run twice) is harmless.
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple, TypeVar

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
    TokenEvent,
    TokenIssued,
    TokenRevoked,
)
from jost.contracts.indices import AnalysisEvent
from jost.contracts.sweeps import SweepSubmitted
from jost.platform import analyses
from jost.platform.events import encode
from jost.platform.lifecycle import ENDING, TERMINAL, sql_list
from jost.platform.migrations import migrate

T = TypeVar("T")

TABLES = (
    "jobs",
    "shards",
    "events",
    "results",
    "tokens",
    "sweeps",
    "sweep_points",
    "analyses",
    "analysis_slices",
)
"""The tables the fold writes: a replay of the log gives them equal, row for row."""


class Record(msgspec.Struct, frozen=True):
    """One message of the log: where it sits and its raw value."""

    topic: str
    partition: int
    offset: int
    value: bytes


def utc_naive(at: datetime) -> datetime:
    if at.tzinfo is UTC:  # as the log's facts decode: the fold's common case, made cheap
        return at.replace(tzinfo=None)
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
            # Bounded working memory and spill files (for the whole database: DuckDB has no
            # per-query limit; the projector's writes are small), and memory handed back to
            # the system soon after a heavy query rather than kept by the allocator.
            self._con.execute("SET memory_limit = '256MiB'")
            self._con.execute("SET max_temp_directory_size = '1GiB'")
            self._con.execute("SET allocator_flush_threshold = '16MiB'")
            self._con.execute("SET allocator_background_threads = true")
            self._con.execute("SET lock_configuration = true")
        self._lock = threading.Lock()
        """The fold's: held by a writer of the tables the fold writes (and ``projector_*``)."""
        self._intake_lock = threading.Lock()
        """The intake's: held by a writer of ``submissions``. Apart from the fold's, since
        DuckDB runs two transactions that write different tables side by side (each on a
        cursor of its own): a job's acceptance never waits for a fold, which takes tens of
        milliseconds, and the fold never waits for it."""
        self._queue_lock = threading.Lock()
        self._queue: list[_Intake] = []
        """Jobs waiting for ``accept``'s next group commit."""
        self._leading = False
        """Whether a caller of ``accept`` is writing the queue (under ``_queue_lock``)."""
        self._decoder = msgspec.json.Decoder(Event | TokenEvent | SweepSubmitted | AnalysisEvent)
        (self._last_seq,) = self._con.execute(
            "SELECT coalesce(max(seq), 0) FROM events"
        ).fetchone() or (0,)
        """The archive's last ``seq``, kept here rather than found by each fold (a scan of
        the whole archive): this process is the only writer."""
        self.tokens_version = 0
        """Counts the changes to the token tables (intake and fold) this process made: the
        only writer of the file, so a reader that saw the same count sees the same tokens."""

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

    def bind_log(self, topic: str, log_id: str) -> bool:
        """Record which log (``log_identity``: the cluster, and an embedded log's own id) the
        offsets of ``topic`` refer to; when it is another log than last time, forget the old
        offsets (returns True then). The column keeps its first name, cluster_id."""
        with self._lock:
            cur = self._con.cursor()
            row = cur.execute(
                "SELECT cluster_id FROM projector_log WHERE topic = ?", [topic]
            ).fetchone()
            if row is not None and row[0] == log_id:
                return False
            cur.execute("BEGIN TRANSACTION")
            cur.execute("DELETE FROM projector_offsets WHERE topic = ?", [topic])
            cur.execute(
                "INSERT INTO projector_log VALUES (?, ?) ON CONFLICT (topic) "
                "DO UPDATE SET cluster_id = excluded.cluster_id",
                [topic, log_id],
            )
            cur.execute("COMMIT")
            return row is not None

    def accept(self, event: JobSubmitted) -> JobSubmitted | None:
        """Record a job the API accepts, before its 202 (the durable record a restart resumes
        from). Returns None when the job is new, else the JobSubmitted recorded first under
        its id: one Idempotency-Key, one config, whatever the concurrency (the job id derives
        from the owner and the key; the primary key decides who was first).

        Group commit: concurrent callers queue their job; one of them at a time leads, and
        writes what is queued in one transaction until the queue is empty; the others wait
        for the commit that holds their job, not for the lock."""
        waiting = _Intake(event)
        if self._enqueue(waiting):
            self._commit_queued()
        waiting.finished.wait()
        return waiting.answer()

    async def accept_async(self, event: JobSubmitted) -> JobSubmitted | None:
        """``accept`` for an event loop: a caller waiting for its group's commit holds no
        thread (only the leader writes, in one)."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        waiting = _Intake(event, lambda: loop.call_soon_threadsafe(_wake, done))
        if self._enqueue(waiting):
            await asyncio.to_thread(self._commit_queued)
        await done
        return waiting.answer()

    def _enqueue(self, waiting: _Intake) -> bool:
        """Queue a job for the next group commit; True when the caller is to lead it."""
        with self._queue_lock:
            self._queue.append(waiting)
            lead = not self._leading
            self._leading = True
        return lead

    def _commit_queued(self) -> None:
        """Lead: write the queue in groups until it is empty. A job queued while the leader
        writes is seen by its next turn, since leading ends only under the queue's lock."""
        while True:
            with self._queue_lock:
                batch, self._queue = self._queue, []
                if not batch:
                    self._leading = False
                    return
            with self._intake_lock:
                try:
                    _accept_all(self._con.cursor(), batch)
                except BaseException as exc:  # never leave a caller waiting
                    _fail_intake(batch, exc)

    def write(self, action: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
        """Run ``action`` on a cursor in one transaction, as the file's one writer (what an
        intake that records many rows at once, a sweep's, needs): it holds the intake's lock
        and the fold's, so it may write ``submissions`` and the fold's tables."""
        with self._intake_lock, self._lock:
            cur = self._con.cursor()
            cur.execute("BEGIN TRANSACTION")
            try:
                done = action(cur)
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            return done

    def record_cancel(self, event: JobCancelled) -> None:
        """Record a cancellation the API accepts, before its 202 (what a restart restores)."""
        with self._lock:
            self._con.cursor().execute(
                "INSERT INTO cancellations VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                [event.job_id, utc_naive(event.at), encode(event).decode()],
            )

    def record_token(self, fact: TokenEvent) -> bool:
        """Record a token fact the API accepts, before its answer and its append (what makes
        it effective at once, and what a restart restores). False when it was recorded
        before, or, for an issue, when the name is taken (recorded here or folded from the
        log)."""
        with self._lock:
            cur = self._con.cursor()
            if isinstance(fact, TokenIssued):
                taken = cur.execute("SELECT 1 FROM tokens WHERE name = ?", [fact.name]).fetchall()
                if taken:
                    return False
            inserted = cur.execute(
                "INSERT INTO token_intake VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING "
                "RETURNING event_id",
                [fact.event_id, fact.name, type(fact).__name__, utc_naive(fact.at), _json(fact)],
            ).fetchall()
            self.tokens_version += 1
            return bool(inserted)

    def forget_token(self, fact: TokenIssued) -> None:
        """Undo ``record_token`` of an issue the log refused: its key was never shown."""
        with self._lock:
            self._con.cursor().execute(
                "DELETE FROM token_intake WHERE event_id = ?", [fact.event_id]
            )
            self.tokens_version += 1

    def apply(self, records: Iterable[Record]) -> int:
        """Fold a batch in one transaction; returns how many new events it applied. Records
        that do not decode as events are skipped (their offsets still advance): the log is
        shared and a stray message must not stop the projection."""
        next_offsets: dict[tuple[str, int], int] = {}
        batch: list[_Logged] = []
        seen: set[str] = set()
        for rec in records:
            next_offsets[(rec.topic, rec.partition)] = rec.offset + 1
            try:
                event = self._decoder.decode(rec.value)
            except msgspec.DecodeError:
                continue
            if event.event_id not in seen:  # a copy inside the batch: the first one stands
                seen.add(event.event_id)
                batch.append(_Logged(event, rec.partition, rec.offset, rec.value))
        with self._lock:
            cur = self._con.cursor()
            cur.execute("BEGIN TRANSACTION")
            try:
                archived = new = _archive(cur, batch, self._last_seq)
                if tokens := [
                    b.event for b in new if isinstance(b.event, TokenIssued | TokenRevoked)
                ]:
                    _fold_tokens(cur, tokens)
                    new = [b for b in new if not isinstance(b.event, TokenIssued | TokenRevoked)]
                if found := [b.event for b in new if isinstance(b.event, AnalysisEvent)]:
                    analyses.fold(cur, found)  # an index analysis's facts: no job's
                    new = [b for b in new if not isinstance(b.event, AnalysisEvent)]
                if sweeps := [b.event for b in new if isinstance(b.event, SweepSubmitted)]:
                    from jost.platform.sweeps import fold_sweeps  # it builds on this module

                    fold_sweeps(cur, sweeps)
                    new = [b for b in new if not isinstance(b.event, SweepSubmitted)]
                for run in _canonical_runs(new):
                    _fold_batch(cur, run)
                if next_offsets:
                    cur.execute(
                        "INSERT INTO projector_offsets SELECT * FROM (SELECT "
                        "unnest(?::VARCHAR[]), unnest(?::INTEGER[]), unnest(?::BIGINT[])) "
                        "ON CONFLICT (topic, log_partition) "
                        "DO UPDATE SET next_offset = excluded.next_offset",
                        [
                            [topic for topic, _ in next_offsets],
                            [partition for _, partition in next_offsets],
                            list(next_offsets.values()),
                        ],
                    )
                cur.execute("COMMIT")
                self._last_seq += len(archived)
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            if tokens:  # after the commit: a reader of the new count sees the new rows
                self.tokens_version += 1
        return len(new) + len(tokens) + len(found)


class _Intake:
    """One job waiting in ``accept``'s queue, and what its group commit found."""

    __slots__ = ("error", "event", "finished", "first", "notify")

    def __init__(self, event: JobSubmitted, notify: Callable[[], object] | None = None) -> None:
        self.event = event
        self.finished = threading.Event()
        self.notify = notify
        """Called (from the leader's thread) once the job is settled."""
        self.first: JobSubmitted | None = None
        self.error: BaseException | None = None

    def settle(self) -> None:
        self.finished.set()
        if self.notify is not None:
            self.notify()

    def answer(self) -> JobSubmitted | None:
        if self.error is not None:
            raise self.error
        return self.first


def _wake(done: asyncio.Future[None]) -> None:
    if not done.done():
        done.set_result(None)


def record_submissions(cur: duckdb.DuckDBPyConnection, events: list[JobSubmitted]) -> set[str]:
    """Insert jobs accepted into ``submissions`` (inside the caller's transaction); returns
    the ids that were new (a job id recorded before keeps its first row)."""
    return {
        job_id
        for (job_id,) in cur.execute(
            _SUBMISSIONS_INSERT + " ON CONFLICT DO NOTHING RETURNING job_id",
            _submission_columns(events),
        ).fetchall()
    }


def _insert_submissions(cur: duckdb.DuckDBPyConnection, events: list[JobSubmitted]) -> None:
    """Insert jobs none of which ``submissions`` holds."""
    cur.execute(_SUBMISSIONS_INSERT, _submission_columns(events))


_SUBMISSIONS_INSERT = (
    "INSERT INTO submissions SELECT * FROM (SELECT unnest(?::VARCHAR[]), "
    "unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::BIGINT[]), "
    "unnest(?::TIMESTAMP[]), unnest(?::VARCHAR[]))"
)


def _submission_columns(events: list[JobSubmitted]) -> list[list[object]]:
    return [
        [e.job_id for e in events],
        [e.owner for e in events],
        [e.idempotency_key for e in events],
        [e.config.rounds for e in events],
        [utc_naive(e.at) for e in events],
        [encode(e).decode() for e in events],
    ]


def _accept_all(cur: duckdb.DuckDBPyConnection, batch: list[_Intake]) -> None:
    """Record the batch's jobs in one transaction of their own. Never raises: a failed commit
    is every caller's ``error`` (the leader writes on for the rest)."""
    try:
        try:
            settle = _in_transaction(cur, lambda: _record_intake(cur, batch))
        except duckdb.ConstraintException:
            # A job without a key whose id was recorded before (the same fact accepted
            # twice): every id is looked up this time.
            settle = _in_transaction(cur, lambda: _record_intake(cur, batch, look_up_all=True))
    except BaseException as exc:
        _fail_intake(batch, exc)
        return
    settle()


def _in_transaction(cur: duckdb.DuckDBPyConnection, action: Callable[[], T]) -> T:
    cur.execute("BEGIN TRANSACTION")
    try:
        done = action()
        cur.execute("COMMIT")
    except BaseException:
        cur.execute("ROLLBACK")
        raise
    return done


def _fail_intake(batch: list[_Intake], exc: BaseException) -> None:
    for waiting in batch:
        if not waiting.finished.is_set():
            waiting.error = exc
            waiting.settle()


def _record_intake(
    cur: duckdb.DuckDBPyConnection, batch: list[_Intake], *, look_up_all: bool = False
) -> Callable[[], None]:
    """Insert the batch's jobs inside the caller's transaction; returns what answers their
    callers, to be called once it is committed. The first of a job id (in the table, else
    in the batch) stands; every other caller of that id gets it back as ``first``.

    Only a job submitted under an Idempotency-Key can have been recorded before (a job
    without one has a new random id): those are looked up, under the intake's lock, and the
    rest is a plain insert, less than half the cost of an insert that resolves conflicts
    (which is what ``record_submissions`` does for a sweep's points)."""
    fresh: dict[str, JobSubmitted] = {}
    for waiting in batch:
        fresh.setdefault(waiting.event.job_id, waiting.event)
    keyed = [job_id for job_id, e in fresh.items() if look_up_all or e.idempotency_key is not None]
    stored = dict(
        cur.execute(
            "SELECT job_id, event FROM submissions WHERE job_id IN (SELECT unnest(?::VARCHAR[]))",
            [keyed],
        ).fetchall()
        if keyed
        else []
    )
    new = [e for job_id, e in fresh.items() if job_id not in stored]
    if new:
        _insert_submissions(cur, new)
    inserted = {e.job_id for e in new}

    def settle() -> None:
        for waiting in batch:
            job_id = waiting.event.job_id
            if job_id not in inserted:
                waiting.first = msgspec.json.decode(stored[job_id], type=JobSubmitted)
            elif fresh[job_id] is not waiting.event:
                waiting.first = fresh[job_id]
            waiting.settle()

    return settle


class _Logged(NamedTuple):
    event: Event | TokenEvent | SweepSubmitted | AnalysisEvent
    partition: int
    offset: int
    raw: bytes


def _archive(cur: duckdb.DuckDBPyConnection, batch: list[_Logged], last_seq: int) -> list[_Logged]:
    """Insert the batch's new events into the archive, numbered on from ``last_seq``, the
    archive's last (``seq``: the archive's order, which survives a restored log); returns
    them in log order.
    An event whose id is archived already is a copy and changes nothing. One statement: the
    fold's cost on this path is per statement far more than per row."""
    if not batch:
        return []
    archived = {
        event_id
        for (event_id,) in cur.execute(
            "INSERT INTO events SELECT event_id, job_id, kind, shard_index, log_partition, "
            "log_offset, emitted_at, schema_version, body, ? + row_number() OVER (ORDER BY n) "
            "FROM (SELECT "
            "unnest(?::VARCHAR[]) AS event_id, unnest(?::VARCHAR[]) AS job_id, "
            "unnest(?::VARCHAR[]) AS kind, unnest(?::INTEGER[]) AS shard_index, "
            "unnest(?::INTEGER[]) AS log_partition, unnest(?::BIGINT[]) AS log_offset, "
            "unnest(?::TIMESTAMP[]) AS emitted_at, unnest(?::INTEGER[]) AS schema_version, "
            "unnest(?::VARCHAR[]) AS body, unnest(range(?)) AS n) AS b "
            "WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.event_id = b.event_id) "
            "RETURNING event_id",
            [
                last_seq,
                [b.event.event_id for b in batch],
                [getattr(b.event, "job_id", None) for b in batch],  # a token's fact has no job
                [type(b.event).__name__ for b in batch],
                [getattr(b.event, "shard_index", None) for b in batch],
                [b.partition for b in batch],
                [b.offset for b in batch],
                [utc_naive(b.event.at) for b in batch],
                [b.event.schema_version for b in batch],
                [b.raw.decode() for b in batch],
                len(batch),
            ],
        ).fetchall()
    }
    return [b for b in batch if b.event.event_id in archived]


def _canonical_runs(batch: list[_Logged]) -> list[list[_Logged]]:
    """The batch cut, in order, into the fewest runs in canonical order: per job, at most one
    JobSubmitted, first among the job's events in the run, and at most one JobPlanned, before
    any of the job's shard events. Every log the platform writes is one run (the coordinator
    appends JobPlanned after reading JobSubmitted and before requesting shards); within a run
    the set-based fold of ``_fold_batch`` gives exactly what folding one event after the other
    gives (the other effects commute), so folding the runs one after the other is the fold of
    the log, whatever the batch cuts."""
    runs: list[list[_Logged]] = []
    seen: dict[str, set[str]] = {}
    for logged in batch:
        kind = type(logged.event).__name__
        kinds = seen.get(logged.event.job_id, set())
        breaks = (kind == "JobSubmitted" and kinds) or (
            kind == "JobPlanned" and kinds & {"JobPlanned", "ShardCompleted", "ShardFailed"}
        )
        if breaks or not runs:
            runs.append([])
            seen = {}
            kinds = set()
        runs[-1].append(logged)
        kinds.add(kind)
        seen[logged.event.job_id] = kinds
    return runs


def _fold_batch(cur: duckdb.DuckDBPyConnection, batch: list[_Logged]) -> None:
    """The fold of a batch in canonical order (see ``_in_canonical_order``), a few statements
    per batch instead of a few per event. Where the one-by-one fold lets the first fact win
    (a shard's completion, a job's end) the first in log order is kept; where it lets the last
    win (a shard's failure message) the last."""
    submitted: list[JobSubmitted] = []
    planned: list[JobPlanned] = []
    failed: dict[tuple[str, int], ShardFailed] = {}
    completed: dict[tuple[str, int], ShardCompleted] = {}
    finished: dict[str, JobCompleted | JobFailed | JobCancelled] = {}
    for logged in batch:
        match event := logged.event:
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
        cur.execute(
            "INSERT INTO jobs SELECT job_id, owner, 'submitted', rounds, seed, NULL, 0, ts, "
            "NULL, NULL, idem_key, NULL, config FROM (SELECT unnest(?::VARCHAR[]) AS job_id, "
            "unnest(?::VARCHAR[]) AS owner, unnest(?::BIGINT[]) AS rounds, "
            "unnest(?::BIGINT[]) AS seed, unnest(?::TIMESTAMP[]) AS ts, "
            "unnest(?::VARCHAR[]) AS idem_key, unnest(?::VARCHAR[]) AS config) "
            "ON CONFLICT DO NOTHING",
            [
                [e.job_id for e in submitted],
                [e.owner for e in submitted],
                [e.config.rounds for e in submitted],
                [e.config.seed for e in submitted],
                [utc_naive(e.at) for e in submitted],
                [e.idempotency_key for e in submitted],
                [_json(e.config) for e in submitted],
            ],
        )
    if planned:
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
        pending = [(e.job_id, i, r) for e in planned for i, r in enumerate(e.shard_rounds)]
        cur.execute(
            "INSERT INTO shards SELECT job_id, shard_index, rounds, 'pending', NULL, NULL, NULL, "
            "NULL FROM (SELECT unnest(?::VARCHAR[]) AS job_id, unnest(?::INTEGER[]) AS "
            "shard_index, unnest(?::BIGINT[]) AS rounds) ON CONFLICT DO NOTHING",
            [list(column) for column in zip(*pending, strict=True)] if pending else [[], [], []],
        )
    if failed:
        # Before the completions: a failure never overrides a completed shard, and a later
        # completion overrides a failure, whichever came first in the batch.
        cur.execute(
            "UPDATE shards SET status = 'failed', error = f.error FROM (SELECT "
            "unnest(?::VARCHAR[]) AS job_id, unnest(?::INTEGER[]) AS shard_index, "
            "unnest(?::VARCHAR[]) AS error) AS f WHERE shards.job_id = f.job_id AND "
            "shards.shard_index = f.shard_index AND shards.status <> 'completed'",
            [
                [e.job_id for e in failed.values()],
                [e.shard_index for e in failed.values()],
                [e.error for e in failed.values()],
            ],
        )
    if completed:
        done = cur.execute(
            "INSERT INTO shards SELECT job_id, shard_index, rounds, 'completed', ts, seconds, "
            "NULL, stats FROM (SELECT unnest(?::VARCHAR[]) AS job_id, unnest(?::INTEGER[]) AS "
            "shard_index, unnest(?::BIGINT[]) AS rounds, unnest(?::TIMESTAMP[]) AS ts, "
            "unnest(?::DOUBLE[]) AS seconds, unnest(?::VARCHAR[]) AS stats) "
            "ON CONFLICT (job_id, shard_index) DO UPDATE SET status = 'completed', "
            "completed_at = excluded.completed_at, seconds = excluded.seconds, error = NULL, "
            "stats = excluded.stats WHERE shards.status <> 'completed' RETURNING job_id",
            [
                [e.job_id for e in completed.values()],
                [e.shard_index for e in completed.values()],
                [e.rounds for e in completed.values()],
                [utc_naive(e.at) for e in completed.values()],
                [e.seconds for e in completed.values()],
                [_json(e.stats) for e in completed.values()],
            ],
        ).fetchall()
        # Only a shard completed for the first time counts.
        counts = Counter(job_id for (job_id,) in done)
        if counts:
            cur.execute(
                "UPDATE jobs SET shards_done = shards_done + c.n FROM (SELECT "
                "unnest(?::VARCHAR[]) AS job_id, unnest(?::INTEGER[]) AS n) AS c "
                "WHERE jobs.job_id = c.job_id",
                [list(counts), list(counts.values())],
            )
    if finished:
        ended = cur.execute(
            "UPDATE jobs SET status = t.status, finished_at = t.ts, error = t.error FROM (SELECT "
            "unnest(?::VARCHAR[]) AS job_id, unnest(?::VARCHAR[]) AS status, "
            "unnest(?::TIMESTAMP[]) AS ts, unnest(?::VARCHAR[]) AS error) AS t "
            f"WHERE jobs.job_id = t.job_id AND jobs.status NOT IN {sql_list(TERMINAL)} "
            "RETURNING jobs.job_id",
            [
                list(finished),
                [ENDING[type(e)] for e in finished.values()],
                [utc_naive(e.at) for e in finished.values()],
                [e.reason if isinstance(e, JobFailed) else None for e in finished.values()],
            ],
        ).fetchall()
        results = [e for (job_id,) in ended if isinstance(e := finished[job_id], JobCompleted)]
        if results:
            cur.execute(
                "INSERT INTO results SELECT * FROM (SELECT unnest(?::VARCHAR[]), "
                "unnest(?::BIGINT[]), unnest(?::DOUBLE[]), unnest(?::DOUBLE[]), "
                "unnest(?::TIMESTAMP[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[])) "
                "ON CONFLICT DO NOTHING",
                [
                    [e.job_id for e in results],
                    [e.summary.rounds for e in results],
                    [e.summary.ev for e in results],
                    [e.summary.ev_stderr for e in results],
                    [utc_naive(e.at) for e in results],
                    [_json(e.summary) for e in results],
                    [_json(e.stats) for e in results],
                ],
            )


def _fold_tokens(cur: duckdb.DuckDBPyConnection, facts: list[TokenIssued | TokenRevoked]) -> None:
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

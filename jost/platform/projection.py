"""The DuckDB projection of ``jost.events``: a pure fold of the log into ``jobs``, ``shards``,
``events`` and ``results``.

Applying a batch writes its rows and the next offsets in one transaction, so a restart neither
loses nor folds anything twice; an event whose id is already archived changes nothing, so a
duplicate in the log (a shard run twice) is harmless.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

import duckdb
import msgspec

from jost.contracts import JobCancelled, JobSubmitted, TokenEvent, TokenIssued, TokenRevoked
from jost.contracts.indices import AnalysisEvent
from jost.contracts.sweeps import SweepSubmitted
from jost.platform import analyses
from jost.platform.events import encode
from jost.platform.fold import (
    DECODER,
    Logged,
    archive,
    canonical_runs,
    fold_jobs,
    fold_tokens,
    json_text,
    utc_naive,
)
from jost.platform.migrations import migrate
from jost.platform.settings import duckdb_threads

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


class Projection:
    """Owns the DuckDB file: the only writer. Readers take ``cursor()`` (one per thread)."""

    def __init__(self, path: str | Path, *, lock_down: bool = False) -> None:
        self.path = str(path)
        self._con = duckdb.connect(self.path, config={"threads": duckdb_threads()})
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
        """The intake's: held by a writer of ``submissions`` (or ``cancellations``). Apart
        from the fold's, since DuckDB runs two transactions that write different tables side
        by side (each on a cursor of its own): a job's acceptance never waits for a fold,
        which takes tens of milliseconds, and the fold never waits for it."""
        self._queue_lock = threading.Lock()
        self._queue: list[_Intake] = []
        """Jobs waiting for ``accept``'s next group commit."""
        self._leading = False
        """Whether a caller of ``accept`` is writing the queue (under ``_queue_lock``)."""
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
        """Record a cancellation the API accepts, before its 202 (what a restart restores).
        Under the intake's lock: the fold never writes ``cancellations``, and a cancel need
        not wait for a fold."""
        with self._intake_lock:
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
            kind = type(fact).__name__
            inserted = cur.execute(
                "INSERT INTO token_intake VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING "
                "RETURNING event_id",
                [fact.event_id, fact.name, kind, utc_naive(fact.at), json_text(fact)],
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
        batch: list[Logged] = []
        seen: set[str] = set()
        decode = DECODER.decode
        for rec in records:
            next_offsets[(rec.topic, rec.partition)] = rec.offset + 1
            try:
                fact = decode(rec.value)
            except msgspec.DecodeError:
                continue
            if fact.event_id not in seen:  # a copy inside the batch: the first one stands
                seen.add(fact.event_id)
                batch.append(Logged(fact, rec.partition, rec.offset, rec.value))
        with self._lock:
            cur = self._con.cursor()
            cur.execute("BEGIN TRANSACTION")
            try:
                archived = new = archive(cur, batch, self._last_seq)
                token_kinds = TokenIssued | TokenRevoked
                if tokens := [b.fact for b in new if isinstance(b.fact, token_kinds)]:
                    fold_tokens(cur, tokens)
                    new = [b for b in new if not isinstance(b.fact, token_kinds)]
                if found := [b.fact for b in new if isinstance(b.fact, AnalysisEvent)]:
                    analyses.fold(cur, found)  # an index analysis's facts: no job's
                    new = [b for b in new if not isinstance(b.fact, AnalysisEvent)]
                if sweeps := [b.fact for b in new if isinstance(b.fact, SweepSubmitted)]:
                    from jost.platform.sweeps import fold_sweeps  # it builds on this module

                    fold_sweeps(cur, sweeps)
                    new = [b for b in new if not isinstance(b.fact, SweepSubmitted)]
                for run in canonical_runs(new):
                    fold_jobs(cur, run)
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

"""Restoring a new log from the DuckDB archive, so every job the platform accepted and did not
finish resumes after a restart.

The embedded broker keeps its log in memory: when ``jost up`` starts again, the log is new and
empty, while the projection's file still holds every job accepted (``submissions``, written
before each 202) and every fact folded (``events``). Before any worker starts, each unfinished
job gets back, in a fresh log: its JobSubmitted, its JobPlanned (when it was planned), one
JobResumed carrying the shards done and their merged statistics (a few kilobytes, however
many shards: the log stays small), and a request for each shard still missing. The
coordinator folds them like any other facts and only the missing shards run; merging is exact,
so the result is bit-identical to an uninterrupted run.
"""

from __future__ import annotations

from pathlib import Path

import msgspec

from jost.contracts import (
    Event,
    JobCancelled,
    JobPlanned,
    JobResumed,
    JobSubmitted,
    ShardFailed,
    ShardRequested,
)
from jost.engine import merge
from jost.platform.events import decode_event, event_id, now
from jost.platform.lifecycle import TERMINAL, JobFold, sql_list
from jost.platform.log import EventLog
from jost.platform.projection import Projection
from jost.platform.sweeps import restorable as restorable_sweeps
from jost.platform.tokens import restorable


class Resumable(msgspec.Struct, frozen=True, kw_only=True):
    """An unfinished job, and the facts that bring it back."""

    job_id: str
    facts: list[Event]
    missing: list[int]
    """Shards to request (empty when the job was not planned: the coordinator plans it)."""
    plan: list[int] | None


def unfinished(projection: Projection, job_id: str | None = None) -> list[Resumable]:
    """Every accepted job that is not completed, failed or cancelled, oldest first (only
    ``job_id``, when given)."""
    cur = projection.cursor()
    only = [] if job_id is None else [job_id]
    rows = cur.execute(
        "SELECT s.job_id, s.event FROM submissions s LEFT JOIN jobs j USING (job_id) "
        f"WHERE (j.status IS NULL OR j.status NOT IN {sql_list(TERMINAL)}) "
        f"{'AND s.job_id = ? ' if only else ''}ORDER BY s.accepted_at, s.job_id",
        only,
    ).fetchall()
    # Jobs accepted before submissions existed (an older data folder) are in jobs only.
    older = cur.execute(
        "SELECT j.job_id, e.body FROM jobs j JOIN events e ON e.job_id = j.job_id AND "
        f"e.kind = 'JobSubmitted' WHERE j.status NOT IN {sql_list(TERMINAL)} AND "
        "j.job_id NOT IN (SELECT job_id FROM submissions) "
        f"{'AND j.job_id = ? ' if only else ''}ORDER BY j.submitted_at, j.job_id",
        only,
    ).fetchall()
    cancels = dict(cur.execute("SELECT job_id, event FROM cancellations").fetchall())
    found = []
    for job_id, submitted in [*rows, *older]:
        bodies = cur.execute(
            "SELECT body FROM events WHERE job_id = ? ORDER BY seq", [job_id]
        ).fetchall()
        found.append(_resumable(job_id, submitted, [b for (b,) in bodies], cancels.get(job_id)))
    return found


def _resumable(job_id: str, submitted: str, bodies: list[str], cancelled: str | None) -> Resumable:
    fold = JobFold(job_id=job_id)
    first = msgspec.json.decode(submitted, type=JobSubmitted)
    fold.observe(first)
    if cancelled is not None:
        # Cancelled before the restart, the cancellation not yet folded: it ends the job.
        return Resumable(
            job_id=job_id,
            facts=[first, msgspec.json.decode(cancelled, type=JobCancelled)],
            missing=[],
            plan=None,
        )
    planned: JobPlanned | None = None
    failed: list[ShardFailed] = []
    for body in bodies:
        event = decode_event(body.encode())
        fold.observe(event)
        if isinstance(event, JobPlanned) and planned is None:
            planned = event
        elif isinstance(event, ShardFailed):
            failed.append(event)
    facts: list[Event] = [first]
    if planned is not None:
        facts.append(planned)
    if fold.done:
        facts.append(
            JobResumed(
                event_id=event_id(job_id, "JobResumed"),
                job_id=job_id,
                at=now(),
                done_shards=sorted(fold.done),
                stats=merge(fold.stats),
                log_id="",
            )
        )
    facts += failed  # a failure not yet turned into JobFailed: the coordinator ends the job
    return Resumable(job_id=job_id, facts=facts, missing=fold.missing(), plan=fold.plan)


def restore(db_path: Path, event_log: EventLog, log_id: str) -> list[Resumable]:
    """Append every unfinished job's facts and missing shard requests to a new log, and every
    token's and sweep's facts (a replay of the new log rebuilds the tokens and the sweeps).
    Run before the platform's processes start (it opens the DuckDB file itself)."""
    projection = Projection(db_path)
    try:
        jobs = unfinished(projection)
        tokens = restorable(projection)
        sweeps = restorable_sweeps(projection)
    finally:
        projection.close()
    for fact in [*tokens, *sweeps]:
        event_log.append_blocking(fact)
    for job in jobs:
        publish(job, event_log, log_id)
    return jobs


def publish(job: Resumable, event_log: EventLog, tag: str) -> None:
    """Append a job's restored facts and request its missing shards. ``tag`` names this
    restoration (the log it goes into): one JobResumed per job and tag."""
    for fact in job.facts:
        if isinstance(fact, JobResumed):
            fact = msgspec.structs.replace(
                fact, event_id=event_id(job.job_id, f"JobResumed/{tag}"), log_id=tag
            )
        event_log.append_blocking(fact)
    if job.plan is not None and job.missing:
        event_log.request_shards_blocking(
            [
                ShardRequested(job_id=job.job_id, shard_index=i, rounds=job.plan[i])
                for i in job.missing
            ]
        )

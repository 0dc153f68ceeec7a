"""What a restart restores from the archive (``recovery.unfinished``), job by job: a job
accepted but never logged comes back alone; a planned job with shards done comes back with one
JobResumed holding exactly their merged statistics, and only the other shards to run; a
cancellation accepted before the restart ends the job instead of resuming it; a finished job
stays in the archive only."""

from __future__ import annotations

from pathlib import Path

from test_projection import TOPICS, job_facts

from jost.contracts import JobCancelled, JobPlanned, JobResumed, JobSubmitted
from jost.engine import merge
from jost.platform.events import encode, event_id, now
from jost.platform.projection import Projection, Record
from jost.platform.recovery import unfinished


def _archive(projection: Projection, facts: list) -> None:
    offset = projection.cursor().execute("SELECT count(*) FROM events").fetchone()[0]
    projection.apply(Record(TOPICS.events, 0, offset + i, encode(f)) for i, f in enumerate(facts))


def test_each_kind_of_unfinished_job_is_restored_as_it_stood(tmp_path: Path):
    never_logged, half_done, cancelled, finished = (job_facts(s) for s in (1, 2, 3, 4))
    projection = Projection(tmp_path / "p.duckdb")
    try:
        for facts in (never_logged, half_done, cancelled, finished):
            assert projection.accept(facts[0]) is None
        _archive(projection, half_done[:4])  # submitted, planned, shards 0 and 1 of 4
        _archive(projection, cancelled[:3])
        stop = JobCancelled(
            event_id=event_id(cancelled[0].job_id, "JobCancelled"),
            job_id=cancelled[0].job_id,
            at=now(),
        )
        projection.record_cancel(stop)
        _archive(projection, finished)
        found = {job.job_id: job for job in unfinished(projection)}
    finally:
        projection.close()

    assert set(found) == {f[0].job_id for f in (never_logged, half_done, cancelled)}
    alone = found[never_logged[0].job_id]
    assert alone.facts == [never_logged[0]] and alone.plan is None and alone.missing == []

    resumed = found[half_done[0].job_id]
    kinds = [type(f) for f in resumed.facts]
    assert kinds == [JobSubmitted, JobPlanned, JobResumed]
    restored = resumed.facts[2]
    assert restored.done_shards == [0, 1]
    assert restored.stats == merge([half_done[2].stats, half_done[3].stats])
    assert resumed.missing == [2, 3] and resumed.plan == [1_000] * 4

    ended = found[cancelled[0].job_id]
    assert ended.facts == [cancelled[0], stop] and ended.missing == []

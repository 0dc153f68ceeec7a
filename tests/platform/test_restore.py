"""What a restart restores from the archive (``recovery.unfinished``), job by job: a job
accepted but never logged comes back alone; a planned job with shards done comes back with one
JobResumed holding exactly their merged statistics, and only the other shards to run; a
cancellation accepted before the restart ends the job instead of resuming it; a finished job
stays in the archive only. Every sweep's fact comes back, and a replay of the new log rebuilds
the sweeps."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from test_projection import TOPICS, job_facts

from jost.contracts import JobCancelled, JobPlanned, JobResumed, JobSubmitted, SimulationConfig
from jost.contracts.sweeps import SweepPoint, SweepSpec, SweepSubmitted
from jost.engine import merge
from jost.engine.sweep import expand
from jost.platform import sweeps
from jost.platform.embedded import EmbeddedBroker
from jost.platform.events import encode, event_id, now
from jost.platform.log import EventLog, sweep_key
from jost.platform.projection import Projection, Record
from jost.platform.recovery import restore, unfinished
from jost.platform.replay import replay_from_log
from jost.platform.supervisor import RESTORED_ENV, wait_restored


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


def test_sweep_facts_are_restored_into_a_new_log_and_replay_into_the_tables(
    broker: EmbeddedBroker, tmp_path: Path
):
    """A sweep accepted and never logged (the process died before the append), and one
    folded from the log: both come back into a new log, and a replay of it rebuilds them."""
    owner = "someone"
    facts = []
    projection = Projection(tmp_path / "p.duckdb")
    try:
        for n in range(2):
            points = expand(SweepSpec(axes={"rules.decks": [2, 6], "seed": [n]}))
            jobs = [
                JobSubmitted(
                    event_id=event_id(f"sweep-{n}-{p.index}", "JobSubmitted"),
                    job_id=f"sweep-{n}-{p.index}",
                    at=now(),
                    owner=owner,
                    config=p.config,
                )
                for p in points
            ]
            fact = SweepSubmitted(
                event_id=event_id(sweep_key(f"s{n}"), "SweepSubmitted"),
                sweep_id=f"s{n}",
                at=now(),
                owner=owner,
                name=f"sweep {n}",
                base=SimulationConfig(),
                axes={"rules.decks": [2, 6], "seed": [n]},
                points=[
                    SweepPoint(index=p.index, job_id=j.job_id, values=p.values)
                    for p, j in zip(points, jobs, strict=True)
                ],
            )
            assert sweeps.accept(projection, fact, jobs) is None
            assert sweeps.accept(projection, fact, jobs) == fact  # the same id: the first
            facts.append(fact)
        _archive(projection, [facts[1]])  # the second was folded from the log
        folded = projection.cursor().execute("SELECT sweep_id FROM sweeps").fetchall()
        assert folded == [("s1",)]
        assert sweeps.sweep_status(projection.cursor(), owner, "s0").points == 2  # from intake
        assert sweeps.sweep_status(projection.cursor(), "another", "s0") is None
    finally:
        projection.close()

    log = EventLog(broker.bootstrap, TOPICS)
    try:
        restore(tmp_path / "p.duckdb", log, "new-log")
    finally:
        log.close()
    replay_from_log(broker.bootstrap, TOPICS.events, tmp_path / "replayed.duckdb")
    rebuilt = Projection(tmp_path / "replayed.duckdb")
    try:
        cur = rebuilt.cursor()
        assert cur.execute("SELECT sweep_id, name, points FROM sweeps ORDER BY 1").fetchall() == [
            ("s0", "sweep 0", 2),
            ("s1", "sweep 1", 2),
        ]
        status = sweeps.sweep_status(cur, owner, "s0")
        assert status is not None and (status.points, status.shards_done) == (2, 0)
        assert status.status == "running"  # its jobs restored unfinished, waiting for workers
        results = sweeps.sweep_results(cur, owner, "s0")
        assert results is not None
        assert [r.values for r in results.rows] == [
            {"rules.decks": 2, "seed": 0},
            {"rules.decks": 6, "seed": 0},
        ]
    finally:
        rebuilt.close()


def test_the_api_opens_the_file_only_once_the_restore_is_done(tmp_path: Path, monkeypatch):
    """The embedded platform starts its children before it restores the log (from the same
    DuckDB file, which one process at a time may open): the API waits for the mark the
    restore leaves, and gives up waiting only after its time limit."""
    mark = tmp_path / "restored"
    monkeypatch.setenv(RESTORED_ENV, str(mark))
    threading.Timer(0.3, mark.touch).start()
    started = time.monotonic()
    assert wait_restored(timeout=10)
    assert 0.3 <= time.monotonic() - started < 2.0
    monkeypatch.setenv(RESTORED_ENV, str(tmp_path / "never"))
    started = time.monotonic()
    assert not wait_restored(timeout=0.2)
    assert 0.2 <= time.monotonic() - started < 1.0
    monkeypatch.delenv(RESTORED_ENV)
    assert wait_restored(timeout=0)  # no platform around it (``jost api``): no wait

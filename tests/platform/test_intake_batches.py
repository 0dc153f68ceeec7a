"""The batched paths of the intake and the projector: jobs accepted together in one group commit
keep "one key, one config" (the first stands, the others get it back), and a writer waiting to
read its write is woken by the fold, or told False when the fold never comes; a reader waits
for its process's writes (``catch_up``) and no longer; the intake never waits for a fold."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import msgspec
from conftest import wait_for
from test_projection import TOPICS, job_facts

from jost.contracts import JobSubmitted, SimulationConfig
from jost.platform.embedded import EmbeddedBroker
from jost.platform.events import encode, event_id, now
from jost.platform.log import EventLog
from jost.platform.projection import Projection, Record
from jost.platform.projector import Projector


def _submitted(job_id: str, seed: int) -> JobSubmitted:
    return JobSubmitted(
        event_id=event_id(job_id, "JobSubmitted"),
        job_id=job_id,
        at=now(),
        owner="tester",
        config=SimulationConfig(rounds=1_000, seed=seed),
        idempotency_key=job_id,
    )


def test_one_group_commit_keeps_the_first_config_of_each_job(tmp_path: Path):
    projection = Projection(tmp_path / "p.duckdb")
    projection.accept(_submitted("old", seed=1))  # recorded before the group
    # The group: "old" again, and "new" three times with three configs.
    events = [_submitted("old", seed=2), *(_submitted("new", seed=s) for s in (10, 11, 12))]
    answers: dict[int, JobSubmitted | None] = {}

    def accept(i: int) -> None:
        answers[i] = projection.accept(events[i])

    # Hold the lock the group commit takes: the first caller leads, takes its job from the
    # queue and waits for the lock; the three others queue behind it, and its next turn
    # writes them in one transaction.
    with projection._intake_lock:
        threads = [threading.Thread(target=accept, args=(i,)) for i in range(len(events))]
        threads[0].start()
        wait_for(lambda: projection._leading and not projection._queue, 10, "a leader")
        for t in threads[1:]:
            t.start()
        wait_for(lambda: len(projection._queue) == 3, 10, "the others queued")
    for t in threads:
        t.join(10)

    assert answers[0] is not None and answers[0].config.seed == 1
    new = [answers[i] for i in (1, 2, 3)]
    assert new.count(None) == 1  # exactly one caller's job was recorded: it gets None
    query = "SELECT job_id, event FROM submissions ORDER BY job_id"
    rows = projection.cursor().execute(query).fetchall()
    assert [job_id for job_id, _ in rows] == ["new", "old"]
    winner = next(events[i] for i in (1, 2, 3) if answers[i] is None)
    assert all(a == winner for a in new if a is not None)  # the others get the winner back
    assert f'"seed":{winner.config.seed}' in rows[0][1]
    projection.close()


def test_a_writer_is_woken_by_the_fold_of_its_write(tmp_path: Path):
    with EmbeddedBroker() as broker:
        broker.create_topic(TOPICS.events, TOPICS.events_partitions)
        projection = Projection(tmp_path / "p.duckdb")
        projector = Projector(projection, broker.bootstrap, TOPICS.events).start()
        fact = job_facts(1)[0]

        async def write_then_wait() -> tuple[bool, float, bool, float]:
            log = EventLog(broker.bootstrap, TOPICS)
            try:
                appended = await log.append(fact)
                started = time.monotonic()
                seen = await projector.wait_applied(appended.partition, appended.offset, 10)
                took = time.monotonic() - started
            finally:
                log.close()
            started = time.monotonic()
            never = await projector.wait_applied(appended.partition, appended.offset + 1, 0.3)
            return seen, took, never, time.monotonic() - started

        try:
            seen, took, never, waited = asyncio.run(write_then_wait())
            assert seen and took < 1.0  # woken by the fold, not by the end of the wait
            (kind,) = (
                projection.cursor()
                .execute("SELECT kind FROM events WHERE event_id = ?", [fact.event_id])
                .fetchone()
            )
            assert kind == "JobSubmitted"
            assert not never and 0.3 <= waited < 2.0  # no fold of a write that never came
        finally:
            projector.stop()
            projection.close()


def test_a_reader_waits_for_the_writes_of_its_process_and_no_longer(tmp_path: Path):
    """The intake answers before the fold; ``catch_up`` is what makes a read see the write:
    it returns once every fact this process appended is folded, and says False (after its
    time limit) when a noted write never arrives."""
    with EmbeddedBroker() as broker:
        broker.create_topic(TOPICS.events, TOPICS.events_partitions)
        projection = Projection(tmp_path / "p.duckdb")
        projector = Projector(projection, broker.bootstrap, TOPICS.events).start()
        facts = job_facts(2)
        log = EventLog(broker.bootstrap, TOPICS)
        try:
            assert projector.catch_up(0.1)  # nothing written: at once
            for fact in facts:
                appended = log.append_blocking(fact)
                projector.wrote(appended.partition, appended.offset)
            started = time.monotonic()
            assert projector.catch_up(10)
            assert time.monotonic() - started < 2.0
            query = "SELECT status, shards_done FROM jobs WHERE job_id = ?"
            row = projection.cursor().execute(query, [facts[0].job_id]).fetchone()
            assert row == ("completed", len(facts) - 3)
            projector.wrote(appended.partition, appended.offset + 5)  # never written
            started = time.monotonic()
            assert not projector.catch_up(0.3)
            assert 0.3 <= time.monotonic() - started < 2.0
        finally:
            log.close()
            projector.stop()
            projection.close()


def test_an_intake_commits_while_a_fold_holds_the_database(tmp_path: Path):
    """The intake and the fold write different tables in transactions of their own: a job is
    recorded (its caller answered, sync or async) while a fold's transaction is open, and the
    fold then commits too."""
    projection = Projection(tmp_path / "p.duckdb")
    facts = job_facts(4)
    fold = projection.cursor()
    with projection._lock:  # as a fold holds it, mid-transaction
        fold.execute("BEGIN TRANSACTION")
        fold.execute("INSERT INTO projector_offsets VALUES ('t', 0, 7)")
        assert projection.accept(_submitted("sync", seed=3)) is None
        assert asyncio.run(projection.accept_async(_submitted("async", seed=4))) is None
        again = asyncio.run(projection.accept_async(_submitted("async", seed=5)))
        assert again is not None and again.config.seed == 4  # the first stands
        fold.execute("COMMIT")
    applied = projection.apply(Record(TOPICS.events, 0, i, encode(f)) for i, f in enumerate(facts))
    assert applied == len(facts)
    rows = projection.cursor().execute("SELECT job_id FROM submissions ORDER BY 1").fetchall()
    assert rows == [("async",), ("sync",)]
    assert projection.offsets("t") == {0: 7}
    projection.close()


def test_a_job_without_a_key_accepted_twice_keeps_its_first_record(tmp_path: Path):
    """The intake inserts a job without a key without looking it up (its id is new and
    random); the same fact accepted again is still found, not refused."""
    projection = Projection(tmp_path / "p.duckdb")
    first = JobSubmitted(
        event_id=event_id("plain", "JobSubmitted"),
        job_id="plain",
        at=now(),
        owner="tester",
        config=SimulationConfig(rounds=1_000, seed=1),
    )
    assert projection.accept(first) is None
    again = msgspec.structs.replace(first, config=SimulationConfig(rounds=1_000, seed=2))
    assert projection.accept(again) == first
    assert asyncio.run(projection.accept_async(again)) == first
    (count,) = projection.cursor().execute("SELECT count(*) FROM submissions").fetchone()
    assert count == 1
    projection.close()

"""The projector against the embedded broker and real DuckDB files: a restart mid-stream
continues from the offsets stored with the rows, copies of an event change nothing, and one
pass, two passes and a replay give identical tables."""

from __future__ import annotations

import asyncio
import random
import threading
import time
import uuid
from pathlib import Path

import duckdb
import msgspec
import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from conftest import wait_for
from engine_configs import SIMPLE_CHART

from jost.contracts import (
    Event,
    JobCancelled,
    JobCompleted,
    JobFailed,
    JobPlanned,
    JobSubmitted,
    ShardCompleted,
    ShardFailed,
    SimulationConfig,
    Strategy,
)
from jost.engine import merge, plan_shards, run_shard, summarize
from jost.platform.embedded import EmbeddedBroker, log_identity
from jost.platform.events import event_id, now
from jost.platform.fold import INDEXED_LOOKUP
from jost.platform.log import EventLog
from jost.platform.migrations import MIGRATIONS_DIR, migration_files
from jost.platform.projection import TABLES, Projection, Record
from jost.platform.projector import PACE_SECONDS, Projector
from jost.platform.replay import compare, replay_from_archive, replay_from_log
from jost.platform.settings import Topics

TOPICS = Topics()


def job_facts(seed: int) -> list[Event]:
    """The facts of one small job, as the consumers would write them."""
    job_id = str(uuid.uuid4())
    config = SimulationConfig(
        rounds=4_000, shard_rounds=1_000, seed=seed, strategy=Strategy(playing=SIMPLE_CHART)
    )
    plan = plan_shards(config)
    shards = [run_shard(config, i, r) for i, r in enumerate(plan)]
    merged = merge(shards)
    return [
        JobSubmitted(
            event_id=event_id(job_id, "JobSubmitted"),
            job_id=job_id,
            at=now(),
            owner="tester",
            config=config,
        ),
        JobPlanned(
            event_id=event_id(job_id, "JobPlanned"), job_id=job_id, at=now(), shard_rounds=plan
        ),
        *[
            ShardCompleted(
                event_id=event_id(job_id, "ShardCompleted", i),
                job_id=job_id,
                at=now(),
                shard_index=i,
                rounds=plan[i],
                stats=s,
            )
            for i, s in enumerate(shards)
        ],
        JobCompleted(
            event_id=event_id(job_id, "JobCompleted"),
            job_id=job_id,
            at=now(),
            stats=merged,
            summary=summarize(merged),
        ),
    ]


def append_all(broker: EmbeddedBroker, events: list[Event]) -> None:
    async def run() -> None:
        log = EventLog(broker.bootstrap, TOPICS)
        try:
            for event in events:  # one by one: keeps each job's facts in order
                await log.append(event)
        finally:
            log.close()

    asyncio.run(run())


def read_log(broker: EmbeddedBroker) -> list[Record]:
    consumer = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": str(uuid.uuid4())})
    try:
        records = []
        ends = {}
        for p in range(TOPICS.events_partitions):
            ends[p] = consumer.get_watermark_offsets(TopicPartition(TOPICS.events, p), 10)[1]
        consumer.assign([TopicPartition(TOPICS.events, p, 0) for p in ends if ends[p]])
        deadline = time.monotonic() + 20
        while len(records) < sum(ends.values()) and time.monotonic() < deadline:
            for m in consumer.consume(500, 0.2):
                if m.error() is None:
                    records.append(Record(m.topic(), m.partition(), m.offset(), m.value()))
        assert len(records) == sum(ends.values())
        return sorted(records, key=lambda r: (r.partition, r.offset))
    finally:
        consumer.close()


def tables(path: Path) -> dict[str, list]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        # seq is the order this file archived in: free across partitions (see replay.compare).
        cols = {t: "* EXCLUDE (seq)" if t == "events" else "*" for t in TABLES}
        return {
            t: con.execute(f"SELECT {cols[t]} FROM {t} ORDER BY ALL").fetchall() for t in TABLES
        }
    finally:
        con.close()


def test_restart_mid_stream_and_duplicates_give_identical_tables(
    broker: EmbeddedBroker, tmp_path: Path
):
    facts = job_facts(1) + job_facts(2) + job_facts(3)
    duplicates = [facts[3], facts[9]]  # a ShardCompleted and a JobPlanned, again
    append_all(broker, facts + duplicates)
    # A stray message that is no event: skipped, never stops the projection.
    producer = Producer({"bootstrap.servers": broker.bootstrap})
    producer.produce(TOPICS.events, key=b"noise", value=b"not an event")
    producer.flush(10)
    records = read_log(broker)
    assert len(records) == len(facts) + 3

    # One pass.
    one = Projection(tmp_path / "one.duckdb")
    assert one.apply(records) == len(facts)
    assert one.apply(records) == 0  # the whole batch again: nothing new
    one.close()

    # Half, "crash", then the projector resumes from the offsets stored with the rows.
    half = len(records) // 2
    two = Projection(tmp_path / "two.duckdb")
    first = two.apply(records[:half])
    two.close()
    two = Projection(tmp_path / "two.duckdb")
    projector = Projector(two, broker.bootstrap, TOPICS.events).start()
    try:
        wait_for(
            lambda: all(projector.is_applied(r.partition, r.offset) for r in records),
            20,
            "the projector to catch up",
        )
        # It read only what the first run had not applied: the offsets came back.
        assert first + projector.events_applied == len(facts)
    finally:
        projector.stop()
        two.close()

    assert tables(tmp_path / "one.duckdb") == tables(tmp_path / "two.duckdb")
    snapshot = tables(tmp_path / "one.duckdb")
    assert len(snapshot["events"]) == len(facts)
    assert [row[2] for row in snapshot["jobs"]] == ["completed"] * 3
    assert {row[5] for row in snapshot["jobs"]} == {4}  # shards_total
    assert len(snapshot["results"]) == 3 and len(snapshot["shards"]) == 12

    # Replays: from the log, and from the archived events table.
    assert replay_from_log(broker.bootstrap, TOPICS.events, tmp_path / "log.duckdb") == len(facts)
    assert compare(tmp_path / "one.duckdb", tmp_path / "log.duckdb") == dict.fromkeys(TABLES, True)
    replay_from_archive(tmp_path / "one.duckdb", tmp_path / "arch.duckdb", TOPICS.events)
    assert compare(tmp_path / "one.duckdb", tmp_path / "arch.duckdb") == dict.fromkeys(TABLES, True)


def test_compare_notices_a_difference(broker: EmbeddedBroker, tmp_path: Path):
    records = [
        Record(TOPICS.events, 0, i, msgspec.json.encode(e)) for i, e in enumerate(job_facts(5))
    ]
    full, partial = Projection(tmp_path / "a.duckdb"), Projection(tmp_path / "b.duckdb")
    full.apply(records)
    partial.apply(records[:-1])  # without JobCompleted
    full.close()
    partial.close()
    result = compare(tmp_path / "a.duckdb", tmp_path / "b.duckdb")
    assert result == {
        "jobs": False,
        "shards": True,
        "events": False,
        "results": False,
        "tokens": True,
        "analyses": True,
        "analysis_slices": True,
        "sweeps": True,
        "sweep_points": True,
    }


def test_each_embedded_log_has_an_identity_of_its_own():
    # The mock cluster's id comes from its memory address, which the next cluster in the same
    # process often reuses: it alone cannot tell a new, empty log from the old one.
    identities = []
    for _ in range(8):
        with EmbeddedBroker() as broker:
            consumer = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "ids"})
            try:
                cluster = consumer.list_topics(timeout=10)
            finally:
                consumer.close()
            identities.append(log_identity(cluster.cluster_id, cluster.topics))
    assert len(set(identities)) == 8


def test_a_new_log_resets_the_stored_offsets(tmp_path: Path):
    facts = job_facts(8)
    with EmbeddedBroker() as first_log:
        first_log.create_topic(TOPICS.events, TOPICS.events_partitions)
        append_all(first_log, facts[:3])
        projection = Projection(tmp_path / "p.duckdb")
        projector = Projector(projection, first_log.bootstrap, TOPICS.events).start()
        wait_for(lambda: projector.events_applied == 3, 20, "three events")
        projector.stop()
    # The embedded log is gone with its broker; a new one starts empty at offset 0.
    with EmbeddedBroker() as second_log:
        second_log.create_topic(TOPICS.events, TOPICS.events_partitions)
        append_all(second_log, job_facts(9))
        projector = Projector(projection, second_log.bootstrap, TOPICS.events).start()
        try:
            wait_for(lambda: projector.events_applied == 7, 20, "the new log's seven events")
        finally:
            projector.stop()
    rows = projection.cursor().execute("SELECT count(*) FROM events").fetchall()
    assert rows == [(10,)]  # 3 archived from the first log, 7 from the second
    projection.close()


def eventful_log() -> list[Event]:
    """Jobs that end every way, with the odd cases the fold must get right: a shard that
    fails and is then completed by another worker, two failure messages for one shard, a
    shard completed twice under different ids, shards finishing after a cancel, a JobPlanned
    that comes after the cancel, two terminal facts, and facts of a job never submitted."""
    done, cancelled, failed, planned_late = (job_facts(seed) for seed in (21, 22, 23, 24))

    def fact(kind: type, job: Event, shard: int | None = None, tag: str = "", **fields) -> Event:
        return kind(
            event_id=event_id(job.job_id, f"{kind.__name__}{tag}", shard),
            job_id=job.job_id,
            at=now(),
            **({"shard_index": shard} if shard is not None else {}),
            **fields,
        )

    d0 = done[0]
    log = done[:2]
    log += [fact(ShardFailed, d0, 0, error="worker lost"), done[2]]  # failed, then completed
    log += [fact(ShardFailed, d0, 1, error="first"), fact(ShardFailed, d0, 1, "b", error="last")]
    log += [done[3], msgspec.structs.replace(done[3], event_id="another id", seconds=9.0)]
    log += [*done[4:], fact(JobCancelled, d0)]  # cancelled after completing: stays completed
    c0 = cancelled[0]
    log += [c0, fact(JobCancelled, c0), cancelled[1], *cancelled[2:4], cancelled[-1]]
    f0 = failed[0]
    log += [*failed[:3], fact(ShardFailed, f0, 1, error="bad config")]
    log += [fact(JobFailed, f0, reason="shard 1 failed: bad config", shard_index=1), failed[3]]
    log += [planned_late[0], fact(JobFailed, planned_late[0], reason="gave up"), planned_late[1]]
    log += job_facts(25)[1:]  # its JobSubmitted never came
    return log


def fold(path: Path, records: list[Record], cuts: list[int]) -> None:
    projection = Projection(path)
    try:
        for start, end in zip([0, *cuts], [*cuts, len(records)], strict=True):
            projection.apply(records[start:end])
    finally:
        projection.close()


def test_the_batched_fold_equals_the_fold_one_event_at_a_time(tmp_path: Path):
    """A batch of one event is the reference fold (one event after the other); a whole log
    and a log cut anywhere fold to the same tables, out-of-order stretches included."""
    records = [
        Record(TOPICS.events, 0, i, msgspec.json.encode(e)) for i, e in enumerate(eventful_log())
    ]
    n = len(records)
    fold(tmp_path / "single.duckdb", records, list(range(1, n)))
    fold(tmp_path / "whole.duckdb", records, [])
    rng = random.Random(3)
    fold(tmp_path / "cut.duckdb", records, sorted(rng.sample(range(1, n), 9)))
    expected = tables(tmp_path / "single.duckdb")
    statuses = sorted(row[2] for row in expected["jobs"])
    assert statuses == ["cancelled", "completed", "failed", "failed"]  # job 25 has no row
    assert len(expected["results"]) == 1 and len(expected["events"]) == n
    for name in ("whole", "cut"):
        assert tables(tmp_path / f"{name}.duckdb") == expected, name


@pytest.mark.parametrize(
    "case",
    [
        "failed shard before the plan",
        "plan before the submit",
        "completed shard before the plan, failed after it",
    ],
)
def test_a_batch_out_of_canonical_order_folds_as_one_event_at_a_time(case: str, tmp_path: Path):
    facts = job_facts(31)
    submitted, planned, shards = facts[0], facts[1], facts[2:-1]
    failure = ShardFailed(
        event_id=event_id(submitted.job_id, "ShardFailed", 0),
        job_id=submitted.job_id,
        at=now(),
        shard_index=0,
        error="lost",
    )
    if case == "failed shard before the plan":
        # Folded one by one the failure finds no shard row and the plan then adds it pending;
        # folded as a set the plan would come first and the shard would end up failed.
        odd = [submitted, failure, planned, *shards[1:]]
    elif case == "completed shard before the plan, failed after it":
        # The plan finds the shard's row there, completed, and keeps it; the failure after
        # it changes nothing (the plan's rows are written as one insert: this one is not).
        odd = [submitted, shards[0], planned, failure, *shards[1:]]
    else:
        # One by one the plan finds no job row yet and changes nothing.
        odd = [planned, submitted, *shards]
    records = [Record(TOPICS.events, 0, i, msgspec.json.encode(e)) for i, e in enumerate(odd)]
    fold(tmp_path / "whole.duckdb", records, [])
    fold(tmp_path / "single.duckdb", records, list(range(1, len(records))))
    assert tables(tmp_path / "whole.duckdb") == tables(tmp_path / "single.duckdb")


def test_migrations_apply_once_in_order(tmp_path: Path):
    versions = [v for v, _ in migration_files(MIGRATIONS_DIR)]
    assert versions == sorted(versions) and versions[:2] == [1, 2]
    Projection(tmp_path / "m.duckdb").close()
    again = Projection(tmp_path / "m.duckdb")  # a second start applies nothing twice
    applied = (
        again.cursor().execute("SELECT version FROM schema_migrations ORDER BY version").fetchall()
    )
    assert [v for (v,) in applied] == versions
    again.close()


class CountingProjection(Projection):
    """A real projection that notes the size of each batch it folds."""

    batches: list[int]

    def apply(self, records: list[Record]) -> int:
        self.batches.append(len(records))
        return super().apply(records)


@pytest.mark.parametrize("followed", [True, False], ids=["followed", "unfollowed"])
def test_shards_completing_fold_together_and_a_job_end_folds_at_once_when_followed(
    broker: EmbeddedBroker, tmp_path: Path, followed: bool
):
    """A job's end cuts the fold's rest short when a reader follows a job (a status read
    that waits for a change); with nobody following, a stream of small jobs' ends must not
    undo the pacing of the folds, and the end waits out the rest (``PACE_SECONDS`` at most)."""
    submitted, planned, *shards, completed = job_facts(5)
    assert len(shards) == 4
    projection = CountingProjection(tmp_path / "p.duckdb")
    projection.batches = []
    projector = Projector(projection, broker.bootstrap, TOPICS.events).start()
    log = EventLog(broker.bootstrap, TOPICS)
    following = threading.Event()
    follower = _follow(projector, following) if followed else None
    try:
        for fact in (submitted, planned):
            at = log.append_blocking(fact)
            wait_for(lambda at=at: projector.is_applied(at.partition, at.offset), 5, "a fold")
        before = len(projection.batches)
        # Four shards completing 40 ms apart, as a running job's do: not four folds.
        for fact in shards:
            log.append_blocking(fact)
            time.sleep(0.04)
        at = log.append_blocking(completed)
        appended = time.monotonic()
        wait_for(lambda: projector.is_applied(at.partition, at.offset), 5, "the job's end")
        latency = time.monotonic() - appended
    finally:
        following.set()
        if follower is not None:
            follower.join(5)
        log.close()
        projector.stop()
    assert len(projection.batches) - before <= 2, projection.batches
    # The broker holds each fetch 10 ms and a fold takes a few: far under the 500 ms window.
    assert latency < (0.15 if followed else PACE_SECONDS + 0.15), latency
    projection.close()
    with duckdb.connect(str(tmp_path / "p.duckdb"), read_only=True) as con:
        assert con.execute("SELECT status, shards_done FROM jobs").fetchall() == [("completed", 4)]
    projection.close()


def test_a_rest_is_cut_short_by_a_job_end_only_while_a_reader_follows(
    broker: EmbeddedBroker, tmp_path: Path
):
    """The fold's rest (``_rest``, driven here without the fold's thread) holds what it
    reads for the next fold; a job's end read meanwhile ends it at once only when a status
    read waits for a fold: a stream of ends that nobody follows is folded in paced batches."""
    projection = Projection(tmp_path / "p.duckdb")
    projector = Projector(projection, broker.bootstrap, TOPICS.events)
    log = EventLog(broker.bootstrap, TOPICS)
    loop = asyncio.new_event_loop()
    try:
        rests = []
        for follower in (None, (loop, loop.create_future())):
            if follower is not None:
                projector._next_fold.append(follower)
            log.append_blocking(job_facts(1)[-1])
            started = time.monotonic()
            projector._rest(0.6)
            rests.append(time.monotonic() - started)
        held = len(projector._held)
    finally:
        loop.close()
        log.close()
        projector._close()  # never started: its consumer is closed here
        projection.close()
    assert held == 2
    unfollowed, followed = rests
    assert unfollowed >= 0.6, rests
    assert followed < 0.3, rests


def _follow(projector: Projector, done: threading.Event) -> threading.Thread:
    """A reader that follows a job, as a status read with ``wait`` does: it waits for each
    next fold on an event loop of its own until ``done``."""

    async def follow() -> None:
        while not done.is_set():
            await projector.next_fold(projector.folds, 0.05)

    thread = threading.Thread(target=asyncio.run, args=(follow(),), daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize("jobs", [3, 60])  # 21 facts, and 420: past INDEXED_LOOKUP's 256
def test_a_batch_folded_twice_changes_nothing_the_second_time(jobs: int, tmp_path: Path):
    """The archive finds copies by their ids whichever way it asks (the primary key's index
    for a short batch, one scan of the ids for a long one)."""
    facts = [fact for seed in range(jobs) for fact in job_facts(seed)]
    assert (len(facts) > INDEXED_LOOKUP) == (jobs == 60)
    records = [Record(TOPICS.events, 0, i, msgspec.json.encode(e)) for i, e in enumerate(facts)]
    path = tmp_path / "twice.duckdb"
    applied = []
    for _ in range(2):
        projection = Projection(path)
        try:
            applied.append(projection.apply(records))
        finally:
            projection.close()
        if len(applied) == 1:
            once = tables(path)
    assert applied == [len(facts), 0]
    assert tables(path) == once
    assert {row[2] for row in once["jobs"]} == {"completed"} and len(once["results"]) == jobs


def test_a_status_reader_that_looked_before_a_fold_is_woken_by_it_even_if_it_waits_after(
    broker: EmbeddedBroker, tmp_path: Path
):
    """``next_fold(after, ...)`` returns at once when a fold came after the count its caller
    read, even if the fold ended before the call: the status route reads the count, looks at
    the projection, then waits. Without the count the wake-up was lost and the reader waited
    for the next fold, up to 0.5 s beside a big job (caught in the fair-queue benchmark:
    small jobs seen 0.2-0.4 s after their JobCompleted was folded)."""
    projection = Projection(tmp_path / "p.duckdb")
    projector = Projector(projection, broker.bootstrap, TOPICS.events).start()
    try:
        looked = projector.folds
        append_all(broker, job_facts(31)[:1])
        wait_for(lambda: projector.events_applied == 1, 20, "the fold of one fact")
        started = time.perf_counter()
        asyncio.run(projector.next_fold(looked, 5.0))
        assert time.perf_counter() - started < 0.5  # not the 5 s timeout
        # With no fold after the count it was given, it waits out its timeout.
        started = time.perf_counter()
        asyncio.run(projector.next_fold(projector.folds, 0.3))
        assert time.perf_counter() - started >= 0.29
    finally:
        projector.stop()
        projection.close()


def test_the_projection_runs_on_the_threads_it_is_given(tmp_path: Path, monkeypatch):
    """One thread unless ``JOST_DUCKDB_THREADS`` says otherwise; a value that is no count of
    threads is refused naming the variable, not left to DuckDB."""
    assert _threads(Projection(tmp_path / "one.duckdb")) == 1
    monkeypatch.setenv("JOST_DUCKDB_THREADS", "3")
    assert _threads(Projection(tmp_path / "three.duckdb")) == 3
    for bad in ("0", "two", "-1"):
        monkeypatch.setenv("JOST_DUCKDB_THREADS", bad)
        with pytest.raises(ValueError, match="JOST_DUCKDB_THREADS"):
            Projection(tmp_path / "bad.duckdb")


def _threads(projection: Projection) -> int:
    try:
        (threads,) = projection.cursor().execute("SELECT current_setting('threads')").fetchone()
        return threads
    finally:
        projection.close()

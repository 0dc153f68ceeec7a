"""The projector against the embedded broker and real DuckDB files: a restart mid-stream
continues from the offsets stored with the rows, copies of an event change nothing, and one
pass, two passes and a replay give identical tables."""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path

import duckdb
import msgspec
from confluent_kafka import Consumer, Producer, TopicPartition
from conftest import wait_for
from engine_configs import SIMPLE_CHART

from jost.contracts import (
    Event,
    JobCompleted,
    JobPlanned,
    JobSubmitted,
    ShardCompleted,
    SimulationConfig,
    Strategy,
)
from jost.engine import merge, plan_shards, run_shard, summarize
from jost.platform.embedded import EmbeddedBroker
from jost.platform.events import event_id, now
from jost.platform.log import EventLog
from jost.platform.migrations import MIGRATIONS_DIR, migration_files
from jost.platform.projection import TABLES, Projection, Record
from jost.platform.projector import Projector
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
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in TABLES}
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
    assert result == {"jobs": False, "shards": True, "events": False, "results": False}


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

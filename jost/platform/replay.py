"""Rebuilding a projection: from the log (offset 0 to the end it has now) or, when the log no
longer holds the events, from another projection's archived ``events`` table; then comparing
two projections table by table."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import duckdb
from confluent_kafka import Consumer, KafkaError, TopicPartition

from jost.platform.projection import TABLES, Projection, Record
from jost.platform.settings import client_settings


def replay_from_log(
    bootstrap: str, topic: str, into: Path, timeout: float = 60.0, batch: int = 5000
) -> int:
    """Fold every event the log holds now into a new file; returns the events applied."""
    projection = Projection(into)
    consumer = Consumer(
        {
            **client_settings(bootstrap),
            "group.id": f"jost-replay-{uuid.uuid4()}",
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
        }
    )
    try:
        metadata = consumer.list_topics(topic, timeout=10).topics[topic]
        ends: dict[int, int] = {}
        starts: list[TopicPartition] = []
        for p in sorted(metadata.partitions):
            low, high = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
            if high > low:
                ends[p] = high
                starts.append(TopicPartition(topic, p, low))
        consumer.assign(starts)
        position = {tp.partition: tp.offset for tp in starts}
        applied = 0
        deadline = time.monotonic() + timeout
        while any(position[p] < ends[p] for p in ends):
            if time.monotonic() > deadline:
                raise TimeoutError(f"replay did not reach the end of {topic} in {timeout:g} s")
            records = []
            for msg in consumer.consume(batch, timeout=0.2):
                if msg.error() is not None:
                    if msg.error().code() != KafkaError._PARTITION_EOF:
                        raise RuntimeError(str(msg.error()))
                    continue
                if msg.offset() >= ends.get(msg.partition(), 0):
                    continue  # appended after the replay started: beyond its snapshot
                records.append(Record(msg.topic(), msg.partition(), msg.offset(), msg.value()))
                position[msg.partition()] = msg.offset() + 1
            if records:
                applied += projection.apply(records)
        return applied
    finally:
        consumer.close()
        projection.close()


def replay_from_archive(archive: Path, into: Path, topic: str) -> int:
    """Fold the events archived in another projection, in their original log order."""
    source = duckdb.connect(str(archive), read_only=True)
    try:
        rows = source.execute(
            "SELECT log_partition, log_offset, body FROM events ORDER BY seq"
        ).fetchall()
    finally:
        source.close()
    projection = Projection(into)
    try:
        return projection.apply(Record(topic, p, o, body.encode()) for p, o, body in rows)
    finally:
        projection.close()


def compare(live: Path, rebuilt: Path) -> dict[str, bool]:
    """Per table: do both files hold the same rows (as multisets)?"""
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH '{_quote(live)}' AS live (READ_ONLY)")
        con.execute(f"ATTACH '{_quote(rebuilt)}' AS rebuilt (READ_ONLY)")
        equal = {}
        for table in TABLES:
            # seq is the order this projection archived in: the same within a partition,
            # free across partitions (a replay reads them in another interleaving).
            cols = "* EXCLUDE (seq)" if table == "events" else "*"
            diff = con.execute(
                f"SELECT (SELECT count(*) FROM (SELECT {cols} FROM live.{table} EXCEPT ALL "
                f"SELECT {cols} FROM rebuilt.{table})) + (SELECT count(*) FROM (SELECT {cols} "
                f"FROM rebuilt.{table} EXCEPT ALL SELECT {cols} FROM live.{table}))"
            ).fetchone()
            equal[table] = diff is not None and diff[0] == 0
        return equal
    finally:
        con.close()


def _quote(path: Path) -> str:
    return str(path).replace("'", "''")

"""Consumer group names and timing shared by the consumers."""

from __future__ import annotations

import contextlib
import os
import time
import uuid
from typing import Any

from confluent_kafka import Consumer, KafkaException, TopicPartition
from msgspec import Struct

from jost.platform.embedded import is_embedded
from jost.platform.settings import client_settings

COORDINATOR_GROUP = "jost-coordinator"
ENGINE_GROUP = "jost-engine"
ASSIGNMENT = "range"
"""Each member of a group gets a contiguous block of partitions (the embedded broker's own
assignment under the ``consumer`` protocol is a range too); ``log.shard_partition`` spreads a
job's shards so that any such block holds its share of them."""


PROTOCOL_ENV = "JOST_GROUP_PROTOCOL"
"""Overrides the group protocol the worker picks for its broker: ``consumer`` (KIP-848: the
broker assigns partitions, and a member that joins or leaves moves only the partitions it
takes or gives back, the others working on) or ``classic`` (every member stops and rejoins
whenever one arrives or goes). On the embedded broker every worker uses ``consumer`` (there a
join or a leave costs a tenth of a second where a classic rebalance held the whole group for
two; and the embedded broker keeps the two kinds of group apart, so one worker of the other
kind would run every shard again); elsewhere ``classic``, which every broker supports."""


class GroupTiming(Struct, frozen=True, kw_only=True):
    """How fast a group notices a dead member (its partitions go to the others after
    ``session_timeout_ms``). Heartbeats must come several times per session. The embedded
    broker also holds every classic rebalance of a formed group open for the session timeout
    less one second, whoever has rejoined: a short session keeps a worker's arrival cheap.
    Under the ``consumer`` protocol the broker sets both (``EmbeddedBroker`` does)."""

    session_timeout_ms: int = 3_000
    heartbeat_interval_ms: int = 500
    max_poll_interval_ms: int = 30 * 60 * 1000
    """A shard may run this long before the member is considered stuck."""
    fetch_max_wait_ms: int = 10
    """The embedded broker holds every fetch this long even when data is there: each hop of
    the pipeline (planner, worker, completion) waits up to this much. At 25 ms the three hops
    of a job took 15 ms more (submit to completed, the default game: 465 ms against 450); at
    10 ms an idle platform's fetches take 8 % of a core, 7 % at 25."""
    protocol: str = "classic"

    @classmethod
    def for_broker(cls, bootstrap: str, session_timeout_ms: int) -> GroupTiming:
        """The timing for a worker of the broker at ``bootstrap`` (see ``PROTOCOL_ENV``)."""
        protocol = os.environ.get(PROTOCOL_ENV) or (
            "consumer" if is_embedded(bootstrap) else "classic"
        )
        return cls(
            session_timeout_ms=session_timeout_ms,
            heartbeat_interval_ms=max(100, session_timeout_ms // 6),
            protocol=protocol,
        )

    @property
    def incremental(self) -> bool:
        """Whether assignments change partition by partition (``incremental_assign``)."""
        return self.protocol == "consumer"

    def member_settings(self, bootstrap: str, group: str) -> dict[str, Any]:
        """A member of ``group`` that commits by hand (only what is done), with these
        timings; its client id names the group."""
        return {
            **client_settings(bootstrap),
            "group.id": group,
            "client.id": f"{group}-{uuid.uuid4().hex[:8]}",
            "enable.auto.commit": False,
            "enable.auto.offset.store": False,
            **self.consumer_settings(),
        }

    def consumer_settings(self) -> dict[str, Any]:
        """The settings every group's consumers share: read from the start of the log, and
        these timings."""
        common = {
            "auto.offset.reset": "earliest",
            "max.poll.interval.ms": self.max_poll_interval_ms,
            "fetch.wait.max.ms": self.fetch_max_wait_ms,
        }
        if self.protocol == "consumer":
            return {**common, "group.protocol": "consumer"}
        return {
            **common,
            "partition.assignment.strategy": ASSIGNMENT,
            "session.timeout.ms": self.session_timeout_ms,
            "heartbeat.interval.ms": self.heartbeat_interval_ms,
        }


def at_commits(consumer: Consumer, partitions: list[TopicPartition]) -> list[TopicPartition]:
    """``partitions`` each at its committed offset, or at 0 where nothing is committed, to
    assign them with: a partition assigned without an offset looks its start up (ListOffsets),
    and under an incremental rebalance that answer can come back outdated (the member paused
    its partitions while giving some back), which librdkafka (2.16) retries only 500 ms
    later: one of two workers then sat idle for half a second of a job, one start in two. A
    log that no longer begins at 0 answers out of range, and ``auto.offset.reset`` moves the
    consumer to its start. Unchanged when the committed offsets cannot be read in time."""
    try:
        committed = consumer.committed(partitions, timeout=5)
    except KafkaException:
        return partitions
    return [TopicPartition(tp.topic, tp.partition, max(tp.offset, 0)) for tp in committed]


def from_start(partitions: list[TopicPartition]) -> list[TopicPartition]:
    """``partitions`` each at offset 0, for a member that reads its partitions from the start
    (see ``at_commits``: no look-up of the start that a rebalance can leave outdated)."""
    return [TopicPartition(tp.topic, tp.partition, 0) for tp in partitions]


def wake_fetchers(consumer: Consumer, topic: str) -> None:
    """After an incremental rebalance that took partitions from this member: librdkafka
    (2.16) pauses every partition while the member gives some back, resumes the rest, and then
    leaves them unfetched until its broker thread next wakes by itself, a second later: a job
    submitted right after a second worker joined waited 0.8 s for its plan one time in three.
    A request through that thread (one partition's watermarks) wakes it at once. The engine
    members stalled too, 1 fresh start in 8 to 16 once ``at_commits`` had removed their
    other stall (one of two workers idle for 0.6-0.7 s of a 2-shard job; 0 in 48 starts with
    the wake), so they wake their fetchers as the coordinator does."""
    kept = consumer.assignment()
    if kept:
        with contextlib.suppress(KafkaException):  # best effort: the thread wakes in a second
            consumer.get_watermark_offsets(TopicPartition(topic, kept[0].partition), timeout=5)


WAKE_SECONDS = 1.5
"""How long after a rebalance callback ``FetchWaker`` keeps waking the fetchers: librdkafka
may pause and resume the kept partitions again after the callback (an assignment of nothing
that follows a revocation), and the stall it ends lasts a second."""
WAKE_EVERY = 0.1


class FetchWaker:
    """``wake_fetchers`` every ``WAKE_EVERY`` seconds for ``WAKE_SECONDS`` after the group's
    last rebalance callback (one wake right after a revocation still left 1 start in 40
    waiting 0.8 s: the resume can come after it). About fifteen watermark requests a
    rebalance."""

    def __init__(self, consumer: Consumer, topic: str, timing: GroupTiming) -> None:
        self._consumer = consumer
        self._topic = topic
        self._needed = timing.incremental
        """Only incremental rebalances leave kept partitions unfetched."""
        self._until = 0.0
        self._next = 0.0

    def rebalanced(self) -> None:
        """Called from the rebalance callbacks (in the consumer's poll)."""
        if not self._needed:
            return
        self._until = time.monotonic() + WAKE_SECONDS
        self._next = 0.0

    def step(self) -> None:
        """Called once a step, outside ``poll``."""
        now = time.monotonic()
        if self._next <= now < self._until:
            self._next = now + WAKE_EVERY
            wake_fetchers(self._consumer, self._topic)

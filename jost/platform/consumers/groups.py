"""Consumer group names and timing shared by the consumers."""

from __future__ import annotations

from typing import Any

from msgspec import Struct

COORDINATOR_GROUP = "jost-coordinator"
ENGINE_GROUP = "jost-engine"
ASSIGNMENT = "range"
"""Each member of a group gets a contiguous block of partitions; ``log.shard_partition``
spreads a job's shards so that any such block holds its share of them."""


class GroupTiming(Struct, frozen=True, kw_only=True):
    """How fast a group notices a dead member (its partitions go to the others after
    ``session_timeout_ms``). Heartbeats must come several times per session. The embedded
    broker also holds every rebalance of a formed group open for the session timeout less
    one second, whoever has rejoined: a short session keeps a worker's arrival cheap."""

    session_timeout_ms: int = 3_000
    heartbeat_interval_ms: int = 500
    max_poll_interval_ms: int = 30 * 60 * 1000
    """A shard may run this long before the member is considered stuck."""
    fetch_max_wait_ms: int = 25
    """The embedded broker holds every fetch this long even when data is there: each hop of
    the pipeline (planner, worker, completion) waits up to this much."""

    def consumer_settings(self) -> dict[str, Any]:
        """The settings every group's consumers share: read from the start of the log, and
        these timings."""
        return {
            "auto.offset.reset": "earliest",
            "partition.assignment.strategy": ASSIGNMENT,
            "session.timeout.ms": self.session_timeout_ms,
            "heartbeat.interval.ms": self.heartbeat_interval_ms,
            "max.poll.interval.ms": self.max_poll_interval_ms,
            "fetch.wait.max.ms": self.fetch_max_wait_ms,
        }

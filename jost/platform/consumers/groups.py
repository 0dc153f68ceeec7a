"""Consumer group names and timing shared by the consumers."""

from __future__ import annotations

from typing import Any

from msgspec import Struct

PLANNER_GROUP = "jost-planner"
ENGINE_GROUP = "jost-engine"
COMPLETION_GROUP = "jost-completion"


class GroupTiming(Struct, frozen=True, kw_only=True):
    """How fast a group notices a dead member (its shards go to the others after
    ``session_timeout_ms``). Heartbeats must come several times per session."""

    session_timeout_ms: int = 6_000
    heartbeat_interval_ms: int = 1_000
    max_poll_interval_ms: int = 30 * 60 * 1000
    """A shard may run this long before the member is considered stuck."""
    fetch_max_wait_ms: int = 25
    """The embedded broker holds every fetch this long even when data is there: each hop of
    the pipeline (planner, worker, completion) waits up to this much."""

    def subscriber_options(self) -> dict[str, Any]:
        """The subscriber settings every group shares: read from the start of the log, and
        these timings."""
        return {
            "auto_offset_reset": "earliest",
            "session_timeout_ms": self.session_timeout_ms,
            "heartbeat_interval_ms": self.heartbeat_interval_ms,
            "fetch_max_wait_ms": self.fetch_max_wait_ms,
        }

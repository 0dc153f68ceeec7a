"""Consumer group names and timing shared by the consumers."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from confluent_kafka import KafkaException
from faststream.confluent.annotations import KafkaMessage
from msgspec import Struct

log = logging.getLogger(__name__)

COORDINATOR_GROUP = "jost-coordinator"
ENGINE_GROUP = "jost-engine"


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


async def commit_message(msg: KafkaMessage) -> None:
    """Commit exactly this message (its offset + 1 on its partition), synchronously.

    FastStream's ack commits the consumer's current positions on every partition, read when
    librdkafka gets to the asynchronous commit: by then the next message may already have been
    polled, so a worker killed while running it had committed it and the shard was lost (seen
    in about 1 run in 7 of the SIGKILL test). Committing the handled message commits nothing
    that is not done. A commit refused during a rebalance only means the message comes again,
    and handling it again changes nothing."""
    try:
        await asyncio.to_thread(
            msg.consumer.consumer.commit, message=msg.raw_message, asynchronous=False
        )
    except KafkaException as exc:
        log.info("commit refused (the message will be handled again): %s", exc)

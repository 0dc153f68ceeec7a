"""Engine workers: one consumer group over ``jost.shards``; each member runs a shard in a
thread (the numba kernel releases the GIL, the event loop keeps serving the group) and appends
ShardCompleted or ShardFailed.

Shards of a job already cancelled or failed are skipped: each worker process also reads the
event log (in a consumer group of its own, from the start, never committing) and keeps the ids
of the jobs closed that way. The skip is best effort: a shard already running finishes, and
one polled before its job's JobCancelled is read still runs (its result is recorded, the job
stays cancelled).

The offset is committed only after the result is in the log, and only the handled message's
(``commit_message``): a worker killed mid-shard leaves the shard uncommitted and the group
hands it to another member. Shards are deterministic, so a shard run twice yields the same
ShardCompleted (same id, same stats).
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid

import msgspec
from faststream import AckPolicy
from faststream.confluent import KafkaBroker
from faststream.confluent.annotations import KafkaMessage

from jost.contracts import ShardCompleted, ShardFailed, ShardRequested
from jost.engine import run_shard
from jost.platform.consumers.groups import ENGINE_GROUP, GroupTiming, commit_message
from jost.platform.events import decode_shard_request, event_id, now
from jost.platform.log import EventLog

log = logging.getLogger(__name__)

CLOSING_KINDS = frozenset({"JobCancelled", "JobFailed"})


class _Head(msgspec.Struct):
    """An event's kind and job, decoded without the rest (a ShardCompleted carries its stats)."""

    kind: str
    job_id: str


_head_decoder = msgspec.json.Decoder(_Head)


class ClosedJobs:
    """The jobs whose remaining shards are not worth running: cancelled or failed."""

    def __init__(self) -> None:
        self._ids: set[str] = set()

    def observe(self, body: bytes) -> None:
        try:
            head = _head_decoder.decode(body)
        except msgspec.DecodeError:
            return
        if head.kind in CLOSING_KINDS:
            self._ids.add(head.job_id)

    def __contains__(self, job_id: object) -> bool:
        return job_id in self._ids


async def run(request: ShardRequested, event_log: EventLog) -> ShardCompleted | ShardFailed:
    started = time.perf_counter()
    try:
        stats = await asyncio.to_thread(
            run_shard, request.config, request.shard_index, request.rounds
        )
    except Exception as exc:  # the engine rejected this config: a fact, not a crash
        log.exception("shard %s/%s failed", request.job_id, request.shard_index)
        result: ShardCompleted | ShardFailed = ShardFailed(
            event_id=event_id(request.job_id, "ShardFailed", request.shard_index),
            job_id=request.job_id,
            at=now(),
            shard_index=request.shard_index,
            error=f"{type(exc).__name__}: {exc}",
        )
    else:
        result = ShardCompleted(
            event_id=event_id(request.job_id, "ShardCompleted", request.shard_index),
            job_id=request.job_id,
            at=now(),
            shard_index=request.shard_index,
            rounds=request.rounds,
            stats=stats,
            seconds=round(time.perf_counter() - started, 6),
        )
    await event_log.append(result)
    return result


def register_engine(broker: KafkaBroker, event_log: EventLog, timing: GroupTiming) -> None:
    closed = ClosedJobs()

    @broker.subscriber(
        event_log.topics.events,
        # A group of this process's own: every worker sees every closing event.
        group_id=f"{ENGINE_GROUP}-closed-{uuid.uuid4().hex[:12]}",
        ack_policy=AckPolicy.MANUAL,  # never committed: read from the start on every start
        **timing.subscriber_options(),
    )
    async def on_event(msg: KafkaMessage) -> None:
        closed.observe(msg.body)

    @broker.subscriber(
        event_log.topics.shards,
        group_id=ENGINE_GROUP,
        ack_policy=AckPolicy.MANUAL,  # commit_message after the result is in the log
        **timing.subscriber_options(),
        max_poll_interval_ms=timing.max_poll_interval_ms,
        # Fetch little ahead: prefetched shards wait behind the running one.
        max_partition_fetch_bytes=64 * 1024,
    )
    async def on_shard(msg: KafkaMessage) -> None:
        try:
            request = decode_shard_request(msg.body)
        except msgspec.DecodeError as exc:
            log.warning("engine: skipping undecodable shard request: %s", exc)
        else:
            job = request.job_id
            if job in closed:
                log.info("engine: skipping shard %s of closed job %s", request.shard_index, job)
            else:
                await run(request, event_log)
        await commit_message(msg)

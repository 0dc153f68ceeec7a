"""Completion: folds each job's facts and appends JobCompleted (the merged statistics and the
engine's summary) when its last shard is in, or JobFailed when a shard failed.

It never commits offsets: a member that is assigned a partition reads it from the start and
rebuilds its state, so no state is lost when a process dies. A decision taken again on the way
(a job whose last shard it folds before reaching the JobCompleted already logged) produces the
same event id, which every reader drops as a copy.
"""

from __future__ import annotations

import logging

import msgspec
from faststream import AckPolicy
from faststream.confluent import KafkaBroker
from faststream.confluent.annotations import KafkaMessage

from jost.contracts import (
    Event,
    JobCancelled,
    JobCompleted,
    JobFailed,
    JobPlanned,
    JobSubmitted,
    ShardCompleted,
    ShardFailed,
    ShardStats,
    SimulationConfig,
)
from jost.engine import merge, summarize
from jost.platform.consumers.groups import COMPLETION_GROUP, GroupTiming
from jost.platform.events import decode_event, event_id, now
from jost.platform.log import EventLog

log = logging.getLogger(__name__)


class _Job(msgspec.Struct):
    shards_total: int | None = None
    stats: dict[int, ShardStats] = {}
    config: SimulationConfig | None = None
    """From JobSubmitted: the summary's hourly figures and risk of ruin need it."""


class Completion:
    """The fold. ``observe`` returns the fact to append, if the event decides the job."""

    def __init__(self) -> None:
        self._open: dict[str, _Job] = {}
        self._closed: set[str] = set()

    def observe(self, event: Event) -> JobCompleted | JobFailed | None:
        if event.job_id in self._closed:
            return None
        match event:
            case JobCompleted() | JobFailed() | JobCancelled():
                self._close(event.job_id)
                return None
            case JobSubmitted():
                self._open.setdefault(event.job_id, _Job()).config = event.config
            case JobPlanned():
                self._open.setdefault(event.job_id, _Job()).shards_total = len(event.shard_rounds)
            case ShardCompleted():
                self._open.setdefault(event.job_id, _Job()).stats[event.shard_index] = event.stats
            case ShardFailed():
                self._close(event.job_id)
                return JobFailed(
                    event_id=event_id(event.job_id, "JobFailed"),
                    job_id=event.job_id,
                    at=now(),
                    reason=f"shard {event.shard_index} failed: {event.error}",
                    shard_index=event.shard_index,
                )
            case _:
                return None
        job = self._open[event.job_id]
        if job.shards_total is None or len(job.stats) < job.shards_total:
            return None
        merged = merge(job.stats.values())
        self._close(event.job_id)
        return JobCompleted(
            event_id=event_id(event.job_id, "JobCompleted"),
            job_id=event.job_id,
            at=now(),
            stats=merged,
            summary=summarize(merged, job.config),
        )

    def _close(self, job_id: str) -> None:
        self._open.pop(job_id, None)
        self._closed.add(job_id)


def register_completion(broker: KafkaBroker, event_log: EventLog, timing: GroupTiming) -> None:
    fold = Completion()

    @broker.subscriber(
        event_log.topics.events,
        group_id=COMPLETION_GROUP,
        ack_policy=AckPolicy.MANUAL,  # never acked: see the module docstring
        **timing.subscriber_options(),
    )
    async def on_event(msg: KafkaMessage) -> None:
        try:
            event = decode_event(msg.body)
        except msgspec.DecodeError as exc:
            log.warning("completion: skipping undecodable message: %s", exc)
            return
        decision = fold.observe(event)
        if decision is not None:
            await event_log.append(decision)

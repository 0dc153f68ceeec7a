"""JobSubmitted → JobPlanned, then one ShardRequested per shard on ``jost.shards``.

JobPlanned is appended (and acknowledged) before any shard is requested, so in the job's
partition it precedes every ShardCompleted. A redelivered JobSubmitted plans again: the same
JobPlanned id and the same shards, which the workers and the projection treat as copies.
"""

from __future__ import annotations

import asyncio
import logging

import msgspec
from faststream import AckPolicy
from faststream.confluent import KafkaBroker
from faststream.confluent.annotations import KafkaMessage

from jost.contracts import JobPlanned, JobSubmitted, ShardRequested
from jost.engine import plan_shards
from jost.platform.consumers.groups import PLANNER_GROUP, GroupTiming, commit_message
from jost.platform.events import decode_event, event_id, now
from jost.platform.log import EventLog

log = logging.getLogger(__name__)


async def plan(submitted: JobSubmitted, event_log: EventLog) -> JobPlanned:
    shard_rounds = plan_shards(submitted.config)
    planned = JobPlanned(
        event_id=event_id(submitted.job_id, "JobPlanned"),
        job_id=submitted.job_id,
        at=now(),
        shard_rounds=shard_rounds,
    )
    await event_log.append(planned)
    await asyncio.gather(
        *(
            event_log.request_shard(
                ShardRequested(
                    job_id=submitted.job_id,
                    shard_index=index,
                    rounds=rounds,
                    config=submitted.config,
                )
            )
            for index, rounds in enumerate(shard_rounds)
        )
    )
    return planned


def register_planner(broker: KafkaBroker, event_log: EventLog, timing: GroupTiming) -> None:
    @broker.subscriber(
        event_log.topics.events,
        group_id=PLANNER_GROUP,
        ack_policy=AckPolicy.MANUAL,  # commit_message after the plan is in the log
        **timing.subscriber_options(),
    )
    async def on_event(msg: KafkaMessage) -> None:
        try:
            event = decode_event(msg.body)
        except msgspec.DecodeError as exc:
            log.warning("planner: skipping undecodable message: %s", exc)
        else:
            if isinstance(event, JobSubmitted):
                await plan(event, event_log)
        await commit_message(msg)

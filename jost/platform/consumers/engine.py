"""Engine workers: one consumer group over ``jost.shards``; each member runs a shard in a
thread (the numba kernel releases the GIL, the event loop keeps serving the group) and appends
ShardCompleted or ShardFailed.

A shard request names only its job: the worker takes the config from its ``JobDirectory`` (read
from the event log once per job) and builds the game's tables once per job. Shards of a job
that ended (completed, failed, cancelled) and shards already completed (a request repeated
after a deadline, a log restored after a restart) are skipped. The skip is best effort: a shard
already running finishes, and its result is recorded.

The offset is committed only after the result is in the log, and only the handled message's
(``commit_message``): a worker killed mid-shard leaves the shard uncommitted and the group
hands it to another member. Shards are deterministic, so a shard run twice yields the same
ShardCompleted (same id, same stats).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict

import msgspec
from faststream import AckPolicy
from faststream.confluent import KafkaBroker
from faststream.confluent.annotations import KafkaMessage

from jost.contracts import ShardCompleted, ShardFailed, ShardRequested, SimulationConfig
from jost.engine import run_shard
from jost.engine.game import Game, build_game
from jost.platform.consumers.directory import JobDirectory
from jost.platform.consumers.groups import ENGINE_GROUP, GroupTiming, commit_message
from jost.platform.events import decode_shard_request, event_id, now
from jost.platform.log import EventLog

log = logging.getLogger(__name__)


class Games:
    """The game tables of the jobs this worker ran last, so a job's tables are built once."""

    def __init__(self, size: int = 8) -> None:
        self._size = size
        self._games: OrderedDict[str, Game] = OrderedDict()

    def get(self, job_id: str, config: SimulationConfig) -> Game:
        game = self._games.pop(job_id, None) or build_game(config)
        self._games[job_id] = game
        while len(self._games) > self._size:
            self._games.popitem(last=False)
        return game


async def run(
    request: ShardRequested, config: SimulationConfig | None, games: Games, event_log: EventLog
) -> ShardCompleted | ShardFailed:
    started = time.perf_counter()
    try:
        if config is None:
            raise LookupError("the job's config is no longer in the event log")
        game = games.get(request.job_id, config)
        stats = await asyncio.to_thread(
            run_shard, config, request.shard_index, request.rounds, game
        )
    except Exception as exc:  # a shard that cannot run: a fact, not a crash
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


def register_engine(
    broker: KafkaBroker, event_log: EventLog, timing: GroupTiming, directory: JobDirectory
) -> None:
    games = Games()

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
            job, index = request.job_id, request.shard_index
            if directory.ended(job):
                log.info("engine: skipping shard %s of ended job %s", index, job)
            elif directory.shard_done(job, index):
                log.info("engine: shard %s of job %s is done already", index, job)
            else:
                await run(request, await directory.config(job), games, event_log)
        await commit_message(msg)

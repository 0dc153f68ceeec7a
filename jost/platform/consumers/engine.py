"""Engine workers: one consumer group over ``jost.shards``. Each member fetches every request
of its partitions into a ``Backlog``, runs the fairest one next (a small job waits only for
the shard running now), and appends ShardCompleted or ShardFailed.

A shard request names only its job: the worker takes the config from its ``JobDirectory`` (read
from the event log once per job) and builds the game's tables once per job. Shards of a job
that ended (completed, failed, cancelled) and shards already completed (a request repeated
after a deadline, a log restored after a restart, a partition that moved mid-job) are
skipped. The skip is best effort: a shard already running finishes, and its result is
recorded.

An offset is committed only once every request before it has its result in the log
(acknowledged by the broker): a worker killed mid-shard leaves the shard uncommitted and the
group hands it to another member. Shards are deterministic, so a shard run twice yields the
same ShardCompleted (same id, same stats).

The shard runs in the loop's own thread, between polls: the numba kernel releases the GIL, so
the process's other threads (the coordinator, the directory, the producer) go on meanwhile,
and a rebalance is served between two shards, never during one.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import uuid
from collections import OrderedDict
from typing import Any

import msgspec
from confluent_kafka import Consumer, KafkaError, KafkaException, TopicPartition

from jost.contracts import ShardCompleted, ShardFailed, ShardRequested, SimulationConfig
from jost.engine import run_shard
from jost.engine.game import Game, build_game, game_key
from jost.platform.consumers.backlog import Backlog, Pending
from jost.platform.consumers.directory import JobDirectory
from jost.platform.consumers.groups import ENGINE_GROUP, FetchWaker, GroupTiming, at_commits
from jost.platform.events import decode_shard_request, event_id, now
from jost.platform.log import EventLog
from jost.platform.loop import Loop
from jost.platform.settings import client_settings

log = logging.getLogger(__name__)

FETCH_BATCH = 500
IDLE_POLL_SECONDS = 0.02
"""How long an idle engine loop waits for a shard request before it looks at its stop flag:
what a member's stop waits for it at most."""


class Games:
    """The game tables this worker played last, so a job's tables are built once, and once
    for the jobs of one game (a sweep's seeds, a client's runs of one profile): building
    them took a quarter of a worker's time on a stream of small jobs. The kernel only reads
    them, so jobs may share them."""

    def __init__(self, size: int = 8) -> None:
        self._size = size
        self._games: OrderedDict[bytes, Game] = OrderedDict()

    def get(self, config: SimulationConfig) -> Game:
        key = game_key(config)
        game = self._games.pop(key, None) or build_game(config)
        self._games[key] = game
        while len(self._games) > self._size:
            self._games.popitem(last=False)
        return game


def warm_up() -> float:
    """Load the kernel (from numba's on-disk cache; compiled into it the first time on a
    machine) by playing a few rounds, so no job's time includes it. Returns the seconds."""
    started = time.perf_counter()
    run_shard(SimulationConfig(rounds=1_000, shard_rounds=1_000), 0, 1_000)
    return time.perf_counter() - started


def run(
    request: ShardRequested, config: SimulationConfig | None, games: Games
) -> ShardCompleted | ShardFailed:
    """Play one shard; a shard that cannot run is a fact (ShardFailed), not a crash."""
    started = time.perf_counter()
    try:
        if config is None:
            raise LookupError("the job's config is no longer in the event log")
        game = games.get(config)
        stats = run_shard(config, request.shard_index, request.rounds, game)
    except Exception as exc:
        log.exception("shard %s/%s failed", request.job_id, request.shard_index)
        return ShardFailed(
            event_id=event_id(request.job_id, "ShardFailed", request.shard_index),
            job_id=request.job_id,
            at=now(),
            shard_index=request.shard_index,
            error=f"{type(exc).__name__}: {exc}",
        )
    return ShardCompleted(
        event_id=event_id(request.job_id, "ShardCompleted", request.shard_index),
        job_id=request.job_id,
        at=now(),
        shard_index=request.shard_index,
        rounds=request.rounds,
        stats=stats,
        seconds=round(time.perf_counter() - started, 6),
    )


class EngineWorker(Loop):
    """Runs in a thread of a worker process; ``stop()`` finishes the shard running, commits
    what is done and leaves the group. ``assigned`` is set once the group gave this member
    partitions; ``shards_run`` counts the shards it played."""

    name = "jost-engine"

    def __init__(
        self, bootstrap: str, event_log: EventLog, timing: GroupTiming, directory: JobDirectory
    ) -> None:
        super().__init__()
        self._log = event_log
        self._topic = event_log.topics.shards
        self._directory = directory
        self._games = Games()
        self._backlog = Backlog()
        self._logged: queue.SimpleQueue[tuple[Pending, Any]] = queue.SimpleQueue()
        self._committed: dict[int, int] = {}
        self.assigned = threading.Event()
        self.shards_run = 0
        self.running_shard = False
        """Whether the kernel is playing a shard now (a stop waits for it)."""
        self._consumer = Consumer(
            {
                **client_settings(bootstrap),
                "group.id": ENGINE_GROUP,
                "client.id": f"jost-engine-{uuid.uuid4().hex[:8]}",
                "enable.auto.commit": False,
                "enable.auto.offset.store": False,
                **timing.consumer_settings(),
            }
        )
        # The topic's metadata first: a member that joins before it knows its topic's
        # partitions joins again once it does, and that second join costs the whole group a
        # rebalance (seconds on the embedded broker).
        self._consumer.list_topics(self._topic, timeout=15)
        self._incremental = timing.incremental
        self._waker = FetchWaker(self._consumer, self._topic, timing)
        self._consumer.subscribe(
            [self._topic],
            on_assign=self._on_assign,
            on_revoke=self._on_revoke,
            on_lost=self._on_lost,
        )

    # -- the group ---------------------------------------------------------------------------

    def _on_assign(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        log.info("engine: assigned %d partitions", len(partitions))
        if self._incremental and partitions:  # where each starts, given (``at_commits``)
            consumer.incremental_assign(at_commits(consumer, partitions))
        self._waker.rebalanced()  # the partitions kept may be left unfetched
        if partitions:  # a member first told "none" gets its share a heartbeat later
            self.assigned.set()

    def _on_revoke(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        # Every result in flight reaches the log first, and what is done is committed (where
        # the broker still takes it): the next owner skips it either way (its directory reads
        # the results), it does not run it again.
        numbers = {tp.partition for tp in partitions}
        if not self._stepped_out.is_set():  # closing: ``_close`` has just committed it all
            self._log.flush()
            self._settle()
            self._commit(numbers, asynchronous=False)
        self._backlog.drop(numbers)
        for number in numbers:
            self._committed.pop(number, None)
        self._waker.rebalanced()  # the partitions kept may be left unfetched

    def _on_lost(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        numbers = {tp.partition for tp in partitions}
        self._backlog.drop(numbers)
        for number in numbers:
            self._committed.pop(number, None)

    # -- the loop ----------------------------------------------------------------------------

    def _step(self) -> None:
        self._waker.step()
        # Wait for a message only when there is nothing to run; then take what has arrived.
        first = self._consumer.poll(0 if len(self._backlog) else IDLE_POLL_SECONDS)
        if first is not None:
            for msg in [first, *self._consumer.consume(FETCH_BATCH, timeout=0)]:
                self._receive(msg)
        self._settle()
        self._commit()
        item = self._backlog.next()
        if item is not None:
            self._handle(item)

    def _receive(self, msg: Any) -> None:
        err = msg.error()
        if err is not None:
            if err.code() != KafkaError._PARTITION_EOF:
                log.warning("engine: %s", err)
            return
        try:
            request: ShardRequested | None = decode_shard_request(msg.value())
        except msgspec.DecodeError as exc:
            log.warning("engine: skipping undecodable shard request: %s", exc)
            request = None
        self._backlog.add(Pending(msg.partition(), msg.offset(), request))

    def _handle(self, item: Pending) -> None:
        request = item.request
        if request is None:
            self._backlog.done(item)
            return
        job, index = request.job_id, request.shard_index
        if self._directory.ended(job):
            log.debug("engine: skipping shard %s of ended job %s", index, job)
            self._backlog.done(item)
            return
        if self._directory.shard_done(job, index):
            log.info("engine: shard %s of job %s is done already", index, job)
            self._backlog.done(item)
            return
        config = self._directory.config_blocking(job)
        self.running_shard = True
        try:
            result = run(request, config, self._games)
        finally:
            self.running_shard = False
        self.shards_run += 1
        self._log.append_nowait(result, lambda err: self._logged.put((item, err)))

    def _settle(self) -> None:
        """Take in the broker's acknowledgements of the results appended so far."""
        while True:
            try:
                item, err = self._logged.get_nowait()
            except queue.Empty:
                return
            if err is None:
                self._backlog.done(item)
            else:  # the result never reached the log: run it again
                log.warning("engine: result of %s not appended (%s); again", item, err)
                self._backlog.retry(item)

    def _commit(self, partitions: set[int] | None = None, asynchronous: bool = True) -> None:
        positions = self._backlog.committable(partitions)
        if asynchronous:  # only what moved; a synchronous commit repeats what may have failed
            positions = {p: o for p, o in positions.items() if self._committed.get(p) != o}
        if not positions:
            return
        offsets = [TopicPartition(self._topic, p, o) for p, o in positions.items()]
        try:
            self._consumer.commit(offsets=offsets, asynchronous=asynchronous)
        except KafkaException as exc:
            # Refused during a rebalance: the requests come again, and are skipped as done.
            log.info("engine: commit refused (%s)", exc)
            return
        self._committed.update(positions)

    def _close(self) -> None:
        try:
            self._log.flush()
            self._settle()
            self._commit(asynchronous=False)
        finally:
            self._consumer.close()

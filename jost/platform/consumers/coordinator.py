"""The coordinator: plans each job, requests its shards, re-requests shards that stall, and
ends the job with JobCompleted or JobFailed. One consumer group over ``jost.events``; each
member owns some partitions, and so every job in them (a job's facts share a partition).

It never commits offsets: on every assignment it reads its partitions from the start and
folds each job's facts (``lifecycle.JobFold``) without acting, until it has reached the end the
partition had when it was assigned. Only then does it act, on the whole of what it knows: a
job not planned is planned, a job whose shards are all in is completed, a job with a failed
shard is failed, and a job still waiting gets a deadline. So a member that takes over from a
dead one, or a log restored from the archive after a restart, never re-runs what is done, and
every decision is a deterministic event (same id), which every reader treats as a copy when
it is taken twice.

A job that makes no progress for its deadline has its missing shards requested again (a shard
message the broker dropped, a queue lost with its process). Shards are deterministic, so a
shard run twice gives the same ShardCompleted; workers skip a shard they know is done.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import Any

import msgspec
from confluent_kafka import Consumer, KafkaError, TopicPartition

from jost.contracts import (
    Event,
    JobCompleted,
    JobFailed,
    JobPlanned,
    ShardCompleted,
    ShardRequested,
)
from jost.engine import merge, plan_shards, summarize
from jost.engine.validate import check_runnable
from jost.platform.consumers.groups import (
    COORDINATOR_GROUP,
    FetchWaker,
    GroupTiming,
    from_start,
)
from jost.platform.events import decode_event, event_id, now
from jost.platform.lifecycle import JobFold
from jost.platform.log import EventLog, is_job_key
from jost.platform.loop import Loop

log = logging.getLogger(__name__)

DEADLINE_ENV = "JOST_SHARD_DEADLINE_SECONDS"
TICK_SECONDS = 0.5
"""How often waiting jobs are checked against their deadline."""


class Deadline(msgspec.Struct, frozen=True, kw_only=True):
    """How long a job may make no progress before its missing shards are requested again:
    ``base_seconds`` plus the time its largest shard takes at a pessimistic
    ``rounds_per_second``, doubled after each request that did not help."""

    base_seconds: float = 60.0
    rounds_per_second: float = 100_000.0

    @classmethod
    def from_env(cls) -> Deadline:
        value = os.environ.get(DEADLINE_ENV)
        return cls(base_seconds=float(value)) if value else cls()

    def seconds(self, plan: list[int], retries: int) -> float:
        largest = max(plan, default=0)
        return (self.base_seconds + largest / self.rounds_per_second) * 2 ** min(retries, 6)


class _Watch(msgspec.Struct, kw_only=True):
    """A waiting job's clock: when it last made progress, and how often it was re-requested."""

    since: float
    retries: int = 0


class _Partition(msgspec.Struct, kw_only=True):
    jobs: dict[str, JobFold] = {}
    closed: set[str] = set()
    watches: dict[str, _Watch] = {}
    ending_sent: set[str] = set()
    high: int | None = None
    """The partition's end when it was assigned: acting starts once it is reached."""
    next_offset: int = 0
    live: bool = False


class Coordinator(Loop):
    """Runs in a thread of a worker process; ``stop()`` leaves the group."""

    name = "jost-coordinator"

    def __init__(
        self,
        bootstrap: str,
        event_log: EventLog,
        timing: GroupTiming,
        deadline: Deadline | None = None,
    ) -> None:
        super().__init__()
        self._log = event_log
        self._topic = event_log.topics.events
        self._deadline = deadline or Deadline.from_env()
        self._consumer = Consumer(timing.member_settings(bootstrap, COORDINATOR_GROUP))
        self._parts: dict[int, _Partition] = {}
        self._incremental = timing.incremental
        self._last_tick = 0.0
        self.assigned = threading.Event()
        """Set once the group gave this member its partitions (possibly none)."""
        # The topic's metadata first: a member that joins before it knows its topic's
        # partitions joins again once it does, and that second join costs the whole group a
        # rebalance (seconds on the embedded broker).
        self._consumer.list_topics(self._topic, timeout=15)
        self._waker = FetchWaker(self._consumer, self._topic, timing)
        self._consumer.subscribe(
            [self._topic], on_assign=self._on_assign, on_revoke=self._on_revoke
        )

    # -- the group ---------------------------------------------------------------------------

    def _on_assign(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        for tp in partitions:
            self._parts[tp.partition] = _Partition()
        if self._incremental:  # only the partitions added; the others stay as they are
            consumer.incremental_assign(from_start(partitions))
        else:
            consumer.assign(from_start(partitions))
        log.info("coordinator: assigned %s", sorted(tp.partition for tp in partitions))
        self.assigned.set()
        self._waker.rebalanced()  # the partitions kept may be left unfetched

    def _on_revoke(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        for tp in partitions:
            self._parts.pop(tp.partition, None)
        self._waker.rebalanced()  # the partitions kept may be left unfetched

    def _step(self) -> None:
        self._waker.step()
        msg = self._consumer.poll(0.1)
        self._learn_ends()
        if msg is not None:
            self._receive(msg)
        self._tick()

    def _close(self) -> None:
        self._consumer.close()

    def _learn_ends(self) -> None:
        for number, part in list(self._parts.items()):
            if part.high is not None:
                continue
            low, high = self._consumer.get_watermark_offsets(
                TopicPartition(self._topic, number), timeout=5
            )
            part.high = high
            part.next_offset = max(part.next_offset, low)
            self._maybe_live(part)

    def _receive(self, msg: Any) -> None:
        err = msg.error()
        if err is not None:
            if err.code() != KafkaError._PARTITION_EOF:
                log.warning("coordinator: %s", err)
            return
        part = self._parts.get(msg.partition())
        if part is None:
            return
        part.next_offset = msg.offset() + 1
        try:
            event = decode_event(msg.value())
        except msgspec.DecodeError as exc:
            if is_job_key(msg.key()):  # tokens', sweeps' and analyses' facts share the log
                log.warning("coordinator: skipping undecodable message: %s", exc)
        else:
            self._fold(part, event)
        self._maybe_live(part)

    def _fold(self, part: _Partition, event: Event) -> None:
        job_id = event.job_id
        if job_id in part.closed:
            return
        fold = part.jobs.setdefault(job_id, JobFold(job_id=job_id))
        fold.observe(event)
        if fold.verdict() == "closed":
            part.jobs.pop(job_id)
            part.watches.pop(job_id, None)
            part.ending_sent.discard(job_id)
            part.closed.add(job_id)
            return
        watch = part.watches.get(job_id)
        if watch is not None and isinstance(event, ShardCompleted):
            watch.since, watch.retries = time.monotonic(), 0
        if part.live:
            self._decide(part, fold)

    def _maybe_live(self, part: _Partition) -> None:
        if part.live or part.high is None or part.next_offset < part.high:
            return
        part.live = True
        for fold in list(part.jobs.values()):
            self._decide(part, fold)

    # -- decisions ---------------------------------------------------------------------------

    def _decide(self, part: _Partition, fold: JobFold) -> None:
        verdict = fold.verdict()
        try:
            if verdict == "plan":
                self._plan(part, fold)
            elif verdict in ("complete", "fail") and fold.job_id not in part.ending_sent:
                self._end(fold)
                part.ending_sent.add(fold.job_id)
            elif verdict == "wait" and fold.job_id not in part.watches:
                part.watches[fold.job_id] = _Watch(since=time.monotonic())
            elif verdict == "unknown":
                log.warning("coordinator: facts of job %s without its JobSubmitted", fold.job_id)
        except Exception:
            # The log refused a write: the next tick decides again (every decision is
            # deterministic, so taking it twice changes nothing).
            log.exception("coordinator: deciding job %s failed; will retry", fold.job_id)

    def _plan(self, part: _Partition, fold: JobFold) -> None:
        assert fold.config is not None
        try:
            check_runnable(fold.config)
            plan = plan_shards(fold.config)
        except Exception as exc:  # a job that cannot run ends, with the reason
            fold.failure = f"planning failed: {type(exc).__name__}: {exc}"
            self._end(fold)
            part.ending_sent.add(fold.job_id)
            return
        self._log.append_blocking(
            JobPlanned(
                event_id=event_id(fold.job_id, "JobPlanned"),
                job_id=fold.job_id,
                at=now(),
                shard_rounds=plan,
            )
        )
        fold.plan = plan
        # Watched before the shards are requested: if that fails, the deadline asks again.
        part.watches[fold.job_id] = _Watch(since=time.monotonic())
        self._request(fold, fold.missing())

    def _request(self, fold: JobFold, shards: list[int]) -> None:
        assert fold.plan is not None
        self._log.request_shards_blocking(
            [ShardRequested(job_id=fold.job_id, shard_index=i, rounds=fold.plan[i]) for i in shards]
        )

    def _end(self, fold: JobFold) -> None:
        if fold.failure is None:
            try:
                merged = merge(fold.stats)
                ending: JobCompleted | JobFailed = JobCompleted(
                    event_id=event_id(fold.job_id, "JobCompleted"),
                    job_id=fold.job_id,
                    at=now(),
                    stats=merged,
                    summary=summarize(merged, fold.config),
                )
            except Exception as exc:
                fold.failure = f"merging the shards failed: {type(exc).__name__}: {exc}"
        if fold.failure is not None:
            ending = JobFailed(
                event_id=event_id(fold.job_id, "JobFailed"),
                job_id=fold.job_id,
                at=now(),
                reason=fold.failure,
                shard_index=fold.failed_shard,
            )
        self._log.append_blocking(ending)

    def _tick(self) -> None:
        clock = time.monotonic()
        if clock - self._last_tick < TICK_SECONDS:
            return
        self._last_tick = clock
        for part in list(self._parts.values()):
            if not part.live:
                continue
            for fold in list(part.jobs.values()):
                verdict = fold.verdict()
                if verdict in ("plan", "complete", "fail"):
                    self._decide(part, fold)  # an action that failed earlier: again
                if verdict != "wait":
                    continue
                watch = part.watches.setdefault(fold.job_id, _Watch(since=clock))
                assert fold.plan is not None
                if clock - watch.since < self._deadline.seconds(fold.plan, watch.retries):
                    continue
                missing = fold.missing()
                log.warning(
                    "coordinator: job %s made no progress for %.0f s; requesting its %d "
                    "missing shards again",
                    fold.job_id,
                    clock - watch.since,
                    len(missing),
                )
                watch.since, watch.retries = clock, watch.retries + 1
                try:
                    self._request(fold, missing)
                except Exception:
                    log.exception("coordinator: re-requesting shards of %s failed", fold.job_id)

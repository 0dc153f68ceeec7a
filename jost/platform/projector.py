"""Keeps a projection up to date with ``jost.events``.

Each projection reads every partition itself (``assign``, no consumer group) starting from the
offsets stored in its own DuckDB file: the offsets live with the rows, so there is nothing to
commit to the broker and API replicas never share or steal partitions.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import duckdb
import msgspec
from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, TopicPartition

from jost.platform.embedded import log_identity
from jost.platform.lifecycle import ENDING_KINDS
from jost.platform.loop import Loop
from jost.platform.projection import Projection, Record
from jost.platform.settings import EVENTS_TOPIC, client_settings
from jost.platform.signals import stop_on_signals

log = logging.getLogger(__name__)

PACE_SECONDS = 0.2
"""The longest rest between two folds of a trickle (see ``Projector._step``)."""
PACE_FACTOR = 2.0
"""A trickle's fold rests this many times as long as it took: the fold's cost is mostly per
statement, so under a stream of submits it spends at most a third of its time folding, in
fewer and larger batches, and leaves the rest of the API's core to the requests."""
PROGRESS_SECONDS = 0.5
"""How long shards completing wait for more of their kind before they are folded, unless a
fact of another kind arrives (see ``Projector._gather``). A job's progress moves twice a
second: at 0.25 s the folds of a 160 M-round job on two workers took a tenth of a core from
them (the API's 1.2 s of CPU in 10 s, most of it per fold, not per shard)."""
POLL_SECONDS = 0.005
"""How long an idle fold waits for a fact before it looks at its stop flag again: what a stop
of the API waits at most for the fold (at 0.02 s, 10 ms of the API's 30 ms stop on average;
the poll waits in librdkafka, so an idle API wakes 200 times a second for next to nothing)."""
PROGRESS_KINDS = frozenset({"ShardCompleted"})
"""The facts that only move a job's progress and come in streams while jobs run: every other
fact (a submit, a plan, a job's end, a cancel) is folded as soon as it is read."""


class _Kind(msgspec.Struct):
    kind: str = ""


def consumer_config(bootstrap: str) -> dict[str, Any]:
    return {
        **client_settings(bootstrap),
        # Required by the client; never used to commit (offsets are stored in DuckDB).
        "group.id": f"jost-projector-{uuid.uuid4()}",
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
        "auto.offset.reset": "earliest",
        # The embedded broker answers a fetch only when this wait ends, even when data
        # arrives sooner: it bounds how long a write takes to show in the projection.
        "fetch.wait.max.ms": 10,
        # Read-your-writes for the API: start fetching as soon as anything is there.
        "fetch.min.bytes": 1,
    }


def assign_from_stored(
    consumer: Consumer, projection: Projection, topic: str, timeout: float = 15.0
) -> list[int]:
    # All topics, not only ``topic``: an embedded log's identity is a topic of its own.
    cluster = consumer.list_topics(timeout=timeout)
    metadata = cluster.topics.get(topic)
    if metadata is None or metadata.error is not None or not metadata.partitions:
        raise RuntimeError(f"topic {topic} does not exist (start the platform to create it)")
    identity = log_identity(cluster.cluster_id, cluster.topics)
    if projection.bind_log(topic, identity):
        log.warning("projector: %s is a new log (%s); reading it from the start", topic, identity)
    stored = projection.offsets(topic)
    partitions = sorted(metadata.partitions)
    consumer.assign([TopicPartition(topic, p, stored.get(p, OFFSET_BEGINNING)) for p in partitions])
    return partitions


class Projector(Loop):
    """Runs the fold in a background thread; ``applied`` tells how far each partition is."""

    name = "jost-projector"

    def __init__(
        self,
        projection: Projection,
        bootstrap: str,
        topic: str,
        batch: int = 10_000,
        exit_on_error: bool = False,
    ) -> None:
        super().__init__()
        self.projection = projection
        self._exit_on_error = exit_on_error
        self.topic = topic
        self._batch = batch
        self._consumer = Consumer(consumer_config(bootstrap))
        self._partitions = [
            TopicPartition(topic, p) for p in assign_from_stored(self._consumer, projection, topic)
        ]
        self._applied = dict(projection.offsets(topic))
        self.events_applied = 0
        self._waiters_lock = threading.Lock()
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []
        """``wait_applied`` callers to wake after the next fold (or failure)."""
        self._next_fold: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []
        """``next_fold`` callers (they do not hurry the fold, see ``_readers_waiting``)."""
        self._folds = 0
        """Folds (and failures) so far: ``next_fold`` waits for one after the count its caller
        read before it looked at the projection."""
        self._folded = threading.Condition()
        """Notified after each fold (or failure): ``catch_up``'s readers in threads wait on it."""
        self._kinds = msgspec.json.Decoder(_Kind)
        self._catching_up = 0
        """How many ``catch_up`` callers wait (under ``_folded``)."""
        self._written: dict[int, int] = {}
        """The last offset of each partition this process appended at (``wrote``)."""
        self._held: list[Any] = []
        """Messages read during a rest (``_rest``), first in the next fold."""

    def _step(self) -> None:
        # consume() with a timeout waits for a full batch: wait for the first message only,
        # then take what has already arrived (low latency, still batched). The fold's cost is
        # mostly per statement, not per row: a backlog folds about twice as fast in batches of
        # 10,000 as of 1,000 (benchmarks/jobs.py --only projector).
        messages, self._held = self._held, []
        if not messages:
            first = self._consumer.poll(POLL_SECONDS)
            if first is None:
                return
            messages = [first]
        if len(messages) < self._batch:
            messages += self._consumer.consume(self._batch - len(messages), timeout=0)
        messages = self._gather(messages)
        records = []
        for msg in messages:
            err = msg.error()
            if err is not None:
                if err.code() != KafkaError._PARTITION_EOF:
                    log.warning("projector: %s", err)
                continue
            records.append(Record(msg.topic(), msg.partition(), msg.offset(), msg.value() or b""))
        if records:
            started = time.monotonic()
            self.events_applied += self._apply(records)
            for rec in records:
                self._applied[rec.partition] = rec.offset + 1
            self._wake()
            if len(messages) < self._batch and self._waiting() < len(messages):
                # A trickle (a stream of submits, shards completing): rest (``PACE_FACTOR``),
                # so that the next fold takes more facts at once, unless a reader waits for
                # the fold. A backlog folds without a pause.
                took = time.monotonic() - started
                self._rest(min(PACE_FACTOR * took, PACE_SECONDS))

    def _rest(self, seconds: float) -> None:
        """Wait ``seconds``, or less when stopping, when a reader waits for a fold or when a
        fact that ends a job arrives while a reader follows a job (a status read that waits
        for a change, ``next_fold``): what is read meanwhile is held for the next fold. A
        followed job's end waited out the rest before (up to 40 ms of a ten-shard job's
        0.7 s, after the fold of its last shards). An end nobody follows waits, as a submit
        does: a stream of small jobs' ends cut every rest short, and their folds took twice
        the CPU in small batches (1.5 s of the API's in 4 s of submits, 0.75 s paced)."""
        deadline = time.monotonic() + seconds
        while not self._readers_waiting() and not self._stop.is_set():
            remaining = deadline - time.monotonic()
            room = self._batch - len(self._held)
            if remaining <= 0 or room <= 0:
                return
            more = self._consumer.consume(room, timeout=min(remaining, 0.005))
            self._held += more
            if self._next_fold and any(self._kind(m) in ENDING_KINDS for m in more):
                return

    def _waiting(self) -> int:
        """How many facts the log holds past those folded, as of the last fetch's answer. At
        least as many as the fold just took, and this is a backlog (a batch smaller than
        ``batch`` may be only what had arrived when the fold began: the first of a backlog
        is), folded without a rest; fewer, and it is what came in while the fold ran."""
        waiting = 0
        for tp in self._partitions:
            _, high = self._consumer.get_watermark_offsets(tp, cached=True)
            waiting += max(0, high - self._applied.get(tp.partition, 0))
        return waiting

    def _readers_waiting(self) -> bool:
        return bool(self._waiters) or self._catching_up > 0

    def _gather(self, messages: list[Any]) -> list[Any]:
        """Shards completing wait up to ``PROGRESS_SECONDS`` for more: a fold costs about
        20 ms of statements whatever its size, and while a job runs its shards come one by
        one (folded singly, a 100-shard job took 2 s of the API's CPU from the workers). A
        fact of any other kind ends the wait at once: a job's end, a submit or a cancel is
        seen as soon as it is read."""
        deadline = time.monotonic() + PROGRESS_SECONDS
        progress = all(self._is_progress(m) for m in messages)
        while progress and len(messages) < self._batch and not self._stop.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            wanted = self._batch - len(messages)
            more = self._consumer.consume(wanted, timeout=min(remaining, 0.01))
            messages += more
            progress = all(self._is_progress(m) for m in more)  # each message decoded once
        return messages

    def _is_progress(self, message: Any) -> bool:
        if message.error() is not None:
            return True  # not a fact: changes nothing about when to fold
        return self._kind(message) in PROGRESS_KINDS

    def _kind(self, message: Any) -> str | None:
        """A message's ``kind`` tag; None for a broker's error or what is no fact."""
        if message.error() is not None:
            return None
        try:
            return self._kinds.decode(message.value() or b"").kind
        except msgspec.DecodeError:
            return None

    def _wake(self) -> None:
        with self._folded:
            self._folded.notify_all()
        with self._waiters_lock:
            self._folds += 1
            waiters, self._waiters = self._waiters, []
            waiters += self._next_fold
            self._next_fold = []
        for loop, waiter in waiters:
            # A closed loop raises: nobody there waits any more.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(_resolve, waiter)

    def _failed(self, exc: BaseException) -> None:
        self._wake()
        # Surfaced through health and wait_applied. In the API a process whose projection
        # stopped would serve stale reads forever: it ends, and its supervisor starts a fresh
        # one from the stored offsets.
        if self._exit_on_error:
            os._exit(75)

    def _close(self) -> None:
        self._consumer.close()

    def _apply(self, records: list[Record]) -> int:
        """Fold a batch; a batch refused for memory (an admin's SQL query holds the
        database's memory for up to its time limit) is folded again a moment later: the
        transaction was rolled back, nothing was half applied."""
        delay = 0.1
        while True:
            try:
                return self.projection.apply(records)
            except duckdb.OutOfMemoryException:
                if self._stop.is_set():
                    raise
                log.warning("projector: out of memory folding a batch; again in %.1f s", delay)
                time.sleep(delay)
                delay = min(delay * 2, 2.0)

    def is_applied(self, partition: int, offset: int) -> bool:
        return self._applied.get(partition, 0) > offset

    def wrote(self, partition: int, offset: int) -> None:
        """Note a fact this process appended (at ``offset`` of ``partition``): ``catch_up``
        waits for it. The writer need not wait for its fold itself."""
        with self._waiters_lock:
            if offset > self._written.get(partition, -1):
                self._written[partition] = offset

    def catch_up(self, timeout: float) -> bool:
        """Read-your-writes for a reader (in a thread, not the event loop): wait until every
        fact this process appended before the call is folded. Immediate when nothing is
        pending, which is the usual case; False on timeout or when the fold stopped."""
        with self._waiters_lock:
            marks = list(self._written.items())
        deadline = time.monotonic() + timeout
        with self._folded:
            self._catching_up += 1
            try:
                while not all(self.is_applied(p, o) for p, o in marks):
                    remaining = deadline - time.monotonic()
                    if self.error is not None or remaining <= 0:
                        return False
                    # Bounded as ``wait_applied`` is: a lost notification costs this long.
                    self._folded.wait(min(remaining, 0.05))
            finally:
                self._catching_up -= 1
        return True

    @property
    def folds(self) -> int:
        """How many folds (and failures) so far: read it before looking at the projection,
        and give it to ``next_fold``."""
        return self._folds

    async def next_fold(self, after: int, timeout: float) -> None:
        """Wait for a fold after the ``after``-th (``folds`` as read before the caller looked
        at the projection), at most ``timeout``: what a status read that waits for a change
        waits on between two looks. Immediate when one came meanwhile: a fold between the
        look and this call woke nobody, and the reader waited for the next one, up to 0.5 s
        of a small job's 0.2 s beside a big job (its shards fold twice a second). Unlike
        ``wait_applied`` it does not hurry the fold: the change it waits for may not be
        written yet."""
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[None] = loop.create_future()
        with self._waiters_lock:
            if self._folds > after:
                return
            self._next_fold.append((loop, waiter))
        await asyncio.wait([waiter], timeout=timeout)

    async def wait_applied(self, partition: int, offset: int, timeout: float = 5.0) -> bool:
        """Wait until the message at (partition, offset) is folded, so a client that reads
        right after writing sees its write. False on timeout. Woken by each fold rather than
        polling: many concurrent writers wait without waking the event loop in between."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not self.is_applied(partition, offset):
            remaining = deadline - loop.time()
            if self.error is not None or remaining <= 0:
                return False
            waiter: asyncio.Future[None] = loop.create_future()
            with self._waiters_lock:
                self._waiters.append((loop, waiter))
            if self.is_applied(partition, offset):  # folded before we were listed
                break
            # Bounded all the same, as the polling it replaces was: a wake-up lost to a
            # closed loop or a stop costs at most this long.
            await asyncio.wait([waiter], timeout=min(remaining, 0.05))
        return True


def _resolve(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


def run_until_stopped(db: Path, bootstrap: str, topic: str = EVENTS_TOPIC) -> int:
    """``jost projector``: fold the log into ``db`` until SIGINT/SIGTERM; 1 when the fold
    stopped on an error."""
    stop = stop_on_signals()
    projection = Projection(db)
    gc.freeze()  # the start's objects out of the collector's full passes, as in the API
    projector = Projector(projection, bootstrap, topic).start()
    try:
        while not stop.wait(1.0):
            if projector.error is not None:
                print(f"projector stopped: {projector.error}", file=sys.stderr)
                return 1
    finally:
        projector.stop()
        projection.close()
    print(f"applied {projector.events_applied} events")
    return 0

"""Appending to the log: one idempotent, keyed, murmur2-partitioned producer per process.

``append`` returns only after the broker acknowledged the write (acks=all), with the partition
and offset it landed at, so the API can answer 202 knowing the job is in the log.
"""

from __future__ import annotations

import asyncio
import functools
import threading
import zlib
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

import msgspec
from confluent_kafka import KafkaException, Producer

from jost.contracts import Event, ShardRequested, TokenEvent, TokenIssued, TokenRevoked
from jost.contracts.indices import (
    AnalysisEvent,
    AnalysisFailed,
    AnalysisPlanned,
    AnalysisSubmitted,
    SliceCompleted,
    SliceRequested,
)
from jost.contracts.sweeps import SweepSubmitted
from jost.platform.events import encode
from jost.platform.settings import Topics, client_settings


def producer_config(bootstrap: str) -> dict[str, Any]:
    return {
        **client_settings(bootstrap),
        # Idempotence: a retried send after a lost ack is written once, in order.
        "enable.idempotence": True,
        "acks": "all",
        # The Java clients' and Redpanda's partitioner: keys land where their tools expect.
        "partitioner": "murmur2_random",
        "linger.ms": 2,
        "message.timeout.ms": 30_000,
    }


Fact = Event | TokenEvent | SweepSubmitted | AnalysisEvent
"""Whatever ``jost.events`` holds: a job's facts, a token's, a sweep's."""


class Appended(msgspec.Struct, frozen=True):
    partition: int
    offset: int


DELIVERY_POLL_SECONDS = 0.01
"""How long the delivery-report thread waits for a report before it looks at its stop flag:
what ``close`` waits for it at most (at 0.05 s, a worker's stop spent up to 50 ms on it)."""


class EventLog:
    """Thread-safe. ``append`` is awaited on the caller's event loop; the ``_blocking``
    calls wait in a thread of their own (the coordinator's)."""

    def __init__(self, bootstrap: str, topics: Topics) -> None:
        self.topics = topics
        self._producer = Producer(producer_config(bootstrap))
        self._partition_counts: dict[str, int] = {}
        self._stop = threading.Event()
        # Delivery reports are served by poll(); a thread keeps them flowing without blocking
        # the event loop.
        self._poller = threading.Thread(target=self._poll, name="jost-producer", daemon=True)
        self._poller.start()

    def _poll(self) -> None:
        while not self._stop.is_set():
            self._producer.poll(DELIVERY_POLL_SECONDS)

    async def _send(self, topic: str, key: str, value: bytes) -> Appended:
        loop = asyncio.get_running_loop()
        done: asyncio.Future[Appended] = loop.create_future()

        def on_delivery(err: Any, msg: Any) -> None:
            if err is not None:
                result: Any = KafkaException(err)
                loop.call_soon_threadsafe(_settle, done, result)
            else:
                loop.call_soon_threadsafe(_settle, done, Appended(msg.partition(), msg.offset()))

        self._producer.produce(topic, value=value, key=key.encode(), on_delivery=on_delivery)
        return await done

    def _send_many_blocking(
        self, topic: str, items: list[tuple[str, bytes, int | None]], timeout: float
    ) -> list[Appended]:
        """Produce and wait for every acknowledgement, from a thread that is not the event
        loop's (the coordinator's). Each item is a key, a value and a partition (None: the
        key's)."""
        futures: list[Future[Appended]] = []
        for key, value, partition in items:
            future: Future[Appended] = Future()

            def on_delivery(err: Any, msg: Any, future: Future[Appended] = future) -> None:
                if err is not None:
                    future.set_exception(KafkaException(err))
                else:
                    future.set_result(Appended(msg.partition(), msg.offset()))

            where = {} if partition is None else {"partition": partition}
            self._producer.produce(
                topic, value=value, key=key.encode(), on_delivery=on_delivery, **where
            )
            futures.append(future)
        return [f.result(timeout) for f in futures]

    def _partitions(self, topic: str) -> int:
        """How many partitions ``topic`` has (asked once)."""
        if (count := self._partition_counts.get(topic)) is None:
            metadata = self._producer.list_topics(topic, timeout=15).topics[topic]
            if metadata.error is not None or not metadata.partitions:
                raise KafkaException(metadata.error or f"topic {topic} has no partitions")
            count = self._partition_counts[topic] = len(metadata.partitions)
        return count

    def append_analysis_blocking(
        self, facts: list[AnalysisEvent], timeout: float = 60.0
    ) -> list[Appended]:
        """Append an analysis's facts, a slice's on the partition ``spread_partition`` picks
        for it (so the members of the analysis group share an analysis's slices)."""
        count = self._partitions(self.topics.events)
        return self._send_many_blocking(
            self.topics.events,
            [(log_key(f), encode(f), analysis_partition(f, count)) for f in facts],
            timeout,
        )

    def append_blocking(self, event: Fact, timeout: float = 60.0) -> Appended:
        """``append`` for a thread outside the event loop."""
        return self._send_many_blocking(
            self.topics.events, [(log_key(event), encode(event), None)], timeout
        )[0]

    def append_nowait(self, event: Event, on_done: Callable[[Any], None]) -> None:
        """Append one fact without waiting: ``on_done(None)`` once the broker acknowledged
        it, ``on_done(error)`` when it did not (called from the producer's thread)."""
        self._producer.produce(
            self.topics.events,
            value=encode(event),
            key=event.job_id.encode(),
            on_delivery=lambda err, _msg: on_done(err),
        )

    def flush(self, timeout: float = 30.0) -> None:
        """Wait until every fact produced so far is acknowledged (or failed)."""
        self._producer.flush(timeout)

    def request_shards_blocking(
        self, requests: list[ShardRequested], timeout: float = 60.0
    ) -> list[Appended]:
        """Request shards, each on the partition ``shard_partition`` picks for it."""
        count = self._partitions(self.topics.shards)
        return self._send_many_blocking(
            self.topics.shards,
            [(shard_key(r), encode(r), shard_partition(r, count)) for r in requests],
            timeout,
        )

    async def append(self, event: Fact) -> Appended:
        """Append one fact to ``jost.events``, keyed so a job's (a token's) facts stay ordered."""
        return await self._send(self.topics.events, log_key(event), encode(event))

    def close(self, timeout: float = 10.0) -> None:
        self._producer.flush(timeout)
        self._stop.set()
        self._poller.join(timeout)
        # Destroyed now, not when collected: a producer left behind logs its disconnect when
        # the embedded broker stops.
        del self._producer


_TOKEN_KEY = "token/"
_SWEEP_KEY = "sweep/"


def token_key(name: str) -> str:
    """The log's key for a token's facts (never a job's: job ids are uuids)."""
    return _TOKEN_KEY + name


def sweep_key(sweep_id: str) -> str:
    """The log's key for a sweep's fact (its points' facts are keyed by their jobs)."""
    return _SWEEP_KEY + sweep_id


_ANALYSIS_KEY = "analysis/"


def is_analysis_key(key: bytes | None) -> bool:
    """An index analysis's fact (``jost.contracts.indices``): not a job's either."""
    return key is not None and key.startswith(_ANALYSIS_KEY.encode())


def is_job_key(key: bytes | None) -> bool:
    """Whether a message of ``jost.events`` may be a job's fact (the job readers skip the
    others: tokens', sweeps' and analyses' facts share the log)."""
    return key is None or not key.startswith(
        (_TOKEN_KEY.encode(), _SWEEP_KEY.encode(), _ANALYSIS_KEY.encode())
    )


def log_key(event: Fact) -> str:
    """A job's facts are keyed by the job, a token's by its name, a sweep's by its id, an
    analysis's by the analysis (a slice's by its slice too, so slices spread): each one's stay
    ordered."""
    if isinstance(event, TokenIssued | TokenRevoked):
        return token_key(event.name)
    if isinstance(event, SweepSubmitted):
        return sweep_key(event.sweep_id)
    if isinstance(event, SliceRequested):
        return f"{_ANALYSIS_KEY}{event.analysis_id}/{event.slice.index}"
    if isinstance(event, SliceCompleted):
        return f"{_ANALYSIS_KEY}{event.analysis_id}/{event.sums.index}"
    if isinstance(event, AnalysisSubmitted | AnalysisPlanned | AnalysisFailed):
        return _ANALYSIS_KEY + event.analysis_id
    return event.job_id


def analysis_partition(fact: AnalysisEvent, partitions: int) -> int | None:
    """A slice's partition (spread as a job's shards are); None for the analysis's other
    facts (its key's partition, so they stay ordered)."""
    if isinstance(fact, SliceRequested):
        return spread_partition(fact.analysis_id, fact.slice.index, partitions)
    if isinstance(fact, SliceCompleted):
        return spread_partition(fact.analysis_id, fact.sums.index, partitions)
    return None


def shard_key(request: ShardRequested) -> str:
    """Keyed by job and shard (the key names the request; ``shard_partition`` places it)."""
    return f"{request.job_id}/{request.shard_index}"


def shard_partition(request: ShardRequested, partitions: int) -> int:
    """The partition of a shard request, so that a job's shards are shared out evenly
    among the members of the engine group, whatever their number: consecutive shards go to
    partitions in bit-reversed order (0, 32, 16, 48, 8, ... of 64), which puts a job's shards
    into every contiguous block of partitions a range assignment gives a member in
    proportion to its size (exactly when the members are a power of two). Hashing the key
    instead left one of two workers with 24 of 40 shards as often as not. Each job starts at
    a place of its own, so jobs do not all begin on the same member."""
    return spread_partition(request.job_id, request.shard_index, partitions)


def spread_partition(owner_id: str, index: int, partitions: int) -> int:
    """The ``index``-th of ``owner_id``'s items, spread as ``shard_partition`` says."""
    order = _spread(partitions)
    start = zlib.crc32(owner_id.encode()) % partitions
    return order[(start + index) % partitions]


@functools.cache
def _spread(partitions: int) -> list[int]:
    """0..partitions-1 in bit-reversed (van der Corput) order."""
    bits = max(partitions - 1, 1).bit_length()
    return sorted(range(partitions), key=lambda p: int(f"{p:0{bits}b}"[::-1], 2))


def _settle(future: asyncio.Future[Appended], result: Appended | BaseException) -> None:
    if future.done():
        return
    if isinstance(result, BaseException):
        future.set_exception(result)
    else:
        future.set_result(result)

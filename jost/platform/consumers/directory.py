"""What an engine worker knows of the jobs: each open job's config (read once, from its
JobSubmitted), the shards already completed, and the jobs that ended. A thread reads every
partition of ``jost.events`` from the start (no consumer group, nothing committed), so every
worker process knows every job.

A shard request names only its job. Its JobSubmitted is always in the log before it (the
coordinator plans only what it has read), so a worker that does not know the job yet waits
until it has read the log up to the end it has now; a job still unknown then has lost its
config (the embedded broker dropped it), and its shard fails with that reason.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid

import msgspec
from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, TopicPartition

from jost.contracts import JobResumed, JobSubmitted, SimulationConfig
from jost.platform.lifecycle import ENDING
from jost.platform.loop import Loop
from jost.platform.settings import client_settings

log = logging.getLogger(__name__)

_ENDING_KINDS = frozenset(kind.__name__ for kind in ENDING)


class _Head(msgspec.Struct):
    """An event's kind, job and shard, decoded without the rest (a ShardCompleted carries its
    statistics, which a worker never needs)."""

    kind: str
    job_id: str
    shard_index: int | None = None


_head = msgspec.json.Decoder(_Head)
_submitted = msgspec.json.Decoder(JobSubmitted)
_resumed = msgspec.json.Decoder(JobResumed)


class JobDirectory(Loop):
    name = "jost-directory"

    def __init__(self, bootstrap: str, topic: str) -> None:
        super().__init__()
        self._topic = topic
        settings = {
            **client_settings(bootstrap),
            "group.id": f"jost-directory-{uuid.uuid4()}",  # required; never joined
            "enable.auto.commit": False,
            "enable.auto.offset.store": False,
            "fetch.wait.max.ms": 10,
        }
        self._consumer = Consumer(settings)
        # The log's ends are asked on a handle of their own: asked on the reading consumer
        # from another thread while it consumes, the call never returns.
        self._probe = Consumer(settings)
        self._probe_lock = threading.Lock()
        self._partitions: list[int] = []
        self._reading = threading.Event()
        self._configs: dict[str, SimulationConfig] = {}
        self._done: dict[str, set[int]] = {}
        self._ended: set[str] = set()
        self._position: dict[int, int] = {}
        self._lock = threading.Lock()

    def _begin(self) -> None:
        """Assign every partition from the start: in the loop's thread, so a worker joins its
        groups without waiting for this metadata call."""
        metadata = self._consumer.list_topics(self._topic, timeout=15).topics[self._topic]
        self._partitions = sorted(metadata.partitions)
        self._consumer.assign(
            [TopicPartition(self._topic, p, OFFSET_BEGINNING) for p in self._partitions]
        )
        self._reading.set()

    def _step(self) -> None:
        if not self._reading.is_set():
            self._begin()
        # consume() with a timeout waits for a full batch: wait for the first message only,
        # then take what has already arrived (a job's config is known a fetch after it lands).
        first = self._consumer.poll(0.1)
        if first is None:
            return
        for msg in [first, *self._consumer.consume(500, timeout=0)]:
            err = msg.error()
            if err is not None:
                if err.code() != KafkaError._PARTITION_EOF:
                    log.warning("directory: %s", err)
                continue
            self._observe(msg.value() or b"")
            with self._lock:
                self._position[msg.partition()] = msg.offset() + 1

    def _close(self) -> None:
        self._consumer.close()
        self._probe.close()

    def _observe(self, body: bytes) -> None:
        try:
            head = _head.decode(body)
        except msgspec.DecodeError:
            return
        job = head.job_id
        with self._lock:
            if job in self._ended:
                return
            if head.kind in _ENDING_KINDS:
                self._ended.add(job)
                self._configs.pop(job, None)
                self._done.pop(job, None)
            elif head.kind == "JobSubmitted" and job not in self._configs:
                try:
                    self._configs[job] = _submitted.decode(body).config
                except msgspec.DecodeError:
                    log.warning("directory: JobSubmitted of %s does not decode", job)
            elif head.kind == "ShardCompleted" and head.shard_index is not None:
                self._done.setdefault(job, set()).add(head.shard_index)
            elif head.kind == "JobResumed":
                try:
                    resumed = _resumed.decode(body)
                except msgspec.DecodeError:
                    return
                self._done.setdefault(job, set()).update(resumed.done_shards)

    def ended(self, job_id: str) -> bool:
        with self._lock:
            return job_id in self._ended

    def shard_done(self, job_id: str, shard_index: int) -> bool:
        with self._lock:
            return shard_index in self._done.get(job_id, ())

    def _caught_up(self, ends: dict[int, tuple[int, int]]) -> bool:
        with self._lock:
            return all(self._position.get(p, low) >= high for p, (low, high) in ends.items())

    def _ends(self) -> dict[int, tuple[int, int]]:
        if not self._reading.wait(30):
            raise RuntimeError("the job directory never started reading the log")
        with self._probe_lock:
            return {
                p: self._probe.get_watermark_offsets(TopicPartition(self._topic, p), timeout=5)
                for p in self._partitions
            }

    def config_blocking(self, job_id: str, timeout: float = 30.0) -> SimulationConfig | None:
        """The job's config; None when the log, read to its current end, has none for it.
        Called from the engine's thread: the directory's own thread reads on meanwhile."""
        with self._lock:
            if (found := self._configs.get(job_id)) is not None:
                return found
        ends = self._ends()
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                if (found := self._configs.get(job_id)) is not None:
                    return found
            if self._caught_up(ends) or time.monotonic() > deadline:
                with self._lock:
                    return self._configs.get(job_id)
            time.sleep(0.005)

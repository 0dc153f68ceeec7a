"""The shard requests an engine worker holds: served fairly between jobs, committed in order.

A worker fetches every request of its partitions ahead (they are a few dozen bytes each) and
picks what to run next itself, so a small job never waits behind a big job's queue: only
behind the shard running now. The pick is start-time fair queueing over rounds: each job's
next shard is tagged with the virtual time at which it would start if every job with work
waiting had an equal share of this worker; the smallest tag runs. A job that arrives starts at
the current virtual time, so it neither waits for the others' queues nor starves them.

Shards run out of log order, but a partition's offset may only be committed up to its first
request not yet finished (queued, running, or its result not yet acknowledged by the log):
``committable`` gives that position, so a worker that dies leaves every unfinished request
to the next owner of its partition.
"""

from __future__ import annotations

import heapq

import msgspec

from jost.contracts import ShardRequested


class Pending(msgspec.Struct, frozen=True):
    """A shard request as fetched: where it sits in the log, and the request (None when the
    message did not decode: it only needs committing)."""

    partition: int
    offset: int
    request: ShardRequested | None


class _Job(msgspec.Struct):
    tag: int
    """Virtual time at which the job's next shard starts."""
    waiting: list[tuple[int, int, int, Pending]]
    """A heap: the job's requests by shard index (then where they sit in the log)."""


def _entry(item: Pending) -> tuple[int, int, int, Pending]:
    """A job's requests run in the order of their shard indices, not of the log: a fetch
    hands them over partition by partition, and a worker that ran its partitions one after
    the other left its last ones full while the first were empty. A job's shards are spread
    so that consecutive indices fall far apart in every block of partitions
    (``log.shard_partition``): by index, what a worker has left is spread over all its
    partitions, and when a member leaves and the others take its partitions (and one
    another's), each gets its share of the work left, not one of them most of it (a leave
    mid-job cost 2.6 s of a 10 s job)."""
    index = item.request.shard_index if item.request is not None else -1
    return (index, item.partition, item.offset, item)


class Backlog:
    """Not thread-safe: one engine loop owns it."""

    def __init__(self) -> None:
        self._jobs: dict[str, _Job] = {}
        """The jobs with requests waiting; a job whose queue empties is forgotten (one whose
        shards come again after a deadline starts at the current virtual time, like a new
        one), so the backlog holds nothing of the jobs it served."""
        self._clock = 0
        self._open: dict[int, set[int]] = {}
        self._end: dict[int, int] = {}

    def __len__(self) -> int:
        return sum(len(job.waiting) for job in self._jobs.values())

    def add(self, item: Pending) -> None:
        self._open.setdefault(item.partition, set()).add(item.offset)
        end = self._end.get(item.partition, 0)
        self._end[item.partition] = max(end, item.offset + 1)
        key = item.request.job_id if item.request is not None else ""
        job = self._jobs.get(key)
        if job is None:
            job = self._jobs[key] = _Job(tag=self._clock, waiting=[])
        heapq.heappush(job.waiting, _entry(item))

    def next(self) -> Pending | None:
        """The request to run next (still open until ``done``)."""
        if not self._jobs:
            return None
        key = min(self._jobs, key=lambda k: self._jobs[k].tag)
        job = self._jobs[key]
        item = heapq.heappop(job.waiting)[-1]
        self._clock = job.tag
        job.tag += item.request.rounds if item.request is not None else 0
        if not job.waiting:
            del self._jobs[key]
        return item

    def done(self, item: Pending) -> None:
        """The request is finished: its result is in the log, or it needed no run."""
        if (offsets := self._open.get(item.partition)) is not None:
            offsets.discard(item.offset)

    def retry(self, item: Pending) -> None:
        """Run a request again (its result did not reach the log)."""
        if item.partition in self._open:
            self.add(item)

    def drop(self, partitions: set[int]) -> None:
        """Partitions that went to another worker: their requests are that worker's now."""
        for number in partitions:
            self._open.pop(number, None)
            self._end.pop(number, None)
        for key in list(self._jobs):
            job = self._jobs[key]
            job.waiting = [e for e in job.waiting if e[-1].partition not in partitions]
            heapq.heapify(job.waiting)
            if not job.waiting:
                del self._jobs[key]

    def committable(self, partitions: set[int] | None = None) -> dict[int, int]:
        """Per partition, the offset to commit: its first unfinished request, or past the
        last request fetched when all are finished."""
        numbers = self._end.keys() if partitions is None else partitions & self._end.keys()
        return {p: min(self._open[p]) if self._open.get(p) else self._end[p] for p in numbers}

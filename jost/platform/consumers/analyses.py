"""Analysis workers: one consumer group (``jost-analyses``) over ``jost.events``, reading only
the index analyses' facts (keyed ``analysis/...``) and skipping the rest.

An AnalysisSubmitted is planned (its compositions picked from its seed: a few seconds) into
an AnalysisPlanned and one SliceRequested per slice, each slice on a partition of its own
(spread as a job's shards are), so the members share an analysis's slices; a SliceRequested
is folded into its partial sums (about a quarter of a second per composition) and appended
as a SliceCompleted. The projector merges them (``jost.platform.analyses``).

A slice whose SliceCompleted the member has already passed is not run again (a restart
restores the slices done before into the new log ahead of the new requests).

A message is committed only after what it asked for is in the log (acknowledged): a member
killed mid-slice leaves the slice uncommitted, and the group hands it to another member.
Planning and slices are deterministic (the same facts, the same ids), so work done twice
changes nothing.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from typing import Any

import msgspec
from confluent_kafka import Consumer, KafkaError, KafkaException, TopicPartition

from jost.contracts.indices import (
    AnalysisEvent,
    AnalysisFailed,
    AnalysisPlanned,
    AnalysisSubmitted,
    SliceCompleted,
    SliceRequested,
)
from jost.platform.analyses import fact_id
from jost.platform.consumers.groups import GroupTiming, at_commits
from jost.platform.events import now
from jost.platform.log import EventLog, is_analysis_key
from jost.platform.loop import Loop

log = logging.getLogger(__name__)

ANALYSIS_GROUP = "jost-analyses"
DONE_KEPT = 100_000
_decoder = msgspec.json.Decoder(AnalysisEvent)


def work(fact: AnalysisEvent) -> list[AnalysisEvent]:
    """The facts an analysis's message leads to (none for the facts that are results)."""
    # Imported on the first analysis, not with the worker: the exact analyzer's modules are
    # 25 ms of the pool's start, before any worker is ready, for a request few send.
    from jost.engine.indices import fold_slice, plan

    if isinstance(fact, AnalysisSubmitted):
        try:
            planned = plan(fact.config, fact.per_count, fact.seed)
        except Exception as exc:
            return [_failed(fact.analysis_id, f"planning failed: {type(exc).__name__}: {exc}")]
        return [
            AnalysisPlanned(
                event_id=fact_id(fact.analysis_id, "AnalysisPlanned"),
                analysis_id=fact.analysis_id,
                at=now(),
                plan=planned,
            ),
            *(
                SliceRequested(
                    event_id=fact_id(fact.analysis_id, "SliceRequested", part.index),
                    analysis_id=fact.analysis_id,
                    at=now(),
                    config=fact.config,
                    slice=part,
                )
                for part in planned.slices
            ),
        ]
    if isinstance(fact, SliceRequested):
        started = time.perf_counter()
        try:
            sums = fold_slice(fact.config, fact.slice)
        except Exception as exc:
            log.exception("analysis %s: slice %s failed", fact.analysis_id, fact.slice.index)
            reason = f"slice {fact.slice.index} failed: {type(exc).__name__}: {exc}"
            return [_failed(fact.analysis_id, reason)]
        return [
            SliceCompleted(
                event_id=fact_id(fact.analysis_id, "SliceCompleted", fact.slice.index),
                analysis_id=fact.analysis_id,
                at=now(),
                sums=sums,
                seconds=round(time.perf_counter() - started, 3),
            )
        ]
    return []


def _failed(analysis_id: str, reason: str) -> AnalysisFailed:
    return AnalysisFailed(
        event_id=fact_id(analysis_id, "AnalysisFailed"),
        analysis_id=analysis_id,
        at=now(),
        reason=reason,
    )


class AnalysisWorker(Loop):
    """Runs in a thread of a worker process. ``slices_run`` counts the slices it folded."""

    name = "jost-analyses"

    def __init__(self, bootstrap: str, event_log: EventLog, timing: GroupTiming) -> None:
        super().__init__()
        self._log = event_log
        self._topic = event_log.topics.events
        self._position: dict[int, int] = {}
        self._committed: dict[int, int] = {}
        self.assigned = threading.Event()
        self.slices_run = 0
        self._done: OrderedDict[tuple[str, int], None] = OrderedDict()
        """Slices whose SliceCompleted this member has passed (a slice's result lands on its
        request's partition: after it, or before it in a log restored after a restart)."""
        self._consumer = Consumer(timing.member_settings(bootstrap, ANALYSIS_GROUP))
        self._incremental = timing.incremental
        self._consumer.list_topics(self._topic, timeout=15)
        self._consumer.subscribe(
            [self._topic], on_assign=self._on_assign, on_revoke=self._on_revoke
        )

    def _on_assign(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        if self._incremental and partitions:  # where each starts, given (``at_commits``)
            consumer.incremental_assign(at_commits(consumer, partitions))
        self.assigned.set()

    def _on_revoke(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        numbers = {tp.partition for tp in partitions}
        if not self._stepped_out.is_set():  # closing: ``_close`` has just committed it all
            self._commit(numbers, asynchronous=False)
        for number in numbers:
            self._position.pop(number, None)
            self._committed.pop(number, None)

    def _step(self) -> None:
        msg = self._consumer.poll(0.1)
        if msg is not None:
            self._receive(msg)
        self._commit()

    def _receive(self, msg: Any) -> None:
        err = msg.error()
        if err is not None:
            if err.code() != KafkaError._PARTITION_EOF:
                log.warning("analyses: %s", err)
            return
        if is_analysis_key(msg.key()):
            try:
                fact = _decoder.decode(msg.value())
            except msgspec.DecodeError as exc:
                log.warning("analyses: skipping undecodable message: %s", exc)
            else:
                follow = [] if self._known_done(fact) else work(fact)
                if follow:
                    # Blocking: the message counts as done only once its results are in.
                    self._log.append_analysis_blocking(follow)
                    self.slices_run += isinstance(fact, SliceRequested)
        self._position[msg.partition()] = msg.offset() + 1

    def _known_done(self, fact: AnalysisEvent) -> bool:
        if isinstance(fact, SliceCompleted):
            self._done[(fact.analysis_id, fact.sums.index)] = None
            while len(self._done) > DONE_KEPT:
                self._done.popitem(last=False)
            return True
        if isinstance(fact, SliceRequested) and (fact.analysis_id, fact.slice.index) in self._done:
            log.info("analyses: slice %s of %s is done already", fact.slice.index, fact.analysis_id)
            return True
        return False

    def _commit(self, partitions: set[int] | None = None, asynchronous: bool = True) -> None:
        positions = {
            p: o
            for p, o in self._position.items()
            if (partitions is None or p in partitions) and self._committed.get(p) != o
        }
        if not positions:
            return
        offsets = [TopicPartition(self._topic, p, o) for p, o in positions.items()]
        try:
            self._consumer.commit(offsets=offsets, asynchronous=asynchronous)
        except KafkaException as exc:
            log.info("analyses: commit refused (%s)", exc)  # redelivered: deterministic
            return
        self._committed.update(positions)

    def _close(self) -> None:
        try:
            self._commit(asynchronous=False)
        finally:
            self._consumer.close()

"""The health page's figures: whether the broker answers, the engine workers in their
consumer group, how far the projection is behind the log, and the jobs under way.

Each is asked of the system itself at the time of the request (the broker's metadata and
offsets, the group's description, the projection's stored offsets): nothing is cached, so
the page never shows a healthy platform that is no longer there."""

from __future__ import annotations

from functools import cache

from confluent_kafka import KafkaError, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient, OffsetSpec
from msgspec import Struct

from jost.platform.api.services import Services
from jost.platform.consumers.groups import ENGINE_GROUP
from jost.platform.settings import client_settings

TIMEOUT = 3.0
"""Seconds each broker request may take before the page says the broker did not answer."""


class Member(Struct, frozen=True, kw_only=True):
    client_id: str
    host: str
    partitions: int
    """Partitions of the shard queue assigned to it."""


class Workers(Struct, frozen=True, kw_only=True):
    group: str
    state: str | None = None
    members: list[Member] = []
    unknown: str | None = None
    """Why the group could not be described (the embedded broker does not implement
    DescribeGroups); None when it was."""


class Lag(Struct, frozen=True, kw_only=True):
    events_in_log: int
    events_folded: int

    @property
    def behind(self) -> int:
        return max(0, self.events_in_log - self.events_folded)


class HealthView(Struct, frozen=True, kw_only=True):
    bootstrap: str
    broker_error: str | None
    """None when the broker answered."""
    topics: list[str]
    workers: Workers
    lag: Lag | None
    projector_error: str | None
    events_applied: int
    jobs: dict[str, int]
    """Jobs of every owner by state."""

    @property
    def broker_ok(self) -> bool:
        return self.broker_error is None


@cache
def _admin(bootstrap: str) -> AdminClient:
    # One client per broker address for the process: each holds connections and threads.
    return AdminClient({**client_settings(bootstrap), "socket.timeout.ms": int(TIMEOUT * 1000)})


def describe_engine_group(admin: AdminClient) -> Workers:
    """The ``jost-engine`` consumer group's live members, as the broker describes them."""
    future = admin.describe_consumer_groups([ENGINE_GROUP], request_timeout=TIMEOUT)[ENGINE_GROUP]
    try:
        group = future.result(timeout=TIMEOUT + 1)
    except KafkaException as exc:
        error = exc.args[0]
        if error.code() == KafkaError._UNSUPPORTED_FEATURE:
            # The embedded broker (librdkafka's mock cluster) implements no DescribeGroups.
            return Workers(
                group=ENGINE_GROUP,
                unknown="this broker cannot describe consumer groups (the embedded broker "
                "implements no DescribeGroups; Redpanda and Kafka do)",
            )
        return Workers(group=ENGINE_GROUP, unknown=error.str())
    return Workers(
        group=ENGINE_GROUP,
        state=str(group.state.name).lower() if group.state is not None else None,
        members=[
            Member(
                client_id=m.client_id,
                host=m.host,
                partitions=len(m.assignment.topic_partitions) if m.assignment else 0,
            )
            for m in group.members
        ],
    )


def projector_lag(admin: AdminClient, services: Services, partitions: list[int]) -> Lag:
    """Events in the log (each partition's end offset) against those the projection has
    folded (the next offsets it stored with its rows, in the same transaction)."""
    topic = services.settings.topics.events
    futures = admin.list_offsets(
        {TopicPartition(topic, p): OffsetSpec.latest() for p in partitions},
        request_timeout=TIMEOUT,
    )
    ends = {tp.partition: f.result(timeout=TIMEOUT + 1).offset for tp, f in futures.items()}
    folded = services.projection.offsets(topic)
    return Lag(
        events_in_log=sum(ends.values()),
        events_folded=sum(min(folded.get(p, 0), end) for p, end in ends.items()),
    )


def health(services: Services) -> HealthView:
    """Everything the health page shows (blocking: the broker is asked; run in a thread)."""
    bootstrap = services.settings.bootstrap
    admin = _admin(bootstrap)
    topics: list[str] = []
    error: str | None = None
    workers = Workers(group=ENGINE_GROUP, unknown="the broker did not answer")
    lag = None
    try:
        metadata = admin.list_topics(timeout=TIMEOUT)
        topics = sorted(t for t in metadata.topics if not t.startswith("__"))
        events = metadata.topics.get(services.settings.topics.events)
        workers = describe_engine_group(admin)
        if events is not None:
            lag = projector_lag(admin, services, sorted(events.partitions))
    except KafkaException as exc:
        error = exc.args[0].str()
    projector = services.projector
    return HealthView(
        bootstrap=bootstrap,
        broker_error=error,
        topics=topics,
        workers=workers,
        lag=lag,
        projector_error=str(projector.error) if projector.error is not None else None,
        events_applied=projector.events_applied,
        jobs=services.reads.by_state(),
    )

"""The platform creates its own topics at start: FastStream's auto-creation is off (it hangs
against the embedded cluster, and it cannot name partition counts or retention)."""

from __future__ import annotations

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient, NewTopic

from jost.platform.embedded import EmbeddedBroker
from jost.platform.settings import Topics, client_settings


def create_embedded_topics(broker: EmbeddedBroker, topics: Topics) -> None:
    broker.create_topic(topics.events, topics.events_partitions)
    broker.create_topic(topics.shards, topics.shards_partitions)


def ensure_topics(bootstrap: str, topics: Topics, timeout: float = 30.0) -> None:
    """Create the topics on a real cluster (Redpanda, Kafka) if they do not exist yet. The
    event log keeps everything (retention.ms=-1): it is the source of truth."""
    admin = AdminClient(client_settings(bootstrap))
    existing = admin.list_topics(timeout=timeout).topics
    wanted = [
        NewTopic(
            topics.events,
            topics.events_partitions,
            1,
            config={"retention.ms": "-1", "retention.bytes": "-1"},
        ),
        NewTopic(topics.shards, topics.shards_partitions, 1),
    ]
    missing = [t for t in wanted if t.topic not in existing]
    if not missing:
        return
    for name, future in admin.create_topics(missing, request_timeout=timeout).items():
        try:
            future.result(timeout)
        except KafkaException as exc:
            # Another process may have created it between our listing and our request.
            if "TOPIC_ALREADY_EXISTS" not in str(exc):
                raise RuntimeError(f"creating topic {name}: {exc}") from exc

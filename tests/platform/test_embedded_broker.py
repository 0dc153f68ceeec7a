"""The embedded broker's own set-up: creating topics never waits on the mock cluster's
thread (``EmbeddedBroker.create_topic``), and a new client's first metadata call never waits
out librdkafka's connection interval (``settings.client_settings``)."""

from __future__ import annotations

import time
import uuid

from confluent_kafka import Consumer

from jost.platform.embedded import EmbeddedBroker
from jost.platform.settings import Topics, client_settings
from jost.platform.topics import create_embedded_topics


def test_creating_the_topics_of_150_fresh_brokers_never_waits_a_second():
    """Without the wake-up, 2 fresh brokers in 60 took 1.0 s to create the platform's two
    topics (the mock thread missed the second operation's wake-up and slept): 150 brokers
    all under 0.3 s then had about 1 chance in 150 of passing."""
    slowest = 0.0
    for _ in range(150):
        with EmbeddedBroker() as broker:
            started = time.perf_counter()
            create_embedded_topics(broker, Topics())
            slowest = max(slowest, time.perf_counter() - started)
            time.sleep(0.05)  # the mock thread settles in its poll, as when a platform starts
    assert slowest < 0.3, slowest


def test_a_new_clients_first_metadata_call_does_not_wait_for_a_connection_slot():
    """Its bootstrap connection is dropped once the metadata names the broker; a call in flight
    on it then waits for the next connection, which librdkafka opens at most once per half
    of ``reconnect.backoff.ms``. At the default (100 ms) 18 of 400 calls here took 53 ms (two
    runs of 200); at 10 ms none took more than 15 ms. Allowed: 4 calls over 40 ms in 200 (a
    busy machine's stall), where the default gives about 9."""
    with EmbeddedBroker() as broker:
        create_embedded_topics(broker, Topics())
        slow = 0
        for _ in range(200):
            consumer = Consumer(
                {**client_settings(broker.bootstrap), "group.id": f"probe-{uuid.uuid4()}"}
            )
            started = time.perf_counter()
            consumer.list_topics(Topics().events, timeout=15)
            slow += time.perf_counter() - started > 0.04
            consumer.close()
    assert slow <= 4, slow

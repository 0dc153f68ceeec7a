"""The embedded broker's own set-up: creating topics never waits on the mock cluster's
thread (``EmbeddedBroker.create_topic``)."""

from __future__ import annotations

import time

from jost.platform.embedded import EmbeddedBroker
from jost.platform.settings import Topics
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

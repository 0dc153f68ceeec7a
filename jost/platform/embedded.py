"""The embedded Kafka-protocol broker: the in-memory cluster built into the librdkafka that
confluent-kafka bundles, reached through ctypes (``rd_kafka_mock_cluster_new`` and its
companions, declared in ``_load_librdkafka``).

It speaks the real wire protocol on 127.0.0.1 TCP ports, consumer groups and offset commits
included, so every client (confluent-kafka, other processes) talks to it exactly as
to Redpanda. It keeps the log in memory only: when the process that owns it exits, the log is
gone (the DuckDB projection keeps the archive of every event).
"""

from __future__ import annotations

import contextlib
import ctypes
import glob
import os
import socket
import threading
import uuid
from collections.abc import Iterable

import confluent_kafka

from jost.platform.settings import client_settings


def _load_librdkafka() -> ctypes.CDLL:
    # The wheel vendors librdkafka under confluent_kafka.libs; confluent-kafka has already
    # loaded it, so this returns the same library instance (one set of globals).
    libs_dir = os.path.join(
        os.path.dirname(os.path.dirname(confluent_kafka.__file__)), "confluent_kafka.libs"
    )
    candidates = sorted(glob.glob(os.path.join(libs_dir, "librdkafka*.so*")))
    if not candidates:
        raise RuntimeError(f"librdkafka not found under {libs_dir}")
    lib = ctypes.CDLL(candidates[0])
    lib.rd_kafka_conf_new.restype = ctypes.c_void_p
    lib.rd_kafka_conf_set.argtypes = [
        ctypes.c_void_p,
        ctypes.c_char_p,
        ctypes.c_char_p,
        ctypes.c_char_p,
        ctypes.c_size_t,
    ]
    lib.rd_kafka_conf_set.restype = ctypes.c_int
    lib.rd_kafka_new.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t]
    lib.rd_kafka_new.restype = ctypes.c_void_p
    lib.rd_kafka_destroy.argtypes = [ctypes.c_void_p]
    lib.rd_kafka_mock_cluster_new.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.rd_kafka_mock_cluster_new.restype = ctypes.c_void_p
    lib.rd_kafka_mock_cluster_destroy.argtypes = [ctypes.c_void_p]
    lib.rd_kafka_mock_cluster_bootstraps.argtypes = [ctypes.c_void_p]
    lib.rd_kafka_mock_cluster_bootstraps.restype = ctypes.c_char_p
    lib.rd_kafka_mock_topic_create.argtypes = [
        ctypes.c_void_p,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_int,
    ]
    lib.rd_kafka_mock_topic_create.restype = ctypes.c_int
    lib.rd_kafka_mock_group_initial_rebalance_delay_ms.argtypes = [ctypes.c_void_p, ctypes.c_int32]
    for setting in (
        lib.rd_kafka_mock_set_group_consumer_heartbeat_interval_ms,
        lib.rd_kafka_mock_set_group_consumer_session_timeout_ms,
    ):
        setting.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.rd_kafka_mock_set_controller_id.argtypes = [ctypes.c_void_p, ctypes.c_int32]
    lib.rd_kafka_mock_set_controller_id.restype = ctypes.c_int
    lib.rd_kafka_err2str.argtypes = [ctypes.c_int]
    lib.rd_kafka_err2str.restype = ctypes.c_char_p
    return lib


CONSUMER_HEARTBEAT_MS = 50
"""How often a member of a consumer-protocol group hears from the broker: a member that
joins gets its partitions one or two heartbeats after it asks. From the pool's fork to the
platform's ready took 0.23-0.31 s at 100 ms, 0.16-0.20 s at 50 ms and no less at 30 ms; with
the short reconnect backoff (``settings.client_settings``) the medians of 8 starts are
0.17 s at 100 ms and 0.15 s at 50 ms. The price: an idle platform's processes use about 1.5%
of a core more (0.42 s of CPU in 3 s against 0.37 s)."""
CONSUMER_SESSION_MS = 3_000

WAKE_AFTER = 0.01
"""How long a topic's creation may take before the mock cluster's thread is woken (see
``EmbeddedBroker.create_topic``); it takes well under a millisecond when the thread is up."""

LOG_ID_TOPIC_PREFIX = "jost.log-id."
"""An embedded cluster has one empty topic named this prefix plus a fresh uuid: the identity of
its log. The cluster id the mock reports cannot serve: it is derived from the address of the
cluster's memory, which the next cluster created in the same process often reuses, so a new,
empty log would look like the old one and a projection would keep the old log's offsets."""


def log_identity(cluster_id: str | None, topic_names: Iterable[str]) -> str:
    """The identity of the log a broker holds: the cluster id, plus the embedded log's id where
    there is one (Redpanda and Kafka report a unique cluster id of their own)."""
    marks = sorted(
        name.removeprefix(LOG_ID_TOPIC_PREFIX)
        for name in topic_names
        if name.startswith(LOG_ID_TOPIC_PREFIX)
    )
    return "/".join([cluster_id or "unknown", *marks])


def is_embedded(bootstrap: str, timeout: float = 15.0) -> bool:
    """Whether the broker at ``bootstrap`` is an embedded one (it holds a log-id topic)."""
    producer = confluent_kafka.Producer(client_settings(bootstrap))
    try:
        names = producer.list_topics(timeout=timeout).topics
    finally:
        del producer
    return any(name.startswith(LOG_ID_TOPIC_PREFIX) for name in names)


class EmbeddedBroker:
    """One in-process mock cluster. Use as a context manager, or call ``close()``."""

    def __init__(self, brokers: int = 1) -> None:
        self._lib = _load_librdkafka()
        errstr = ctypes.create_string_buffer(512)
        conf = self._lib.rd_kafka_conf_new()
        # The handle exists only to own the cluster's thread; keep it quiet.
        self._lib.rd_kafka_conf_set(conf, b"log_level", b"3", errstr, len(errstr))
        self._rk = self._lib.rd_kafka_new(0, conf, errstr, len(errstr))
        if not self._rk:
            raise RuntimeError(f"rd_kafka_new failed: {errstr.value.decode()}")
        self._mc = self._lib.rd_kafka_mock_cluster_new(self._rk, brokers)
        if not self._mc:
            self._lib.rd_kafka_destroy(self._rk)
            raise RuntimeError("rd_kafka_mock_cluster_new failed")
        # Classic groups (the tests' workers): its default 3 s initial rebalance delay would
        # stall every worker that joins.
        self._lib.rd_kafka_mock_group_initial_rebalance_delay_ms(self._mc, 0)
        # The platform's own groups use the consumer protocol (KIP-848): the broker assigns,
        # members learn of changes at their next heartbeat and notice a dead member after the
        # session timeout. A join or a leave then costs about two heartbeats and moves only
        # the partitions it must. (A classic group here formed with two members failed one
        # time in three: the mock refuses a member's SyncGroup that arrives after the
        # leader's, and every rebalance after it is held open for seconds.)
        self._lib.rd_kafka_mock_set_group_consumer_heartbeat_interval_ms(
            self._mc, CONSUMER_HEARTBEAT_MS
        )
        self._lib.rd_kafka_mock_set_group_consumer_session_timeout_ms(self._mc, CONSUMER_SESSION_MS)
        # Admin calls the mock cannot serve then fail at once instead of timing out.
        self._lib.rd_kafka_mock_set_controller_id(self._mc, 1)
        self.bootstrap: str = self._lib.rd_kafka_mock_cluster_bootstraps(self._mc).decode()
        self.log_id = uuid.uuid4().hex
        self.create_topic(LOG_ID_TOPIC_PREFIX + self.log_id, 1)

    def create_topic(self, name: str, partitions: int) -> None:
        # librdkafka's mock thread can miss the wake-up of an operation asked just after the
        # previous one was answered (it empties its wake-up pipe after serving its queue) and
        # then sleeps up to a second: 2 fresh brokers in 60 took 1.0 s to create the
        # platform's topics, 1 platform start in 10. A connection to its listener wakes it.
        answered = threading.Event()
        threading.Thread(target=self._wake_until, args=(answered,), daemon=True).start()
        try:
            err = self._lib.rd_kafka_mock_topic_create(self._mc, name.encode(), partitions, 1)
        finally:
            answered.set()
        if err:
            raise RuntimeError(f"creating topic {name}: {self._lib.rd_kafka_err2str(err).decode()}")

    def _wake_until(self, answered: threading.Event) -> None:
        host, _, port = self.bootstrap.split(",")[0].rpartition(":")
        while not answered.wait(WAKE_AFTER):
            with contextlib.suppress(OSError), socket.create_connection((host, int(port)), 1):
                pass

    def close(self) -> None:
        if self._mc:
            self._lib.rd_kafka_mock_cluster_destroy(self._mc)
            self._mc = None
        if self._rk:
            self._lib.rd_kafka_destroy(self._rk)
            self._rk = None

    def __enter__(self) -> EmbeddedBroker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

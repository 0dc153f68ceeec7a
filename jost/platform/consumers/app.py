"""One worker process: a coordinator (its own consumer group over the event log) and an
engine worker (FastStream, one consumer group over the shards), so every process shares every
role and any of them may die."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from fast_depends.msgspec import MsgSpecSerializer
from faststream.confluent import KafkaBroker

from jost.platform.consumers.coordinator import Coordinator, Deadline
from jost.platform.consumers.directory import JobDirectory
from jost.platform.consumers.engine import register_engine
from jost.platform.consumers.groups import GroupTiming
from jost.platform.log import EventLog
from jost.platform.settings import Topics


def build_broker(
    bootstrap: str, event_log: EventLog, timing: GroupTiming, directory: JobDirectory
) -> KafkaBroker:
    broker = KafkaBroker(
        bootstrap,
        # The platform creates its topics; FastStream's creation hangs on the embedded broker.
        allow_auto_create_topics=False,
        serializer=MsgSpecSerializer(),
        log_level=logging.DEBUG,  # per-message Received/Processed lines stay out of INFO
        graceful_timeout=30.0,
    )
    register_engine(broker, event_log, timing, directory)
    return broker


async def serve(
    bootstrap: str,
    topics: Topics,
    timing: GroupTiming | None = None,
    stop: asyncio.Event | None = None,
    deadline: Deadline | None = None,
) -> None:
    """Run until SIGINT/SIGTERM (or ``stop``), then let in-flight handlers finish. A
    coordinator that stopped on an error ends the process (its supervisor starts another)."""
    timing = timing or GroupTiming()
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    event_log = EventLog(bootstrap, topics)
    directory = JobDirectory(bootstrap, topics.events).start()
    coordinator = Coordinator(bootstrap, event_log, timing, deadline).start()
    broker = build_broker(bootstrap, event_log, timing, directory)
    try:
        await broker.start()
        while not stop.is_set() and coordinator.error is None and directory.error is None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.5)
        for name, part in (("coordinator", coordinator), ("directory", directory)):
            if part.error is not None:
                raise RuntimeError(f"{name} stopped: {part.error}")
    finally:
        await broker.stop()
        coordinator.stop()
        directory.stop()
        event_log.close()

"""One FastStream broker per worker process, carrying the planner, an engine worker and
completion (each in its own consumer group, so processes share every role)."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Iterable

from fast_depends.msgspec import MsgSpecSerializer
from faststream.confluent import KafkaBroker

from jost.platform.consumers.completion import register_completion
from jost.platform.consumers.engine import register_engine
from jost.platform.consumers.groups import GroupTiming
from jost.platform.consumers.planner import register_planner
from jost.platform.log import EventLog
from jost.platform.settings import Topics

ROLES = ("planner", "engine", "completion")


def build_broker(
    bootstrap: str,
    event_log: EventLog,
    roles: Iterable[str] = ROLES,
    timing: GroupTiming | None = None,
) -> KafkaBroker:
    timing = timing or GroupTiming()
    broker = KafkaBroker(
        bootstrap,
        # The platform creates its topics; FastStream's creation hangs on the embedded broker.
        allow_auto_create_topics=False,
        serializer=MsgSpecSerializer(),
        log_level=logging.DEBUG,  # per-message Received/Processed lines stay out of INFO
        graceful_timeout=30.0,
    )
    registrars = {
        "planner": register_planner,
        "engine": register_engine,
        "completion": register_completion,
    }
    for role in roles:
        registrars[role](broker, event_log, timing)
    return broker


async def serve(
    bootstrap: str,
    topics: Topics,
    roles: Iterable[str] = ROLES,
    timing: GroupTiming | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Run until SIGINT/SIGTERM (or ``stop``), then let in-flight handlers finish."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    event_log = EventLog(bootstrap, topics)
    broker = build_broker(bootstrap, event_log, roles, timing)
    try:
        await broker.start()
        await stop.wait()
    finally:
        await broker.stop()
        event_log.close()

"""One worker process: a coordinator (its own consumer group over the event log) and an
engine worker (one consumer group over the shards), so every process shares every role and
any of them may die. ``jost worker`` and the embedded platform
(``python -m jost.platform.consumers.worker``) both run ``main``."""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from typing import NoReturn

from jost.platform import lifeline
from jost.platform.consumers.analyses import AnalysisWorker
from jost.platform.consumers.coordinator import Coordinator, Deadline
from jost.platform.consumers.directory import JobDirectory
from jost.platform.consumers.engine import EngineWorker, warm_up
from jost.platform.consumers.groups import GroupTiming
from jost.platform.log import EventLog
from jost.platform.settings import Topics
from jost.platform.signals import stop_on_signals
from jost.platform.supervisor import mark_ready, platform_stopping

log = logging.getLogger(__name__)


def serve(
    bootstrap: str,
    topics: Topics,
    timing: GroupTiming | None = None,
    stop: threading.Event | None = None,
    deadline: Deadline | None = None,
    exit_when_stuck: bool = False,
) -> None:
    """Run until ``stop`` is set, then let the shard running finish. A part that stopped on
    an error ends the process (its supervisor starts another). ``exit_when_stuck``: a worker
    process of its own ends itself when stopping hangs (``_exit_if_stuck``)."""
    timing = timing or GroupTiming()
    stop = stop or threading.Event()
    event_log = EventLog(bootstrap, topics)
    directory = JobDirectory(bootstrap, topics.events).start()
    coordinator = Coordinator(bootstrap, event_log, timing, deadline).start()
    engine = EngineWorker(bootstrap, event_log, timing, directory).start()
    analyses = AnalysisWorker(bootstrap, event_log, timing).start()
    parts = {
        "engine": engine,
        "coordinator": coordinator,
        "directory": directory,
        "analyses": analyses,
    }
    ready = False
    try:
        # While the groups form: ready means the kernel is loaded too, so no job's time
        # includes loading it (or, the first time on a machine, compiling it).
        log.info("worker: kernel loaded in %.2f s", warm_up())
        # Looked at often until ready: the platform's start waits for the mark.
        while not stop.wait(0.02 if ready else 0.005):
            groups = (engine, coordinator, analyses)
            if not ready and all(part.assigned.is_set() for part in groups):
                ready = True
                mark_ready()
            for name, part in parts.items():
                if part.error is not None:
                    raise RuntimeError(f"{name} stopped: {part.error}")
    finally:
        began = time.perf_counter()
        if exit_when_stuck:
            _exit_if_stuck(engine)
        # Together: each finishes its step (the engine its shard) and leaves its group.
        for part in parts.values():
            part.request_stop()
        if platform_stopping():
            # The whole platform stops, its broker too: no group needs this member's goodbye
            # (leaving took 0.1-0.2 s, the others leaving too), nor its other parts' last
            # step. The shard running finishes and its result reaches the log all the same.
            how = "with the platform"
            engine.stepped_out(60.0)
        else:
            how = "after leaving its groups"
            for part in parts.values():
                part.stop(timeout=60.0)  # a shard running finishes; a close gets CLOSE_SECONDS
        event_log.close()
        took = time.perf_counter() - began
        log.info("worker: ran %d shards; stopped %s in %.2f s", engine.shards_run, how, took)


STUCK_SECONDS = 5.0
"""How long a stopping worker may take once no shard is running before it exits anyway."""


def _exit_if_stuck(engine: EngineWorker) -> None:
    """Let the shard running finish, then end the process if stopping takes longer than
    ``STUCK_SECONDS``: one stop in tens hung (a group handing this member the partitions of
    one that left, while it left too) until its supervisor killed it after 25 s. Everything
    it did is in the log and committed only once there, so leaving without a goodbye loses
    nothing: the group notices at its session timeout."""

    def watch() -> None:
        while engine.running_shard:
            time.sleep(0.05)
        time.sleep(STUCK_SECONDS)
        log.warning(
            "worker: ran %d shards; still stopping %.0f s after the last, exiting",
            engine.shards_run,
            STUCK_SECONDS,
        )
        logging.shutdown()
        os._exit(0)

    threading.Thread(target=watch, name="jost-stop-watch", daemon=True).start()


LOG_FORMAT = "%(asctime)s %(process)d %(name)s %(message)s"


def main(bootstrap: str, session_timeout_ms: int = GroupTiming().session_timeout_ms) -> int:
    """A worker process until SIGINT/SIGTERM: logs at INFO, ends with its supervisor."""
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    run_member(bootstrap, GroupTiming.for_broker(bootstrap, session_timeout_ms))


def run_member(bootstrap: str, timing: GroupTiming) -> NoReturn:
    """Serve until SIGINT/SIGTERM, then end the process: a worker started alone, or a member
    forked by the pool (``pool``)."""
    stop = stop_on_signals()
    lifeline.watch()
    serve(bootstrap, Topics(), timing=timing, stop=stop, exit_when_stuck=True)
    # Everything the worker did is in the log and its groups know it left: skip the
    # interpreter's teardown (numba's and the Kafka clients' take half a second), so that
    # stopping the platform is not spent waiting for it.
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    # ``python -m jost.platform.consumers.worker [MEMBERS]``: as the embedded platform starts
    # its workers (``jost worker`` is the same, with its options): one process, or a pool of
    # MEMBERS forked from one that loaded the kernel.
    if not (address := os.environ.get("JOST_BOOTSTRAP")):
        sys.exit("set JOST_BOOTSTRAP")
    members = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    if members > 1:
        from jost.platform.consumers.pool import run_pool

        sys.exit(run_pool(address, members))
    sys.exit(main(address))

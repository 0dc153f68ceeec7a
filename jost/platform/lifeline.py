"""A platform process ends when the process that supervises it is gone: ``jost up``
(``JOST_SUPERVISOR_PID``) or its own parent (granian's worker, when granian's main process
dies). Without it a SIGKILLed supervisor would leave an API that still answers health checks,
holds the port and the DuckDB file lock, and accepts nothing."""

from __future__ import annotations

import logging
import os
import threading

from jost.platform.supervisor import SUPERVISOR_ENV, alive

log = logging.getLogger(__name__)


def gone(parent: int) -> bool:
    """Whether this process's supervisor (``JOST_SUPERVISOR_PID``) or ``parent`` (its parent
    when it started) is gone."""
    supervisor = int(os.environ.get(SUPERVISOR_ENV, "0") or 0)
    return os.getppid() != parent or bool(supervisor and not alive(supervisor))


def watch(period: float = 0.5) -> None:
    """Start a daemon thread that exits this process once its supervisor or parent is gone."""
    parent = os.getppid()

    def run() -> None:
        while True:
            if gone(parent):
                log.error("lifeline: the supervising process is gone; exiting")
                os._exit(70)
            threading.Event().wait(period)

    threading.Thread(target=run, name="jost-lifeline", daemon=True).start()

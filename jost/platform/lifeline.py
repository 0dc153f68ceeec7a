"""A platform process ends when the process that supervises it is gone: ``jost up``
(``JOST_SUPERVISOR_PID``) or its own parent (granian's worker, when granian's main process
dies). Without it a SIGKILLed supervisor would leave an API that still answers health checks,
holds the port and the DuckDB file lock, and accepts nothing."""

from __future__ import annotations

import logging
import os
import threading

from jost.platform.supervisor import SUPERVISOR_ENV

log = logging.getLogger(__name__)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def watch(period: float = 0.5) -> None:
    """Start a daemon thread that exits this process once its supervisor or parent is gone."""
    parent = os.getppid()
    supervisor = int(os.environ.get(SUPERVISOR_ENV, "0") or 0)

    def run() -> None:
        while True:
            if os.getppid() != parent or (supervisor and not _alive(supervisor)):
                log.error("lifeline: the supervising process is gone; exiting")
                os._exit(70)
            threading.Event().wait(period)

    threading.Thread(target=run, name="jost-lifeline", daemon=True).start()

"""A reader of the log in a thread of its own (the projector, a worker's coordinator and job
directory): ``start`` and ``stop`` it; an exception ends the loop, is logged and kept in
``error`` for its process to act on (end, so that its supervisor starts a fresh one)."""

from __future__ import annotations

import logging
import threading
from typing import Self

log = logging.getLogger(__name__)

CLOSE_SECONDS = 5.0
"""How long ``stop`` waits for a loop's ``_close`` once its last step ended."""


class Loop:
    name = "jost-loop"

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._stepped_out = threading.Event()
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._main, name=self.name, daemon=True)

    def start(self) -> Self:
        self._thread.start()
        return self

    def request_stop(self) -> None:
        """Ask the loop to end after its current step, without waiting (``stop`` waits)."""
        self._stop.set()

    def stepped_out(self, timeout: float) -> bool:
        """Wait up to ``timeout`` for the loop's last step to end (after ``request_stop``);
        its ``_close`` may still be running."""
        return self._stepped_out.wait(timeout)

    def stop(self, timeout: float = 10.0, close_timeout: float = CLOSE_SECONDS) -> bool:
        """Ask the loop to end, wait up to ``timeout`` for its step to end (a worker's shard
        running), then up to ``close_timeout`` for ``_close``. False when the thread is still
        there: a client's close can hang (librdkafka's, when the group hands the member
        partitions while it leaves), and the process goes on without it."""
        self._stop.set()
        if self._thread.is_alive():
            self._stepped_out.wait(timeout)
            self._thread.join(close_timeout)
        if self._thread.is_alive():
            log.warning(
                "%s did not close within %.0f s; going on without it", self.name, close_timeout
            )
            return False
        return True

    def _main(self) -> None:
        try:
            while not self._stop.is_set():
                self._step()
        except BaseException as exc:
            log.exception("%s stopped", self.name)
            self.error = exc
            self._failed(exc)
        finally:
            self._stepped_out.set()
            self._close()

    def _step(self) -> None:
        """One round of the loop (a poll and what follows from it)."""
        raise NotImplementedError

    def _failed(self, exc: BaseException) -> None:
        """After the loop ended on ``exc``."""

    def _close(self) -> None:
        """Release what the loop held (its consumers), however it ended."""

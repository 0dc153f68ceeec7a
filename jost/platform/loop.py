"""A reader of the log in a thread of its own (the projector, a worker's coordinator and job
directory): ``start`` and ``stop`` it; an exception ends the loop, is logged and kept in
``error`` for its process to act on (end, so that its supervisor starts a fresh one)."""

from __future__ import annotations

import logging
import threading
from typing import Self

log = logging.getLogger(__name__)


class Loop:
    name = "jost-loop"

    def __init__(self) -> None:
        self._stop = threading.Event()
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._main, name=self.name, daemon=True)

    def start(self) -> Self:
        self._thread.start()
        return self

    def request_stop(self) -> None:
        """Ask the loop to end after its current step, without waiting (``stop`` waits)."""
        self._stop.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _main(self) -> None:
        try:
            while not self._stop.is_set():
                self._step()
        except BaseException as exc:
            log.exception("%s stopped", self.name)
            self.error = exc
            self._failed(exc)
        finally:
            self._close()

    def _step(self) -> None:
        """One round of the loop (a poll and what follows from it)."""
        raise NotImplementedError

    def _failed(self, exc: BaseException) -> None:
        """After the loop ended on ``exc``."""

    def _close(self) -> None:
        """Release what the loop held (its consumers), however it ended."""

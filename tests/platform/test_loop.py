"""``Loop.stop``: a step running finishes, a close that hangs is left behind after its bound."""

from __future__ import annotations

import threading
import time

from jost.platform.loop import Loop


class Stepping(Loop):
    def __init__(self, step_seconds: float, close_hangs: bool) -> None:
        super().__init__()
        self.step_seconds = step_seconds
        self.close_hangs = close_hangs
        self.steps_finished = 0
        self.release = threading.Event()

    def _step(self) -> None:
        time.sleep(self.step_seconds)
        self.steps_finished += 1

    def _close(self) -> None:
        if self.close_hangs:  # as librdkafka's close can, when handed partitions while leaving
            self.release.wait(30)


def test_the_step_running_finishes_before_stop_returns():
    loop = Stepping(step_seconds=0.5, close_hangs=False).start()
    time.sleep(0.1)
    began = time.monotonic()
    assert loop.stop(timeout=10, close_timeout=1)
    assert loop.steps_finished >= 1
    assert 0.3 < time.monotonic() - began < 2.0


def test_a_hanging_close_is_left_after_its_bound():
    loop = Stepping(step_seconds=0.01, close_hangs=True).start()
    time.sleep(0.05)
    began = time.monotonic()
    assert not loop.stop(timeout=10, close_timeout=0.5)
    took = time.monotonic() - began
    assert 0.45 < took < 2.0, took
    loop.release.set()

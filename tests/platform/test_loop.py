"""``Loop.stop``: a step running finishes, a close that hangs is left behind after its bound."""

from __future__ import annotations

import subprocess
import sys
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


def test_a_worker_stuck_stopping_exits_once_its_shard_is_done():
    """A process whose stop hangs ends itself ``STUCK_SECONDS`` after its last shard: not
    while the shard runs, and with the count of shards it ran in its log."""
    code = """
import logging, sys, threading, time
from types import SimpleNamespace
from jost.platform.consumers import worker
logging.basicConfig(level=logging.INFO, stream=sys.stdout)
worker.STUCK_SECONDS = 0.3
engine = SimpleNamespace(running_shard=True, shards_run=7)
began = time.monotonic()
worker._exit_if_stuck(engine)
time.sleep(0.5)  # the shard still running: no exit
print("alive after", round(time.monotonic() - began, 1), flush=True)
engine.running_shard = False
threading.Event().wait(10)  # the stop that hangs
print("never")
"""
    began = time.monotonic()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    took = time.monotonic() - began
    assert out.returncode == 0, out.stderr
    assert "alive after 0.5" in out.stdout and "never" not in out.stdout
    assert "worker: ran 7 shards; still stopping" in out.stdout
    assert took < 5, took

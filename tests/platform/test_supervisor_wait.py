"""The supervisor's wait for a child it told to stop (``_wait_exit``): it returns once the
child has exited, reaped, and raises ``TimeoutExpired`` for one that goes on."""

from __future__ import annotations

import subprocess
import sys

import pytest

from jost.platform.supervisor import _wait_exit


def _child(seconds: float) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", f"import time; time.sleep({seconds})"])


def test_a_child_that_exits_is_reaped_and_one_that_goes_on_times_out():
    quick = _child(0.2)
    _wait_exit(quick, timeout=30)
    assert quick.returncode == 0
    slow = _child(30)
    try:
        with pytest.raises(subprocess.TimeoutExpired):
            _wait_exit(slow, timeout=0.2)
        assert slow.returncode is None
    finally:
        slow.kill()
        slow.wait()
    _wait_exit(slow, timeout=1)  # reaped before: no pidfd to open, Popen answers
    assert slow.returncode is not None

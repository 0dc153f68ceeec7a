"""JOST's own processes start with one BLAS thread (``jost.processes``), unless the environment
names a number; a program that imports only the engine is left as it is."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

SHOW = "import os, sys; import {module}; print(os.environ.get('OPENBLAS_NUM_THREADS'))"


@pytest.mark.parametrize(
    ("module", "given", "seen"),
    [
        ("jost.platform.api.app", None, "1"),
        ("jost.platform.consumers.worker", None, "1"),
        ("jost.cli", None, "1"),
        ("jost.cli", "3", "3"),
        ("jost.engine", None, "None"),
    ],
)
def test_blas_threads_of_each_kind_of_process(module: str, given: str | None, seen: str):
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    if given is not None:
        env["OPENBLAS_NUM_THREADS"] = given
    shown = subprocess.run(
        [sys.executable, "-c", SHOW.format(module=module)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.split()
    assert shown[-1] == seen

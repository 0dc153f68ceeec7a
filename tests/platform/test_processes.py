"""JOST's own processes start with one BLAS thread (``jost.processes``), unless the environment
names a number; a program that imports only the engine is left as it is."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from jost.platform.standalone import JOST_COMMAND, free_port

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


@pytest.mark.parametrize("command", ["run", "up"])
def test_a_bad_duckdb_threads_setting_is_refused_in_one_line_before_anything_starts(
    command: str, tmp_path
):
    """Before, ``jost run`` printed a traceback (the restore opened the file first), and
    ``jost up`` waited for the SIGKILL of an API that could not start."""
    env = {**os.environ, "JOST_DATA_DIR": str(tmp_path), "JOST_DUCKDB_THREADS": "two"}
    done = subprocess.run(
        [*JOST_COMMAND, command, "--port", "0" if command == "run" else str(free_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "JOST_DUCKDB_THREADS must be a whole number" in lines[0], lines
    assert "Traceback" not in done.stderr and "Starting granian" not in done.stdout

"""``jost`` run in a fresh interpreter that reports, beside its exit code and output, which
heavy packages it imported: what a command costs at start-up shows in ``sys.modules``."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import NamedTuple

HEAVY = ("numba", "textual", "duckdb", "jost.platform")
MARK = "jost-probe: "

PROBE = f"""
import json, sys
from jost.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
loaded = {{m: m in sys.modules for m in {HEAVY!r}}}
print({MARK!r} + json.dumps(loaded), file=sys.stderr)
sys.exit(code)
"""


class Probed(NamedTuple):
    code: int
    out: str
    err: str
    loaded: dict[str, bool]


def probe(*argv: str, before: str = "", timeout: float = 60) -> Probed:
    """``jost ARGV``; ``before``: code run first, in the same interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", before + PROBE, *argv],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    lines = done.stderr.splitlines()
    marks = [line for line in lines if line.startswith(MARK)]
    assert len(marks) == 1, done.stderr
    err = "\n".join(line for line in lines if not line.startswith(MARK))
    return Probed(done.returncode, done.stdout, err, json.loads(marks[0].removeprefix(MARK)))

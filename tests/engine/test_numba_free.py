"""Building and checking a game loads no numba: only running the kernel (or the exact
analyzer) does. A process that only checks configs (jost run's parent, say) saves ~0.35 s of
start-up. Each probe runs in a fresh interpreter: this test process has numba loaded already."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

CHECKS = """
from jost.cli.config_file import read_config, read_profile
from jost.engine.game import build_game
from jost.engine.validate import check_runnable
for config in (read_config(None), read_profile("hilo-i18-6d-h17-das-ls-1-12").config):
    check_runnable(config)
    build_game(config)
"""


def modules_after(code: str) -> dict[str, bool]:
    probe = code + "\nimport json, sys\nprint(json.dumps({m: m in sys.modules for m in MODULES}))"
    out = subprocess.run(
        [sys.executable, "-c", f"MODULES = ('numba', 'jost.engine.kernel')\n{probe}"],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "code",
    [
        "import jost.engine",
        "import jost.engine.validate",
        "from jost.engine import merge, summarize",
        CHECKS,
        # The API checks configs but runs no kernel: it loads the exact analyzer (numba) in
        # the background once it is up, not on its way up.
        "import jost.platform.api.app",
    ],
    ids=["the package", "validate", "the stats names", "check and build two games", "the API"],
)
def test_checking_and_building_a_game_loads_no_numba(code: str) -> None:
    assert modules_after(code) == {"numba": False, "jost.engine.kernel": False}


def test_the_probe_sees_numba_when_the_kernel_is_asked_for() -> None:
    """The lazy names still work, and load the kernel when they need it."""
    loaded = modules_after("from jost.engine import simulate\nassert callable(simulate)")
    assert loaded == {"numba": True, "jost.engine.kernel": True}

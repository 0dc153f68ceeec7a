"""Configs and checks shared by the platform tests. The configs carry their own chart (hit
below 12, stand from 12; never split) so the tests do not depend on the shipped chart files."""

from __future__ import annotations

from typing import Any

import msgspec
from conftest import ApiServer, wait_for

from jost.contracts import PAIR_ROWS, Chart, JobResult, SimulationConfig
from jost.engine import simulate, summarize

SIMPLE_CHART = Chart(
    name="stand-on-12",
    hard={str(t): ["H" if t < 12 else "S"] * 10 for t in range(4, 22)},
    soft={str(t): ["H" if t < 18 else "S"] * 10 for t in range(12, 22)},
    pairs={p: ["N"] * 10 for p in PAIR_ROWS},
)


def config(rounds: int, shard_rounds: int, seed: int) -> dict[str, Any]:
    return {
        "rounds": rounds,
        "shard_rounds": shard_rounds,
        "seed": seed,
        "strategy": {"playing": msgspec.to_builtins(SIMPLE_CHART)},
    }


def wait_status(api: ApiServer, job_id: str, wanted: str, timeout: float) -> dict:
    with api.client() as c:
        return wait_for(
            lambda: (s := c.get(f"/api/status/{job_id}/").json())["status"] == wanted and s,
            timeout,
            f"job {job_id} to be {wanted}",
        )


def local_result(body: dict) -> JobResult:
    """What ``jost simulate`` computes for the same config on this machine."""
    cfg = msgspec.convert(body, SimulationConfig)
    stats = simulate(cfg, workers=1)
    return JobResult(job_id="", summary=summarize(stats, cfg), stats=stats)


def job_result(api: ApiServer, job_id: str) -> JobResult:
    with api.client() as c:
        return msgspec.convert(c.get(f"/api/results/{job_id}/").json(), JobResult)

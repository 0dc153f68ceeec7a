"""``/api/indices/``: index generation as a platform job. Against the real API, real workers and
a real embedded broker: the answer equals the local ``generate()`` with the same config,
per_count and seed, also when a worker is SIGKILLed mid-analysis (its slices go to the other
member); idempotency, another player's analysis, a config without a count. The restart of
``jost up`` mid-analysis is slow."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import httpx
import msgspec
import pytest
from conftest import OTHER_TOKEN, REPO, ApiServer, Workers, wait_for
from up import Up

from jost.contracts import SimulationConfig
from jost.contracts.indices import AnalysisStatus
from jost.engine.indices import generate
from jost.platform.projection import TABLES
from jost.platform.standalone import JOST_COMMAND

CONFIG = {
    "rules": {"decks": 6},
    "strategy": {"playing": "basic", "count": {"system": "hi_lo"}},
}
PER_COUNT, SEED = 2, 11
"""About 46 compositions in two slices: seconds of work, as the engine's coarse test."""


@pytest.fixture(scope="module")
def local() -> list:
    config = msgspec.convert(CONFIG, SimulationConfig)
    return generate(config, per_count=PER_COUNT, seed=SEED).deviations


def _status(c: httpx.Client, analysis_id: str) -> AnalysisStatus:
    r = c.get(f"/api/indices/{analysis_id}/")
    assert r.status_code == 200, r.text
    return msgspec.convert(r.json(), AnalysisStatus)


def test_the_api_answers_what_generate_does_though_a_worker_dies(
    api: ApiServer, start_worker: Workers, local: list
) -> None:
    first, _ = start_worker(), start_worker()
    body = {"config": CONFIG, "per_count": PER_COUNT, "seed": SEED}
    with api.client() as c:
        r = c.post("/api/indices/", json=body, headers={"Idempotency-Key": "i18"})
        assert r.status_code == 202, r.text
        analysis_id = r.json()["analysis_id"]
        # the same key: the same analysis; another body under it: a conflict
        again = c.post("/api/indices/", json=body, headers={"Idempotency-Key": "i18"})
        assert again.status_code == 202 and again.json()["analysis_id"] == analysis_id
        other = c.post(
            "/api/indices/", json={**body, "seed": 12}, headers={"Idempotency-Key": "i18"}
        )
        assert other.status_code == 409
        # a config without a count: 400 naming the field
        flat = c.post("/api/indices/", json={"config": {"rules": {"decks": 6}}})
        assert flat.status_code == 400
        assert flat.json()["field"] == "$.config.strategy.count"
        typo = c.post("/api/indices/", json={**body, "per_cuont": 3})
        assert typo.status_code == 400
        # another player's analysis is not revealed
        with api.client(OTHER_TOKEN) as o:
            assert o.get(f"/api/indices/{analysis_id}/").status_code == 404
            assert o.get("/api/indices/").json()["total"] == 0

        # Planned, a slice under way: kill a worker (SIGKILL: no goodbye to its group).
        planned = wait_for(
            lambda: (s := _status(c, analysis_id)).compositions_total and s,
            120,
            "the analysis to be planned",
        )
        assert planned.status == "running" and planned.compositions_done == 0
        time.sleep(1.0)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        # killed with work left (each worker holds one of the two slices: they are spread)
        assert _status(c, analysis_id).compositions_done < planned.compositions_total

        done = wait_for(
            lambda: (s := _status(c, analysis_id)).status in ("completed", "failed") and s,
            180,
            "the analysis to complete",
        )
        assert done.status == "completed", done.error
        assert done.compositions_done == done.compositions_total == planned.compositions_total
        assert done.result is not None
        assert done.result.deviations == local
        assert (done.result.per_count, done.result.seed) == (PER_COUNT, SEED)
        listed = c.get("/api/indices/").json()
        assert listed["total"] == 1 and listed["analyses"][0]["analysis_id"] == analysis_id


@pytest.mark.slow
def test_up_restarted_mid_analysis_resumes_it(tmp_path: Path) -> None:
    """Three slices on two workers: killed once one is done, restarted on the same folder, the
    analysis completes with generate()'s answer, and the slice done before is not run again."""
    config = msgspec.convert(CONFIG, SimulationConfig)
    expected = generate(config, per_count=3, seed=SEED).deviations
    data, log = tmp_path / "data", tmp_path / "up.log"
    first = Up(data, log)
    second: Up | None = None
    try:
        token = first.wait_ready()
        body = {"config": CONFIG, "per_count": 3, "seed": SEED}
        with first.client(token) as c:
            analysis_id = c.post("/api/indices/", json=body).json()["analysis_id"]
            before = wait_for(
                lambda: (
                    0
                    < (s := _status(c, analysis_id)).compositions_done
                    < (s.compositions_total or 0)
                    and s
                ),
                240,
                "a slice done, others not",
            )
        first.kill()
        first.proc.wait(10)
        assert before.status == "running"
        second = Up(data, log, port=first.port)
        assert second.wait_ready() == token
        with second.client(token) as c:
            done = wait_for(
                lambda: (s := _status(c, analysis_id)).status in ("completed", "failed") and s,
                240,
                "the analysis to complete after the restart",
            )
            assert done.status == "completed", done.error
            assert done.compositions_done == done.compositions_total
            assert done.result is not None and done.result.deviations == expected
        assert "is done already" in second.text()  # the slice done before the kill: kept
        assert second.stop() == 0
        # the archive rebuilds the analyses' tables equal
        replay = subprocess.run(
            [
                *JOST_COMMAND,
                "replay",
                "--into",
                str(tmp_path / "replayed.duckdb"),
                "--from-archive",
                str(data / "projection.duckdb"),
            ],
            capture_output=True,
            text=True,
            cwd=REPO,
            timeout=120,
        )
        assert replay.returncode == 0, replay.stdout + replay.stderr
        assert replay.stdout.count("equal") == len(TABLES)
    finally:
        for up in (first, second):
            if up is not None and up.proc.poll() is None:
                up.proc.kill()

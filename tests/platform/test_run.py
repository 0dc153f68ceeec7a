"""``jost run``, the main job: it starts the embedded platform, runs the config through it over
HTTP and prints the same statistics ``jost simulate`` computes on this machine."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import jost
from engine_configs import config

STATISTICS = ("ev", "ev_stderr", "sd_per_round", "rounds")


def test_run_prints_the_same_statistics_as_simulate(tmp_path: Path):
    path = tmp_path / "game.json"
    path.write_text(json.dumps(config(rounds=30_000, shard_rounds=10_000, seed=99)))
    data_dir = tmp_path / "data"
    # --seed overrides the file in both commands, through the same with_overrides.
    run = jost(
        "run", str(path), "--seed", "4242", "--json", "--workers", "1",
        "--data-dir", str(data_dir), timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr + (data_dir / "run.log").read_text()
    local = jost("simulate", str(path), "--seed", "4242", "--json", timeout=120)
    assert local.returncode == 0, local.stderr

    platform, simulated = json.loads(run.stdout), json.loads(local.stdout)
    assert {k: platform[k] for k in STATISTICS} == {k: simulated[k] for k in STATISTICS}
    assert platform["rounds"] == 30_000 and platform["shards"] == 3
    assert platform["seed"] == 4242
    # The job went through the platform: it is in the projection the run left behind.
    assert (data_dir / "projection.duckdb").exists()


def test_run_refuses_a_bad_config_before_starting_anything(tmp_path: Path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({**config(1_000, 1_000, 1), "rounds": "many"}))
    run = jost("run", str(path), "--data-dir", str(tmp_path / "data"), timeout=60)
    assert run.returncode == 2
    assert "$.rounds" in run.stderr
    assert not (tmp_path / "data").exists()

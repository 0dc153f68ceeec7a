"""Sweeps on the real platform (embedded broker, the API as granian, ``jost worker``
subprocesses, ``jost up``): a 20-point sweep equals 20 local ``jost simulate`` computations
bit for bit; its CSV and the ``sweep_results`` view say the same; idempotency, ownership, bad
specs, cancel; a worker SIGKILLed mid-sweep, ``jost up`` SIGKILLed and started again; ``jost
replay``; the ``jost sweep`` CLI as a subprocess."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import duckdb
import httpx
import msgspec
import pytest
from conftest import ADMIN_TOKEN, OTHER_TOKEN, REPO, USER_TOKEN, ApiServer, jost, wait_for
from up import Up, wait_gone

from jost.contracts.sweeps import SweepResults, SweepSpec
from jost.engine import simulate, summarize
from jost.engine.sweep import expand
from jost.platform.projection import TABLES
from jost.platform.standalone import JOST_COMMAND

FIGURES = ("ev", "ev_stderr", "win_per_100", "sd_per_100", "score", "n0")


def sweep_body(rounds: int = 4_000, shard_rounds: int = 1_000, name: str = "pen x decks"):
    """20 points: penetration x decks, a Hi-Lo count with a 1-8 ramp and a bankroll (so
    SCORE, N0 and RoR are all there)."""
    return {
        "name": name,
        "base": {
            "rounds": rounds,
            "shard_rounds": shard_rounds,
            "seed": 17,
            "strategy": {"count": {"system": "hi_lo"}},
            "betting": {"ramp": [[1, 2], [2, 4], [3, 8]]},
            "bankroll": {"units": 1000, "trip_rounds": 500},
        },
        "axes": {
            "rules.penetration": [0.6, 0.65, 0.7, 0.75, 0.8],
            "rules.decks": [1, 2, 6, 8],
        },
    }


def wait_sweep(c, sweep_id: str, wanted: str, timeout: float) -> dict[str, Any]:
    return wait_for(
        lambda: (s := c.get(f"/api/sweeps/{sweep_id}/").json())["status"] == wanted and s,
        timeout,
        f"sweep {sweep_id} to be {wanted}",
    )


def local_rows(body: dict) -> list[dict[str, Any]]:
    """What ``jost simulate`` computes for each point's config, in process."""
    spec = msgspec.convert(body, SweepSpec)
    rows = []
    for point in expand(spec):
        summary = summarize(simulate(point.config, workers=1), point.config)
        rows.append({f: getattr(summary, f) for f in FIGURES} | {"rounds": summary.rounds})
    return rows


def assert_same_table(results: SweepResults, expected: list[dict[str, Any]]) -> None:
    assert len(results.rows) == len(expected) == 20
    for row, want in zip(results.rows, expected, strict=True):
        assert row.status == "completed"
        assert {f: getattr(row, f) for f in [*FIGURES, "rounds"]} == want  # exact floats


def test_a_sweep_of_20_points_equals_20_local_simulations_and_replays(
    api: ApiServer, start_worker, broker, tmp_path: Path
):
    start_worker()
    start_worker()
    body = sweep_body()
    with api.client() as c:
        r = c.post("/api/sweeps/", json=body, headers={"Idempotency-Key": "sweep-one"})
        assert r.status_code == 202, r.text
        accepted = r.json()
        sweep_id = accepted["sweep_id"]
        assert [p["index"] for p in accepted["points"]] == list(range(20))
        assert accepted["points"][1]["values"] == {"rules.penetration": 0.6, "rules.decks": 2}
        # Every point is an ordinary job.
        job = accepted["points"][7]["job_id"]
        assert c.get(f"/api/status/{job}/").status_code == 200
        status = wait_sweep(c, sweep_id, "completed", timeout=240)
        assert status["points"] == status["points_completed"] == 20
        assert status["shards_done"] == status["shards_total"] == 80
        assert status["rounds"] == 80_000
        results = msgspec.convert(c.get(f"/api/sweeps/{sweep_id}/results/").json(), SweepResults)
        assert results.axes == ["rules.penetration", "rules.decks"]
        assert all(row.ror is not None and 0 <= row.ror <= 1 for row in results.rows)
        for row in results.rows:
            assert row.ev_ci95_low < row.ev < row.ev_ci95_high

        # The same key and spec: the same sweep (200), nothing run again.
        again = c.post("/api/sweeps/", json=body, headers={"Idempotency-Key": "sweep-one"})
        assert again.status_code == 200
        assert again.json()["sweep_id"] == sweep_id
        assert again.json()["status"] == "completed"

        # CSV: parses, and says what the JSON says.
        r = c.get(f"/api/sweeps/{sweep_id}/results/", params={"format": "csv"})
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/csv")
        assert f"sweep-{sweep_id}.csv" in r.headers["content-disposition"]
        table = list(csv.DictReader(io.StringIO(r.text)))
        assert list(table[0]) == [
            "index",
            "rules.penetration",
            "rules.decks",
            *["job_id", "status", "rounds", "ev", "ev_stderr", "ev_ci95_low", "ev_ci95_high"],
            *["win_per_100", "sd_per_100", "score", "n0", "ror"],
        ]
        for line, row in zip(table, results.rows, strict=True):
            assert int(line["index"]) == row.index
            assert float(line["rules.penetration"]) == row.values["rules.penetration"]
            assert int(line["rules.decks"]) == row.values["rules.decks"]
            assert line["job_id"] == row.job_id
            for f in (*FIGURES, "ror", "ev_ci95_low", "ev_ci95_high"):
                assert float(line[f]) == getattr(row, f)

        listed = c.get("/api/sweeps/").json()
        assert "sweeps" in listed, listed
        assert [s["sweep_id"] for s in listed["sweeps"]] == [sweep_id]

    # Another player sees none of it.
    with api.client(OTHER_TOKEN) as other:
        assert other.get(f"/api/sweeps/{sweep_id}/").status_code == 404
        assert other.get(f"/api/sweeps/{sweep_id}/results/").status_code == 404
        assert other.post(f"/api/sweeps/{sweep_id}/cancel/").status_code == 404
        assert other.get("/api/sweeps/").json()["sweeps"] == []

    # The SQL view, as the admin console reads it.
    with api.client(ADMIN_TOKEN) as admin:
        r = admin.post(
            "/api/sql/",
            json={
                "sql": f"SELECT point, axis_values, status, ev, score, ror FROM sweep_results "
                f"WHERE sweep_id = '{sweep_id}' ORDER BY point"
            },
        )
        assert r.status_code == 200, r.text
        view = r.json()["rows"]
    assert len(view) == 20
    for (point, values, status, ev, score, ror), row in zip(view, results.rows, strict=True):
        assert point == row.index
        assert json.loads(values) == row.values
        assert (status, ev, score, ror) == ("completed", row.ev, row.score, row.ror)

    assert_same_table(results, local_rows(body))

    # One point through the real CLI as well.
    point = expand(msgspec.convert(body, SweepSpec))[13]
    config_file = tmp_path / "point13.json"
    config_file.write_bytes(msgspec.json.encode(point.config))
    out = subprocess.run(
        [*JOST_COMMAND, "simulate", str(config_file), "--json", "--workers", "1"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    simulated = json.loads(out.stdout)
    assert {f: simulated[f] for f in FIGURES} == {f: getattr(results.rows[13], f) for f in FIGURES}

    # jost replay rebuilds the sweep tables, from the log and from the archive.
    api.stop()
    env = {**os.environ, "JOST_BOOTSTRAP": broker.bootstrap}
    for into, source in (("replay.duckdb", "--compare"), ("archive.duckdb", "--from-archive")):
        replayed = subprocess.run(
            [*JOST_COMMAND, "replay", "--into", str(tmp_path / into), source, str(api.db_path)],
            env=env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert replayed.returncode == 0, replayed.stdout + replayed.stderr
        assert "sweeps" in TABLES and "sweep_points" in TABLES
        for table in ("sweeps", "sweep_points"):
            assert f"{table:8} equal" in replayed.stdout, replayed.stdout


def test_idempotency_race_bad_specs_and_cancel(api: ApiServer):
    body = sweep_body(rounds=2_000_000, shard_rounds=100_000, name="never runs")
    with api.client() as c:
        # Eight concurrent submits under one key: one sweep.
        def post(_: int) -> httpx.Response:
            return c.post("/api/sweeps/", json=body, headers={"Idempotency-Key": "race"})

        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(post, range(8)))
        assert {a.status_code for a in answers} <= {200, 202}
        assert sum(a.status_code == 202 for a in answers) == 1
        ids = {a.json()["sweep_id"] for a in answers}
        assert len(ids) == 1
        (sweep_id,) = ids
        assert len(c.get("/api/sweeps/").json()["sweeps"]) == 1
        assert c.get("/api/jobs/", params={"limit": 500}).json()["jobs"].__len__() == 20

        # The same key with another spec: 409.
        other = {**body, "name": "another"}
        r = c.post("/api/sweeps/", json=other, headers={"Idempotency-Key": "race"})
        assert r.status_code == 409
        assert r.json()["field"] == "Idempotency-Key"

        # Bad specs: 400 naming the axis and value; nothing recorded.
        bad = {**body, "axes": {"rules.penetration": [0.7], "rules.decks": [2, 9]}}
        r = c.post("/api/sweeps/", json=bad)
        assert r.status_code == 400
        assert r.json()["field"] == '$.axes["rules.decks"][1]'
        assert "8" in r.json()["detail"] and "$.rules.decks" in r.json()["detail"]
        r = c.post("/api/sweeps/", json={**body, "axes": {"rules.nonsense": [1]}})
        assert (r.status_code, r.json()["field"]) == (400, '$.axes["rules.nonsense"][0]')
        r = c.post("/api/sweeps/", json={**body, "axes": {"seed": list(range(1001))}})
        assert (r.status_code, r.json()["field"]) == (400, "$.axes")
        r = c.post("/api/sweeps/", json={**body, "bogus": 1})
        assert r.status_code == 400
        assert len(c.get("/api/sweeps/").json()["sweeps"]) == 1

        # Cancel: every point (no worker runs) ends cancelled; a second cancel is a 409.
        r = c.post(f"/api/sweeps/{sweep_id}/cancel/")
        assert r.status_code == 202, r.text
        status = wait_sweep(c, sweep_id, "cancelled", timeout=30)
        assert status["points_cancelled"] == 20
        assert c.post(f"/api/sweeps/{sweep_id}/cancel/").status_code == 409
        rows = c.get(f"/api/sweeps/{sweep_id}/results/").json()["rows"]
        assert {row["status"] for row in rows} == {"cancelled"}
        assert all(row["ev"] is None for row in rows)
        assert c.get("/api/sweeps/nothing-here/").status_code == 404


def test_a_worker_killed_mid_sweep_leaves_the_same_table(api: ApiServer, start_worker):
    body = sweep_body(rounds=200_000, shard_rounds=50_000)
    victim = start_worker()
    start_worker()
    with api.client() as c:
        sweep_id = c.post("/api/sweeps/", json=body).json()["sweep_id"]
        wait_for(
            lambda: c.get(f"/api/sweeps/{sweep_id}/").json()["shards_done"] >= 8,
            120,
            "some shards done",
        )
        victim.send_signal(signal.SIGKILL)
        before = c.get(f"/api/sweeps/{sweep_id}/").json()
        assert before["status"] == "running", "the sweep ended before the kill: make it longer"
        start_worker()
        wait_sweep(c, sweep_id, "completed", timeout=300)
        results = msgspec.convert(c.get(f"/api/sweeps/{sweep_id}/results/").json(), SweepResults)
    assert_same_table(results, local_rows(body))


@pytest.mark.slow
def test_up_killed_mid_sweep_and_started_again_completes_the_same_table(tmp_path: Path):
    data, log = tmp_path / "data", tmp_path / "up.log"
    body = sweep_body(rounds=3_000_000, shard_rounds=1_000_000)
    first = Up(data, log)
    second: Up | None = None
    try:
        token = first.wait_ready()
        with first.client(token) as c:
            r = c.post("/api/sweeps/", json=body, headers={"Idempotency-Key": "restart"})
            sweep_id = r.json()["sweep_id"]
            wait_for(
                lambda: c.get(f"/api/sweeps/{sweep_id}/").json()["shards_done"] >= 10,
                180,
                "ten shards done",
            )
        wait_gone(first.kill(), 10)
        db = duckdb.connect(str(data / "projection.duckdb"), read_only=True)
        (done,) = db.execute(
            "SELECT count(*) FROM sweep_results WHERE sweep_id = ? AND status = 'completed'",
            [sweep_id],
        ).fetchone()
        db.close()
        assert done < 20, "the sweep finished before the kill: make it longer"

        second = Up(data, log, port=first.port)
        assert second.wait_ready() == token
        with second.client(token) as c:
            status = wait_sweep(c, sweep_id, "completed", timeout=400)
            assert status["shards_done"] == status["shards_total"] == 60
            results = msgspec.convert(
                c.get(f"/api/sweeps/{sweep_id}/results/").json(), SweepResults
            )
            again = c.post("/api/sweeps/", json=body, headers={"Idempotency-Key": "restart"})
            assert (again.status_code, again.json()["sweep_id"]) == (200, sweep_id)
        assert second.stop() == 0
    finally:
        for up in (first, second):
            if up is not None and up.proc.poll() is None:
                up.proc.kill()
    assert_same_table(results, local_rows(body))


def test_the_cli_submits_follows_and_prints_a_sweep(api: ApiServer, start_worker, tmp_path):
    body = sweep_body()
    sweep_file = tmp_path / "sweep.json"
    sweep_file.write_text(json.dumps(body))
    target = ["--url", api.url, "--token", USER_TOKEN]

    # Ctrl-C while waiting (no worker yet): the sweep runs on, and the CLI says how to follow.
    proc = subprocess.Popen(
        [*JOST_COMMAND, "sweep", str(sweep_file), *target, "--idempotency-key", "cli"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    said = proc.stderr.readline()  # "sweep ID submitted to URL (20 points)"
    assert "submitted" in said, said
    with api.client() as c:
        sweep_id = c.get("/api/sweeps/").json()["sweeps"][0]["sweep_id"]
    assert sweep_id in said
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert f"jost sweep --watch {sweep_id}" in err

    start_worker()
    start_worker()
    csv_file = tmp_path / "table.csv"
    out = jost("sweep", "--watch", sweep_id, *target, "--json", "--csv", str(csv_file), timeout=120)
    assert out.returncode == 0, out.stderr
    printed = msgspec.json.decode(out.stdout, type=SweepResults)
    with api.client() as c:
        assert printed == msgspec.convert(
            c.get(f"/api/sweeps/{sweep_id}/results/").json(), SweepResults
        )
        assert (
            csv_file.read_text()
            == c.get(f"/api/sweeps/{sweep_id}/results/", params={"format": "csv"}).text
        )

    # The same file and key again: the same sweep, its table printed.
    out = jost("sweep", str(sweep_file), *target, "--idempotency-key", "cli", timeout=120)
    assert out.returncode == 0, out.stderr
    assert sweep_id in out.stderr
    assert "rules.penetration" in out.stdout and "SCORE" in out.stdout
    first = printed.rows[0]
    assert f"{first.ev * 100:+.3f}" in out.stdout
    assert len(out.stdout.splitlines()) >= 20

    out = jost("sweep", str(sweep_file), *target, "--no-wait", timeout=120)
    assert out.returncode == 0 and out.stdout.strip() != sweep_id  # no key: a new sweep

    # A bad file names the field (exit 2, nothing submitted); no platform: exit 1.
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**body, "axes": {"rules.decks": [2, 9]}}))
    out = jost("sweep", str(bad), *target, timeout=120)
    assert out.returncode == 2
    assert '$.axes["rules.decks"][1]' in out.stderr
    bad.write_text(json.dumps({**body, "axes": {"rules.decks": "6"}}))
    out = jost("sweep", str(bad), *target, timeout=120)
    assert out.returncode == 2 and "$.axes" in out.stderr
    out = jost("sweep", str(sweep_file), "--url", "http://127.0.0.1:9", "--token", "t", timeout=120)
    assert out.returncode == 1 and "no platform answers" in out.stderr

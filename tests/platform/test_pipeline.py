"""End to end on the embedded broker: HTTP submit → planner → engine workers (subprocesses in
one consumer group) → completion → projector → HTTP result, compared with the engine run
locally; a worker SIGKILLed mid-shard; duplicates; ``jost replay``."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import msgspec
from conftest import ADMIN_TOKEN, REPO, ApiServer, wait_for
from engine_configs import config, local_result, wait_status

from jost.contracts import Event, JobResult
from jost.platform.embedded import EmbeddedBroker
from jost.platform.log import EventLog
from jost.platform.projection import TABLES
from jost.platform.settings import Topics
from jost.platform.standalone import JOST_COMMAND


def snapshot(api: ApiServer) -> dict[str, list]:
    with api.client(ADMIN_TOKEN) as admin:
        out = {}
        for table in ("jobs", "shards", "events", "results"):
            r = admin.post(
                "/api/sql/", json={"sql": f"SELECT * FROM {table} ORDER BY ALL", "max_rows": 10_000}
            )
            assert r.status_code == 200, r.text
            out[table] = r.json()["rows"]
        return out


def test_job_completes_over_http_equal_to_local_engine_and_replays(
    api: ApiServer, broker: EmbeddedBroker, start_worker, tmp_path: Path
):
    start_worker()
    start_worker()
    body = config(rounds=20_000, shard_rounds=5_000, seed=2024)
    submitted = time.monotonic()
    with api.client() as c:
        job_id = c.post("/api/submit/", json=body).json()["job_id"]
        status = wait_status(api, job_id, "completed", timeout=90)
        elapsed = time.monotonic() - submitted
        assert status["shards_done"] == status["shards_total"] == 4
        result = msgspec.convert(c.get(f"/api/results/{job_id}/").json(), JobResult)
        kinds = [e["event"]["kind"] for e in c.get(f"/api/jobs/{job_id}/events/").json()["events"]]
    print(f"submit → completed for 4 shards of 5,000 rounds: {elapsed:.2f} s")
    expected = local_result(body)
    assert result.stats == expected.stats  # exact integer statistics
    assert result.summary == expected.summary  # and so bit-identical floats
    assert result.stats.total.rounds == 20_000
    assert kinds[:2] == ["JobSubmitted", "JobPlanned"]
    assert sorted(kinds[2:6]) == ["ShardCompleted"] * 4
    assert kinds[6:] == ["JobCompleted"]

    # The same facts delivered again change nothing.
    before = snapshot(api)
    with api.client(ADMIN_TOKEN) as admin:
        bodies = admin.post(
            "/api/sql/",
            json={"sql": f"SELECT body FROM events WHERE job_id = '{job_id}' ORDER BY log_offset"},
        ).json()["rows"]
    events = [msgspec.json.decode(row[0], type=Event) for row in bodies]
    import asyncio

    async def append_again() -> None:
        log = EventLog(broker.bootstrap, Topics())
        try:
            for event in events:
                await log.append(event)
        finally:
            log.close()

    asyncio.run(append_again())
    with api.client() as c:
        wait_for(lambda: c.get("/api/health/").json()["events_applied"] >= 0, 5, "health")
    time.sleep(1.0)  # the copies are in the log; give the projector and completion a moment
    assert snapshot(api) == before

    # Replay the log into a new file and compare it, table by table, with the live one.
    api.stop()  # DuckDB: the live file can be opened only once its owner closed it
    env = {**os.environ, "JOST_BOOTSTRAP": broker.bootstrap}

    def replay(into: str, *options: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*JOST_COMMAND, "replay", "--into", str(tmp_path / into), *options],
            env=env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
        )

    replayed = replay("replay.duckdb", "--compare", str(api.db_path))
    print(replayed.stdout, replayed.stderr)
    assert replayed.returncode == 0
    for table in TABLES:
        assert f"{table:8} equal" in replayed.stdout
    archived = replay("archive.duckdb", "--from-archive", str(api.db_path))
    assert archived.returncode == 0, archived.stdout + archived.stderr
    assert archived.stdout.count("equal") == len(TABLES)


def test_worker_killed_mid_shard_job_completes_with_same_result(
    api: ApiServer, broker: EmbeddedBroker, start_worker
):
    # Shards of a few million rounds take about a second each: long enough to kill one
    # worker while it runs the first.
    body = config(rounds=12_000_000, shard_rounds=3_000_000, seed=77)
    doomed = start_worker()
    with api.client() as c:
        job_id = c.post("/api/submit/", json=body).json()["job_id"]
        status = wait_status(api, job_id, "running", timeout=60)
        assert status["shards_done"] == 0
    start_worker()
    time.sleep(0.3)
    with api.client() as c:
        assert c.get(f"/api/status/{job_id}/").json()["shards_done"] < 4
    doomed.send_signal(signal.SIGKILL)
    doomed.wait(10)
    status = wait_status(api, job_id, "completed", timeout=120)
    assert status["shards_done"] == 4
    with api.client() as c:
        result = msgspec.convert(c.get(f"/api/results/{job_id}/").json(), JobResult)
    expected = local_result(body)
    assert result.stats == expected.stats
    assert result.summary == expected.summary


def test_cancel_skips_the_shards_still_queued(api: ApiServer, start_worker):
    """One worker, sixteen shards of about half a second: cancelled once the first is done,
    the rest are skipped. A worker that ran them anyway would leave few skipped and keep the
    next job waiting for seconds."""
    start_worker()
    body = config(rounds=16 * 8_000_000, shard_rounds=8_000_000, seed=5)
    with api.client() as c:
        job_id = c.post("/api/submit/", json=body).json()["job_id"]
        wait_for(lambda: c.get(f"/api/status/{job_id}/").json()["shards_done"] >= 1, 120, "a shard")
        assert c.post(f"/api/jobs/{job_id}/cancel/").status_code == 202
        cancelled = time.monotonic()
        small = config(rounds=20_000, shard_rounds=5_000, seed=6)
        next_id = c.post("/api/submit/", json=small).json()["job_id"]
        wait_status(api, next_id, "completed", timeout=60)
        waited = time.monotonic() - cancelled
        time.sleep(1.0)
        status = c.get(f"/api/status/{job_id}/").json()
        kinds = [e["event"]["kind"] for e in c.get(f"/api/jobs/{job_id}/events/").json()["events"]]
    ran = kinds.count("ShardCompleted")
    print(f"cancelled after 1 of 16 shards: {ran} ran, next job done {waited:.2f} s later")
    assert status["status"] == "cancelled"
    assert 1 <= ran <= 4, kinds
    assert waited < 5.0

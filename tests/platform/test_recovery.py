"""A 202 survives anything: ``jost up`` SIGKILLed with jobs in flight leaves no process behind,
and started again on the same data folder it resumes every unfinished job from the archive,
keeping the shards done, with results bit-identical to an uninterrupted run; a worker or the
API SIGKILLed is restarted while the platform keeps serving; a second ``jost up`` on the same
folder is refused, naming the one running."""

from __future__ import annotations

import subprocess
from pathlib import Path

import duckdb
import httpx
import msgspec
import pytest
from conftest import REPO, wait_for
from engine_configs import config, local_result
from up import Up, descendants, wait_gone

from jost.contracts import JobResult
from jost.platform.projection import TABLES
from jost.platform.standalone import JOST_COMMAND

ROUNDS, SHARD = 30_000_000, 1_000_000
"""Each job: 30 shards, a few seconds of work on two workers, so jobs are in flight."""


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _pool(up: Up) -> int:
    """The workers' pool: the worker process with children (its members, forked)."""
    workers = [p for p in up.children() if "consumers.worker" in _cmdline(p)]
    (pool,) = [p for p in workers if descendants(p)]
    return pool


def _progress(c: httpx.Client, ids: list[str]) -> list[dict]:
    return [c.get(f"/api/status/{j}/").json() for j in ids]


def test_up_killed_with_six_jobs_in_flight_resumes_them_all(tmp_path: Path):
    data, log = tmp_path / "data", tmp_path / "up.log"
    bodies = [config(ROUNDS, SHARD, seed) for seed in range(100, 106)]
    first = Up(data, log)
    second: Up | None = None
    try:
        token = first.wait_ready()
        with first.client(token) as c:
            ids = [
                c.post("/api/submit/", json=b, headers={"Idempotency-Key": f"trip-{i}"}).json()[
                    "job_id"
                ]
                for i, b in enumerate(bodies)
            ]
            wait_for(
                lambda: sum(s["shards_done"] for s in _progress(c, ids)) >= 10,
                180,
                "ten shards done",
            )
        tree = first.kill()
        assert len(tree) >= 3  # granian, its worker, two engine workers
        # Children die with their parent: no orphan keeps the port or the file lock.
        wait_gone(tree, 10)
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"{first.url}/api/health/", timeout=2)
        db = duckdb.connect(str(data / "projection.duckdb"), read_only=True)
        done_before = dict(db.execute("SELECT job_id, shards_done FROM jobs").fetchall())
        unfinished = db.execute(
            "SELECT count(*) FROM submissions s LEFT JOIN jobs j USING (job_id) "
            "WHERE j.status IS NULL OR j.status <> 'completed'"
        ).fetchone()[0]
        db.close()
        assert unfinished >= 3, "the jobs finished before the kill: make them longer"

        second = Up(data, log, port=first.port)
        assert second.wait_ready() == token  # kept in the data folder
        assert f"resumed {unfinished} unfinished jobs" in second.text()
        with second.client(token) as c:
            wait_for(
                lambda: all(s["status"] == "completed" for s in _progress(c, ids)),
                300,
                "every job to complete after the restart",
            )
            for job_id, body in zip(ids, bodies, strict=True):
                result = msgspec.convert(c.get(f"/api/results/{job_id}/").json(), JobResult)
                expected = local_result(body)
                assert result.stats == expected.stats, f"job {job_id} differs after resuming"
                assert result.summary == expected.summary
                kinds = [
                    e["event"]["kind"]
                    for e in c.get(f"/api/jobs/{job_id}/events/").json()["events"]
                ]
                assert kinds.count("JobCompleted") == 1
                if 0 < done_before.get(job_id, 0) < ROUNDS // SHARD:
                    # The shards done before the kill were kept, not run again.
                    assert kinds.count("JobResumed") == 1
                    assert kinds.count("ShardCompleted") == ROUNDS // SHARD
            again = c.post("/api/submit/", json=bodies[0], headers={"Idempotency-Key": "trip-0"})
            assert again.status_code == 202
            assert again.json() == {"job_id": ids[0], "status": "completed"}
        assert second.stop() == 0
        # The archive still rebuilds equal tables.
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


def test_killed_worker_and_api_are_restarted_and_the_job_completes(tmp_path: Path):
    up = Up(tmp_path / "data", tmp_path / "up.log")
    try:
        token = up.wait_ready()
        body = config(ROUNDS, SHARD, 7)
        with up.client(token) as c:
            job_id = c.post("/api/submit/", json=body).json()["job_id"]
            wait_for(
                lambda: c.get(f"/api/status/{job_id}/").json()["shards_done"] >= 3,
                120,
                "three shards done",
            )
            # The workers: one pool process that loaded the kernel and forked two members.
            pool = _pool(up)
            members = sorted(descendants(pool))
            assert len(members) == 2
            subprocess.run(["kill", "-9", str(members[0])], check=True)
            # The platform stays up while the worker is replaced.
            assert up.healthy()
            wait_for(
                lambda: f"worker-1 (pid {members[0]}) exited with code -9" in up.text(),
                10,
                "the pool to notice its member died",
            )
            wait_for(lambda: "worker-1 restarted" in up.text(), 30, "the worker to be restarted")
            wait_for(lambda: len(descendants(pool)) == 2, 10, "the pool to have two members")
            # The pool itself killed: its members die with it, and the supervisor starts
            # another pool, which forks two new members.
            subprocess.run(["kill", "-9", str(pool)], check=True)
            wait_gone({members[1]}, 10)
            wait_for(lambda: "workers restarted" in up.text(), 30, "the pool to be restarted")
            wait_for(
                lambda: c.get(f"/api/status/{job_id}/").json()["status"] == "completed",
                180,
                "the job to complete",
            )
            result = msgspec.convert(c.get(f"/api/results/{job_id}/").json(), JobResult)
        assert result.stats == local_result(body).stats
        assert f"workers (pid {pool}) exited with code -9" in up.text()
        assert len(descendants(_pool(up))) == 2

        granian = [p for p in up.children() if "granian" in _cmdline(p)]
        main = next(p for p in granian if descendants(p))  # the main process: it has a worker
        subprocess.run(["kill", "-9", str(main)], check=True)
        wait_for(lambda: "api (pid" in up.text(), 10, "the API's death to be noticed")
        wait_for(up.healthy, 60, "the API to come back")
        with up.client(token) as c:
            again = c.post("/api/submit/", json=config(20_000, 5_000, 8))
            assert again.status_code == 202
            job = again.json()["job_id"]
            wait_for(
                lambda: c.get(f"/api/status/{job}/").json()["status"] == "completed",
                60,
                "a job submitted after the API restarted to complete",
            )
        assert up.proc.poll() is None  # one crash never stopped the platform
        assert up.stop() == 0
    finally:
        if up.proc.poll() is None:
            up.proc.kill()


def test_a_second_up_on_the_same_folder_is_refused(tmp_path: Path):
    data = tmp_path / "data"
    up = Up(data, tmp_path / "up.log", workers=1)
    try:
        up.wait_ready()
        other = Up(data, tmp_path / "second.log", workers=1)
        assert other.proc.wait(60) == 1
        text = other.text()
        assert "already running on" in text and f"pid {up.proc.pid}" in text
        assert up.url in text
        assert up.healthy()  # the first one is untouched
    finally:
        up.stop()

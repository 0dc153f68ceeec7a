"""The embedded platform as ``jost run`` uses it: ready only when every worker holds its
partitions (the first job's shards are shared out evenly and none runs twice), a job
submitted the moment it is ready is planned at once, and a small job submitted while a huge
one runs completes at once instead of after it."""

from __future__ import annotations

import re
import time
from datetime import datetime
from pathlib import Path

import httpx
from conftest import Workers, local_platform, stop_process, wait_for

from jost.platform.embedded import EmbeddedBroker


def _client(platform) -> httpx.Client:
    headers = {"Authorization": f"Token {platform.token}"}
    return httpx.Client(base_url=platform.url, headers=headers, timeout=30)


def _wait(c: httpx.Client, job_id: str, done, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = c.get(f"/api/status/{job_id}/").json()
        if done(status):
            return status
        time.sleep(0.01)
    raise TimeoutError(f"job {job_id}: {status}")


def test_the_first_job_is_shared_out_evenly_and_no_shard_runs_twice(tmp_path: Path):
    with local_platform(tmp_path) as (platform, log_path), _client(platform) as c:
        job = c.post("/api/submit/", json={"rounds": 4_000_000, "shard_rounds": 250_000}).json()
        _wait(c, job["job_id"], lambda s: s["status"] == "completed", 120)
    # Each worker counts the shards it played and says so when it stops: with the platform,
    # without the goodbyes to its groups that a worker on its own owes them.
    stops = re.findall(r"worker: ran (\d+) shards; stopped (.+) in", log_path.read_text())
    assert sorted(stops) == [("8", "with the platform")] * 2, log_path.read_text()[-3000:]


def test_a_worker_on_its_own_leaves_its_groups_when_it_stops(
    broker: EmbeddedBroker, start_worker: Workers, tmp_path: Path
):
    """Only the embedded platform's own workers skip the goodbyes (its broker stops with
    them): a ``jost worker`` stopped alone hands its partitions over at once."""
    proc = start_worker()
    log = tmp_path / "worker0.log"
    wait_for(lambda: "engine: assigned" in log.read_text(), 60, "the worker's partitions")
    stop_process(proc)
    assert re.search(r"worker: ran 0 shards; stopped after leaving its groups", log.read_text())


def _timeline(c: httpx.Client, job_id: str) -> tuple[float, float]:
    """How long after its submit the job was planned, and how far apart its (two) shards
    completed."""
    events = [e["event"] for e in c.get(f"/api/jobs/{job_id}/events/").json()["events"]]
    at = {e["kind"]: datetime.fromisoformat(e["at"]) for e in events}
    shards = sorted(
        datetime.fromisoformat(e["at"]) for e in events if e["kind"] == "ShardCompleted"
    )
    planned = (at["JobPlanned"] - at["JobSubmitted"]).total_seconds()
    return planned, (shards[-1] - shards[0]).total_seconds()


def test_a_job_submitted_at_ready_is_planned_at_once_and_runs_on_every_worker(tmp_path: Path):
    """The second worker's arrival moves partitions from the first. librdkafka then left the
    first's other coordinator partitions unfetched for a second (``wake_fetchers``): a job
    submitted at ready waited 0.75-0.9 s for its plan in 2 to 4 starts of 8. And the first's
    engine partitions looked their start up again and waited 0.5 s for it (``at_commits``):
    in 1 start of 2 one worker sat idle for the first half second of the job. A job of two
    shards has one on each worker (``log.shard_partition``). Eight starts, all planned under
    0.4 s and with both shards completed within 0.3 s of each other: with the plan's stall
    back, about 1 chance in 25 of passing; with the engine's, 1 in 250."""
    timelines = []
    for start in range(8):
        (tmp_path / str(start)).mkdir()
        with local_platform(tmp_path / str(start)) as (platform, _), _client(platform) as c:
            job = c.post("/api/submit/", json={"rounds": 2_000, "shard_rounds": 1_000}).json()
            _wait(c, job["job_id"], lambda s: s["status"] == "completed", 60)
            timelines.append(_timeline(c, job["job_id"]))
    assert max(planned for planned, _ in timelines) < 0.4, timelines
    assert max(apart for _, apart in timelines) < 0.3, timelines


def test_a_small_job_does_not_wait_behind_a_huge_one(tmp_path: Path):
    with local_platform(tmp_path) as (platform, _), _client(platform) as c:
        huge = c.post("/api/submit/", json={"rounds": 10**9, "shard_rounds": 1_000_000}).json()
        _wait(c, huge["job_id"], lambda s: s["shards_done"] >= 4, 120)
        took = []
        for seed in (1, 2, 3):
            started = time.monotonic()
            small = c.post(
                "/api/submit/", json={"rounds": 1_000, "shard_rounds": 1_000, "seed": seed}
            )
            _wait(c, small.json()["job_id"], lambda s: s["status"] == "completed", 60)
            took.append(time.monotonic() - started)
        still = c.get(f"/api/status/{huge['job_id']}/").json()
        c.post(f"/api/jobs/{huge['job_id']}/cancel/")
    # First in, first out, the small job would wait for the huge job's ~1,000 shards.
    assert still["status"] == "running" and still["shards_done"] < 900
    assert max(took) < 2.0, took

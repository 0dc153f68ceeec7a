"""Platform speed on this machine, all on 127.0.0.1 and the embedded broker:

- submit: latency p50/p99 and accepted jobs per second, a bounded number of clients submitting
  tiny jobs at once (no workers run, so the figure is the API, the log and the projector's
  read-your-writes wait, not the engine);
- projector: events per second folding a backlog of a job log into a fresh DuckDB file;
- tiny job: seconds from submit to completed (one shard of 1,000 rounds, one worker);
- large job: rounds per second of the default game with 1 worker, then 2 workers (best of
  two runs after a warm-up job).

    python benchmarks/jobs.py [--submits N] [--clients C] [--projector-jobs J]
                                  [--large-rounds R] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shlex
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import msgspec
from confluent_kafka import Producer

from jost.cli.config_file import read_config
from jost.cli.simulate import with_overrides
from jost.contracts import (
    Event,
    JobCompleted,
    JobPlanned,
    JobSubmitted,
    ShardCompleted,
    SimulationConfig,
)
from jost.engine import merge, plan_shards, run_shard, summarize
from jost.platform.embedded import EmbeddedBroker
from jost.platform.events import encode, event_id, now
from jost.platform.lifecycle import is_terminal
from jost.platform.log import producer_config
from jost.platform.projection import Projection
from jost.platform.projector import Projector
from jost.platform.settings import Topics
from jost.platform.standalone import EmbeddedPlatform, embedded_platform, free_port

TOPICS = Topics()


def tiny_config(seed: int) -> dict[str, Any]:
    return msgspec.to_builtins(
        with_overrides(read_config(None), rounds=1_000, seed=seed, shard_rounds=1_000)
    )


def wait_completed(client: httpx.Client, job_id: str, timeout: float, poll: float = 0.005) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = client.get(f"/api/status/{job_id}/").json()
        if status["status"] == "completed":
            return
        if is_terminal(status["status"]):
            raise RuntimeError(f"job {job_id} {status['status']}: {status.get('error')}")
        time.sleep(poll)
    raise TimeoutError(f"job {job_id} not completed after {timeout:g} s")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


# -- projector -------------------------------------------------------------------------------


def job_log(jobs: int, shards: int) -> list[Event]:
    """The facts of ``jobs`` jobs of ``shards`` shards each. The statistics of one real shard
    stand in for every shard: the projector's cost does not depend on their values."""
    config = SimulationConfig(rounds=1_000 * shards, shard_rounds=1_000, seed=1)
    stats = run_shard(config, 0, 1_000)
    merged = merge([stats] * shards)
    summary = summarize(merged)
    plan = plan_shards(config)
    facts: list[Event] = []
    for _ in range(jobs):
        job = str(uuid.uuid4())
        facts.append(
            JobSubmitted(
                event_id=event_id(job, "JobSubmitted"), job_id=job, at=now(), owner="bench",
                config=config,
            )
        )  # fmt: skip
        facts.append(
            JobPlanned(
                event_id=event_id(job, "JobPlanned"), job_id=job, at=now(), shard_rounds=plan
            )
        )
        facts += [
            ShardCompleted(
                event_id=event_id(job, "ShardCompleted", i), job_id=job, at=now(),
                shard_index=i, rounds=1_000, stats=stats, seconds=0.001,
            )
            for i in range(shards)
        ]  # fmt: skip
        facts.append(
            JobCompleted(
                event_id=event_id(job, "JobCompleted"), job_id=job, at=now(), stats=merged,
                summary=summary,
            )
        )  # fmt: skip
    return facts


def append_log(bootstrap: str, facts: list[Event]) -> None:
    # Its own function: the producer is gone before the broker is, or it logs the lost peer.
    producer = Producer(producer_config(bootstrap))
    for fact in facts:
        producer.produce(TOPICS.events, key=fact.job_id.encode(), value=encode(fact))
        producer.poll(0)
    if producer.flush(30):
        raise RuntimeError("the broker did not take the job log")


def bench_projector(jobs: int, workdir: Path, timeout: float = 300.0) -> dict[str, float]:
    facts = job_log(jobs, shards=10)
    with EmbeddedBroker() as broker:
        broker.create_topic(TOPICS.events, TOPICS.events_partitions)
        append_log(broker.bootstrap, facts)
        projection = Projection(workdir / "projector.duckdb")
        started = time.perf_counter()
        projector = Projector(projection, broker.bootstrap, TOPICS.events).start()
        try:
            deadline = time.monotonic() + timeout
            while projector.events_applied < len(facts):
                if projector.error is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"projector at {projector.events_applied}/{len(facts)}: {projector.error}"
                    )
                time.sleep(0.01)
            seconds = time.perf_counter() - started
        finally:
            projector.stop()
            projection.close()
    return {"events": len(facts), "seconds": seconds, "events_per_second": len(facts) / seconds}


# -- submit ----------------------------------------------------------------------------------


async def _submit_all(url: str, token: str, count: int, clients: int) -> tuple[list[float], float]:
    latencies: list[float] = []
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(count):
        queue.put_nowait(i)
    headers = {"Authorization": f"Token {token}"}
    limits = httpx.Limits(max_connections=clients)
    async with httpx.AsyncClient(
        base_url=url, headers=headers, timeout=30, limits=limits
    ) as client:

        async def one_client() -> None:
            while not queue.empty():
                i = queue.get_nowait()
                started = time.perf_counter()
                response = await client.post("/api/submit/", json=tiny_config(i))
                if response.status_code != 202:
                    raise RuntimeError(f"submit answered {response.status_code}: {response.text}")
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(one_client() for _ in range(clients)))
        return latencies, time.perf_counter() - started


def bench_submit(platform: EmbeddedPlatform, count: int, clients: int) -> dict[str, float]:
    asyncio.run(_submit_all(platform.url, platform.token, min(clients, 20), clients))  # warm up
    latencies, seconds = asyncio.run(_submit_all(platform.url, platform.token, count, clients))
    return {
        "jobs": count,
        "clients": clients,
        "p50_ms": percentile(latencies, 0.50) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "jobs_per_second": count / seconds,
    }


# -- jobs through workers --------------------------------------------------------------------


def submit(client: httpx.Client, body: dict[str, Any]) -> str:
    response = client.post("/api/submit/", json=body)
    response.raise_for_status()
    return response.json()["job_id"]


def bench_tiny_job(platform: EmbeddedPlatform, repeat: int = 7) -> dict[str, float]:
    with httpx.Client(
        base_url=platform.url, headers={"Authorization": f"Token {platform.token}"}, timeout=30
    ) as client:
        wait_completed(client, submit(client, tiny_config(0)), 60)  # the worker loads the kernel
        seconds = []
        for i in range(repeat):
            started = time.perf_counter()
            wait_completed(client, submit(client, tiny_config(i + 1)), 60)
            seconds.append(time.perf_counter() - started)
    return {"median_s": statistics.median(seconds), "min_s": min(seconds), "runs": repeat}


def bench_large_job(platform: EmbeddedPlatform, rounds: int, shard_rounds: int) -> dict[str, Any]:
    body = msgspec.to_builtins(
        with_overrides(read_config(None), rounds=rounds, seed=11, shard_rounds=shard_rounds)
    )
    warm = {**body, "rounds": 8 * 1_000, "shard_rounds": 1_000}
    with httpx.Client(
        base_url=platform.url, headers={"Authorization": f"Token {platform.token}"}, timeout=30
    ) as client:
        # Every worker loads the kernel before the clock starts (8 shards spread over them).
        wait_completed(client, submit(client, warm), 120)
        # Best of two: a worker that joins the group late (still starting when the warm-up ran)
        # makes the group rebalance, which stalls every member for seconds during the first.
        runs = []
        for seed in (11, 12):
            started = time.perf_counter()
            job_id = submit(client, {**body, "seed": seed})
            wait_completed(client, job_id, 600, poll=0.02)
            runs.append((time.perf_counter() - started, job_id))
        seconds, job_id = min(runs)
        events = client.get(f"/api/jobs/{job_id}/events/").json()["events"]
    # Each shard's own run time, as its worker measured it: when it grows with the number of
    # workers, the workers did not each have a core (other processes on this shared machine).
    shard = [e["event"] for e in events if e["event"]["kind"] == "ShardCompleted"]
    per_worker = sum(e["rounds"] for e in shard) / sum(e["seconds"] for e in shard)
    return {
        "rounds": rounds,
        "seconds": seconds,
        "rounds_per_second": rounds / seconds,
        "shard_rounds_per_second": per_worker,
        "runs_seconds": [round(r, 3) for r, _ in runs],
    }


def with_platform(workdir: Path, name: str, workers: int) -> Any:
    log = (workdir / f"{name}.log").open("wb")
    return log, embedded_platform(
        host="127.0.0.1",
        port=free_port(),
        data_dir=workdir / name,
        workers=workers,
        stop=threading.Event(),
        output=log,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submits", type=int, default=400, help="jobs submitted")
    parser.add_argument("--clients", type=int, default=16, help="concurrent submitting clients")
    parser.add_argument("--projector-jobs", type=int, default=200, help="jobs of 13 events")
    parser.add_argument("--large-rounds", type=int, default=40_000_000)
    parser.add_argument("--large-shard-rounds", type=int, default=1_000_000)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    command = "python benchmarks/jobs.py " + shlex.join(sys.argv[1:])

    out: dict[str, Any] = {"command": command.strip(), "cpus": os.cpu_count()}
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="jost-bench-") as tmp:
        workdir = Path(tmp)
        out["projector"] = bench_projector(args.projector_jobs, workdir)
        log, platform = with_platform(workdir, "submit", workers=0)
        with log, platform as running:
            out["submit"] = bench_submit(running, args.submits, args.clients)
        for workers in (1, 2):
            log, platform = with_platform(workdir, f"workers{workers}", workers=workers)
            with log, platform as running:
                if workers == 1:
                    out["tiny_job"] = bench_tiny_job(running)
                out[f"large_job_{workers}_worker"] = bench_large_job(
                    running, args.large_rounds, args.large_shard_rounds
                )
    # Other processes on a shared machine change every figure: the load says how busy it was.
    out["load_average_1min"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    one = out["large_job_1_worker"]["rounds_per_second"]
    out["speedup_2_workers"] = out["large_job_2_worker"]["rounds_per_second"] / one

    if args.json:
        sys.stdout.write(msgspec.json.encode(out).decode() + "\n")
        return 0
    s, p, t = out["submit"], out["projector"], out["tiny_job"]
    print(f"submit ({s['jobs']} jobs, {s['clients']} clients): p50 {s['p50_ms']:.1f} ms, "
          f"p99 {s['p99_ms']:.1f} ms, {s['jobs_per_second']:.0f} jobs/s accepted")  # fmt: skip
    print(f"projector: {p['events_per_second']:,.0f} events/s ({p['events']} events in "
          f"{p['seconds']:.2f} s)")  # fmt: skip
    print(f"tiny job submit → completed: median {t['median_s'] * 1000:.0f} ms, "
          f"best {t['min_s'] * 1000:.0f} ms ({t['runs']} runs)")  # fmt: skip
    for workers in (1, 2):
        r = out[f"large_job_{workers}_worker"]
        print(f"large job, {workers} worker{'s' if workers > 1 else ''}: "
              f"{r['rounds_per_second'] / 1e6:.2f} M rounds/s ({r['rounds']:,} rounds in "
              f"{r['seconds']:.2f} s; each shard ran at "
              f"{r['shard_rounds_per_second'] / 1e6:.2f} M rounds/s; "
              f"runs {r['runs_seconds']} s)")  # fmt: skip
    print(f"2 workers / 1 worker: {out['speedup_2_workers']:.2f}x")
    print(f"load average before / after: {out['load_average_1min']} on {out['cpus']} cores")
    print(f"reproduce: {out['command']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

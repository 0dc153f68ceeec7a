"""A bounded load test on loopback: concurrent clients submit tiny jobs to the embedded
platform for a fixed time, then every accepted job must complete exactly once with the right
result (its statistics equal to the engine run locally, one JobSubmitted and one JobCompleted
in the archive, every shard done once). Prints accepted jobs per second and submit latency
p50/p99/max; exits 1 when a check fails. It stops by itself.

    python benchmarks/load.py [--seconds 20] [--clients 8] [--workers 2] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import shlex
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import msgspec

from jost.contracts import JobResult, SimulationConfig
from jost.engine import simulate, summarize
from jost.platform.lifecycle import is_terminal
from jost.platform.standalone import EmbeddedPlatform, embedded_platform, free_port

ROUNDS, SHARD_ROUNDS = 20_000, 5_000


class LoadReport(msgspec.Struct, kw_only=True):
    seconds: float
    clients: int
    submitted: int
    accepted: int
    refused: int
    accepted_per_second: float
    latency_p50_ms: float
    latency_p99_ms: float
    latency_max_ms: float
    drain_seconds: float
    """From the end of the load until the last accepted job completed."""
    completed_once: int
    wrong: list[str]
    """Jobs that did not complete exactly once with the right result (empty when all did)."""


def job_config(seed: int) -> dict[str, Any]:
    return {"rounds": ROUNDS, "shard_rounds": SHARD_ROUNDS, "seed": seed}


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else 0.0


async def _client(
    url: str, token: str, until: float, seeds: itertools.count, out: list[tuple[str, int, float]]
) -> int:
    refused = 0
    headers = {"Authorization": f"Token {token}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as c:
        while time.monotonic() < until:
            seed = next(seeds)
            started = time.perf_counter()
            r = await c.post(
                "/api/submit/",
                json=job_config(seed),
                headers={"Idempotency-Key": f"load-{uuid.uuid4()}"},
            )
            took = time.perf_counter() - started
            if r.status_code == 202:
                out.append((r.json()["job_id"], seed, took))
            else:
                refused += 1
    return refused


def _drain(platform: EmbeddedPlatform, jobs: list[str], timeout: float) -> None:
    headers = {"Authorization": f"Token {platform.token}"}
    pending = set(jobs)
    deadline = time.monotonic() + timeout
    with httpx.Client(base_url=platform.url, headers=headers, timeout=30) as c:
        while pending:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(pending)} accepted jobs not finished after {timeout:g} s")
            for job in list(pending):
                if is_terminal(c.get(f"/api/status/{job}/").json()["status"]):
                    pending.discard(job)
            time.sleep(0.1)


def _check(platform: EmbeddedPlatform, accepted: list[tuple[str, int, float]]) -> list[str]:
    """Each job completed exactly once with the statistics the engine gives locally."""
    headers = {"Authorization": f"Token {platform.token}"}
    wrong: list[str] = []
    with httpx.Client(base_url=platform.url, headers=headers, timeout=30) as c:
        rows = c.post(
            "/api/sql/",
            json={
                "sql": "SELECT j.job_id, j.status, j.shards_done, j.shards_total, "
                "count(*) FILTER (WHERE e.kind = 'JobSubmitted'), "
                "count(*) FILTER (WHERE e.kind = 'JobCompleted') "
                "FROM jobs j JOIN events e USING (job_id) GROUP BY ALL",
                "max_rows": 10_000,
            },
        ).json()["rows"]
        facts = {r[0]: r[1:] for r in rows}
        for job_id, seed, _ in accepted:
            if facts.get(job_id) != ["completed", 4, 4, 1, 1]:
                wrong.append(f"{job_id}: {facts.get(job_id)}")
                continue
            result = msgspec.convert(c.get(f"/api/results/{job_id}/").json(), JobResult)
            config = msgspec.convert(job_config(seed), SimulationConfig)
            expected = simulate(config, workers=1)
            if result.stats != expected or result.summary != summarize(expected, config):
                wrong.append(f"{job_id}: statistics differ from the local run of seed {seed}")
    return wrong


def run_load(platform: EmbeddedPlatform, seconds: float, clients: int) -> LoadReport:
    accepted: list[tuple[str, int, float]] = []
    seeds = itertools.count(1)

    async def load() -> list[int]:
        until = time.monotonic() + seconds
        return await asyncio.gather(
            *(_client(platform.url, platform.token, until, seeds, accepted) for _ in range(clients))
        )

    started = time.perf_counter()
    refused = sum(asyncio.run(load()))
    loaded = time.perf_counter()
    _drain(platform, [job for job, _, _ in accepted], timeout=max(120.0, 10 * seconds))
    drained = time.perf_counter()
    wrong = _check(platform, accepted)
    latencies = [took * 1000 for _, _, took in accepted]
    return LoadReport(
        seconds=round(loaded - started, 3),
        clients=clients,
        submitted=len(accepted) + refused,
        accepted=len(accepted),
        refused=refused,
        accepted_per_second=round(len(accepted) / (loaded - started), 2),
        latency_p50_ms=round(_percentile(latencies, 0.5), 2),
        latency_p99_ms=round(_percentile(latencies, 0.99), 2),
        latency_max_ms=round(max(latencies, default=0.0), 2),
        drain_seconds=round(drained - loaded, 3),
        completed_once=len(accepted) - len(wrong),
        wrong=wrong,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as tmp,
        embedded_platform(
            host="127.0.0.1",
            port=free_port(),
            data_dir=Path(tmp),
            workers=args.workers,
            stop=threading.Event(),
            output=(Path(tmp) / "platform.log").open("wb"),
        ) as platform,
    ):
        report = run_load(platform, args.seconds, args.clients)
    if args.json:
        print(msgspec.json.encode(report).decode())
    else:
        print(
            f"{report.clients} clients for {report.seconds:.1f} s: {report.accepted} jobs accepted "
            f"({report.accepted_per_second:.1f}/s), {report.refused} refused\n"
            f"submit latency p50 {report.latency_p50_ms:.1f} ms, p99 {report.latency_p99_ms:.1f} "
            f"ms, max {report.latency_max_ms:.1f} ms\n"
            f"all accepted jobs finished {report.drain_seconds:.1f} s after the load; "
            f"{report.completed_once} completed exactly once with the right result"
        )
        for line in report.wrong:
            print(f"WRONG {line}")
    print("reproduce: python " + shlex.join(["benchmarks/load.py", *sys.argv[1:]]))
    return 1 if report.wrong or report.accepted == 0 else 0


if __name__ == "__main__":
    sys.exit(main())

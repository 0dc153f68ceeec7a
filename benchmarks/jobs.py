"""Platform speed on this machine, all on 127.0.0.1 and the embedded broker. Every figure is
printed with the 1-minute load average before and after it (other processes on a shared
machine change every figure: compare ratios measured in one run, at a low load):

- main job: ``jost run`` of the default config against ``jost simulate`` of the same, side by
  side (alternating, warm), the ratio of their wall times, and how many shards the workers ran
  (from their own counters: a shard run twice shows);
- first run: the set-up's compile step into an empty numba cache, then ``jost run`` on it,
  against a warm ``jost run``; the speed it reports (which must not include compiling);
- fair queue: a 1,000-round job submitted while a 10^9-round job runs (2 workers): seconds to
  completed, and the big job's rounds per second before and while;
- scaling: rounds per second of a large job on 1 and 2 workers, and on 3 (2 plus a ``jost
  worker`` started separately); a worker that joins mid-job, and one that leaves: the job's
  time against the same job undisturbed, and the shards run;
- submit: latency p50/p99 and accepted jobs per second, a bounded number of clients
  submitting tiny jobs at once (one worker process, the least a platform runs: it plans and
  runs the jobs as they come), beside the issue's targets (1,000 jobs/s, p99 50 ms, 16
  clients). The clients are wrk's when it is installed (``apt-get install wrk``: in C, they
  take little of the two cores the platform runs on), and aiohttp's in this process besides
  (a third of httpx's CPU per request, still a quarter of the platform's own per job; with
  httpx the clients, not the API, were the limit: GET /api/health/ topped out at 450/s);
- projector: events per second folding a backlog of a job log into a fresh DuckDB file,
  beside the target (50,000 events/s);
- tiny job: seconds from submit to completed (one shard of 1,000 rounds, one worker).

    python benchmarks/jobs.py [--only main,first,fair,scaling,submit,projector,tiny]
                              [--submits N] [--submit-seconds S] [--clients C]
                              [--projector-jobs J]
                              [--large-rounds R] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
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
from jost.platform.standalone import (
    JOST_COMMAND,
    EmbeddedPlatform,
    embedded_platform,
    free_port,
)
from jost.platform.supervisor import READY_ENV

TOPICS = Topics()


def tiny_config(seed: int) -> dict[str, Any]:
    return msgspec.to_builtins(
        with_overrides(read_config(None), rounds=1_000, seed=seed, shard_rounds=1_000)
    )


def wait_completed(client: httpx.Client, job_id: str, timeout: float) -> None:
    """Follow the job as ``jost run`` does: each read waits on the platform for the status
    to change (ETag and ``?wait=``). Reading it 50 times a second took a tenth of a core from
    the workers being measured."""
    deadline = time.monotonic() + timeout
    tag: str | None = None
    while time.monotonic() < deadline:
        ask = {"headers": {"If-None-Match": tag}, "params": {"wait": 5}} if tag else {}
        response = client.get(f"/api/status/{job_id}/", **ask)
        if response.status_code == 304:
            continue
        status = response.json()
        tag = response.headers.get("ETag")
        if status["status"] == "completed":
            return
        if is_terminal(status["status"]):
            raise RuntimeError(f"job {job_id} {status['status']}: {status.get('error')}")
    raise TimeoutError(f"job {job_id} not completed after {timeout:g} s")


def wait_terminal(client: httpx.Client, job_id: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not is_terminal(client.get(f"/api/status/{job_id}/").json()["status"]):
        if time.monotonic() > deadline:
            raise TimeoutError(f"job {job_id} did not end after {timeout:g} s")
        time.sleep(0.05)


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
    events = len(facts)
    with EmbeddedBroker() as broker:
        broker.create_topic(TOPICS.events, TOPICS.events_partitions)
        append_log(broker.bootstrap, facts)
        # The projector's process holds no log of its own, and freezes what it holds from its
        # start (as the API does): the collector's full passes over this benchmark's 26,000
        # facts are no part of the fold's cost.
        del facts
        gc.collect()
        gc.freeze()
        projection = Projection(workdir / "projector.duckdb")
        started = time.perf_counter()
        projector = Projector(projection, broker.bootstrap, TOPICS.events).start()
        try:
            deadline = time.monotonic() + timeout
            while projector.events_applied < events:
                if projector.error is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"projector at {projector.events_applied}/{events}: {projector.error}"
                    )
                time.sleep(0.01)
            seconds = time.perf_counter() - started
        finally:
            projector.stop()
            projection.close()
    return {
        "events": events,
        "seconds": seconds,
        "events_per_second": events / seconds,
        "target_events_per_second": 50_000,
    }


# -- submit ----------------------------------------------------------------------------------


async def _submit_all(url: str, token: str, count: int, clients: int) -> tuple[list[float], float]:
    latencies: list[float] = []
    bodies = [msgspec.json.encode(tiny_config(i)) for i in range(count)]
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    connector = aiohttp.TCPConnector(limit=clients)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(
        url, headers=headers, connector=connector, timeout=timeout
    ) as client:

        async def one_client() -> None:
            while not queue.empty():
                body = queue.get_nowait()
                started = time.perf_counter()
                async with client.post("/api/submit/", data=body) as response:
                    text = await response.text()
                    if response.status != 202:
                        raise RuntimeError(f"submit answered {response.status}: {text}")
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(one_client() for _ in range(clients)))
        return latencies, time.perf_counter() - started


def bench_submit(
    platform: EmbeddedPlatform, count: int, clients: int, seconds: float
) -> dict[str, Any]:
    """Submits from ``clients`` at once: with wrk when it is installed (a client in C, whose
    CPU takes little from the two cores the platform runs on; aiohttp's took a quarter as much
    as the whole platform per job), and with aiohttp's clients in this process either way."""
    asyncio.run(_submit_all(platform.url, platform.token, min(clients, 20), clients))  # warm up
    latencies, took = asyncio.run(_submit_all(platform.url, platform.token, count, clients))
    with_aiohttp = {
        "jobs": count,
        "p50_ms": percentile(latencies, 0.50) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "jobs_per_second": count / took,
    }
    targets = {"clients": clients, "target_jobs_per_second": 1_000, "target_p99_ms": 50}
    if shutil.which("wrk") is None:
        return {**with_aiohttp, **targets, "client": "aiohttp (for wrk: apt-get install wrk)"}
    return {
        **_submit_with_wrk(platform, clients, seconds),
        **targets,
        "client": "wrk",
        "aiohttp": with_aiohttp,
    }


_WRK_SCRIPT = """
local counter = 0
local template = io.open(os.getenv("JOST_BODY")):read("*a")
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Token " .. os.getenv("JOST_TOKEN")
request = function()
  counter = counter + 1
  local body = template:gsub('"seed":%d+', '"seed":' .. counter)
  return wrk.format(nil, "/api/submit/", nil, body)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("jost-figures %d %d %d %d %d %d\\n", summary.requests,
    summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


def _submit_with_wrk(platform: EmbeddedPlatform, clients: int, seconds: float) -> dict[str, Any]:
    """``clients`` connections (one request at a time on each, as a client that waits for
    its answer) submitting tiny jobs, each with a seed of its own, for ``seconds``."""
    with tempfile.TemporaryDirectory(prefix="jost-wrk-") as tmp:
        script, body = Path(tmp, "submit.lua"), Path(tmp, "body.json")
        script.write_text(_WRK_SCRIPT)
        body.write_bytes(msgspec.json.encode(tiny_config(0)))
        env = {**os.environ, "JOST_TOKEN": platform.token, "JOST_BODY": str(body)}
        command = ["wrk", "-t1", f"-c{clients}", f"-d{seconds:g}s", "-s", str(script)]
        printed = subprocess.run(
            [*command, platform.url], env=env, capture_output=True, text=True, check=True
        ).stdout
    found = re.search(r"jost-figures (\d+) (\d+) (\d+) (\d+) (\d+) (\d+)", printed)
    if found is None:
        raise RuntimeError(f"wrk printed no figures: {printed}")
    requests, micros, refused, failed, p50, p99 = map(int, found.groups())
    if refused or failed:
        raise RuntimeError(f"{refused} submits answered other than 2xx, {failed} failed")
    return {
        "jobs": requests,
        "p50_ms": p50 / 1000,
        "p99_ms": p99 / 1000,
        "jobs_per_second": requests / (micros / 1e6),
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
        # Best of two: other processes on this shared machine slow one run or the other.
        runs = []
        for seed in (11, 12):
            started = time.perf_counter()
            job_id = submit(client, {**body, "seed": seed})
            wait_completed(client, job_id, 600)
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


def shards_run(*logs: Path) -> int:
    """The shards the workers played, as each counted them (printed when it stops)."""
    return sum(int(n) for log in logs for n in _RAN.findall(log.read_text(errors="replace")))


_RAN = re.compile(r"worker: ran (\d+) shards")


def client_for(platform: EmbeddedPlatform) -> httpx.Client:
    headers = {"Authorization": f"Token {platform.token}"}
    return httpx.Client(base_url=platform.url, headers=headers, timeout=30)


def load() -> float:
    return round(os.getloadavg()[0], 2)


def measured(figure: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """A figure with the 1-minute load average before and after it."""
    before = load()
    out = figure()
    out["load_average_1min"] = [before, load()]
    return out


# -- the main job, side by side with the engine alone ----------------------------------------


def _jost(*args: str, env: dict[str, str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(
        [*JOST_COMMAND, *args], capture_output=True, text=True, env=env, timeout=600
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"jost {' '.join(args)} failed: {done.stderr[-2000:]}")
    return seconds, done.stdout


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("JOST_TOKEN", "PORT")}
    return {**env, **extra}


def bench_main_job(workdir: Path, repeat: int) -> dict[str, Any]:
    """``jost run`` and ``jost simulate`` of the default config, alternating, warm: the
    commands as a user types them, start-up and shut-down included."""
    data = workdir / "main"
    env = _clean_env(JOST_DATA_DIR=str(data))
    _jost("simulate", "--json", env=env)
    _jost("run", "--json", env=env)
    simulate_s, run_s, job_s, ran = [], [], [], []
    for _ in range(repeat):
        simulate_s.append(_jost("simulate", "--json", env=env)[0])
        seconds, out = _jost("run", "--json", env=env)
        run_s.append(seconds)
        job_s.append(json.loads(out)["job_seconds"])
        ran.append(shards_run(data / "run.log"))
    planned = len(plan_shards(read_config(None)))
    return {
        "simulate_seconds": [round(x, 3) for x in simulate_s],
        "run_seconds": [round(x, 3) for x in run_s],
        "run_job_seconds": job_s,
        "ratio_run_to_simulate": statistics.median(run_s) / statistics.median(simulate_s),
        "shards_planned": planned,
        "shards_run": ran,
    }


def bench_first_run(workdir: Path) -> dict[str, Any]:
    """A machine whose numba cache is empty (a cache folder of its own): the set-up's compile
    step, then ``jost run`` on it, then the same run warm."""
    env = _clean_env(
        NUMBA_CACHE_DIR=str(workdir / "numba-cache"), JOST_DATA_DIR=str(workdir / "first")
    )
    setup = time.perf_counter()
    subprocess.run(["bash", str(SETUP_WARM)], env=env, check=True, capture_output=True)
    setup_s = time.perf_counter() - setup
    first_s, first_out = _jost("run", "--json", env=env)
    warm_s, warm_out = _jost("run", "--json", env=env)
    first, warm = json.loads(first_out), json.loads(warm_out)
    return {
        "setup_compile_seconds": round(setup_s, 3),
        "first_run_seconds": round(first_s, 3),
        "warm_run_seconds": round(warm_s, 3),
        "first_over_warm_plus_setup": first_s / (warm_s + setup_s),
        "first_rounds_per_second_shown": first["rounds"] / first["job_seconds"],
        "warm_rounds_per_second_shown": warm["rounds"] / warm["job_seconds"],
    }


# -- fair queues -----------------------------------------------------------------------------


def _window(during: Callable[[], None]) -> tuple[datetime, datetime]:
    started = datetime.now(UTC)
    during()
    return started, datetime.now(UTC)


def _rate_within(done: list[datetime], windows: list[tuple[datetime, datetime]]) -> float:
    """Rounds per second of a job's 1M-round shards completed within ``windows``, by the
    shards' own timestamps: its status moves only at each fold (twice a second), too coarse
    for a one-second window."""
    shards = sum(start <= at < end for at in done for start, end in windows)
    return shards * 1_000_000 / sum((end - start).total_seconds() for start, end in windows)


def bench_fair_queue(workdir: Path, small_jobs: int = 5) -> dict[str, Any]:
    log, platform = with_platform(workdir, "fair", workers=2)
    with log, platform as running, client_for(running) as client:
        big = submit(client, {"rounds": 10**9, "shard_rounds": 1_000_000, "seed": 5})
        wait_for_shards(client, big, 4)
        alone = _window(lambda: time.sleep(3.0))
        small, during = [], []
        for i in range(small_jobs):

            def one_small(seed: int = 100 + i) -> None:
                started = time.perf_counter()
                wait_completed(client, submit(client, tiny_config(seed)), 60)
                small.append(time.perf_counter() - started)
                time.sleep(1.0)

            during.append(_window(one_small))
        client.post(f"/api/jobs/{big}/cancel/")
        # Folded once its cancel is: every shard completed before it is in the log before it.
        wait_terminal(client, big, 60)
        events = client.get(f"/api/jobs/{big}/events/").json()["events"]
    done = [
        datetime.fromisoformat(e["event"]["at"])
        for e in events
        if e["event"]["kind"] == "ShardCompleted"
    ]
    return {
        "small_job_seconds": [round(x, 3) for x in small],
        "small_job_max_seconds": max(small),
        "big_job_rounds_per_second_alone": _rate_within(done, [alone]),
        "big_job_rounds_per_second_with_small": _rate_within(done, during),
    }


def wait_for_shards(client: httpx.Client, job_id: str, count: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while client.get(f"/api/status/{job_id}/").json()["shards_done"] < count:
        if time.monotonic() > deadline:
            raise TimeoutError(f"job {job_id}: fewer than {count} shards after {timeout:g} s")
        time.sleep(0.05)


# -- scaling ---------------------------------------------------------------------------------


class ExtraWorker:
    """A ``jost worker`` started beside a running platform, as a user adds one."""

    def __init__(self, platform: EmbeddedPlatform, workdir: Path, name: str) -> None:
        self.ready = workdir / f"{name}-ready"
        self.ready.mkdir()
        self.log = workdir / f"{name}.log"
        env = _clean_env(JOST_BOOTSTRAP=platform.bootstrap, **{READY_ENV: str(self.ready)})
        with self.log.open("wb") as sink:
            self.proc = subprocess.Popen(
                [*JOST_COMMAND, "worker"], env=env, stdout=sink, stderr=subprocess.STDOUT
            )

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not any(self.ready.iterdir()):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError(f"the extra worker did not join: {self.log.read_text()}")
            time.sleep(0.02)

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(60)


def _large_body(rounds: int, shard_rounds: int, seed: int) -> dict[str, Any]:
    return msgspec.to_builtins(
        with_overrides(read_config(None), rounds=rounds, seed=seed, shard_rounds=shard_rounds)
    )


def bench_scaling(workdir: Path, rounds: int, shard_rounds: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for workers in (1, 2, 3):
        name = f"workers{workers}"
        log, platform = with_platform(workdir, name, workers=min(workers, 2))
        extra = None
        with log, platform as running:
            if workers == 3:
                extra = ExtraWorker(running, workdir, "third")
                extra.wait_ready()
            out[f"{workers}_workers"] = measured(
                lambda running=running: bench_large_job(running, rounds, shard_rounds)
            )
            if extra is not None:
                extra.stop()
        logs = [workdir / f"{name}.log", *([extra.log] if extra else [])]
        out[f"{workers}_workers"]["shards_planned"] = 8 + 2 * rounds // shard_rounds
        out[f"{workers}_workers"]["shards_run"] = shards_run(*logs)
    one = out["1_workers"]["rounds_per_second"]
    out["speedup_2_workers"] = out["2_workers"]["rounds_per_second"] / one
    out["speedup_3_workers"] = out["3_workers"]["rounds_per_second"] / one
    out["engine_alone"] = measured(lambda: bench_engine_threads(workdir, rounds))
    return out


def bench_engine_threads(workdir: Path, rounds: int) -> dict[str, Any]:
    """The same rounds on the engine alone (``jost simulate``, no platform) on 1 and 2
    threads: what this machine's two cores give when both are busy, the ceiling of the
    platform's own speedup (each core plays slower when the other plays too)."""
    env = _clean_env(JOST_DATA_DIR=str(workdir / "engine"))
    seconds = {}
    for threads in (1, 2):
        args = ("simulate", "--json", "--rounds", str(rounds), "--workers", str(threads))
        seconds[threads] = min(_jost(*args, env=env)[0] for _ in range(2))  # best of two
    return {
        "rounds": rounds,
        "seconds_1_thread": seconds[1],
        "seconds_2_threads": seconds[2],
        "speedup_2_threads": seconds[1] / seconds[2],
    }


def bench_join_and_leave(workdir: Path, rounds: int, shard_rounds: int) -> dict[str, Any]:
    """One large job undisturbed on 2 workers, then the same with a third worker joining a
    third of the way in, then with that third worker leaving a third of the way in."""
    out: dict[str, Any] = {}
    log, platform = with_platform(workdir, "churn", workers=2)
    with log, platform as running, client_for(running) as client:
        third = len(plan_shards(msgspec.convert(_large_body(rounds, shard_rounds, 1),
                                                SimulationConfig))) // 3  # fmt: skip
        wait_completed(client, submit(client, tiny_config(1)), 60)

        def timed(seed: int, during: Callable[[], None]) -> float:
            started = time.perf_counter()
            job = submit(client, _large_body(rounds, shard_rounds, seed))
            wait_for_shards(client, job, third, 300)
            during()
            wait_completed(client, job, 600)
            return time.perf_counter() - started

        out["undisturbed_seconds"] = timed(21, lambda: None)
        extra = ExtraWorker(running, workdir, "joiner")
        out["join_seconds"] = timed(22, extra.wait_ready)
        out["leave_seconds"] = timed(23, extra.stop)
    out["shards_planned"] = 1 + 3 * len(plan_shards(msgspec.convert(
        _large_body(rounds, shard_rounds, 1), SimulationConfig)))  # fmt: skip
    out["shards_run"] = shards_run(workdir / "churn.log", extra.log)
    return out


SECTIONS = ("main", "first", "fair", "scaling", "churn", "submit", "projector", "tiny")
SETUP_WARM = Path(__file__).resolve().parents[1] / "scripts" / "warm"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(SECTIONS), help="sections to run")
    parser.add_argument("--repeat", type=int, default=3, help="main-job runs of each command")
    parser.add_argument("--submits", type=int, default=3000, help="jobs aiohttp submits")
    parser.add_argument("--submit-seconds", type=float, default=4, help="wrk's submitting")
    parser.add_argument("--clients", type=int, default=16, help="concurrent submitting clients")
    # 26,000 events: a backlog long enough that the figure is the fold's, not its start-up.
    parser.add_argument("--projector-jobs", type=int, default=2000, help="jobs of 13 events")
    # 160M rounds: about 8 s on two workers here, so the job's start (plan, first fetch) and
    # its end (the last shards, the fold that sees them) weigh a few per cent, not a quarter
    # as they did for 40M.
    parser.add_argument("--large-rounds", type=int, default=160_000_000)
    parser.add_argument("--large-shard-rounds", type=int, default=1_000_000)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    only = set(args.only.split(","))
    command = "python benchmarks/jobs.py " + shlex.join(sys.argv[1:])
    out: dict[str, Any] = {"command": command.strip(), "cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory(prefix="jost-bench-") as tmp:
        workdir = Path(tmp)
        if "main" in only:
            out["main_job"] = measured(lambda: bench_main_job(workdir, args.repeat))
        if "first" in only:
            out["first_run"] = measured(lambda: bench_first_run(workdir))
        if "fair" in only:
            out["fair_queue"] = measured(lambda: bench_fair_queue(workdir))
        if "scaling" in only:
            out["scaling"] = bench_scaling(workdir, args.large_rounds, args.large_shard_rounds)
        if "churn" in only:
            out["join_and_leave"] = measured(
                lambda: bench_join_and_leave(workdir, args.large_rounds, args.large_shard_rounds)
            )
        if "projector" in only:
            out["projector"] = measured(lambda: bench_projector(args.projector_jobs, workdir))
        if "submit" in only:
            log, platform = with_platform(workdir, "submit", workers=0)
            with log, platform as running:
                out["submit"] = measured(
                    lambda: bench_submit(running, args.submits, args.clients, args.submit_seconds)
                )
        if "tiny" in only:
            log, platform = with_platform(workdir, "tiny", workers=1)
            with log, platform as running:
                out["tiny_job"] = measured(lambda: bench_tiny_job(running))
    if args.json:
        sys.stdout.write(msgspec.json.encode(out).decode() + "\n")
    else:
        for name, figure in out.items():
            print(f"{name}: {msgspec.json.encode(figure).decode()}")
        print(f"reproduce: {out['command']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""What a submit promises: one Idempotency-Key binds exactly one config under any concurrency,
a config that cannot run is refused up front naming the field (and nothing is recorded), a job
accepted and never seen in the log is appended again on resubmission, and a job whose shards
are lost is requested again after its deadline; a job that cannot be planned ends in
JobFailed with the reason."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from pathlib import Path

import httpx
import msgspec
import pytest
from confluent_kafka import Consumer
from conftest import ADMIN_TOKEN, USER_TOKEN, ApiServer
from engine_configs import config, job_result, local_result, wait_status

from jost.contracts import JobPlanned, JobSubmitted, ShardCompleted, SimulationConfig
from jost.engine import run_shard
from jost.platform.consumers.coordinator import Coordinator, Deadline
from jost.platform.consumers.groups import ENGINE_GROUP, GroupTiming
from jost.platform.embedded import EmbeddedBroker
from jost.platform.events import encode, event_id, job_id_for_key, now
from jost.platform.log import EventLog
from jost.platform.projection import Projection, Record
from jost.platform.settings import Token, Topics


def _table(api: ApiServer, sql: str) -> list[list]:
    with api.client(ADMIN_TOKEN) as admin:
        r = admin.post("/api/sql/", json={"sql": sql, "max_rows": 10_000})
        assert r.status_code == 200, r.text
        return r.json()["rows"]


async def _race(url: str, bodies: list[dict], key: str) -> list[httpx.Response]:
    headers = {"Authorization": f"Token {USER_TOKEN}", "Idempotency-Key": key}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30) as c:
        return await asyncio.gather(*(c.post("/api/submit/", json=b) for b in bodies))


def test_sixteen_racing_configs_under_one_key_accept_exactly_one(api: ApiServer, start_worker):
    start_worker()
    bodies = [config(20_000, 5_000, 5000 + i) for i in range(16)]
    for attempt in range(3):
        key = f"race-{attempt}"
        answers = asyncio.run(_race(api.url, bodies, key))
        accepted = [(r, b) for r, b in zip(answers, bodies, strict=True) if r.status_code == 202]
        refused = [r for r in answers if r.status_code == 409]
        assert len(accepted) == 1 and len(refused) == 15, [r.status_code for r in answers]
        assert all(r.json()["field"] == "Idempotency-Key" for r in refused)
        response, winner = accepted[0]
        job_id = response.json()["job_id"]
        status = wait_status(api, job_id, "completed", timeout=90)
        assert status["rounds"] == 20_000
        # The job ran the config that won, and only it.
        assert job_result(api, job_id).stats == local_result(winner).stats
        submitted = _table(
            api, f"SELECT count(*) FROM events WHERE job_id = '{job_id}' AND kind = 'JobSubmitted'"
        )
        assert submitted == [[1]]
        again = asyncio.run(_race(api.url, [winner], key))[0]
        assert again.status_code == 202
        assert again.json() == {"job_id": job_id, "status": "completed"}


def test_sixteen_racing_copies_of_one_config_get_one_job(api: ApiServer):
    body = config(20_000, 5_000, 77)
    answers = asyncio.run(_race(api.url, [body] * 16, "same-config"))
    assert {r.status_code for r in answers} == {202}
    assert len({r.json()["job_id"] for r in answers}) == 1
    job_id = answers[0].json()["job_id"]
    assert _table(api, f"SELECT count(*) FROM submissions WHERE job_id = '{job_id}'") == [[1]]


def test_a_utf8_key_is_kept_as_written(api: ApiServer):
    key = "séance-♠-21"
    with api.client() as c:
        r = c.post(
            "/api/submit/",
            json=config(20_000, 5_000, 3),
            headers={"Idempotency-Key": key.encode()},  # UTF-8 bytes on the wire
        )
    assert r.status_code == 202
    job_id = r.json()["job_id"]
    assert job_id == job_id_for_key(Token(key=USER_TOKEN).owner, key)
    rows = _table(api, f"SELECT idempotency_key FROM jobs WHERE job_id = '{job_id}'")
    assert rows == [[key]]


REFUSED = [
    ({"strategy": {"playing": "no-such-chart"}}, "$.strategy.playing"),
    ({"strategy": {"count": {"system": "no-such-count"}}}, "$.strategy.count.system"),
    (
        {"strategy": {"count": {"system": "hi_lo"}, "deviations": "no-such-set"}},
        "$.strategy.deviations",
    ),
    ({"betting": {"unit": 1e-9}}, "$.betting.unit"),
    (
        {"strategy": {"count": {"system": "hi_lo"}}, "betting": {"ramp": [[1, 1e300]]}},
        "$.betting.ramp[0][1]",
    ),
    ({"rounds": 10_000_000_000_000}, "$.shard_rounds"),
    ({"betting": {"unit": 1, "chip": 0.0003}}, "$.betting"),
]


@pytest.mark.parametrize(("body", "field"), REFUSED, ids=[f for _, f in REFUSED])
def test_a_config_that_cannot_run_is_refused_up_front(api: ApiServer, body: dict, field: str):
    counts = "SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM submissions)"
    before = _table(api, counts)
    with api.client() as c:
        r = c.post("/api/submit/", json=body, headers={"Idempotency-Key": "refused"})
    assert r.status_code == 400, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["field"] == field
    assert (
        _table(api, "SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM submissions)")
        == before
    )


def _consume_shards(bootstrap: str, topic: str, count: int, timeout: float = 30) -> list[bytes]:
    """A member of the engine group that takes shard requests and drops them: a lost queue."""
    thief = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": ENGINE_GROUP,
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
            "session.timeout.ms": 3000,
        }
    )
    thief.subscribe([topic])
    taken: list[bytes] = []
    deadline = time.monotonic() + timeout
    try:
        while len(taken) < count and time.monotonic() < deadline:
            msg = thief.poll(0.2)
            if msg is not None and msg.error() is None:
                taken.append(msg.value())
                thief.commit(message=msg, asynchronous=False)
    finally:
        thief.close()
    return taken


def test_lost_shards_are_requested_again_after_the_deadline(
    api: ApiServer, broker: EmbeddedBroker, start_worker
):
    topics = Topics()
    event_log = EventLog(broker.bootstrap, topics)
    coordinator = Coordinator(
        broker.bootstrap, event_log, GroupTiming(session_timeout_ms=3000), Deadline(base_seconds=2)
    ).start()
    try:
        body = config(20_000, 5_000, 31)
        with api.client() as c:
            job_id = c.post("/api/submit/", json=body).json()["job_id"]
        lost = _consume_shards(broker.bootstrap, topics.shards, 4)
        assert len(lost) == 4  # every shard the coordinator requested was taken and dropped
        assert wait_status(api, job_id, "running", timeout=10)["shards_done"] == 0
        start_worker()  # after the deadline the coordinator asks again, and it runs them
        wait_status(api, job_id, "completed", timeout=90)
        assert job_result(api, job_id).stats == local_result(body).stats
    finally:
        coordinator.stop()
        event_log.close()


def test_a_job_that_cannot_be_planned_fails_with_the_reason(
    api: ApiServer, broker: EmbeddedBroker, start_worker
):
    """A JobSubmitted written to the log by another writer than the API (which refuses such
    a config) ends in JobFailed, its reason in the job's status."""
    start_worker()
    job_id = "a0000000-0000-4000-8000-000000000001"
    bad = msgspec.convert(
        {"strategy": {"playing": "no-such-chart"}, "rounds": 20_000, "shard_rounds": 5_000},
        SimulationConfig,
    )
    event_log = EventLog(broker.bootstrap, Topics())
    try:
        asyncio.run(
            event_log.append(
                JobSubmitted(
                    event_id=event_id(job_id, "JobSubmitted"),
                    job_id=job_id,
                    at=now(),
                    owner=Token(key=USER_TOKEN).owner,
                    config=bad,
                )
            )
        )
    finally:
        event_log.close()
    status = wait_status(api, job_id, "failed", timeout=60)
    assert "planning failed" in status["error"] and "no-such-chart" in status["error"]


def test_an_accepted_job_missing_from_the_log_is_appended_again(
    broker: EmbeddedBroker, tmp_path: Path
):
    """The API records a job before appending it; a process that died in between left a job
    the log never saw. Resubmitting it under its key appends that same fact."""
    data = tmp_path / "data"
    data.mkdir()
    body = config(20_000, 5_000, 12)
    owner = Token(key=USER_TOKEN).owner
    job_id = job_id_for_key(owner, "k1")
    recorded = JobSubmitted(
        event_id=event_id(job_id, "JobSubmitted"),
        job_id=job_id,
        at=now(),
        owner=owner,
        config=msgspec.convert(body, SimulationConfig),
        idempotency_key="k1",
    )
    projection = Projection(data / "projection.duckdb")
    assert projection.accept(recorded) is None
    projection.close()
    api = ApiServer(broker.bootstrap, data, tmp_path / "api.log")
    try:
        with api.client() as c:
            assert c.get(f"/api/status/{job_id}/").json()["status"] == "submitted"
            again = c.post("/api/submit/", json=body, headers={"Idempotency-Key": "k1"})
        assert again.status_code == 202 and again.json()["job_id"] == job_id
        rows = _table(api, f"SELECT body FROM events WHERE job_id = '{job_id}'")
        assert [msgspec.json.decode(r[0], type=JobSubmitted) for r in rows] == [recorded]
    finally:
        api.stop()


def test_a_running_job_the_log_lost_resumes_when_resubmitted(
    broker: EmbeddedBroker, tmp_path: Path, start_worker
):
    """The projection has the job running, with two of its four shards done ten minutes ago;
    the log has nothing of it (the embedded broker dropped its facts). Resubmitting it under
    its key restores its facts from the archive: only the missing shards run, and the result
    is the one the engine gives."""
    data = tmp_path / "data"
    data.mkdir()
    body = config(20_000, 5_000, 21)
    owner = Token(key=USER_TOKEN).owner
    job_id = job_id_for_key(owner, "lost")
    cfg = msgspec.convert(body, SimulationConfig)
    long_ago = now() - timedelta(minutes=10)
    facts = [
        JobSubmitted(
            event_id=event_id(job_id, "JobSubmitted"),
            job_id=job_id,
            at=long_ago,
            owner=owner,
            config=cfg,
            idempotency_key="lost",
        ),
        JobPlanned(
            event_id=event_id(job_id, "JobPlanned"),
            job_id=job_id,
            at=long_ago,
            shard_rounds=[5_000] * 4,
        ),
        *[
            ShardCompleted(
                event_id=event_id(job_id, "ShardCompleted", i),
                job_id=job_id,
                at=long_ago,
                shard_index=i,
                rounds=5_000,
                stats=run_shard(cfg, i, 5_000),
            )
            for i in (0, 1)
        ],
    ]
    projection = Projection(data / "projection.duckdb")
    assert projection.accept(facts[0]) is None
    projection.apply(Record(Topics().events, 0, i, encode(f)) for i, f in enumerate(facts))
    projection.close()
    api = ApiServer(broker.bootstrap, data, tmp_path / "api.log")
    try:
        start_worker()
        assert wait_status(api, job_id, "running", timeout=10)["shards_done"] == 2
        with api.client() as c:
            again = c.post("/api/submit/", json=body, headers={"Idempotency-Key": "lost"})
        assert again.status_code == 202 and again.json()["job_id"] == job_id
        wait_status(api, job_id, "completed", timeout=90)
        assert job_result(api, job_id).stats == local_result(body).stats
        kinds = _table(api, f"SELECT kind FROM events WHERE job_id = '{job_id}' ORDER BY seq")
        assert [k for (k,) in kinds].count("ShardCompleted") == 4
        assert [k for (k,) in kinds].count("JobResumed") == 1
    finally:
        api.stop()

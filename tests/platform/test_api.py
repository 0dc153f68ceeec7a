"""The HTTP API over a real granian server, the embedded broker and a real DuckDB file. No
engine workers run here: jobs stay submitted, which is all these tests need."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
from confluent_kafka import Consumer, TopicPartition
from conftest import ADMIN_TOKEN, OTHER_TOKEN, USER_TOKEN, ApiServer

from jost.platform.embedded import EmbeddedBroker
from jost.platform.settings import Topics
from jost.terminal.client import PlatformClient

CONFIG = {"rounds": 20_000, "shard_rounds": 5_000, "seed": 11}
PROBLEM = "application/problem+json"


def log_size(broker: EmbeddedBroker) -> int:
    """Messages in jost.events, over all partitions."""
    consumer = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": str(uuid.uuid4())})
    try:
        topics = Topics()
        total = 0
        for p in range(topics.events_partitions):
            low, high = consumer.get_watermark_offsets(TopicPartition(topics.events, p), timeout=10)
            total += high - low
        return total
    finally:
        consumer.close()


def test_submit_then_status_history_and_audit_trail(api: ApiServer, broker: EmbeddedBroker):
    with api.client() as c:
        r = c.post("/api/submit/", json=CONFIG)
        assert r.status_code == 202, r.text
        job_id = r.json()["job_id"]
        assert r.json()["status"] == "submitted"
        # Read-your-writes: the projection already shows the job.
        status = c.get(f"/api/status/{job_id}/").json()
        assert status["status"] == "submitted"
        assert status["rounds"] == 20_000
        assert status["shards_done"] == 0 and status["shards_total"] is None
        events = c.get(f"/api/jobs/{job_id}/events/").json()["events"]
        assert [e["event"]["kind"] for e in events] == ["JobSubmitted"]
        assert events[0]["event"]["config"]["seed"] == 11
        assert events[0]["event"]["config"]["rules"]["decks"] == 6  # complete, hydrated
        second = c.post("/api/submit/", json={**CONFIG, "seed": 12}).json()["job_id"]
        page = c.get("/api/jobs/", params={"limit": 1}).json()
        assert [j["job_id"] for j in page["jobs"]] == [second]  # newest first
        assert page["next_offset"] == 1
        page2 = c.get("/api/jobs/", params={"limit": 1, "offset": 1}).json()
        assert [j["job_id"] for j in page2["jobs"]] == [job_id]
        assert page2["next_offset"] is None
        r = c.get(f"/api/results/{job_id}/")
        assert r.status_code == 409 and "submitted" in r.json()["detail"]
    assert log_size(broker) == 2


def test_idempotency_key_returns_the_same_job(api: ApiServer, broker: EmbeddedBroker):
    with api.client() as c:
        h = {"Idempotency-Key": "order-42"}
        first = c.post("/api/submit/", json=CONFIG, headers=h)
        again = c.post("/api/submit/", json=CONFIG, headers=h)
        assert first.status_code == again.status_code == 202
        assert first.json()["job_id"] == again.json()["job_id"]
        clash = c.post("/api/submit/", json={**CONFIG, "seed": 99}, headers=h)
        assert clash.status_code == 409 and clash.json()["field"] == "Idempotency-Key"
        assert len(c.get("/api/jobs/").json()["jobs"]) == 1
    with api.client(OTHER_TOKEN) as other:
        # The key is scoped to its token: another player's "order-42" is another job.
        theirs = other.post("/api/submit/", json=CONFIG, headers=h).json()["job_id"]
        assert theirs != first.json()["job_id"]
    assert log_size(broker) == 2


@pytest.mark.parametrize(
    ("body", "field", "needle"),
    [
        (b'{"rounds": 20000,', "$", "malformed"),
        (b'{"rounds": "20000"}', "$.rounds", "Expected `int`, got `str`"),
        (b'{"rounds": 20000, "turbo": true}', "$", "unknown field `turbo`"),
        (
            b'{"rules": {"decks": 6, "dealer_hits_soft_17": 1}}',
            "$.rules.dealer_hits_soft_17",
            "Expected `bool`",
        ),
        (b'{"rounds": 1000000000000000}', "$.rounds", "<= 10000000000000"),
        (b'{"rules": {"decks": 99}}', "$.rules.decks", "<= 8"),
        (b'{"table": {"seats": 2, "position": 5}}', "$.table", "beyond the 2 seats"),
        (b"[1, 2]", "$", "Expected `object`"),
    ],
)
def test_bad_configs_are_problems_naming_the_field(
    api: ApiServer, broker: EmbeddedBroker, body: bytes, field: str, needle: str
):
    with api.client() as c:
        r = c.post("/api/submit/", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 400, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    problem = r.json()
    assert problem["status"] == 400
    assert problem["field"] == field
    assert needle.lower() in problem["detail"].lower()
    assert log_size(broker) == 0


def test_huge_body_is_refused_before_reading_it(api: ApiServer, broker: EmbeddedBroker):
    body = b'{"rounds": 1, "pad": "' + b"x" * 10_000_000 + b'"}'
    with api.client() as c:
        r = c.post("/api/submit/", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 413
    assert r.headers["content-type"].startswith(PROBLEM)
    assert log_size(broker) == 0


@pytest.mark.parametrize(
    ("header", "detail"),
    [
        (None, "missing Authorization"),
        ("Token not-a-token", "unknown token"),
        ("Basic dXNlcjpwYXNz", "must be 'Token <key>'"),
    ],
)
def test_missing_or_wrong_token(api: ApiServer, broker: EmbeddedBroker, header, detail):
    headers = {"Authorization": header} if header else {}
    with api.client(None) as c:
        for method, path in [
            ("POST", "/api/submit/"),
            ("GET", "/api/jobs/"),
            ("POST", "/api/sql/"),
        ]:
            r = c.request(
                method,
                path,
                json=CONFIG if "submit" in path else {"sql": "SELECT 1"},
                headers=headers,
            )
            assert r.status_code == 401, (path, r.text)
            assert r.headers["content-type"].startswith(PROBLEM)
            assert detail in r.json()["detail"]
            assert r.json()["field"] == "Authorization"
    assert log_size(broker) == 0


def test_bearer_is_accepted_and_tokens_see_only_their_jobs(api: ApiServer):
    with api.client(None) as c:
        bearer = {"Authorization": f"Bearer {USER_TOKEN}"}
        job_id = c.post("/api/submit/", json=CONFIG, headers=bearer).json()["job_id"]
        assert c.get(f"/api/status/{job_id}/", headers=bearer).status_code == 200
    with api.client(OTHER_TOKEN) as other:
        for path in (
            f"/api/status/{job_id}/",
            f"/api/results/{job_id}/",
            f"/api/jobs/{job_id}/events/",
        ):
            r = other.get(path)
            assert r.status_code == 404 and r.json()["field"] == "job_id"
        assert other.post(f"/api/jobs/{job_id}/cancel/").status_code == 404
        assert other.get("/api/jobs/").json()["jobs"] == []


def test_cancel(api: ApiServer, broker: EmbeddedBroker):
    with api.client() as c:
        job_id = c.post("/api/submit/", json=CONFIG).json()["job_id"]
        r = c.post(f"/api/jobs/{job_id}/cancel/")
        assert r.status_code == 202 and r.json()["status"] == "cancelled"
        assert r.json()["finished_at"] is not None
        again = c.post(f"/api/jobs/{job_id}/cancel/")
        assert again.status_code == 409
        kinds = [e["event"]["kind"] for e in c.get(f"/api/jobs/{job_id}/events/").json()["events"]]
        assert kinds == ["JobSubmitted", "JobCancelled"]
    assert log_size(broker) == 2


def test_sql_is_read_only_and_admin_only(api: ApiServer, broker: EmbeddedBroker):
    with api.client() as c:
        c.post("/api/submit/", json=CONFIG)
        r = c.post("/api/sql/", json={"sql": "SELECT count(*) FROM jobs"})
        assert r.status_code == 403 and r.json()["field"] == "Authorization"
    with api.client(ADMIN_TOKEN) as admin:
        ok = admin.post("/api/sql/", json={"sql": "SELECT kind, job_id FROM events"}).json()
        assert ok["columns"] == ["kind", "job_id"]
        assert [row[0] for row in ok["rows"]] == ["JobSubmitted"]
        many = admin.post(
            "/api/sql/", json={"sql": "SELECT * FROM range(5000)", "max_rows": 10}
        ).json()
        assert len(many["rows"]) == 10 and many["truncated"] is True
        refused = {
            "DELETE FROM jobs": 403,
            "UPDATE jobs SET status = 'completed'": 403,
            "CREATE TABLE x AS SELECT 1": 403,
            "COPY jobs TO '/tmp/jost-leak.csv'": 403,
            "ATTACH '/tmp/other.duckdb' AS other": 403,
            "SET enable_external_access = true": 403,
            "SELECT * FROM read_csv('/etc/passwd')": 403,
            "SELECT * FROM read_text('/etc/hostname')": 403,
            "SELECT 1; DROP TABLE jobs": 400,
            "SELEC 1": 400,
        }
        for sql, status in refused.items():
            r = admin.post("/api/sql/", json={"sql": sql})
            assert r.status_code == status, (sql, r.text)
            assert r.headers["content-type"].startswith(PROBLEM)
            assert r.json()["field"] == "$.sql"
        slow = admin.post(
            "/api/sql/",
            json={"sql": "SELECT count(*) FROM range(100000000000) a WHERE a.range % 7 = 3"},
        )
        assert slow.status_code == 408, slow.text
        count = admin.post("/api/sql/", json={"sql": "SELECT count(*) FROM jobs"}).json()
        assert count["rows"] == [[1]]
        bad = admin.post("/api/sql/", json={"sql": "SELECT 1", "max_rows": "ten"})
        assert bad.status_code == 400
    assert log_size(broker) == 1


def test_defaults_health_and_openapi_need_no_token(api: ApiServer):
    with api.client(None) as c:
        defaults = c.get("/api/defaults/")
        assert defaults.status_code == 200
        assert isinstance(defaults.json(), dict)
        assert c.get("/api/health/").json()["status"] == "ok"
        schema = c.get("/api/schema/openapi.json").json()
        paths = set(schema["paths"])
        assert {
            "/api/submit",
            "/api/status/{job_id}",
            "/api/results/{job_id}",
            "/api/jobs",
            "/api/jobs/{job_id}/events",
            "/api/jobs/{job_id}/cancel",
            "/api/defaults",
            "/api/sql",
        } <= {p.rstrip("/") for p in paths}
        body = schema["paths"]["/api/submit"]["post"]["requestBody"]
        assert body["content"]["application/json"]["schema"]["$ref"].endswith("SimulationConfig")
        assert "rounds" in schema["components"]["schemas"]["SimulationConfig"]["properties"]


def test_a_status_read_waits_for_a_change_when_asked(api: ApiServer):
    """``If-None-Match`` with the status's ETag and ``wait``: 304 once ``wait`` has passed
    with no change, the new status as soon as the job changes (its cancel here), and at once
    for a tag that is not the status's. ``PlatformClient.status_change`` follows it."""
    with api.client() as c:
        job_id = c.post("/api/submit/", json=CONFIG).json()["job_id"]
        first = c.get(f"/api/status/{job_id}/")
        tag = first.headers["ETag"]
        waiting = {"If-None-Match": tag}
        assert first.status_code == 200 and tag.startswith('"')
        assert c.get(f"/api/status/{job_id}/").headers["ETag"] == tag  # the same status

        started = time.monotonic()
        same = c.get(f"/api/status/{job_id}/", params={"wait": 0.5}, headers={"If-None-Match": tag})
        assert same.status_code == 304 and same.headers["ETag"] == tag and not same.content
        assert 0.5 <= time.monotonic() - started < 2.0
        anything = c.get(f"/api/status/{job_id}/", headers={"If-None-Match": "*"})
        assert anything.status_code == 304 and anything.headers["ETag"] == tag

        threading.Timer(0.4, lambda: api.client().post(f"/api/jobs/{job_id}/cancel/")).start()
        started = time.monotonic()
        changed = c.get(
            f"/api/status/{job_id}/", params={"wait": 20}, headers={"If-None-Match": tag}
        )
        assert changed.status_code == 200 and changed.json()["status"] == "cancelled"
        assert 0.4 <= time.monotonic() - started < 3.0  # woken by the fold, not by ``wait``
        assert changed.headers["ETag"] != tag

        started = time.monotonic()
        other = c.get(f"/api/status/{job_id}/", params={"wait": 20}, headers=waiting)
        assert other.status_code == 200 and time.monotonic() - started < 2.0
        too_long = c.get(f"/api/status/{job_id}/", params={"wait": 31})
        assert too_long.status_code == 400

    with PlatformClient(api.url, USER_TOKEN) as client:
        last = client.status_change(job_id, None, 5)
        assert last.status == "cancelled"
        started = time.monotonic()
        assert client.status_change(job_id, last, 0.3) == last  # 304: the same, after 0.3 s
        assert 0.3 <= time.monotonic() - started < 2.0

"""Tokens managed while the platform runs (issue 14, item 6), against the real platform: the API
as a granian subprocess on the embedded broker with its DuckDB file, ``jost up`` restarted, ``jost
replay`` and the ``jost tokens`` commands end to end."""

from __future__ import annotations

import json
import os
import re
import subprocess
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import httpx
from confluent_kafka import Consumer, TopicPartition
from conftest import ADMIN_TOKEN, REPO, USER_TOKEN, ApiServer
from up import Up

from jost.cli.platform import JOST_COMMAND
from jost.contracts import TokenIssued, TokenRevoked
from jost.platform.embedded import EmbeddedBroker
from jost.platform.events import encode, event_id, now
from jost.platform.projection import TABLES, Projection, Record
from jost.platform.replay import compare, replay_from_archive, replay_from_log
from jost.platform.settings import Token, Topics, key_digest
from jost.platform.tokens import Principal, TokenRegistry, new_key

CONFIG = {"rounds": 20_000, "shard_rounds": 5_000, "seed": 11}
TOPICS = Topics()


def _routes(client: httpx.Client) -> dict[str, int]:
    """A request on routes of every kind (reads, writes with and without a body, an admin's
    route); each answer's status."""
    return {
        "GET /api/jobs/": client.get("/api/jobs/").status_code,
        "POST /api/submit/": client.post("/api/submit/", json=CONFIG).status_code,
        "GET /api/status/": client.get(f"/api/status/{uuid.uuid4()}/").status_code,
        "POST /api/jobs/cancel/": client.post(f"/api/jobs/{uuid.uuid4()}/cancel/").status_code,
        "GET /api/tokens/": client.get("/api/tokens/").status_code,
    }


def _log_values(bootstrap: str) -> list[bytes]:
    """Every message jost.events holds now."""
    consumer = Consumer(
        {"bootstrap.servers": bootstrap, "group.id": str(uuid.uuid4()), "enable.auto.commit": False}
    )
    try:
        values: list[bytes] = []
        for p in range(TOPICS.events_partitions):
            low, high = consumer.get_watermark_offsets(TopicPartition(TOPICS.events, p), timeout=10)
            consumer.assign([TopicPartition(TOPICS.events, p, low)])
            position = low
            while position < high:
                msgs = consumer.consume(500, timeout=5)
                assert msgs, f"partition {p} stopped at {position} of {high}"
                for m in msgs:
                    if m.error() is None:
                        values.append(m.value())
                        position = m.offset() + 1
        return values
    finally:
        consumer.close()


def _strings_in(db: Path) -> list[str]:
    """Every text value of every table of a DuckDB file (the file itself may be compressed:
    reading its raw bytes alone could miss a key)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        found = []
        columns = con.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE data_type IN ('VARCHAR', 'JSON')"
        ).fetchall()
        for table, column in columns:
            found += [
                v
                for (v,) in con.execute(f'SELECT "{column}"::VARCHAR FROM "{table}"').fetchall()
                if v
            ]
        return found
    finally:
        con.close()


def _authorized(status: int) -> bool:
    return status not in (401, 403)


def test_a_token_issued_works_at_once_and_once_revoked_is_refused_everywhere(
    api: ApiServer, broker: EmbeddedBroker, tmp_path: Path
):
    with api.client(ADMIN_TOKEN) as admin:
        r = admin.post("/api/tokens/", json={"name": "alice"})
        assert r.status_code == 201, r.text
        key = r.json()["token"]
        assert r.json() == {"name": "alice", "token": key, "admin": False}
        assert r.headers["cache-control"] == "no-store"
        assert key.startswith("jost_") and len(key) >= 45  # 256 random bits
        with api.client(key) as alice:  # the very next request
            assert _routes(alice) == {
                "GET /api/jobs/": 200,
                "POST /api/submit/": 202,
                "GET /api/status/": 404,
                "POST /api/jobs/cancel/": 404,
                "GET /api/tokens/": 403,  # a player's token
            }
            job = alice.get("/api/jobs/").json()["jobs"][0]["job_id"]
            r = alice.post("/api/tokens/", json={"name": "mallory", "admin": True})
            assert r.status_code == 403 and r.json()["field"] == "Authorization"
        with api.client(USER_TOKEN) as player:  # a configured player's token: no more
            assert player.post("/api/tokens/", json={"name": "eve"}).status_code == 403
            assert player.get("/api/tokens/").status_code == 403
            assert player.delete("/api/tokens/alice/").status_code == 403
            assert player.get(f"/api/status/{job}/").status_code == 404  # alice's job

        listing = admin.get("/api/tokens/")
        assert [(t["name"], t["admin"], t["revoked_at"]) for t in listing.json()] == [
            ("alice", False, None)
        ]
        assert key not in listing.text
        taken = admin.post("/api/tokens/", json={"name": "alice", "admin": True})
        assert taken.status_code == 409 and taken.json()["field"] == "name"
        for bad in ("", "with space", "-dash-first", "a" * 65, "slash/in"):
            r = admin.post("/api/tokens/", json={"name": bad})
            assert r.status_code == 400 and r.json()["field"] == "name", (bad, r.text)
        assert admin.delete("/api/tokens/nobody/").status_code == 404

        r = admin.delete("/api/tokens/alice/")
        assert r.status_code == 200 and r.json()["revoked_at"] is not None
        with api.client(key) as alice:  # refused at once, on every route
            assert set(_routes(alice).values()) == {401}
            assert alice.get(f"/api/jobs/{job}/events/").status_code == 401
        again = admin.post("/api/tokens/alice/revoke/")
        assert again.status_code == 200 and again.json() == r.json()  # nothing changes

        boss = admin.post("/api/tokens/", json={"name": "boss", "admin": True}).json()["token"]
        with api.client(boss) as b:  # an issued admin token administers
            assert [t["name"] for t in b.get("/api/tokens/").json()] == ["alice", "boss"]
            sql = b.post("/api/sql/", json={"sql": "SELECT name, revoked_at IS NULL FROM tokens"})
            assert sorted(map(tuple, sql.json()["rows"])) == [("alice", False), ("boss", True)]

    def issue_race(_: int) -> httpx.Response:
        with api.client(ADMIN_TOKEN) as admin:
            return admin.post("/api/tokens/", json={"name": "race"})

    with ThreadPoolExecutor(8) as pool:  # one name, eight admins at once: one token
        answers = list(pool.map(issue_race, range(8)))
    assert sorted(a.status_code for a in answers) == [201] + [409] * 7
    (race,) = [a.json()["token"] for a in answers if a.status_code == 201]
    with api.client(race) as c:
        assert c.get("/api/jobs/").status_code == 200
    api.stop()

    # The keys are nowhere: not in the DuckDB file, not in the log, not in the server's log.
    texts = _strings_in(api.db_path)
    log = _log_values(broker.bootstrap)
    issued = [v for v in log if b'"kind":"TokenIssued"' in v]
    assert sorted(json.loads(v)["name"] for v in issued) == ["alice", "boss", "race"]
    for secret in (key, boss, race):
        assert key_digest(secret) in texts  # the scan reads the tokens
        assert not any(secret in t for t in texts)
        assert any(key_digest(secret).encode() in v for v in log)
        assert not any(secret.encode() in v for v in log)
        for path in [api.db_path, *api.db_path.parent.glob("*.wal"), tmp_path / "api.log"]:
            assert secret.encode() not in path.read_bytes(), path

    # A replay rebuilds the same tokens, from the log and from the archive.
    for rebuilt, source in (
        (
            tmp_path / "from-log.duckdb",
            lambda into: replay_from_log(broker.bootstrap, TOPICS.events, into),
        ),
        (
            tmp_path / "from-archive.duckdb",
            lambda into: replay_from_archive(api.db_path, into, TOPICS.events),
        ),
    ):
        source(rebuilt)
        assert compare(api.db_path, rebuilt) == dict.fromkeys(TABLES, True)
        assert _tokens(rebuilt) == _tokens(api.db_path)
        assert [(n, r is None) for n, _, _, _, r in _tokens(rebuilt)] == [
            ("alice", False),
            ("boss", True),
            ("race", True),
        ]
        # An API started on the rebuilt file admits and refuses the same keys.
        projection = Projection(rebuilt)
        try:
            registry = TokenRegistry([], projection)
            assert registry.principal(key) is None
            assert registry.principal(boss) == Principal(
                owner=key_digest(boss)[:32], admin=True, name="boss"
            )
            assert registry.principal(race) is not None
        finally:
            projection.close()


def _tokens(db: Path) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT * FROM tokens ORDER BY name").fetchall()
    finally:
        con.close()


def _jost(*args: str, url: str, token: str | None, state: Path) -> subprocess.CompletedProcess:
    """``jost ARGS`` as a user types it, the address and token from the environment."""
    env = {k: v for k, v in os.environ.items() if k not in ("JOST_TOKEN", "JOST_URL")}
    env.update(JOST_URL=url, JOST_TERMINAL_STATE=str(state))
    if token:
        env["JOST_TOKEN"] = token
    return subprocess.run(
        [*JOST_COMMAND, *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=60
    )


def test_the_cli_manages_tokens_and_they_hold_across_a_restart_and_a_replay(tmp_path: Path):
    data, state = tmp_path / "data", tmp_path / "state"
    up = Up(data, tmp_path / "up.log", workers=1)
    try:
        admin = up.wait_ready()
        run = lambda *a, token=admin: _jost(*a, url=up.url, token=token, state=state)  # noqa: E731
        created = run("tokens", "create", "alice")
        assert created.returncode == 0, created.stderr
        alice = created.stdout.strip()
        assert alice.startswith("jost_") and "\n" not in alice
        assert "printed this once" in created.stderr
        bob = json.loads(run("tokens", "create", "bob", "--admin", "--json").stdout)
        assert bob["name"] == "bob" and bob["admin"] is True
        with up.client(alice) as c:
            assert c.post("/api/submit/", json=CONFIG).status_code == 202

        refused = run("tokens", "create", "carol", token=alice)
        assert refused.returncode == 1 and "not an admin token" in refused.stderr
        assert run("tokens", "create", "alice").returncode == 1  # the name is taken
        assert "exists" in run("tokens", "create", "alice").stderr
        bad = run("tokens", "revoke", "no such/name")
        assert bad.returncode == 2 and "bad token name" in bad.stderr
        unknown = run("tokens", "revoke", "nobody")
        assert unknown.returncode == 1 and "no token named 'nobody'" in unknown.stderr

        revoked = run("tokens", "revoke", "alice")
        assert revoked.returncode == 0 and "revoked 'alice'" in revoked.stdout
        with up.client(alice) as c:
            assert set(_routes(c).values()) == {401}
        listed = json.loads(run("tokens", "list", "--json").stdout)
        assert [(t["name"], t["revoked_at"] is None) for t in listed] == [
            ("alice", False),
            ("bob", True),
        ]
        table = run("tokens", "list").stdout
        assert "alice" in table and "bob" in table and alice not in table
    finally:
        assert up.stop() == 0

    again = Up(data, tmp_path / "up.log", workers=1)
    try:
        assert again.wait_ready() == admin  # the data folder's own admin token
        with again.client(alice) as c:
            assert set(_routes(c).values()) == {401}
        with again.client(bob["token"]) as c:
            assert _authorized(c.get("/api/jobs/").status_code)
            assert c.get("/api/tokens/").status_code == 200
        relisted = json.loads(
            _jost("tokens", "list", "--json", url=again.url, token=bob["token"], state=state).stdout
        )
        assert relisted == listed
        # The new log holds the token facts again: a replay of it rebuilds the same tokens.
        bootstrap = re.findall(r"\(broker (\S+),", again.text())[-1]
        replay_from_log(bootstrap, TOPICS.events, tmp_path / "after-restart.duckdb")
    finally:
        assert again.stop() == 0
    assert len(_tokens(data / "projection.duckdb")) == 2
    assert _tokens(tmp_path / "after-restart.duckdb") == _tokens(data / "projection.duckdb")
    assert compare(data / "projection.duckdb", tmp_path / "after-restart.duckdb")["tokens"]

    down = _jost("tokens", "list", url=again.url, token=admin, state=state)
    assert down.returncode == 1 and "no platform answers" in down.stderr
    output = (tmp_path / "up.log").read_text()
    for secret in (alice, bob["token"]):  # jost up's output never shows an issued key
        assert secret not in output
    assert "undecodable" not in output  # the workers pass over the token facts in the log


def test_the_registry_reads_the_intake_and_the_fold_and_follows_every_change(tmp_path: Path):
    """No server: what the API admits, whether a fact was recorded here (the intake, before the
    answer) or only folded from the log (another replica's, or a replayed file), and that a
    change is seen by the very next lookup."""
    projection = Projection(tmp_path / "p.duckdb")
    try:
        registry = TokenRegistry([Token(key="configured", admin=True)], projection)
        assert registry.principal("configured") == Principal(
            owner=key_digest("configured")[:32], admin=True
        )
        here, there = new_key(), new_key()
        ours = _issue("ours", here)
        assert registry.principal(here) is None
        assert projection.record_token(ours)  # recorded: admitted at once, before any fold
        assert registry.principal(here) == Principal(
            owner=key_digest(here)[:32], admin=False, name="ours"
        )
        assert not projection.record_token(_issue("ours", new_key()))  # the name is taken
        # Folded from the log only.
        logged = [ours, _issue("theirs", there, admin=True)]
        projection.apply(Record(TOPICS.events, 0, i, encode(f)) for i, f in enumerate(logged))
        assert registry.principal(there) == Principal(
            owner=key_digest(there)[:32], admin=True, name="theirs"
        )
        assert not projection.record_token(_issue("theirs", new_key()))  # taken in the fold
        # Revoked here (not folded yet), and revoked in the log only.
        assert projection.record_token(_revoke("ours"))
        assert registry.principal(here) is None
        projection.apply([Record(TOPICS.events, 0, 2, encode(_revoke("theirs")))])
        assert registry.principal(there) is None
        assert [(i.name, i.admin, i.revoked_at is not None) for i in registry.issued()] == [
            ("ours", False, True),
            ("theirs", True, True),
        ]
        assert registry.principal("configured") is not None
        assert registry.principal("") is None and registry.principal(here + " ") is None
    finally:
        projection.close()


def _issue(name: str, key: str, admin: bool = False) -> TokenIssued:
    return TokenIssued(
        event_id=event_id(f"token/{name}", "TokenIssued"),
        name=name,
        digest=key_digest(key),
        admin=admin,
        at=now(),
    )


def _revoke(name: str) -> TokenRevoked:
    return TokenRevoked(event_id=event_id(f"token/{name}", "TokenRevoked"), name=name, at=now())


def test_the_cli_says_a_malformed_address_is_one_and_exits_2(tmp_path: Path):
    """Bad input, as ``jost login`` says it: no traceback, no 'no platform answers'."""
    for url in ("http://[::1", "not-a-url", "ftp://127.0.0.1:1", "http://127.0.0.1:port"):
        for args in (("tokens", "list"), ("tokens", "revoke", "alice")):
            out = _jost(*args, url=url, token=ADMIN_TOKEN, state=tmp_path)
            assert out.returncode == 2, (url, args, out.stderr)
            assert out.stderr.startswith(f"jost: {url!r} is not a platform address"), out.stderr
            assert "Traceback" not in out.stderr


def test_the_cli_says_a_token_that_cannot_be_one_and_exits_2(tmp_path: Path):
    """A key is printable ASCII (an HTTP header carries nothing else) and not blank: anything
    else is bad input, said before anything is sent, never a traceback nor 'no platform
    answers'."""
    for token in ("é", "abc\ndef", "   "):
        out = _jost("tokens", "list", url="http://127.0.0.1:1", token=token, state=tmp_path)
        assert out.returncode == 2, (token, out.stderr)
        assert out.stderr.startswith("jost: the token given is not one"), out.stderr
        assert token not in out.stderr  # a secret, even a malformed one, is never echoed

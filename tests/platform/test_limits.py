"""The API is bounded (issue 12, item 6), over a real granian server on the embedded broker:
the token is checked before the body is read, oversized bodies are 413, deeply nested JSON is
400 (never a 500), and /api/sql/ answers stay within their byte cap, time limit and memory."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
from conftest import ADMIN_TOKEN, USER_TOKEN, ApiServer

from jost.platform.api.limits import MAX_BODY_BYTES, MAX_DEPTH
from jost.platform.api.sql import MAX_ANSWER_BYTES

PROBLEM = "application/problem+json"
JSON = {"Content-Type": "application/json"}
POSTS = ["/api/submit/", "/api/sql/", "/api/exact/", "/api/jobs/no-such-job/cancel/"]
SQL_SECONDS = 5.0  # ApiSettings.sql_seconds, the API's default
MiB = 1024 * 1024


def _nested(levels: int) -> bytes:
    return b"[" * levels + b"]" * levels


def _post(api: ApiServer, path: str, body: bytes, token: str | None) -> httpx.Response:
    # A client per request: a 413 closes its connection (the rest of the body is unread).
    with api.client(token) as c:
        return c.post(path, content=body, headers=JSON)


def _problem(r: httpx.Response, status: int, slug: str | None = None) -> dict:
    assert r.status_code == status, r.text[:300]
    assert r.headers["content-type"].startswith(PROBLEM)
    problem = r.json()
    assert problem["status"] == status
    if slug is not None:
        assert problem["type"] == f"https://jost.invalid/problems/{slug}", problem
    return problem


# -- the body: authentication first, then size and depth ------------------------------------------


def test_nested_json_is_never_a_server_error(api: ApiServer) -> None:
    huge = _nested(100_000)  # 200 kB: over the size limit
    deep = _nested(30_000)  # 60 kB: under it, 30,000 levels deep
    assert len(huge) > MAX_BODY_BYTES > len(deep)
    for path in POSTS:
        admin_only = path == "/api/sql/"
        # No token: 401 whatever the body.
        _problem(_post(api, path, huge, None), 401, "unauthenticated")
        _problem(_post(api, path, deep, None), 401, "unauthenticated")
        # A player's token: 403 on the admin route before the body is looked at.
        if admin_only:
            _problem(_post(api, path, huge, USER_TOKEN), 403, "admin-only")
            _problem(_post(api, path, deep, USER_TOKEN), 403, "admin-only")
        else:
            _problem(_post(api, path, huge, USER_TOKEN), 413, "body-too-large")
            p = _problem(_post(api, path, deep, USER_TOKEN), 400, "too-deeply-nested")
            assert p["field"] == "$" and str(MAX_DEPTH) in p["detail"]
        _problem(_post(api, path, huge, ADMIN_TOKEN), 413, "body-too-large")
        _problem(_post(api, path, deep, ADMIN_TOKEN), 400, "too-deeply-nested")
    # Objects nest too, and brackets inside strings are text, not nesting.
    objects = b'{"a":' * 10_000 + b"1" + b"}" * 10_000
    _problem(_post(api, "/api/exact/", objects, ADMIN_TOKEN), 400, "too-deeply-nested")
    text = b'{"rounds": 20000, "seed": "' + b"[" * 1000 + b'"}'
    p = _problem(_post(api, "/api/submit/", text, ADMIN_TOKEN), 400, "invalid-body")
    assert p["field"] == "$.seed"  # reached the decoder: a type error, not a depth error
    # The server is still up and sane.
    assert httpx.get(f"{api.url}/api/health/").status_code == 200


def test_garbage_on_sql_is_refused_by_the_token_first(api: ApiServer) -> None:
    for body in (b"garbage{", b"\xff\xfe", _nested(50)):
        _problem(_post(api, "/api/sql/", body, None), 401, "unauthenticated")
        _problem(_post(api, "/api/sql/", body, "Token not-a-token"), 401)
        _problem(_post(api, "/api/sql/", body, USER_TOKEN), 403, "admin-only")
    _problem(_post(api, "/api/sql/", b"garbage{", ADMIN_TOKEN), 400)


def test_oversized_bodies_are_413_and_a_body_under_the_limit_is_validated(api: ApiServer) -> None:
    two_mb = b'{"rounds": 20000, "pad": "' + b"x" * (2 * MiB) + b'"}'
    for path in POSTS:
        p = _problem(_post(api, path, two_mb, ADMIN_TOKEN), 413, "body-too-large")
        assert p["detail"] == f"the body is larger than {MAX_BODY_BYTES} bytes"
    # Just over a mebibyte was a 503 (the API took it, the log refused it): now a 413.
    one_mb = b'{"rounds": 20000, "pad": "' + b"x" * MiB + b'"}'
    _problem(_post(api, "/api/submit/", one_mb, ADMIN_TOKEN), 413, "body-too-large")
    # A body without Content-Length (chunked) is counted as it arrives.
    with api.client(ADMIN_TOKEN) as c:
        chunks = (b" " * 10_000 for _ in range(20))
        r = c.post("/api/submit/", content=chunks, headers=JSON)
    _problem(r, 413, "body-too-large")
    # Just under the limit: the body reaches the config decoder, which names the bad field.
    pad = MAX_BODY_BYTES - len(b'{"rounds": 20000, "pad": ""}') - 10
    under = b'{"rounds": 20000, "pad": "' + b"x" * pad + b'"}'
    assert MAX_BODY_BYTES - 100 < len(under) <= MAX_BODY_BYTES
    p = _problem(_post(api, "/api/submit/", under, ADMIN_TOKEN), 400, "invalid-body")
    assert "unknown field `pad`" in p["detail"]
    # No token: 401 before the size is looked at.
    _problem(_post(api, "/api/submit/", two_mb, None), 401, "unauthenticated")


# -- /api/sql/: bytes, time, memory ---------------------------------------------------------------


def _sql(c: httpx.Client, sql: str, max_rows: int = 10_000) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    r = c.post("/api/sql/", json={"sql": sql, "max_rows": max_rows})
    return r, time.monotonic() - started


def test_sql_answers_are_capped_in_bytes(api: ApiServer) -> None:
    with api.client(ADMIN_TOKEN) as c:
        # 10,000 rows of a megabyte each: 10 GB; took the API to 3.6 GB before.
        r, seconds = _sql(c, "SELECT repeat('x', 1000000) AS x FROM range(10000)")
        print(f"10,000 rows of 1 MB: {r.status_code}, {len(r.content)} bytes, {seconds:.2f} s")
        assert r.status_code == 200, r.text[:300]
        answer = r.json()
        assert answer["truncated"] is True
        assert len(answer["rows"]) == 4  # 4 rows of 1,000,004 bytes fit in 4 MiB, 5 do not
        assert len(r.content) <= MAX_ANSWER_BYTES + 200
        assert seconds < 2.0, seconds
        # Many small rows: as many as fit.
        r, seconds = _sql(c, "SELECT repeat('y', 1000) AS y FROM range(10000)")
        answer = r.json()
        assert answer["truncated"] is True
        assert len(answer["rows"]) == (MAX_ANSWER_BYTES - len(b'["y"]')) // len(
            b'["' + b"y" * 1000 + b'"],'
        )
        assert MAX_ANSWER_BYTES - 1100 < len(r.content) <= MAX_ANSWER_BYTES + 200
        assert seconds < 2.0, seconds
        # One value larger than the cap: no rows, truncated.
        r, _ = _sql(c, "SELECT repeat('z', 5000000) AS z")
        assert r.json()["rows"] == [] and r.json()["truncated"] is True
        # Under the caps nothing changes: names as written (duplicates too), order, types.
        r, _ = _sql(c, "SELECT range AS a, range * 2 AS a FROM range(3) ORDER BY range DESC;")
        assert r.json() == {
            "columns": ["a", "a"],
            "rows": [[2, 4], [1, 2], [0, 0]],
            "truncated": False,
            "seconds": r.json()["seconds"],
        }
        r, _ = _sql(c, "SELECT * FROM range(5)", max_rows=3)
        assert r.json()["rows"] == [[0], [1], [2]] and r.json()["truncated"] is True


def test_sql_time_limit_covers_the_whole_request(api: ApiServer) -> None:
    with api.client(ADMIN_TOKEN) as c:
        for sql in (
            # Slow to compute.
            "SELECT count(*) FROM range(100000000000) a WHERE a.range % 7 = 3",
            # Slow to produce its first row (the top ten of a trillion).
            "SELECT hash(i) FROM range(1000000000000) t(i) ORDER BY 1 LIMIT 10",
        ):
            r, seconds = _sql(c, sql)
            print(f"{sql[:40]}...: {r.status_code} after {seconds:.2f} s")
            _problem(r, 408, "sql-timeout")
            assert SQL_SECONDS - 0.2 < seconds < SQL_SECONDS + 1.5, (sql, seconds)


def _rss_kib(pid: int) -> tuple[int, int]:
    """VmRSS and VmHWM (peak) in KiB of the server's process tree (granian and its worker)."""
    rss = hwm = 0
    pids = [pid]
    while pids:
        p = pids.pop()
        status = dict(
            line.split(":", 1) for line in Path(f"/proc/{p}/status").read_text().splitlines()
        )
        rss += int(status["VmRSS"].split()[0])
        hwm += int(status["VmHWM"].split()[0])
        children = Path(f"/proc/{p}/task/{p}/children").read_text().split()
        pids += [int(child) for child in children]
    return rss, hwm


RSS_AFTER_MIB = 512
"""The API's resident memory once heavy queries are over (about 220 MiB at rest)."""
PEAK_MIB = 1024
"""Its peak through them (it reached 3.6 GB on one query before the caps)."""


def test_sql_memory_stays_bounded(api: ApiServer) -> None:
    with api.client(ADMIN_TOKEN) as c:
        heavy = {
            "SELECT repeat('x', 1000000) FROM range(10000)": 200,
            "SELECT range(100000) FROM range(10000)": 200,
            # Its working set passes DuckDB's memory_limit: refused, not grown.
            "SELECT list(repeat('y', 1000)) FROM range(1000000)": 422,
        }
        for sql, status in heavy.items():
            r, _ = _sql(c, sql)
            assert r.status_code == status, (sql, r.text)
            assert len(r.content) <= MAX_ANSWER_BYTES + 200
        time.sleep(2.0)  # DuckDB's allocator hands freed memory back in the background
        rss, peak = _rss_kib(api.proc.pid)
        print(f"API after heavy SQL: VmRSS {rss // 1024} MiB, VmHWM {peak // 1024} MiB")
        assert rss < RSS_AFTER_MIB * 1024, rss
        assert peak < PEAK_MIB * 1024, peak
        # And it still answers.
        assert _sql(c, "SELECT 1")[0].json()["rows"] == [[1]]

"""The workbench's forms as an attacker or a careless client sends them (plain HTTP, no
browser): cross-site writes, planted sessions, forged redirects, bad configs posted past the
page's script, idempotent resubmission, cancelling, the history's filter and pages."""

from __future__ import annotations

import re
from html import unescape

import httpx
import pytest
from conftest import ADMIN_TOKEN, OTHER_TOKEN, USER_TOKEN, Platform, wait_for

TINY = {"rules": {"decks": 2}, "rounds": 2_000, "shard_rounds": 1_000, "seed": 5}


class Browser:
    """An HTTP client holding a workbench session, as a browser would."""

    def __init__(self, url: str, token: str = USER_TOKEN) -> None:
        self.client = httpx.Client(base_url=url, timeout=30)
        answer = self.client.post("/workbench/sign-in", data={"token": token})
        assert answer.status_code == 303, answer.text
        self.csrf = self.token_on("/workbench/runner/")

    def token_on(self, path: str) -> str:
        html = self.client.get(path).text
        return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)

    def run(self, config: str, key: str = "key-1", **extra: str) -> httpx.Response:
        form = {"config": config, "idempotency_key": key, "csrf_token": self.csrf, **extra}
        return self.client.post("/workbench/runner/", data=form)

    def close(self) -> None:
        self.client.close()


@pytest.fixture
def browser(platform: Platform) -> Browser:
    b = Browser(platform.url)
    yield b
    b.close()


def _jobs(platform: Platform, token: str = USER_TOKEN) -> list[dict]:
    with platform.api.client(token) as client:
        return client.get("/api/jobs/", params={"limit": 500}).json()["jobs"]


def _job_ids(platform: Platform) -> list[str]:
    """The user's jobs (ids only: an earlier test's job may still be running)."""
    return [j["job_id"] for j in _jobs(platform)]


def _config_error(html: str) -> tuple[str, str]:
    found = re.search(r'id="config-error" data-field="([^"]*)"[^>]*>(.*?)</p>', html, re.S)
    assert found, html
    return found.group(1), html_text(found.group(2))


def html_text(fragment: str) -> str:
    return unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


def _editor(html: str) -> str:
    return unescape(re.search(r'<textarea id="config"[^>]*>(.*?)</textarea>', html, re.S).group(1))


def test_forms_without_the_sessions_csrf_token_change_nothing(
    platform: Platform, browser: Browser
) -> None:
    before = _job_ids(platform)
    body = {"config": '{"rounds": 2000, "shard_rounds": 1000}', "idempotency_key": "k"}
    missing = browser.client.post("/workbench/runner/", data=body)
    wrong = browser.client.post("/workbench/runner/", data={**body, "csrf_token": "x" * 43})
    odd = browser.client.post("/workbench/runner/", data={**body, "csrf_token": "é" * 43})
    # Another signed-in user's token is not this session's.
    other = Browser(platform.url, OTHER_TOKEN)
    theirs = browser.client.post("/workbench/runner/", data={**body, "csrf_token": other.csrf})
    other.close()
    for answer in (missing, wrong, odd, theirs):
        assert answer.status_code == 403
        assert "CSRF token" in answer.text
    assert _job_ids(platform) == before


def test_writes_from_another_origin_are_refused(platform: Platform, browser: Browser) -> None:
    before = _job_ids(platform)
    # Another port of the same host: the same site for SameSite, another origin.
    evil = {"Origin": "http://127.0.0.1:1"}
    answer = browser.client.post(
        "/workbench/runner/",
        data={"config": '{"rounds": 2000}', "csrf_token": browser.csrf},
        headers=evil,
    )
    assert answer.status_code == 403
    assert "cross-origin" in answer.text
    signing_in = httpx.post(
        f"{platform.url}/workbench/sign-in", data={"token": USER_TOKEN}, headers=evil
    )
    assert signing_in.status_code == 403
    assert "set-cookie" not in signing_in.headers
    assert _job_ids(platform) == before
    # The page's own origin is admitted.
    same = browser.run(
        '{"rounds": 2000, "shard_rounds": 1000}', key="same-origin", csrf_token=browser.csrf
    )
    assert same.status_code == 303


def test_a_planted_session_id_is_never_adopted(platform: Platform) -> None:
    client = httpx.Client(base_url=platform.url)
    client.cookies.set("jost_workbench", "planted-by-another-page", path="/workbench")
    answer = client.post("/workbench/sign-in", data={"token": USER_TOKEN})
    assert answer.status_code == 303
    given = answer.cookies["jost_workbench"]
    assert given != "planted-by-another-page" and len(given) >= 40
    planted = httpx.get(
        f"{platform.url}/workbench/jobs/", cookies={"jost_workbench": "planted-by-another-page"}
    )
    assert planted.status_code == 303
    client.close()


@pytest.mark.parametrize(
    ("target", "lands"),
    [
        ("/workbench/jobs/?status=failed", "/workbench/jobs/?status=failed"),
        ("//evil.example/workbench/", "/workbench/"),
        ("https://evil.example/", "/workbench/"),
        ("/workbench\\..\\x", "/workbench/"),
        ("/api/sql/", "/workbench/"),
        # No header of the attacker's making: the line break stays in the path, encoded.
        ("/workbench/\r\nSet-Cookie: x=1", "/workbench/%0D%0ASet-Cookie:%20x=1"),
    ],
)
def test_sign_in_goes_back_only_to_workbench_pages(
    platform: Platform, target: str, lands: str
) -> None:
    answer = httpx.post(
        f"{platform.url}/workbench/sign-in", data={"token": USER_TOKEN, "next": target}
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == lands
    assert [c for c in answer.headers.get_list("set-cookie") if "x=1" in c] == []


def test_a_config_posted_past_the_pages_check_is_refused_at_its_field(
    platform: Platform, browser: Browser
) -> None:
    before = _job_ids(platform)
    cases = [
        ('{"rules": {"decks": 0}}', "$.rules.decks", "Expected `int` >= 1"),
        ('{"rules": {"decks": 6', "$", "malformed JSON"),
        ('{"rules": {"surrender": "sometimes"}}', "$.rules.surrender", "Invalid enum value"),
        ('{"rounds": 2000, "oops": 1}', "$", "unknown field `oops`"),
        ("[" * 40 + "]" * 40, "$", "nests deeper than 32 levels"),
    ]
    for text, field, says in cases:
        answer = browser.run(text)
        assert answer.status_code == 400, text
        shown_field, shown = _config_error(answer.text)
        assert (shown_field, says in shown) == (field, True), (text, shown)
        assert _editor(answer.text) == text  # the editor keeps what was typed
    assert _job_ids(platform) == before


def test_the_same_form_sent_twice_is_one_job(platform: Platform, browser: Browser) -> None:
    text = '{"rules": {"decks": 1}, "rounds": 2000, "shard_rounds": 1000, "seed": 9}'
    first = browser.run(text, key="twice")
    again = browser.run(text, key="twice")
    assert first.status_code == again.status_code == 303
    assert first.headers["location"] == again.headers["location"]
    job_id = first.headers["location"].rstrip("/").rsplit("/", 1)[1]
    assert [j["job_id"] for j in _jobs(platform)].count(job_id) == 1
    # The key bound to another config: said at the key, and a fresh key offered.
    changed = browser.run(text.replace('"seed": 9', '"seed": 10'), key="twice")
    assert changed.status_code == 409
    field, said = _config_error(changed.text)
    assert field == "Idempotency-Key" and "another config" in said
    assert 'name="idempotency_key" value="twice"' not in changed.text


def test_status_and_cancel_from_the_job_page(platform: Platform, browser: Browser) -> None:
    # Large enough to be running when it is cancelled.
    big = '{"rounds": 400000000, "shard_rounds": 100000000, "seed": 1}'
    job_url = browser.run(big, key="to-cancel").headers["location"]
    status = browser.client.get(job_url + "status").json()
    assert status["status"] in ("submitted", "running")
    page = browser.client.get(job_url).text
    assert 'id="cancel"' in page
    cancelled = browser.client.post(job_url + "cancel", data={"csrf_token": browser.csrf})
    assert cancelled.status_code == 303
    assert browser.client.get(job_url + "status").json()["status"] == "cancelled"
    again = browser.client.post(job_url + "cancel", data={"csrf_token": browser.csrf})
    assert again.status_code == 409
    assert "already cancelled" in again.text


def test_history_filters_by_status_and_pages(platform: Platform, browser: Browser) -> None:
    with platform.api.client() as client:
        ids = [
            client.post("/api/submit/", json={**TINY, "seed": seed}).json()["job_id"]
            for seed in range(100, 125)
        ]
    wait_for(
        lambda: {j["job_id"] for j in _jobs(platform) if j["status"] == "completed"} >= set(ids),
        60,
        "25 tiny jobs to complete",
    )
    every = _job_ids(platform)
    listed: list[str] = []
    path = "/workbench/jobs/?status=completed"
    while path:
        html = browser.client.get(path).text
        listed += re.findall(r'<tr data-job="([^"]+)"', html)
        older = re.search(r'id="older" href="([^"]+)"', html)
        path = older.group(1).replace("&amp;", "&") if older else ""
    completed = {j["job_id"] for j in _jobs(platform) if j["status"] == "completed"}
    assert listed == [j for j in every if j in completed]  # newest first, each once
    assert len(listed) >= 25
    running = browser.client.get("/workbench/jobs/?status=failed").text
    assert re.findall(r'<tr data-job="([^"]+)"', running) == []


def _sql(platform: Platform, sql: str) -> list[list]:
    with platform.api.client(ADMIN_TOKEN) as client:
        return client.post("/api/sql/", json={"sql": sql}).json()["rows"]


def test_health_counts_the_log_the_projection_and_the_running_jobs(
    platform: Platform, browser: Browser
) -> None:
    job_url = browser.run(
        '{"rounds": 400000000, "shard_rounds": 100000000, "seed": 2}', key="health"
    ).headers["location"]
    wait_for(
        lambda: browser.client.get(job_url + "status").json()["status"] == "running",
        30,
        "the job to run",
    )
    html = browser.client.get("/workbench/health/").text
    cell = {
        name: html_text(re.search(rf'<td id="{name}">(.*?)</td>', html, re.S).group(1))
        for name in ("broker", "workers", "lag", "running")
    }
    assert cell["broker"].startswith("reachable") and "jost.events" in cell["broker"]
    assert "DescribeGroups" in cell["workers"]  # the embedded broker cannot say
    running = _sql(platform, "SELECT count(*) FROM jobs WHERE status = 'running'")[0][0]
    assert cell["running"].startswith(f"{running} running") and running >= 1
    behind, folded, in_log = map(
        int,
        re.fullmatch(
            r"(\d+) events not yet folded \((\d+) of (\d+) in the log\)", cell["lag"]
        ).groups(),
    )
    assert behind == in_log - folded and in_log > 0
    browser.client.post(job_url + "cancel", data={"csrf_token": browser.csrf})

    def settled() -> bool:
        # Once the log is quiet, every event in it is folded and archived once.
        lag = re.search(r'<td id="lag">(\d+) events not yet folded \((\d+) of (\d+)', _page())
        archived = _sql(platform, "SELECT count(*) FROM events")[0][0]
        return lag is not None and lag.groups() == ("0", str(archived), str(archived))

    def _page() -> str:
        return browser.client.get("/workbench/health/").text

    wait_for(settled, 60, "the projection to fold the whole log")


def test_what_a_job_carries_is_shown_as_text_never_as_markup(
    platform: Platform, browser: Browser
) -> None:
    key = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
    with platform.api.client() as client:
        job_id = client.post("/api/submit/", json=TINY, headers={"Idempotency-Key": key}).json()[
            "job_id"
        ]
    wait_for(
        lambda: (
            browser.client.get(f"/workbench/jobs/{job_id}/status").json()["status"] == "completed"
        ),
        30,
        "the job to complete",
    )
    html = browser.client.get(f"/workbench/jobs/{job_id}/").text
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;&lt;script&gt;alert(2)" in html
    # A config typed into the runner comes back escaped in the editor too.
    answer = browser.run('{"x": "</textarea><script>alert(3)</script>"}')
    assert answer.status_code == 400
    assert "<script>alert(3)" not in answer.text


def _multipart(fields: dict[str, bytes], headers: dict[str, str] | None = None) -> dict:
    """A multipart/form-data body written by hand (a client may send any bytes, declare any
    charset)."""
    parts = b""
    for name, value in fields.items():
        extra = "".join(f"\r\n{k}: {v}" for k, v in (headers or {}).items() if name == "config")
        parts += (
            f'--XX\r\nContent-Disposition: form-data; name="{name}"{extra}\r\n\r\n'.encode()
            + value
            + b"\r\n"
        )
    return {
        "content": parts + b"--XX--\r\n",
        "headers": {"Content-Type": "multipart/form-data; boundary=XX"},
    }


@pytest.mark.parametrize(
    ("raw", "headers"),
    [
        (b'{"rounds": 2000, "seed": "\xff\xfe"}', None),  # not UTF-8
        (b'{"rounds": 2000}', {"Content-Type": "text/plain; charset=no-such-charset"}),
    ],
)
def test_a_form_that_is_not_text_is_the_clients_error_not_the_servers(
    platform: Platform, browser: Browser, raw: bytes, headers: dict[str, str] | None
) -> None:
    before = _job_ids(platform)
    # Signed in, the CSRF token right: the config's bytes are at fault.
    signed_in = browser.client.post(
        "/workbench/runner/",
        **_multipart(
            {"csrf_token": browser.csrf.encode(), "config": raw, "idempotency_key": b"enc"},
            headers,
        ),
    )
    # Nobody signed in: the sign-in form is read before any token is checked.
    anonymous = httpx.post(
        f"{platform.url}/workbench/sign-in",
        **_multipart({"token": USER_TOKEN.encode(), "config": raw}, headers),
    )
    for answer in (signed_in, anonymous):
        assert answer.status_code == 400, answer.text
        assert "the form is not text" in html_text(answer.text)
    assert "set-cookie" not in anonymous.headers
    assert _job_ids(platform) == before


def test_behind_a_tls_proxy_the_pages_own_https_origin_is_admitted(platform: Platform) -> None:
    """The Procfile serves plain HTTP behind the host's TLS proxy, which says the browser's
    scheme in X-Forwarded-Proto (a header no page of another site can add to a form post)."""
    host = platform.url.removeprefix("http://")
    proxied = {"Origin": f"https://{host}", "X-Forwarded-Proto": "https"}
    answer = httpx.post(
        f"{platform.url}/workbench/sign-in", data={"token": USER_TOKEN}, headers=proxied
    )
    assert answer.status_code == 303, answer.text
    cookie = answer.headers["set-cookie"].lower()
    assert "secure" in cookie.split("; ")  # the cookie never travels in clear
    # Through two proxies: the first (leftmost) is where the browser's TLS ended.
    chained = {**proxied, "X-Forwarded-Proto": "https, http"}
    assert (
        httpx.post(
            f"{platform.url}/workbench/sign-in", data={"token": USER_TOKEN}, headers=chained
        ).status_code
        == 303
    )
    # Still one origin only: http on a TLS-proxied platform, or https without the proxy.
    for headers in (
        {"Origin": f"http://{host}", "X-Forwarded-Proto": "https"},
        {"Origin": f"https://{host}"},
        {"Origin": f"https://{host}", "X-Forwarded-Proto": "gopher"},
    ):
        refused = httpx.post(
            f"{platform.url}/workbench/sign-in", data={"token": USER_TOKEN}, headers=headers
        )
        assert refused.status_code == 403, headers
        assert "set-cookie" not in refused.headers


def test_the_header_names_an_issued_token_by_its_name(platform: Platform) -> None:
    with platform.api.client(ADMIN_TOKEN) as client:
        key = client.post("/api/tokens/", json={"name": "erin"}).json()["token"]
    erin = Browser(platform.url, key)
    who = re.search(r'<span class="who">(.*?)</span>', erin.client.get("/workbench/jobs/").text)
    erin.close()
    assert who is not None and html_text(who.group(1)) == "player erin"
    # A configured token has no name: the start of its owner's digest stands for it.
    configured = Browser(platform.url, USER_TOKEN)
    html = configured.client.get("/workbench/jobs/").text
    configured.close()
    assert re.fullmatch(r"player [0-9a-f]{8}", html_text(re.search(r'"who">(.*?)<', html)[1]))


def test_a_key_no_header_could_carry_is_refused_at_the_key(
    platform: Platform, browser: Browser
) -> None:
    """The API's Idempotency-Key is a header, which carries no control characters: the form
    is held to the same, so no key with a line break or NUL lands in the log."""
    before = _job_ids(platform)
    for key in ("a\r\nX-Injected: 1", "nul\x00", "tab\there"):
        answer = browser.run('{"rounds": 2000, "shard_rounds": 1000}', key=key)
        assert answer.status_code == 400, key
        field, said = _config_error(answer.text)
        assert field == "Idempotency-Key" and "control characters" in said
    assert _job_ids(platform) == before
    # Any other text is a key, as in the header (UTF-8 included).
    assert browser.run('{"rounds": 2000, "shard_rounds": 1000}', key="clé 1").status_code == 303

"""The workbench in a real browser (Debian's chromium, headless, driven by Playwright) against
a real platform: sign in, run a job from the runner, follow it, open it from the history,
read its result, chart and audit trail. A screenshot of each page is kept under
artifacts/workbench/. Every test runs with the network cut off from everything but the
platform (the ``context`` fixture fails a test whose pages asked anything of elsewhere)."""

from __future__ import annotations

import json
import re
import uuid

import httpx
from conftest import (
    ADMIN_TOKEN,
    OTHER_TOKEN,
    USER_TOKEN,
    Offline,
    Platform,
    screenshot,
    sign_in,
)
from playwright.sync_api import Browser, Page, Request, expect

from jost.platform.workbench.views import percent


def _edit_config(page: Page, **changes: object) -> dict:
    """Change top-level fields of the config in the editor; returns the config."""
    config = json.loads(page.input_value("#config"))
    config.update(changes)
    page.fill("#config", json.dumps(config, indent=2))
    return config


def _job_ids(platform: Platform, token: str = USER_TOKEN) -> list[str]:
    with platform.api.client(token) as client:
        page = client.get("/api/jobs/", params={"limit": 500}).json()
    return [job["job_id"] for job in page["jobs"]]


def test_run_a_counted_job_follow_it_and_read_it_from_the_history(
    page: Page, platform: Platform
) -> None:
    page.goto(f"{platform.url}/workbench/sign-in")
    screenshot(page, "1-sign-in")
    sign_in(page, platform.url, USER_TOKEN)

    page.select_option("#profile", "hilo-i18-6d-s17-das-ls-1-12")
    assert '"system": "hi_lo"' in page.input_value("#config")
    # Two shards (its trips of 10,000 rounds must fit in one).
    _edit_config(page, rounds=20_000, shard_rounds=10_000, seed=11)
    screenshot(page, "2-runner")
    page.click("#submit-job")

    page.wait_for_url(re.compile(r".*/workbench/jobs/[0-9a-f-]+/$"))
    job_id = page.url.rstrip("/").rsplit("/", 1)[1]
    # Live status, then the result once done (the page follows the job by itself).
    expect(page.locator("#job-state")).to_have_text("completed", timeout=60_000)
    expect(page.locator("#chart svg")).to_be_visible()
    expect(page.locator("#shards")).to_have_text("2/2")
    screenshot(page, "3-job-done")

    page.click("nav >> text=History")
    row = page.locator(f"tr[data-job='{job_id}']")
    expect(row).to_contain_text("completed")
    expect(row).to_contain_text("6D S17 DAS 3:2 LS 75%")
    expect(row).to_contain_text("20,000")
    screenshot(page, "4-history")
    row.locator("a").click()
    page.wait_for_url(f"{platform.url}/workbench/jobs/{job_id}/")

    with platform.api.client() as client:
        result = client.get(f"/api/results/{job_id}/").json()
        logged = client.get(f"/api/jobs/{job_id}/events/").json()["events"]
    summary = result["summary"]
    expect(page.locator("#ev")).to_contain_text(percent(summary["ev"], 4))
    # The audit trail: every event of the job, in log order, with its time.
    kinds = page.locator("#events tbody tr td:nth-child(2)").all_inner_texts()
    assert kinds == [e["event"]["kind"] for e in logged]
    assert kinds[:2] == ["JobSubmitted", "JobPlanned"]
    assert kinds.count("ShardCompleted") == 2 and kinds[-1] == "JobCompleted"
    times = page.locator("#events tbody tr td:nth-child(3)").all_inner_texts()
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} UTC", t) for t in times)
    # The chart: a point and a bar per true-count bin the job dealt.
    counts = {row["true_count"] for row in summary["by_true_count"] if row["frequency"] > 0}
    bins = {min(max(c, -6), 10) for c in counts}
    assert page.locator("#chart svg circle.ev").count() == len(bins)
    assert page.locator("#chart svg rect.bar").count() == len(bins)
    screenshot(page, "5-job-from-history")

    page.click("nav >> text=Health")
    expect(page.locator("#broker")).to_contain_text("reachable")
    expect(page.locator("#lag")).to_contain_text("not yet folded")
    # The embedded broker cannot describe groups: the page says so rather than guess.
    expect(page.locator("#workers")).to_contain_text("DescribeGroups")
    screenshot(page, "6-health")


def test_a_flat_job_shows_the_exact_ev_beside_the_simulated_one(
    page: Page, platform: Platform
) -> None:
    sign_in(page, platform.url, USER_TOKEN)
    page.select_option("#profile", "basic-6d-s17-das-flat")
    _edit_config(page, rounds=20_000, shard_rounds=10_000, seed=3)
    page.click("#submit-job")
    expect(page.locator("#job-state")).to_have_text("completed", timeout=60_000)
    job_id = page.url.rstrip("/").rsplit("/", 1)[1]
    with platform.api.client() as client:
        exact = client.get(f"/api/results/{job_id}/").json()["exact"]
    expect(page.locator("#ev-exact")).to_have_text(percent(exact["ev_exact"], 4))
    assert page.locator("#chart").count() == 0  # no count, no chart by count


def test_invalid_json_and_invalid_configs_show_the_error_beside_the_field(
    page: Page, platform: Platform
) -> None:
    sign_in(page, platform.url, USER_TOKEN)
    before = _job_ids(platform)
    posts: list[str] = []

    def record(request: Request) -> None:
        if request.method == "POST":
            posts.append(request.url.removeprefix(platform.url))

    page.on("request", record)

    page.fill("#config", '{"rules": {"decks": 6,')
    page.click("#submit-job")
    error = page.locator("#config-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("malformed JSON")
    assert posts == []  # malformed JSON never leaves the browser
    expect(page.locator("#config")).to_have_attribute("aria-invalid", "true")
    screenshot(page, "7-runner-invalid-json")

    page.fill("#config", '{"rules": {"decks": 9}, "rounds": 20000}')
    page.click("#submit-job")
    expect(error).to_contain_text("Expected `int` <= 8 (line 1)")
    expect(error).to_have_attribute("data-field", "$.rules.decks")
    expect(error.locator(".at")).to_have_text("$.rules.decks")
    assert json.loads(page.input_value("#config")) == {"rules": {"decks": 9}, "rounds": 20000}
    screenshot(page, "8-runner-invalid-config")

    # Decodes, but cannot run: refused by the same check as the API's, at its field.
    page.fill("#config", '{"strategy": {"playing": "no-such-chart"}, "rounds": 20000}')
    page.click("#submit-job")
    expect(error).to_have_attribute("data-field", "$.strategy.playing")
    expect(error).to_contain_text("no-such-chart")

    # Each config was checked, none submitted.
    assert posts == ["/workbench/runner/check"] * 2
    assert _job_ids(platform) == before


def test_pages_without_a_session_redirect_to_sign_in_and_sign_out_ends_it(
    page: Page, platform: Platform
) -> None:
    for path in ("/workbench/", "/workbench/runner/", "/workbench/jobs/", "/workbench/health/"):
        page.goto(platform.url + path)
        assert page.url.startswith(f"{platform.url}/workbench/sign-in?next="), path
        expect(page.locator("#token")).to_be_visible()

    page.goto(f"{platform.url}/workbench/jobs/?status=completed")
    page.fill("#token", USER_TOKEN)
    page.click("#sign-in")
    page.wait_for_url(f"{platform.url}/workbench/jobs/?status=completed")

    cookie = next(c for c in page.context.cookies() if c["name"] == "jost_workbench")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert cookie["path"] == "/workbench"

    page.click("#sign-out")
    page.wait_for_url(f"{platform.url}/workbench/sign-in")
    page.goto(f"{platform.url}/workbench/jobs/")
    assert page.url.startswith(f"{platform.url}/workbench/sign-in")
    # The old session id is gone from the server, not only from the browser.
    stale = httpx.get(
        f"{platform.url}/workbench/jobs/", cookies={"jost_workbench": cookie["value"]}
    )
    assert stale.status_code == 303
    assert stale.headers["location"].startswith("/workbench/sign-in")


def test_a_wrong_token_is_refused_at_sign_in(page: Page, platform: Platform) -> None:
    page.goto(f"{platform.url}/workbench/sign-in")
    page.fill("#token", "not-a-token")
    page.click("#sign-in")
    expect(page.locator("#token-error")).to_have_text("this token is not admitted")
    assert not [c for c in page.context.cookies() if c["name"] == "jost_workbench"]


def test_another_users_job_is_not_found(page: Page, platform: Platform) -> None:
    with platform.api.client(OTHER_TOKEN) as client:
        config = {"rules": {"decks": 2}, "rounds": 2_000, "shard_rounds": 1_000, "seed": 1}
        theirs = client.post("/api/submit/", json=config).json()["job_id"]
    sign_in(page, platform.url, USER_TOKEN)
    answer = page.goto(f"{platform.url}/workbench/jobs/{theirs}/")
    assert answer is not None and answer.status == 404
    expect(page.locator("#problem")).to_contain_text(f"no job {theirs}")
    status = page.request.get(f"{platform.url}/workbench/jobs/{theirs}/status")
    assert status.status == 404
    page.goto(f"{platform.url}/workbench/jobs/")
    assert page.locator(f"tr[data-job='{theirs}']").count() == 0
    screenshot(page, "9-not-found")


def test_pages_load_with_the_network_cut_off(
    page: Page, platform: Platform, offline: Offline
) -> None:
    sign_in(page, platform.url, USER_TOKEN)
    for path in ("runner/", "jobs/", "health/"):
        answer = page.goto(f"{platform.url}/workbench/{path}")
        # The browser itself is told to load nothing from elsewhere.
        assert answer is not None
        assert "default-src 'none'" in answer.headers["content-security-policy"]
        # The platform's own style sheet applied and its script ran.
        assert page.eval_on_selector("header", "e => getComputedStyle(e).display") == "flex"
        html = page.content()
        foreign = [u for u in re.findall(r"(?:src|href)=\"([^\"]+)\"", html) if "//" in u]
        assert foreign == [], path
    assert page.locator(".no-js").first.is_hidden()
    assert offline.elsewhere == []


def test_an_admin_issues_a_token_that_works_at_once_and_revokes_it(
    page: Page, platform: Platform, browser: Browser, offline: Offline
) -> None:
    name = f"alice-{uuid.uuid4().hex[:8]}"
    sign_in(page, platform.url, ADMIN_TOKEN)
    page.click("nav >> text=Tokens")
    page.fill("#name", name)
    page.click("#issue-token")
    key = page.inner_text("#new-token").strip()
    assert len(key) >= 20
    expect(page.locator(f"tr[data-token='{name}']")).to_contain_text("player")
    screenshot(page, "10-tokens")
    # Shown once: the list never shows it again.
    page.goto(f"{platform.url}/workbench/tokens/")
    assert key not in page.content()
    # The same name again: refused beside the field.
    page.fill("#name", name)
    page.click("#issue-token")
    expect(page.locator("#name-error")).to_contain_text("exists")

    with platform.api.client(key) as client:
        assert client.get("/api/jobs/").status_code == 200
    theirs = browser.new_context()
    theirs.route("**/*", offline.route)
    player = theirs.new_page()
    sign_in(player, platform.url, key)
    player.goto(f"{platform.url}/workbench/jobs/")
    expect(player.locator("#jobs")).to_be_visible()

    page.locator(f"tr[data-token='{name}'] button.revoke").click()
    page.wait_for_url(f"{platform.url}/workbench/tokens/")
    revoked = page.locator(f"tr[data-token='{name}'] td:nth-child(4)")
    expect(revoked).to_contain_text("UTC")
    # Refused at once: the open session on its next click, the API on its next request.
    player.goto(f"{platform.url}/workbench/jobs/")
    assert player.url.startswith(f"{platform.url}/workbench/sign-in")
    with platform.api.client(key) as client:
        assert client.get("/api/jobs/").status_code == 401
    player.fill("#token", key)
    player.click("#sign-in")
    expect(player.locator("#token-error")).to_be_visible()
    theirs.close()


def test_the_tokens_page_is_for_admins_only(page: Page, platform: Platform) -> None:
    sign_in(page, platform.url, USER_TOKEN)
    assert page.locator("nav >> text=Tokens").count() == 0
    answer = page.goto(f"{platform.url}/workbench/tokens/")
    assert answer is not None and answer.status == 403
    forged = page.request.post(
        f"{platform.url}/workbench/tokens/", form={"name": "mallory", "csrf_token": "x"}
    )
    assert forged.status == 403

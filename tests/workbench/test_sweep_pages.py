"""The workbench's sweeps in a real browser against a real platform: a sweep run from the
raw sweep runner, followed on its page to the end, its table equal to the API's, its chart a
point per point, its CSV the API's, its points linking to their jobs, the history listing it;
a sweep the config checks refuse, shown at its field with nothing recorded; a running sweep
cancelled from its page; another token's sweep not found. Screenshots under
artifacts/workbench/."""

from __future__ import annotations

import json
import re

from conftest import OTHER_TOKEN, USER_TOKEN, Platform, screenshot, sign_in
from playwright.sync_api import Page, expect

from jost.platform.workbench.views import percent

SWEEP_PAGE = re.compile(r".*/workbench/sweeps/[0-9a-f-]+/$")


def _sweep_ids(platform: Platform, token: str = USER_TOKEN) -> list[str]:
    with platform.api.client(token) as client:
        answer = client.get("/api/sweeps/", params={"limit": 500}).json()
    return [s["sweep_id"] for s in answer["sweeps"]]


def _edit_spec(page: Page, **changes: object) -> dict:
    """Change the sweep in the runner's editor: ``base`` fields and top-level ones."""
    spec = json.loads(page.input_value("#spec"))
    spec["base"].update(changes.pop("base", {}))
    spec.update(changes)
    page.fill("#spec", json.dumps(spec, indent=2))
    return spec


def test_a_sweep_run_followed_and_read_as_the_api_reads_it(page: Page, platform: Platform) -> None:
    sign_in(page, platform.url, USER_TOKEN)
    page.click("nav >> text=Sweeps")
    page.click("#new-sweep")
    page.select_option("#profile", "hilo-i18-6d-s17-das-ls-1-12")
    page.click("#load")
    spec = json.loads(page.input_value("#spec"))
    assert spec["axes"] == {"rules.penetration": [0.65, 0.75, 0.85]}
    assert spec["base"]["strategy"]["count"]["system"] == "hi_lo"
    # 4 points of 2 shards (trips of 10,000 rounds fit in a shard)
    _edit_spec(
        page,
        name="decks by penetration",
        base={"rounds": 20_000, "shard_rounds": 10_000, "seed": 5},
        axes={"rules.decks": [2, 6], "rules.penetration": [0.7, 0.8]},
    )
    screenshot(page, "sweep-1-runner")
    page.click("#submit-sweep")
    page.wait_for_url(SWEEP_PAGE)
    sweep_id = page.url.rstrip("/").rsplit("/", 1)[1]
    expect(page.locator("#sweep-state")).to_have_text("completed", timeout=120_000)
    expect(page.locator("#points")).to_have_text("4/4")
    expect(page.locator("#shards")).to_have_text("8/8")
    screenshot(page, "sweep-2-done")

    with platform.api.client() as client:
        results = client.get(f"/api/sweeps/{sweep_id}/results/").json()
        csv = client.get(f"/api/sweeps/{sweep_id}/results/", params={"format": "csv"}).text
    assert results["axes"] == ["rules.decks", "rules.penetration"]
    rows = page.locator("#points-table tbody tr")
    assert rows.count() == 4
    for i, row in enumerate(results["rows"]):
        cells = rows.nth(i)
        assert row["status"] == "completed"
        assert cells.locator("td.ev").inner_text() == percent(row["ev"], 4)
        low, high = percent(row["ev_ci95_low"], 4), percent(row["ev_ci95_high"], 4)
        assert cells.locator("td.ci").inner_text() == f"[{low}, {high}]"
        assert cells.locator("td").nth(1).inner_text() == str(row["values"]["rules.decks"])
        assert cells.locator("td").nth(2).inner_text() == f"{row['values']['rules.penetration']:g}"
        href = cells.locator("a").get_attribute("href")
        assert href == f"/workbench/jobs/{row['job_id']}/"
    # the chart: a point and its interval per completed point, named by the axes' values
    assert page.locator("#chart svg circle.ev").count() == 4
    assert page.locator("#chart svg text.point").all_text_contents() == [
        "2/0.7",
        "2/0.8",
        "6/0.7",
        "6/0.8",
    ]
    # the CSV link gives the API's CSV
    link = page.locator("#csv").get_attribute("href")
    answer = page.request.get(f"{platform.url}{link}")
    assert answer.ok and answer.headers["content-type"].startswith("text/csv")
    assert answer.text() == csv
    assert page.locator("#cancel").count() == 0  # finished: nothing to cancel

    # a point's job page, and the history
    rows.nth(0).locator("a").click()
    page.wait_for_url(f"{platform.url}/workbench/jobs/{results['rows'][0]['job_id']}/")
    expect(page.locator("#job-state")).to_have_text("completed")
    page.click("nav >> text=Sweeps")
    listed = page.locator(f"tr[data-sweep='{sweep_id}']")
    expect(listed).to_contain_text("decks by penetration")
    expect(listed).to_contain_text("completed")
    expect(listed).to_contain_text("4/4")
    screenshot(page, "sweep-3-history")


def test_a_refused_sweep_is_shown_at_its_field_and_not_recorded(
    page: Page, platform: Platform
) -> None:
    sign_in(page, platform.url, USER_TOKEN)
    before = _sweep_ids(platform)
    page.goto(f"{platform.url}/workbench/sweep-runner/")
    _edit_spec(page, axes={"rules.decks": [2, 9]})
    page.click("#submit-sweep")
    error = page.locator("#spec-error")
    expect(error).to_be_visible()
    expect(error.locator("code.at")).to_have_text('$.axes["rules.decks"][1]')
    expect(error).to_contain_text("Expected `int` <= 8")
    assert page.locator("#spec").get_attribute("aria-invalid") == "true"
    screenshot(page, "sweep-4-refused")
    page.fill("#spec", "{not json")
    page.click("#submit-sweep")
    expect(page.locator("#spec-error")).to_be_visible()
    assert _sweep_ids(platform) == before


def test_a_running_sweep_is_cancelled_from_its_page(page: Page, platform: Platform) -> None:
    sign_in(page, platform.url, USER_TOKEN)
    page.goto(f"{platform.url}/workbench/sweep-runner/")
    # 3 points of 1,000 shards each (a flat game deals millions of rounds a second: one
    # worker would finish a small sweep before the click)
    _edit_spec(page, base={"rounds": 500_000_000, "shard_rounds": 500_000})
    page.click("#submit-sweep")
    page.wait_for_url(SWEEP_PAGE)
    sweep_id = page.url.rstrip("/").rsplit("/", 1)[1]
    page.click("#cancel")
    expect(page.locator("#sweep-state")).to_have_text("cancelled", timeout=30_000)
    with platform.api.client() as client:
        status = client.get(f"/api/sweeps/{sweep_id}/").json()
    assert status["status"] == "cancelled" and status["points_cancelled"] == 3
    screenshot(page, "sweep-5-cancelled")

    # another token's sweep: not found, as one that does not exist
    page.click("#sign-out")
    sign_in(page, platform.url, OTHER_TOKEN)
    answer = page.goto(f"{platform.url}/workbench/sweeps/{sweep_id}/")
    assert answer is not None and answer.status == 404
    assert page.request.get(f"{platform.url}/workbench/sweeps/{sweep_id}/results.csv").status == 404

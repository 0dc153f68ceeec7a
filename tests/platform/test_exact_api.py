"""``POST /api/exact/`` and the exact EV beside a job's simulated one, over a real granian server,
the embedded broker and (for the job) a real ``jost worker``.

The one statistical check (a job's simulated EV within 4 SE of the exact one) uses a fixed
seed, so it passes or fails every time; for a correct engine and analyzer a 4 SE miss has
probability about 1 in 16,000.
"""

from __future__ import annotations

import msgspec
import pytest
from conftest import ApiServer
from engine_configs import wait_status

from jost.contracts import Chart, JobResult, Rules
from jost.engine.charts import load_chart
from jost.engine.exact import analyze, chart_ev

PROBLEM = "application/problem+json"
TIMEOUT = 60.0
"""The first analysis in a fresh API process loads the analyzer's compiled code."""


def test_exact_answers_with_both_evs_and_the_convention(api: ApiServer) -> None:
    with api.client() as c:
        r = c.post("/api/exact/", json={"rules": {"decks": 1}}, timeout=TIMEOUT)
        assert r.status_code == 200, r.text
        data = r.json()
        # Wizard of Odds appendix 9: 1D S17 DAS +0.1839%.
        assert abs(100 * data["ev_composition_dependent"] - 0.1839) < 0.002
        assert data["chart"] == "1d-s17"  # "basic": the shipped chart the simulator plays
        rules = Rules(decks=1)
        assert data["ev_basic"] == pytest.approx(chart_ev(rules, load_chart("1d-s17")), abs=1e-14)
        assert data["ev_derived"] == pytest.approx(analyze(rules).ev_basic, abs=1e-14)
        assert data["post_split"] == "per_hand_split_count"
        assert data["derived_chart"] is None
        assert data["shoe"] == [4] * 9 + [16]
        assert data["seconds"] < 2.0

        # A complete config playing the derived chart, another convention, the chart returned.
        body = {
            "rules": {"decks": 2, "dealer_hits_soft_17": True, "surrender": "late"},
            "strategy": {"playing": "derived"},
            "rounds": 1000,
            "seed": 3,
        }
        r = c.post("/api/exact/", params={"post_split": "pre_split", "chart": "true"}, json=body)
        assert r.status_code == 200, r.text
        data = r.json()
        assert data["ev_basic"] == data["ev_derived"]
        assert data["post_split"] == "pre_split"
        chart = msgspec.convert(data["derived_chart"], Chart)
        assert chart.surrender.hard["16"][8] == "R"  # 16 v 10 surrenders
        assert data["chart"] == chart.name

        # A shoe composition: the fives gone is good for the player.
        shoe = {"A": 4, "2": 4, "3": 4, "4": 4, "6": 4, "7": 4, "8": 4, "9": 4, "T": 16}
        r = c.post("/api/exact/", json={"rules": {"decks": 1}, "shoe": shoe})
        assert r.status_code == 200, r.text
        assert r.json()["ev_composition_dependent"] > 0.02
        assert r.json()["shoe"][4] == 0


BAD_REQUESTS = [
    # (body, query parameters, status, field, a phrase of the detail)
    ({"rules": {"decks": 0}}, {}, 400, "$.rules.decks", ">= 1"),
    ({"rules": {"decks": "6"}}, {}, 400, "$.rules.decks", "Expected `int`"),
    ({"rules": {}, "shoe": {"5": -1}}, {}, 422, "$.shoe.5", "negative count"),
    ({"rules": {"decks": 1}, "shoe": {"T": 17}}, {}, 422, "$.shoe.T", "more than 1 deck"),
    ({"shoe": {"T": 4}, "rounds": 5}, {}, 400, "$", "unknown field `rounds`"),
    ({"strategy": {"playing": "6d-s17"}}, {}, 422, "$.strategy.playing", "unknown chart"),
    ({}, {"post_split": "cdz"}, 400, "post_split", ""),
    ([1, 2], {}, 400, "$", "Expected `object`"),
]


def test_bad_requests_are_problems_naming_the_field(api: ApiServer) -> None:
    # One server for every case: each starts a broker and an API process.
    with api.client() as c:
        for body, params, status, field, needle in BAD_REQUESTS:
            r = c.post("/api/exact/", json=body, params=params, timeout=TIMEOUT)
            assert r.status_code == status, (body, r.text)
            assert r.headers["content-type"].startswith(PROBLEM)
            assert r.json()["field"] == field, (body, r.text)
            assert needle in r.json()["detail"], (body, r.text)


def test_exact_needs_a_token_and_is_documented(api: ApiServer) -> None:
    with api.client(token=None) as anonymous:
        r = anonymous.post("/api/exact/", json={})
        assert r.status_code == 401 and r.json()["field"] == "Authorization"
        schema = anonymous.get("/api/schema/openapi.json").json()
    operation = schema["paths"]["/api/exact"]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert {"$ref": "#/components/schemas/SimulationConfig"} in body["oneOf"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"post_split", "chart"} <= names
    # The token is a security scheme, not a parameter.
    assert operation["security"] == [{"token": []}, {"bearer": []}]
    assert operation["responses"]["422"]["content"]["application/problem+json"]
    answer = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert answer["$ref"].endswith("ExactAnswer")
    for ref in body["oneOf"][1]["properties"].values():
        if "$ref" in ref:  # every schema the body refers to is in the document
            assert ref["$ref"].rsplit("/", 1)[1] in schema["components"]["schemas"]
    assert "exact" in schema["components"]["schemas"]["JobResult"]["properties"]


def test_a_job_result_carries_the_exact_ev_of_its_play(api: ApiServer, start_worker) -> None:
    start_worker()
    flat = {
        "rules": {"decks": 2, "shuffle": "every_round"},
        "strategy": {"playing": "derived"},
        "rounds": 400_000,
        "shard_rounds": 200_000,
        "seed": 17,
    }
    counted = {
        "rules": {"decks": 2},
        "strategy": {"count": {"system": "hi_lo"}},
        "rounds": 20_000,
        "shard_rounds": 20_000,
        "seed": 17,
    }
    with api.client() as c:
        flat_id = c.post("/api/submit/", json=flat).json()["job_id"]
        counted_id = c.post("/api/submit/", json=counted).json()["job_id"]
        wait_status(api, flat_id, "completed", timeout=120)
        wait_status(api, counted_id, "completed", timeout=120)
        decoder = msgspec.json.Decoder(JobResult)
        flat_result = decoder.decode(c.get(f"/api/results/{flat_id}/", timeout=TIMEOUT).content)
        counted_result = decoder.decode(c.get(f"/api/results/{counted_id}/").content)
    exact = flat_result.exact
    assert exact is not None
    summary = flat_result.summary
    assert exact.ev_exact == pytest.approx(analyze(Rules(decks=2)).ev_basic, abs=1e-14)
    assert exact.chart.startswith("derived 2D S17")
    assert exact.ev_simulated == summary.ev and exact.ev_stderr == summary.ev_stderr
    assert exact.difference_se == pytest.approx((summary.ev - exact.ev_exact) / summary.ev_stderr)
    assert abs(exact.difference_se) < 4.0
    assert exact.off_the_top
    # With a count the job's EV is not the off-the-top EV of a chart: no comparison.
    assert counted_result.exact is None

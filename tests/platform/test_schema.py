"""The OpenAPI document against the running API (granian on the embedded broker): schemathesis
generates requests for every operation from the schema and checks that no answer is a 5xx and
every answer conforms (its status is documented, its content type and body match).

Bounded and deterministic: a fixed number of examples per operation, derandomized generation,
no example database written anywhere."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
from conftest import ADMIN_TOKEN, ApiServer
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.configuration import set_hypothesis_home_dir
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

EXAMPLES = 12
"""Per operation and mode: 14 operations, positive and negative, about 330 requests."""
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
ADMIN = {"Authorization": f"Token {ADMIN_TOKEN}"}


@pytest.fixture(autouse=True)
def hypothesis_home(tmp_path: Path) -> Iterator[None]:
    """Hypothesis keeps caches in ``.hypothesis/`` of the working folder: not in the repo."""
    set_hypothesis_home_dir(tmp_path / "hypothesis")
    yield
    set_hypothesis_home_dir(None)  # back to Hypothesis's default


def _run(api: ApiServer, mode: schemathesis.GenerationMode) -> int:
    schema = schemathesis.openapi.from_url(f"{api.url}/api/schema/openapi.json")
    calls = 0
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(
            max_examples=EXAMPLES,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(mode))
        def call(case: schemathesis.Case) -> None:
            nonlocal calls
            calls += 1
            case.call_and_validate(base_url=api.url, headers=ADMIN, checks=CHECKS, timeout=15)

        try:
            call()
        except Unsatisfiable:
            # Negative mode: the operation takes nothing that can be made invalid (no body,
            # no constrained parameter), so no request was generated for it.
            assert mode is schemathesis.GenerationMode.NEGATIVE, operation.label
    return calls


@pytest.mark.parametrize("mode", list(schemathesis.GenerationMode))
def test_every_answer_conforms_to_the_schema(api: ApiServer, mode) -> None:
    started = time.monotonic()
    calls = _run(api, mode)
    elapsed = time.monotonic() - started
    print(f"schemathesis {mode.value}: {calls} requests in {elapsed:.1f} s")
    assert calls >= 10
    assert elapsed < 60


def test_schema_documents_problems_and_the_token(api: ApiServer) -> None:
    with httpx.Client(base_url=api.url) as c:
        schema = c.get("/api/schema/openapi.json").json()
        page = c.get("/api/schema")
    problem = schema["components"]["schemas"]["ProblemDetails"]
    assert problem["required"] == ["type", "title", "status", "detail"]
    assert {"type", "title", "status", "detail", "field"} <= set(problem["properties"])
    schemes = schema["components"]["securitySchemes"]
    assert schemes["token"] == {
        "type": "apiKey",
        "name": "Authorization",
        "in": "header",
        "description": schemes["token"]["description"],
    }
    assert schemes["bearer"]["type"] == "http" and schemes["bearer"]["scheme"] == "bearer"
    statuses = {}
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            key = f"{method.upper()} {path}"
            statuses[key] = sorted(int(s) for s in operation["responses"])
            public = path in ("/api/defaults", "/api/health")
            assert operation["security"] == ([] if public else [{"token": []}, {"bearer": []}])
            assert "Authorization" not in {p["name"] for p in operation.get("parameters", [])}
            for status, response in operation["responses"].items():
                if status.startswith("4") or status.startswith("5"):
                    assert response["content"] == {
                        "application/problem+json": {
                            "schema": {"$ref": "#/components/schemas/ProblemDetails"}
                        }
                    }, (key, status)
    assert statuses == {
        "POST /api/submit": [202, 400, 401, 409, 413, 503],
        "GET /api/status/{job_id}": [200, 304, 400, 401, 404],
        "GET /api/results/{job_id}": [200, 400, 401, 404, 409],
        "GET /api/jobs": [200, 400, 401],
        "GET /api/jobs/{job_id}/events": [200, 400, 401, 404],
        "POST /api/jobs/{job_id}/cancel": [202, 400, 401, 404, 409, 413, 503],
        "POST /api/sql": [200, 400, 401, 403, 408, 413, 422],
        "POST /api/exact": [200, 400, 401, 413, 422],
        "GET /api/defaults": [200],
        "GET /api/health": [200, 503],
        "POST /api/tokens": [201, 400, 401, 403, 409, 413, 503],
        "GET /api/tokens": [200, 401, 403],
        "DELETE /api/tokens/{name}": [200, 400, 401, 403, 404, 503],
        "POST /api/tokens/{name}/revoke": [200, 400, 401, 403, 404, 413, 503],
        "POST /api/indices": [202, 400, 401, 409, 413, 503],
        "GET /api/indices/{analysis_id}": [200, 400, 401, 404],
        "GET /api/indices": [200, 400, 401],
        "POST /api/sweeps": [200, 202, 400, 401, 409, 413, 503],
        "GET /api/sweeps": [200, 400, 401],
        "GET /api/sweeps/{sweep_id}": [200, 400, 401, 404],
        "GET /api/sweeps/{sweep_id}/results": [200, 400, 401, 404],
        "POST /api/sweeps/{sweep_id}/cancel": [202, 400, 401, 404, 409, 413, 503],
    }
    # The page reads offline: plain HTML, nothing loaded from elsewhere, a link to the JSON.
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text.lower()
    for outside in ("<script", "<link", "<img", "@import", "src=", "http://", "https://"):
        assert outside not in html, outside
    assert "href='/api/schema/openapi.json'" in html
    assert html.count("<tr>") == 1 + len(statuses)  # the header and one row per operation

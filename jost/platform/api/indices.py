"""Index analyses (``jost indices`` on the platform): submit, status (with the result once
completed), list. An analysis values a few hundred compositions exactly (about a minute of a
core), too long for a request: it is a job of its own kind, run in slices by the workers."""

from __future__ import annotations

import asyncio

import msgspec
from litestar import Controller, Request, get, post
from litestar.di import Provide

from jost.contracts.indices import (
    AnalysisAccepted,
    AnalysisPage,
    AnalysisStatus,
    AnalysisSubmitted,
    IndicesRequest,
)
from jost.engine.counting import resolve_count
from jost.engine.validate import ConfigRejected, check_runnable
from jost.platform import analyses
from jost.platform.api.auth import Principal, principal_dependency
from jost.platform.api.intake import _append
from jost.platform.api.jobs import IdempotencyKey, PageLimit, PageOffset, header_text
from jost.platform.api.problems import Problem, invalid_body
from jost.platform.api.services import Services
from jost.platform.events import new_job_id, now

_decoder = msgspec.json.Decoder(IndicesRequest)
MAX_PER_COUNT = 200


def _check(body: IndicesRequest) -> None:
    """What the engine needs before an analysis is accepted; a 400 names the field."""
    if not 1 <= body.per_count <= MAX_PER_COUNT:
        raise Problem(
            400, f"per_count must be 1..{MAX_PER_COUNT}", field="$.per_count", slug="invalid-body"
        )
    try:
        check_runnable(body.config)
        if body.config.strategy.count is None or resolve_count(body.config) is None:
            raise ConfigRejected(
                "$.strategy.count", "index generation needs a count system: set strategy.count"
            )
    except ConfigRejected as exc:
        field = "$.config" + exc.field.removeprefix("$")
        raise Problem(400, exc.reason, field=field, slug="cannot-run") from exc


def _owned(services: Services, principal: Principal, analysis_id: str) -> AnalysisStatus:
    found = analyses.status(services.projection.cursor(), principal.owner, analysis_id)
    if found is None:  # another token's analysis is not revealed
        raise Problem(
            404, f"no analysis {analysis_id}", field="analysis_id", slug="no-such-analysis"
        )
    return found


class IndicesController(Controller):
    path = "/api/indices"
    dependencies = {  # noqa: RUF012 (Litestar reads it as a class attribute)
        "principal": Provide(principal_dependency),
    }

    @post("/", status_code=202, summary="Generate the index plays of a config (a job)")
    async def submit(
        self,
        request: Request,
        principal: Principal,
        services: Services,
        idempotency_key: IdempotencyKey = None,
    ) -> AnalysisAccepted:
        """The body: ``{"config": SimulationConfig with strategy.count, "per_count": 12,
        "seed": 2026}``. Recorded durably before the 202; poll
        ``GET /api/indices/{analysis_id}/`` for progress and the result (the object
        ``jost indices --json`` prints)."""
        try:
            body = _decoder.decode(await request.body())
        except msgspec.DecodeError as exc:
            raise invalid_body(exc) from exc
        await asyncio.to_thread(_check, body)
        key = header_text(idempotency_key)
        analysis_id = (
            new_job_id() if key is None else analyses.analysis_id_for_key(principal.owner, key)
        )
        fact = AnalysisSubmitted(
            event_id=analyses.fact_id(analysis_id, "AnalysisSubmitted"),
            analysis_id=analysis_id,
            at=now(),
            owner=principal.owner,
            config=body.config,
            per_count=body.per_count,
            seed=body.seed,
            idempotency_key=key,
        )
        first = await asyncio.to_thread(
            services.projection.write, lambda cur: analyses.accept(cur, fact)
        )
        if first is not None:
            same = (first.config, first.per_count, first.seed) == (
                body.config,
                body.per_count,
                body.seed,
            )
            if not same:
                raise Problem(
                    409,
                    "this Idempotency-Key was used for another analysis",
                    field="Idempotency-Key",
                    slug="idempotency-conflict",
                )
            fact = first
        if first is None or not analyses.folded(services.projection.cursor(), analysis_id):
            # New, or accepted before and never seen back from the log: append it (again).
            await _append(services, fact, wait_fold=True)
        status = _owned(services, principal, analysis_id)
        return AnalysisAccepted(analysis_id=analysis_id, status=status.status)

    @get("/{analysis_id:str}/", sync_to_thread=True)
    def status(self, analysis_id: str, principal: Principal, services: Services) -> AnalysisStatus:
        """Progress (compositions done of the total, once planned) and, completed, the
        result: the same object ``jost indices --json`` prints."""
        return _owned(services, principal, analysis_id)

    @get("/", sync_to_thread=True)
    def listing(
        self,
        principal: Principal,
        services: Services,
        offset: PageOffset = 0,
        limit: PageLimit = 50,
    ) -> AnalysisPage:
        """This token's analyses, newest first."""
        return analyses.page(services.projection.cursor(), principal.owner, offset, limit)

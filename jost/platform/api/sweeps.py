"""Sweeps: submit a base config and axes as one sweep of ordinary jobs, follow its one status,
read its table (JSON or CSV), list and cancel them. The routes are pinned in the issue's HTTP
contract; the projection side is ``jost.platform.sweeps``."""

from __future__ import annotations

import asyncio
from typing import Annotated

import msgspec
from confluent_kafka import KafkaException
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import ResponseSpec
from litestar.params import Parameter

from jost.contracts import JobSubmitted
from jost.contracts.sweeps import (
    SweepAccepted,
    SweepPage,
    SweepPoint,
    SweepResults,
    SweepSpec,
    SweepStatus,
    SweepSubmitted,
)
from jost.engine.errors import ConfigRejected
from jost.engine.sweep import expand
from jost.engine.validate import shard_count
from jost.platform import sweeps
from jost.platform.api import intake
from jost.platform.api.auth import Principal, principal_dependency
from jost.platform.api.jobs import IdempotencyKey, PageLimit, PageOffset, header_text
from jost.platform.api.openapi import SweepResultsOperation, SweepSubmitOperation
from jost.platform.api.problems import Problem, invalid_body
from jost.platform.api.services import Services
from jost.platform.events import event_id, job_id_for_key, new_job_id, now
from jost.platform.lifecycle import is_terminal
from jost.platform.log import Fact, sweep_key
from jost.platform.projection import Projection

_spec_decoder = msgspec.json.Decoder(SweepSpec)


class SweepReads:
    """The projection as the sweep routes read it (each read on a fresh cursor)."""

    def __init__(self, projection: Projection) -> None:
        self._projection = projection

    def status(self, principal: Principal, sweep_id: str) -> SweepStatus:
        """404 for a sweep of another token, exactly as for one that does not exist."""
        status = sweeps.sweep_status(self._projection.cursor(), principal.owner, sweep_id)
        if status is None:
            raise _no_such(sweep_id)
        return status

    def results(self, principal: Principal, sweep_id: str) -> SweepResults:
        results = sweeps.sweep_results(self._projection.cursor(), principal.owner, sweep_id)
        if results is None:
            raise _no_such(sweep_id)
        return results

    def page(self, principal: Principal, offset: int, limit: int) -> SweepPage:
        return sweeps.sweep_page(self._projection.cursor(), principal.owner, offset, limit)


def _no_such(sweep_id: str) -> Problem:
    return Problem(404, f"no sweep {sweep_id}", field="sweep_id", slug="no-such-sweep")


def provide_sweep_reads(state: State) -> SweepReads:
    return SweepReads(state.services.projection)


# -- Writes ---------------------------------------------------------------------------------------


def read_spec(body: bytes) -> SweepSpec:
    """The body as a sweep, decoded strictly (the points are checked by ``_facts``)."""
    try:
        return _spec_decoder.decode(body)
    except msgspec.DecodeError as exc:
        raise invalid_body(exc) from exc


def _facts(
    principal: Principal, spec: SweepSpec, key: str | None
) -> tuple[SweepSubmitted, list[JobSubmitted]]:
    """The sweep's fact and its points' jobs (deterministic ids: the sweep's from the owner
    and the key, each point's from the sweep and its index). 400 naming the axis and value
    at fault when any point is not a config the engine can run."""
    try:
        points = expand(spec)
    except ConfigRejected as exc:
        raise Problem(400, exc.reason, field=exc.field, slug="invalid-sweep") from exc
    sweep_id = new_job_id() if key is None else job_id_for_key(principal.owner, f"sweep/{key}")
    at = now()
    jobs = []
    described = []
    for point in points:
        job_id = job_id_for_key(principal.owner, f"sweep:{sweep_id}:{point.index}")
        jobs.append(
            JobSubmitted(
                event_id=event_id(job_id, "JobSubmitted"),
                job_id=job_id,
                at=at,
                owner=principal.owner,
                config=point.config,
                idempotency_key=f"sweep:{sweep_id}:{point.index}",
            )
        )
        described.append(
            SweepPoint(
                index=point.index,
                job_id=job_id,
                values=point.values,
                rounds=point.config.rounds,
                shards=shard_count(point.config),
            )
        )
    fact = SweepSubmitted(
        event_id=event_id(sweep_key(sweep_id), "SweepSubmitted"),
        sweep_id=sweep_id,
        at=at,
        owner=principal.owner,
        name=spec.name,
        base=spec.base,
        axes=spec.axes,
        points=described,
        idempotency_key=key,
    )
    return fact, jobs


async def _append_all(services: Services, facts: list[Fact]) -> None:
    """Append the facts (all at once, each acknowledged), then wait for the projection to
    fold the last of each partition: the client's next GET sees the sweep."""
    try:
        appended = await asyncio.gather(*(services.event_log.append(f) for f in facts))
    except KafkaException as exc:
        raise Problem(
            503, f"the event log did not accept the write: {exc}", slug="log-unavailable"
        ) from exc
    last: dict[int, int] = {}
    for a in appended:
        last[a.partition] = max(last.get(a.partition, -1), a.offset)
    await asyncio.gather(
        *(
            services.projector.wait_applied(p, o, services.settings.read_your_writes_seconds)
            for p, o in last.items()
        )
    )


async def submit(
    services: Services, principal: Principal, spec: SweepSpec, key: str | None
) -> tuple[SweepAccepted, bool]:
    """Record the sweep and its points' jobs durably, then append them. Under a key seen
    before: the same spec is the same sweep (its facts appended again where the log lost
    them), another spec a 409. Returns the answer and whether the sweep is new."""
    fact, jobs = await asyncio.to_thread(_facts, principal, spec, key)
    first = await asyncio.to_thread(sweeps.accept, services.projection, fact, jobs)
    new = first is None
    if first is not None:
        if first.spec() != spec:
            raise Problem(
                409,
                "this Idempotency-Key was used for another sweep",
                field="Idempotency-Key",
                slug="idempotency-conflict",
            )
        fact = first
        ids = [p.job_id for p in fact.points]
        folded, missing = sweeps.unfolded(services.projection, fact.sweep_id, ids)
        jobs = [
            j
            for j in await asyncio.to_thread(sweeps.submitted_jobs, services.projection, ids)
            if j.job_id in missing
        ]
        again: list[Fact] = [*([] if folded else [fact]), *jobs]
    else:
        again = [fact, *jobs]
    if again:
        await _append_all(services, again)
    status = sweeps.sweep_status(services.projection.cursor(), principal.owner, fact.sweep_id)
    return SweepAccepted(
        sweep_id=fact.sweep_id,
        points=fact.points,
        status=status.status if status else "running",
    ), new


async def cancel(services: Services, principal: Principal, sweep_id: str) -> SweepStatus:
    reads = SweepReads(services.projection)
    status = reads.status(principal, sweep_id)
    if status.status != "running":
        raise Problem(
            409,
            f"sweep {sweep_id} is already {status.status}",
            field="sweep_id",
            slug="already-finished",
        )
    results = reads.results(principal, sweep_id)
    outcomes = await asyncio.gather(
        *(
            intake.cancel(services, principal, row.job_id)
            for row in results.rows
            if not is_terminal(row.status)
        ),
        return_exceptions=True,
    )
    for outcome in outcomes:
        # A point that finished meanwhile answers 409: nothing to cancel there.
        if isinstance(outcome, BaseException) and not (
            isinstance(outcome, Problem) and outcome.status_code == 409
        ):
            raise outcome
    return reads.status(principal, sweep_id)


# -- Routes ---------------------------------------------------------------------------------------


class SweepsController(Controller):
    path = "/api/sweeps"
    dependencies = {  # noqa: RUF012 (Litestar reads it as a class attribute)
        "principal": Provide(principal_dependency),
        "sweep_reads": Provide(provide_sweep_reads, sync_to_thread=False),
    }

    @post(
        "/",
        status_code=202,
        summary="Submit a sweep: a base config and axes, run as one sweep of jobs",
        operation_class=SweepSubmitOperation,
        responses={
            200: ResponseSpec(
                SweepAccepted, description="Accepted before under this Idempotency-Key"
            )
        },
    )
    async def submit(
        self,
        request: Request,
        principal: Principal,
        services: Services,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[SweepAccepted]:
        """The body is a SweepSpec: its points are the cartesian product of the axes (last
        axis fastest), each the base config with the axes' fields set, decoded strictly and
        checked as a submitted config is; a point that fails names its axis and value
        (`$.axes["rules.decks"][1]`), and nothing is recorded. The sweep and every point's
        job are recorded durably before the 202. The same Idempotency-Key with the same spec
        answers the same sweep (200 when it was accepted before)."""
        spec = read_spec(await request.body())
        accepted, new = await submit(services, principal, spec, header_text(idempotency_key))
        return Response(accepted, status_code=202 if new else 200)

    @get("/", sync_to_thread=True)
    def sweeps(
        self,
        principal: Principal,
        sweep_reads: SweepReads,
        offset: PageOffset = 0,
        limit: PageLimit = 20,
    ) -> SweepPage:
        """This token's sweeps, newest first."""
        return sweep_reads.page(principal, offset, limit)

    @get("/{sweep_id:str}/", sync_to_thread=True)
    def status(self, sweep_id: str, principal: Principal, sweep_reads: SweepReads) -> SweepStatus:
        return sweep_reads.status(principal, sweep_id)

    @get("/{sweep_id:str}/results/", sync_to_thread=True, operation_class=SweepResultsOperation)
    def results(
        self,
        sweep_id: str,
        principal: Principal,
        sweep_reads: SweepReads,
        format: Annotated[
            str, Parameter(pattern="^(json|csv)$", description="json (default) or csv")
        ] = "json",
    ) -> Response[SweepResults]:
        """One row per point, in point order; a point's figures are null until it completed.
        `?format=csv`: the same table as text/csv."""
        results = sweep_reads.results(principal, sweep_id)
        if format == "csv":
            return Response(
                sweeps.results_csv(results),
                media_type="text/csv",
                headers={"Content-Disposition": f'attachment; filename="sweep-{sweep_id}.csv"'},
            )
        return Response(results)

    @post("/{sweep_id:str}/cancel/", status_code=202)
    async def cancel(self, sweep_id: str, principal: Principal, services: Services) -> SweepStatus:
        """Cancels every unfinished point; 409 when the sweep has already finished."""
        return await cancel(services, principal, sweep_id)

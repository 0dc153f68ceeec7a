"""Jobs: submit, status, results, history, the audit trail, cancel."""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated

import msgspec
from confluent_kafka import KafkaException
from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.di import Provide
from litestar.params import Parameter

from jost.contracts import (
    JobCancelled,
    JobEvents,
    JobPage,
    JobResult,
    JobStatus,
    JobSubmitted,
    SimulationConfig,
    SubmitAccepted,
)
from jost.engine.validate import ConfigRejected, check_runnable
from jost.platform.api.auth import Principal, principal_dependency
from jost.platform.api.exact import with_exact
from jost.platform.api.openapi import SubmitOperation
from jost.platform.api.problems import Problem, invalid_body
from jost.platform.api.queries import (
    folded,
    job_config,
    job_events,
    job_page,
    job_result,
    job_status,
    quiet_since,
)
from jost.platform.api.services import Services
from jost.platform.events import event_id, job_id_for_key, new_job_id, now
from jost.platform.lifecycle import is_terminal
from jost.platform.log import Appended
from jost.platform.recovery import publish, unfinished

_config_decoder = msgspec.json.Decoder(SimulationConfig)


def _header_text(value: str | None) -> str | None:
    """A header as the client wrote it: HTTP headers arrive as bytes, which the server hands
    over decoded as Latin-1; a UTF-8 key is decoded again as UTF-8."""
    if value is None:
        return None
    try:
        return value.encode("latin-1").decode("utf-8")
    except UnicodeError as exc:
        raise Problem(
            400, "Idempotency-Key must be UTF-8 text", field="Idempotency-Key", slug="bad-header"
        ) from exc


def _services(state: State) -> Services:
    return state.services


async def _append(services: Services, event: JobSubmitted | JobCancelled) -> Appended:
    try:
        appended = await services.event_log.append(event)
    except KafkaException as exc:
        raise Problem(
            503, f"the event log did not accept the write: {exc}", slug="log-unavailable"
        ) from exc
    # Read-your-writes: the client's next GET should see what it just wrote.
    await services.projector.wait_applied(
        appended.partition, appended.offset, services.settings.read_your_writes_seconds
    )
    return appended


def _owned_status(services: Services, principal: Principal, job_id: str) -> JobStatus:
    status = job_status(services.projection.cursor(), principal.owner, job_id)
    if status is None:
        # Another token's job is reported exactly like one that does not exist.
        raise Problem(404, f"no job {job_id}", field="job_id", slug="no-such-job")
    return status


def _stalled(services: Services, job_id: str) -> bool:
    quiet = quiet_since(services.projection.cursor(), job_id)
    return quiet is None or (now() - quiet).total_seconds() > services.settings.stalled_seconds


def _resume(services: Services, job_id: str) -> None:
    """A resubmitted job that made no progress for long: the log may have lost its facts
    (the embedded broker drops what overflows its memory). Restore them from the archive, as a
    restart does; every fact is deterministic or ignored when known, so a job that was only
    slow loses nothing."""
    for job in unfinished(services.projection, job_id):
        publish(job, services.event_log, uuid.uuid4().hex)


class JobsController(Controller):
    path = "/api"
    dependencies = {  # noqa: RUF012 (Litestar reads it as a class attribute)
        "principal": Provide(principal_dependency),
        "services": Provide(_services, sync_to_thread=False),
    }

    @post(
        "/submit/",
        status_code=202,
        summary="Submit a complete simulation config",
        operation_class=SubmitOperation,
    )
    async def submit(
        self,
        request: Request,
        principal: Principal,
        services: Services,
        idempotency_key: Annotated[
            str | None, Parameter(header="Idempotency-Key", min_length=1, max_length=200)
        ] = None,
    ) -> SubmitAccepted:
        """The body is a SimulationConfig (see the schema of JobSubmitted.config); it is
        decoded strictly (unknown fields and wrong types are refused) and checked as the CLI
        checks it (names of charts, count systems and index sets, bets, the plan's size)
        before anything is recorded. The job is recorded durably before the 202."""
        try:
            config = _config_decoder.decode(await request.body())
        except msgspec.DecodeError as exc:
            raise invalid_body(exc) from exc
        try:
            await asyncio.to_thread(check_runnable, config)
        except ConfigRejected as exc:
            raise Problem(400, exc.reason, field=exc.field, slug="cannot-run") from exc
        key = _header_text(idempotency_key)
        job_id = new_job_id() if key is None else job_id_for_key(principal.owner, key)
        submitted = JobSubmitted(
            event_id=event_id(job_id, "JobSubmitted"),
            job_id=job_id,
            at=now(),
            owner=principal.owner,
            config=config,
            idempotency_key=key,
        )
        first = await asyncio.to_thread(services.projection.accept, submitted)
        if first is not None:
            if first.config != config:
                raise Problem(
                    409,
                    "this Idempotency-Key was used for another config",
                    field="Idempotency-Key",
                    slug="idempotency-conflict",
                )
            cur = services.projection.cursor()
            if folded(cur, job_id):
                known = job_status(cur, principal.owner, job_id)
                assert known is not None
                if not is_terminal(known.status) and _stalled(services, job_id):
                    await asyncio.to_thread(_resume, services, job_id)
                return SubmitAccepted(job_id=job_id, status=known.status)
            # Accepted before and never seen back from the log (the process died before
            # appending it, or the log lost it): append the same fact again.
            submitted = first
        await _append(services, submitted)
        status = job_status(services.projection.cursor(), principal.owner, job_id)
        return SubmitAccepted(job_id=job_id, status=status.status if status else "submitted")

    @get("/status/{job_id:str}/", sync_to_thread=True)
    def status(self, job_id: str, principal: Principal, services: Services) -> JobStatus:
        return _owned_status(services, principal, job_id)

    @get("/results/{job_id:str}/", sync_to_thread=True)
    def results(self, job_id: str, principal: Principal, services: Services) -> JobResult:
        status = _owned_status(services, principal, job_id)
        result = job_result(services.projection.cursor(), job_id)
        if result is None:
            raise Problem(
                409,
                f"job {job_id} is {status.status} "
                f"({status.shards_done}/{status.shards_total or '?'} shards): no result",
                field="job_id",
                slug="no-result-yet",
            )
        return with_exact(result, job_config(services.projection.cursor(), principal.owner, job_id))

    @get("/jobs/", sync_to_thread=True)
    def jobs(
        self,
        principal: Principal,
        services: Services,
        offset: Annotated[int, Parameter(ge=0, le=10**9)] = 0,
        limit: Annotated[int, Parameter(ge=1, le=500)] = 50,
    ) -> JobPage:
        """Job history of this token, newest first."""
        return job_page(services.projection.cursor(), principal.owner, offset, limit)

    @get("/jobs/{job_id:str}/events/", sync_to_thread=True)
    def events(self, job_id: str, principal: Principal, services: Services) -> JobEvents:
        """The job's events in log order: its audit trail."""
        _owned_status(services, principal, job_id)
        return job_events(services.projection.cursor(), job_id)

    @post("/jobs/{job_id:str}/cancel/", status_code=202)
    async def cancel(self, job_id: str, principal: Principal, services: Services) -> JobStatus:
        status = _owned_status(services, principal, job_id)
        if is_terminal(status.status):
            raise Problem(
                409,
                f"job {job_id} is already {status.status}",
                field="job_id",
                slug="already-finished",
            )
        cancelled = JobCancelled(event_id=event_id(job_id, "JobCancelled"), job_id=job_id, at=now())
        # Durable before the 202, as a submit is: a restart restores it rather than resuming.
        await asyncio.to_thread(services.projection.record_cancel, cancelled)
        await _append(services, cancelled)
        return _owned_status(services, principal, job_id)

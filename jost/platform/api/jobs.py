"""Jobs: submit, status, results, history, the audit trail, cancel."""

from __future__ import annotations

import asyncio
import hashlib
import time
from typing import Annotated

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import Provide
from litestar.openapi import ResponseSpec
from litestar.params import Parameter

from jost.contracts import JobEvents, JobPage, JobResult, JobStatus, SubmitAccepted
from jost.engine.exact_answers import with_exact
from jost.platform.api import intake
from jost.platform.api.auth import Principal, principal_dependency
from jost.platform.api.openapi import SubmitOperation
from jost.platform.api.problems import Problem
from jost.platform.api.reads import Reads
from jost.platform.api.services import Services

IdempotencyKey = Annotated[
    str | None, Parameter(header="Idempotency-Key", min_length=1, max_length=200)
]
"""The optional header of a submit: the same key (per token) names the same submission (read
with ``header_text``)."""


def header_text(value: str | None) -> str | None:
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


StatusWait = Annotated[float, Parameter(ge=0, le=30)]
"""How long a status read may wait for a change (with ``If-None-Match``)."""
SeenTag = Annotated[str | None, Parameter(header="If-None-Match", max_length=1_000)]
STATUS_LOOK_SECONDS = 0.5
"""A status read that waits looks again at least this often (a fold that changed nothing of
this job wakes it too)."""


def status_tag(status: JobStatus) -> str:
    """The ETag of a job's status: a digest of its JSON (a strong validator)."""
    return '"' + hashlib.blake2b(msgspec.json.encode(status), digest_size=12).hexdigest() + '"'


def _matches(header: str, tag: str) -> bool:
    """Whether ``If-None-Match`` names ``tag``, or is ``*`` (RFC 9110: any current status)."""
    tags = {part.strip().removeprefix("W/") for part in header.split(",")}
    return tag in tags or "*" in tags


PageOffset = Annotated[int, Parameter(ge=0, le=10**9)]
PageLimit = Annotated[int, Parameter(ge=1, le=500)]
"""A listing's page (``offset``, ``limit``): the jobs', the sweeps', the analyses'."""


class JobsController(Controller):
    path = "/api"
    dependencies = {  # noqa: RUF012 (Litestar reads it as a class attribute)
        "principal": Provide(principal_dependency),
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
        idempotency_key: IdempotencyKey = None,
    ) -> SubmitAccepted:
        """The body is a SimulationConfig (see the schema of JobSubmitted.config); it is
        decoded strictly (unknown fields and wrong types are refused) and checked as the CLI
        checks it (names of charts, count systems and index sets, bets, the plan's size)
        before anything is recorded. The job is recorded durably before the 202."""
        config = await intake.read_config(await request.body())
        return await intake.submit(services, principal, config, header_text(idempotency_key))

    @get(
        "/status/{job_id:str}/",
        responses={
            304: ResponseSpec(
                None, description="Not modified: the status still has the ETag sent, after `wait`"
            )
        },
    )
    async def status(
        self,
        job_id: str,
        principal: Principal,
        reads: Reads,
        services: Services,
        wait: StatusWait = 0.0,
        seen: SeenTag = None,
    ) -> Response[JobStatus]:
        """The job's status, with its ETag. With `If-None-Match` (the ETag of the status the
        client has) and `wait`, the answer waits up to `wait` seconds for the status to
        change; 304 when it has not (a client follows a job without polling)."""
        deadline = time.monotonic() + wait
        while True:
            folds = services.projector.folds  # before the look: a fold after it wakes us
            status = await asyncio.to_thread(reads.owned, principal, job_id)
            tag = status_tag(status)
            remaining = deadline - time.monotonic()
            if seen is None or not _matches(seen, tag):
                return Response(status, headers={"ETag": tag})
            if remaining <= 0:
                return Response(None, status_code=304, headers={"ETag": tag})
            await services.projector.next_fold(folds, min(remaining, STATUS_LOOK_SECONDS))

    @get("/results/{job_id:str}/", sync_to_thread=True)
    def results(self, job_id: str, principal: Principal, reads: Reads) -> JobResult:
        status = reads.owned(principal, job_id)
        result = reads.result(job_id)
        if result is None:
            raise Problem(
                409,
                f"job {job_id} is {status.status} "
                f"({status.shards_done}/{status.shards_total or '?'} shards): no result",
                field="job_id",
                slug="no-result-yet",
            )
        return with_exact(result, reads.config(principal.owner, job_id))

    @get("/jobs/", sync_to_thread=True)
    def jobs(
        self,
        principal: Principal,
        reads: Reads,
        offset: PageOffset = 0,
        limit: PageLimit = 50,
    ) -> JobPage:
        """Job history of this token, newest first."""
        return reads.page(principal.owner, offset, limit)

    @get("/jobs/{job_id:str}/events/", sync_to_thread=True)
    def events(self, job_id: str, principal: Principal, reads: Reads) -> JobEvents:
        """The job's events in log order: its audit trail."""
        reads.owned(principal, job_id)
        return reads.events(job_id)

    @post("/jobs/{job_id:str}/cancel/", status_code=202)
    async def cancel(self, job_id: str, principal: Principal, services: Services) -> JobStatus:
        return await intake.cancel(services, principal, job_id)

"""What changes a job, for every front door (the JSON API and the workbench's forms): submit
a config under an idempotency key, and cancel a job (reads are in ``reads``). Each
raises a ``Problem`` that both doors show the same way."""

from __future__ import annotations

import asyncio
import uuid

import msgspec
from confluent_kafka import KafkaException

from jost.contracts import JobCancelled, JobStatus, JobSubmitted, SimulationConfig, SubmitAccepted
from jost.contracts.indices import AnalysisSubmitted
from jost.engine.validate import ConfigRejected, check_runnable
from jost.platform.api.auth import Principal
from jost.platform.api.problems import Problem, invalid_body
from jost.platform.api.services import Services
from jost.platform.events import event_id, job_id_for_key, new_job_id, now
from jost.platform.lifecycle import is_terminal
from jost.platform.log import Appended
from jost.platform.recovery import publish, unfinished

_config_decoder = msgspec.json.Decoder(SimulationConfig)


async def read_config(body: bytes) -> SimulationConfig:
    """The body as a config the engine can run: decoded strictly (unknown fields and wrong
    types are refused), then checked as the CLI checks it (names of charts, count systems and
    index sets, bets, the plan's size). A 400 names the field at fault."""
    try:
        config = _config_decoder.decode(body)
    except msgspec.DecodeError as exc:
        raise invalid_body(exc) from exc
    try:
        if _checked_at_once(config):
            check_runnable(config)
        else:
            await asyncio.to_thread(check_runnable, config)
    except ConfigRejected as exc:
        raise Problem(400, exc.reason, field=exc.field, slug="cannot-run") from exc
    return config


INLINE_PLAYS = 200
"""A config with at most this many index plays of its own is checked on the event loop."""


def _checked_at_once(config: SimulationConfig) -> bool:
    """Whether ``check_runnable`` may run on the event loop: it takes about 0.2 ms (no
    simulation), where handing it to a thread cost 5 ms of waiting per submit under load;
    only a long list of the player's own index plays (up to the body's limit) takes longer."""
    plays = config.strategy.deviations
    return isinstance(plays, str) or len(plays) <= INLINE_PLAYS


async def _append(
    services: Services,
    event: JobSubmitted | JobCancelled | AnalysisSubmitted,
    *,
    wait_fold: bool,
) -> Appended:
    try:
        appended = await services.event_log.append(event)
    except KafkaException as exc:
        raise Problem(
            503, f"the event log did not accept the write: {exc}", slug="log-unavailable"
        ) from exc
    # Read-your-writes: the reads that need the fold wait for it (``Reads``); a write that
    # answers with what the fold made of it waits itself.
    services.projector.wrote(appended.partition, appended.offset)
    if wait_fold:
        await services.projector.wait_applied(
            appended.partition, appended.offset, services.settings.read_your_writes_seconds
        )
    return appended


def _stalled(services: Services, job_id: str) -> bool:
    quiet = services.reads.quiet_since(job_id)
    return quiet is None or (now() - quiet).total_seconds() > services.settings.stalled_seconds


def _resume(services: Services, job_id: str) -> None:
    """A resubmitted job that made no progress for long: the log may have lost its facts
    (the embedded broker drops what overflows its memory). Restore them from the archive, as a
    restart does; every fact is deterministic or ignored when known, so a job that was only
    slow loses nothing."""
    for job in unfinished(services.projection, job_id):
        publish(job, services.event_log, uuid.uuid4().hex)


async def submit(
    services: Services, principal: Principal, config: SimulationConfig, key: str | None
) -> SubmitAccepted:
    """Record the job durably, then append it to the log. Under a key seen before: the same
    config is the same job (resumed when the platform lost it), another config is a 409."""
    job_id = new_job_id() if key is None else job_id_for_key(principal.owner, key)
    submitted = JobSubmitted(
        event_id=event_id(job_id, "JobSubmitted"),
        job_id=job_id,
        at=now(),
        owner=principal.owner,
        config=config,
        idempotency_key=key,
    )
    first = await services.projection.accept_async(submitted)
    if first is None:
        # New: its status is "submitted" (a status read answers it from the intake's record
        # until the fold); the 202 does not wait for the fold.
        await _append(services, submitted, wait_fold=False)
        return SubmitAccepted(job_id=job_id, status="submitted")
    if first.config != config:
        raise Problem(
            409,
            "this Idempotency-Key was used for another config",
            field="Idempotency-Key",
            slug="idempotency-conflict",
        )
    # Whether the log has it: everything this process appended is folded first, so a
    # job appended here a moment ago is not appended twice.
    await asyncio.to_thread(services.projector.catch_up, services.settings.read_your_writes_seconds)
    if services.reads.folded(job_id):
        known = services.reads.status(principal.owner, job_id)
        assert known is not None
        if not is_terminal(known.status) and _stalled(services, job_id):
            await asyncio.to_thread(_resume, services, job_id)
        return SubmitAccepted(job_id=job_id, status=known.status)
    # Accepted before and never seen back from the log (the process died before
    # appending it, or the log lost it): append the same fact again.
    submitted = first
    await _append(services, submitted, wait_fold=True)
    status = services.reads.status(principal.owner, job_id)
    return SubmitAccepted(job_id=job_id, status=status.status if status else "submitted")


async def cancel(services: Services, principal: Principal, job_id: str) -> JobStatus:
    status = services.reads.owned(principal, job_id)
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
    await _append(services, cancelled, wait_fold=True)
    return services.reads.owned(principal, job_id)

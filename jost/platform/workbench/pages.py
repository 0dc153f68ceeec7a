"""The workbench's pages. Writes go through ``api.intake`` and reads through ``api.queries``,
as the JSON API's do, so a page refuses what the API refuses with the same problem."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Annotated, Any, get_args

from litestar import Controller, Request, get, post
from litestar.di import Provide
from litestar.params import Parameter
from litestar.response import Redirect, Template
from msgspec import Struct

from jost.contracts import JobState, JobStatus, SimulationConfig
from jost.engine.exact_answers import with_exact
from jost.platform.api import intake
from jost.platform.api.limits import check_depth
from jost.platform.api.problems import Problem, problem_handler
from jost.platform.api.reads import Reads
from jost.platform.api.services import Services
from jost.platform.lifecycle import TERMINAL
from jost.platform.workbench import access
from jost.platform.workbench.access import PREFIX, Viewer
from jost.platform.workbench.charts import count_chart
from jost.platform.workbench.health import health
from jost.platform.workbench.prefill import default_configs, prefill
from jost.platform.workbench.views import trail

STATES: tuple[str, ...] = get_args(JobState)
"""The history's status filter: every job state, in the order the contracts give them."""
PAGE_SIZE = 20
MAX_KEY = 200
"""The longest Idempotency-Key, as the API allows."""


def page(template: str, viewer: Viewer | None, status_code: int = 200, **context: Any) -> Template:
    """A page of the workbench: ``template`` with what every page shows (who is signed in,
    the CSRF token its forms carry)."""
    return Template(
        template_name=template,
        context={"viewer": viewer, "csrf_field": access.CSRF_FIELD, **context},
        status_code=status_code,
    )


class SignInPages(Controller):
    """The only pages without a session."""

    path = PREFIX

    @get("/sign-in")
    async def form(
        self, next_page: Annotated[str | None, Parameter(query="next")] = None
    ) -> Template:
        return page("sign_in.html", None, next=access.safe_next(next_page))

    @post("/sign-in")
    async def sign_in(self, request: Request[Any, Any, Any]) -> Template | Redirect:
        form = await access.read_form(request)
        key = str(form.get("token") or "").strip()
        target = access.safe_next(str(form.get("next") or ""))
        if not key or access.principal_for(access.services_of(request), key) is None:
            return page(
                "sign_in.html",
                None,
                status_code=401,
                next=target,
                error="this token is not admitted",
            )
        cookie = await access.start_session(request, key)
        return Redirect(target, status_code=303, cookies=[cookie])


class Pages(Controller):
    path = PREFIX
    dependencies = {  # noqa: RUF012 (Litestar reads it as a class attribute)
        "viewer": Provide(access.signed_in),
    }

    @get("/")
    async def home(self, viewer: Viewer) -> Redirect:
        return Redirect(f"{PREFIX}/runner/", status_code=303)

    @post("/sign-out")
    async def sign_out(self, request: Request[Any, Any, Any], viewer: Viewer) -> Redirect:
        cookie = await access.end_session(request)
        return Redirect(access.SIGN_IN_PATH, status_code=303, cookies=[cookie])

    # -- the runner ----------------------------------------------------------------------

    @get("/runner/")
    async def runner(
        self, viewer: Viewer, profile: Annotated[str | None, Parameter(query="profile")] = None
    ) -> Template:
        chosen = await asyncio.to_thread(prefill, profile)
        return _runner_page(viewer, chosen.name, chosen.text, uuid.uuid4().hex)

    @post("/runner/check", status_code=200, exception_handlers={Problem: problem_handler})
    async def check(self, request: Request[Any, Any, Any], viewer: Viewer) -> Checked:
        """The runner's check before it submits: the config read as a submit reads it,
        nothing recorded. A refused config is the API's problem details (its ``field``)."""
        await _read_form_config(str((await access.read_form(request)).get("config") or ""))
        return Checked()

    @post("/runner/")
    async def run(
        self, request: Request[Any, Any, Any], viewer: Viewer, services: Services
    ) -> Template | Redirect:
        async def submit(text: str, key: str | None) -> str:
            config = await _read_form_config(text)
            accepted = await intake.submit(services, viewer.principal, config, key)
            return f"{PREFIX}/jobs/{accepted.job_id}/"

        return await runner_post(request, "config", submit, partial(_runner_page, viewer))

    # -- jobs ----------------------------------------------------------------------------

    @get("/jobs/", sync_to_thread=True)
    def history(
        self,
        viewer: Viewer,
        reads: Reads,
        status: Annotated[str | None, Parameter(query="status")] = None,
        offset: Annotated[int, Parameter(query="offset", ge=0, le=10**9)] = 0,
    ) -> Template:
        chosen = status if status in STATES else None
        history = reads.history(viewer.principal.owner, chosen, offset, PAGE_SIZE)
        return page("jobs.html", viewer, history=history, status=chosen, states=STATES, nav="jobs")

    @get("/jobs/{job_id:str}/", sync_to_thread=True)
    def job(self, job_id: str, viewer: Viewer, reads: Reads) -> Template:
        status = reads.owned(viewer.principal, job_id)
        config = reads.config(viewer.principal.owner, job_id)
        result = reads.result(job_id)
        if result is not None:
            result = with_exact(result, config)
        return page(
            "job.html",
            viewer,
            status=status,
            config=config,
            result=result,
            chart=count_chart(result.summary) if result is not None else None,
            trail=trail(reads.events(job_id).events),
            finished=status.status in TERMINAL,
            nav="jobs",
        )

    @get("/jobs/{job_id:str}/status", sync_to_thread=True)
    def job_status(self, job_id: str, viewer: Viewer, reads: Reads) -> JobStatus:
        """The job page polls this while the job is under way."""
        return reads.owned(viewer.principal, job_id)

    @post("/jobs/{job_id:str}/cancel")
    async def cancel(self, job_id: str, viewer: Viewer, services: Services) -> Redirect:
        await intake.cancel(services, viewer.principal, job_id)
        return Redirect(f"{PREFIX}/jobs/{job_id}/", status_code=303)

    # -- health --------------------------------------------------------------------------

    @get("/health/")
    async def health(self, viewer: Viewer, services: Services) -> Template:
        view = await asyncio.to_thread(health, services)
        return page("health.html", viewer, health=view, nav="health")


def check_key(key: str | None) -> None:
    """The form's key held to what the API's header may carry: at most ``MAX_KEY``
    characters, no control characters (a header has no line breaks, NUL or tabs in it)."""
    if key is None:
        return
    if len(key) > MAX_KEY:
        said = f"Idempotency-Key is longer than {MAX_KEY} characters"
    elif not key.isprintable():
        said = "Idempotency-Key holds control characters (line breaks, tabs, NUL)"
    else:
        return
    raise Problem(400, said, field="Idempotency-Key", slug="invalid-parameter")


class Checked(Struct, frozen=True):
    ok: bool = True


async def _read_form_config(text: str) -> SimulationConfig:
    """The editor's text read as the API reads a submitted body (its nesting checked here:
    inside a form the body's own brackets may be encoded)."""
    body = text.encode()
    check_depth(body)
    return await intake.read_config(body)


def runner_page(
    template: str,
    viewer: Viewer,
    profile: str,
    text: str,
    key: str,
    status_code: int = 200,
    error: str | None = None,
    field: str | None = None,
    **context: Any,
) -> Template:
    """A runner's page (the job runner, the sweep runner): the standard profiles to start
    from, the editor's text, the Idempotency-Key the form carries, the problem at its field."""
    return page(
        template,
        viewer,
        status_code=status_code,
        profiles=default_configs(),
        profile=profile,
        text=text,
        key=key,
        error=error,
        field=field,
        **context,
    )


async def runner_post(
    request: Request[Any, Any, Any],
    text_field: str,
    submit: Callable[[str, str | None], Awaitable[str]],
    show: Callable[..., Template],
) -> Template | Redirect:
    """A runner's form posted: its text submitted under its Idempotency-Key by ``submit``
    (which answers the page to go to); a refusal shows the form again by ``show`` with the
    problem at its field."""
    form = await access.read_form(request)
    text = str(form.get(text_field) or "")
    key = str(form.get("idempotency_key") or "") or None
    profile = str(form.get("profile") or "")
    try:
        check_key(key)
        target = await submit(text, key)
    except Problem as exc:
        # A key bound to another submission is spent: the next try gets a fresh one.
        if exc.field == "Idempotency-Key":
            key = uuid.uuid4().hex
        return show(
            profile,
            text,
            key or uuid.uuid4().hex,
            status_code=exc.status_code,
            error=exc.detail,
            field=exc.field,
        )
    return Redirect(target, status_code=303)


def _runner_page(viewer: Viewer, profile: str, text: str, key: str, **kw: Any) -> Template:
    texts = {p.name: p.text for p in default_configs()}
    return runner_page("runner.html", viewer, profile, text, key, texts=texts, nav="runner", **kw)

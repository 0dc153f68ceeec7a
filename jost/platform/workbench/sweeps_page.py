"""The workbench's sweeps: the history (name, status, points done of all, submitted), a
sweep's page (status and progress, the table of its points with links to their jobs, the
chart of EV by point, the CSV, cancel) and a raw sweep runner (a SweepSpec as JSON). Reads
and writes go through the functions the ``/api/sweeps/`` routes use (``api.sweeps``), so a
page refuses what the API refuses, with the same problem."""

from __future__ import annotations

import uuid
from functools import partial
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import Provide
from litestar.params import Parameter
from litestar.response import Redirect, Template

from jost.contracts.sweeps import SweepSpec, SweepStatus
from jost.platform.api import sweeps as sweeps_api
from jost.platform.api.limits import check_depth
from jost.platform.api.services import Services
from jost.platform.api.sweeps import SweepReads, provide_sweep_reads
from jost.platform.sweeps import results_csv
from jost.platform.workbench import access
from jost.platform.workbench.access import PREFIX, Viewer
from jost.platform.workbench.charts import sweep_chart
from jost.platform.workbench.pages import PAGE_SIZE, page, runner_page, runner_post
from jost.platform.workbench.prefill import prefill

EXAMPLE_AXES: dict[str, list[Any]] = {"rules.penetration": [0.65, 0.75, 0.85]}
"""The axis the sweep runner opens with."""
EXAMPLE_ROUNDS = 200_000
"""The rounds of each point of the runner's example (the profiles' own are for long runs)."""


def spec_text(profile: str | None) -> tuple[str, str]:
    """The runner's starting sweep: standard profile ``profile`` (else the default game) as
    the base, at ``EXAMPLE_ROUNDS`` rounds a point, with an example axis; (name, JSON)."""
    chosen = prefill(profile)
    base = msgspec.structs.replace(
        chosen.config, rounds=EXAMPLE_ROUNDS, shard_rounds=EXAMPLE_ROUNDS // 4
    )
    spec = SweepSpec(name=f"{chosen.name} by penetration", base=base, axes=EXAMPLE_AXES)
    return chosen.name, msgspec.json.format(msgspec.json.encode(spec), indent=2).decode()


class SweepPages(Controller):
    path = PREFIX
    dependencies = {  # noqa: RUF012 (Litestar reads it as a class attribute)
        "viewer": Provide(access.signed_in),
        "sweep_reads": Provide(provide_sweep_reads, sync_to_thread=False),
    }

    @get("/sweeps/", sync_to_thread=True)
    def history(
        self,
        viewer: Viewer,
        sweep_reads: SweepReads,
        offset: Annotated[int, Parameter(query="offset", ge=0, le=10**9)] = 0,
    ) -> Template:
        history = sweep_reads.page(viewer.principal, offset, PAGE_SIZE)
        return page("sweeps.html", viewer, history=history, nav="sweeps")

    @get("/sweeps/{sweep_id:str}/", sync_to_thread=True)
    def sweep(self, sweep_id: str, viewer: Viewer, sweep_reads: SweepReads) -> Template:
        status = sweep_reads.status(viewer.principal, sweep_id)
        results = sweep_reads.results(viewer.principal, sweep_id)
        return page(
            "sweep.html",
            viewer,
            status=status,
            results=results,
            chart=sweep_chart(results),
            finished=status.status != "running",
            nav="sweeps",
        )

    @get("/sweeps/{sweep_id:str}/status", sync_to_thread=True)
    def sweep_status(self, sweep_id: str, viewer: Viewer, sweep_reads: SweepReads) -> SweepStatus:
        """The sweep page polls this while the sweep runs."""
        return sweep_reads.status(viewer.principal, sweep_id)

    @get("/sweeps/{sweep_id:str}/results.csv", sync_to_thread=True)
    def csv(self, sweep_id: str, viewer: Viewer, sweep_reads: SweepReads) -> Response[str]:
        """The table as ``/api/sweeps/ID/results/?format=csv`` gives it (the same writer)."""
        results = sweep_reads.results(viewer.principal, sweep_id)
        return Response(
            results_csv(results),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="sweep-{sweep_id}.csv"'},
        )

    @post("/sweeps/{sweep_id:str}/cancel")
    async def cancel(self, sweep_id: str, viewer: Viewer, services: Services) -> Redirect:
        await sweeps_api.cancel(services, viewer.principal, sweep_id)
        return Redirect(f"{PREFIX}/sweeps/{sweep_id}/", status_code=303)

    # -- the sweep runner ----------------------------------------------------------------

    @get("/sweep-runner/", sync_to_thread=True)
    def runner(
        self, viewer: Viewer, profile: Annotated[str | None, Parameter(query="profile")] = None
    ) -> Template:
        name, text = spec_text(profile)
        return _runner_page(viewer, name, text, uuid.uuid4().hex)

    @post("/sweep-runner/")
    async def run(
        self, request: Request[Any, Any, Any], viewer: Viewer, services: Services
    ) -> Template | Redirect:
        async def submit(text: str, key: str | None) -> str:
            body = text.encode()
            check_depth(body)  # inside a form the body's own brackets may be encoded
            spec = sweeps_api.read_spec(body)
            accepted, _ = await sweeps_api.submit(services, viewer.principal, spec, key)
            return f"{PREFIX}/sweeps/{accepted.sweep_id}/"

        return await runner_post(request, "spec", submit, partial(_runner_page, viewer))


def _runner_page(viewer: Viewer, profile: str, text: str, key: str, **kw: Any) -> Template:
    return runner_page("sweep_runner.html", viewer, profile, text, key, nav="sweeps", **kw)

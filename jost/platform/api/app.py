"""The app factory: ``create_app()`` reads the environment (for ``granian --factory``);
tests and ``jost up`` pass settings."""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin

from jost.contracts import SimulationConfig
from jost.engine.exact_answers import preload
from jost.platform.api.auth import admit
from jost.platform.api.defaults import defaults
from jost.platform.api.exact import ExactController
from jost.platform.api.indices import IndicesController
from jost.platform.api.jobs import JobsController
from jost.platform.api.limits import MAX_BODY_BYTES
from jost.platform.api.meta import SqlController, health
from jost.platform.api.openapi import ChartSchemas, RoutesPage, document_problems
from jost.platform.api.problems import problem_handler
from jost.platform.api.reads import provide_reads
from jost.platform.api.services import ApiSettings, Services, provide_services
from jost.platform.api.sweeps import SweepsController
from jost.platform.api.tokens import TokensController
from jost.platform.supervisor import wait_restored
from jost.platform.workbench import router as workbench

log = logging.getLogger(__name__)


def _load_the_analyzer() -> None:
    """Load the exact analyzer while the API waits for its first requests: a completed job's
    result carries the exact EV beside the simulated one, and the first result read of the
    default game would otherwise wait 0.6 s for it (``preload``). Not imported with the app:
    numba's import is a third of the API's start. (Not at a lower priority: this thread holds
    the GIL while it imports, and a thread the scheduler rarely runs would stall the API's
    requests while it holds it.)"""
    preload(SimulationConfig())


def create_app(settings: ApiSettings | None = None) -> Litestar:
    settings = settings or ApiSettings.from_env()

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        if not wait_restored():
            log.warning("the platform did not say it restored the log; opening the file anyway")
        try:
            services = Services(settings)
        except Exception:
            # granian reports only that its worker exited: say why (a full disk, a locked or
            # corrupt database file, a broker that does not answer) before the process ends.
            log.exception("the API cannot start")
            raise
        app.state.services = services
        # What the API holds from its start (the imports, the app, the connections) is kept
        # out of the collector's full passes: with it in, each pass took about 0.1 s of a
        # core, a stall for every request and fold in flight (``benchmarks/jobs.py``).
        gc.freeze()
        threading.Thread(target=_load_the_analyzer, name="jost-analyzer", daemon=True).start()
        try:
            yield
        finally:
            services.close()

    app = Litestar(
        route_handlers=[
            JobsController,
            IndicesController,
            SweepsController,
            SqlController,
            ExactController,
            TokensController,
            defaults,
            health,
            workbench.workbench_router(),
        ],
        lifespan=[lifespan],
        # On every route: the token first, then the body (its size and depth), before any
        # handler parses it.
        guards=[admit],
        # Every route's: the authentication of a token needs ``services`` too.
        dependencies={
            "services": Provide(provide_services, sync_to_thread=False),
            "reads": Provide(provide_reads, sync_to_thread=False),
        },
        exception_handlers={Exception: problem_handler},
        request_max_body_size=MAX_BODY_BYTES,
        plugins=[ChartSchemas()],
        template_config=workbench.template_config(),
        openapi_config=OpenAPIConfig(
            title="JOST platform",
            version="1",
            path="/api/schema",
            render_plugins=[RoutesPage(), JsonRenderPlugin()],
        ),
    )
    document_problems(app)
    return app

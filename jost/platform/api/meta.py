"""Health (no token) and the SQL console's guard; the defaults are in ``defaults.py``."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.datastructures import State
from litestar.di import Provide

from jost.contracts import Health, SqlQuery, SqlResult
from jost.platform.api.auth import ADMIN_ONLY, principal_dependency
from jost.platform.api.problems import Problem
from jost.platform.api.services import Services
from jost.platform.api.sql import run_readonly


@get("/api/health/", sync_to_thread=False)
def health(state: State) -> Health:
    services: Services = state.services
    if services.projector.error is not None:
        raise Problem(503, f"projector stopped: {services.projector.error}", slug="unhealthy")
    return Health(events_applied=services.projector.events_applied)


class SqlController(Controller):
    path = "/api/sql/"
    dependencies = {"principal": Provide(principal_dependency)}  # noqa: RUF012
    opt = {ADMIN_ONLY: True}  # noqa: RUF012 (the app's guard refuses players: jost.platform.api.auth)

    @post("", status_code=200, sync_to_thread=True)
    def sql(self, data: SqlQuery, state: State) -> SqlResult:
        """Read-only SQL over the projection (tables jobs, shards, events, results); admin
        tokens only. One SELECT; at most max_rows rows and 4 MiB of rows (``truncated`` when
        rows were left out), within the time limit (408 past it)."""
        services: Services = state.services
        cursor = services.reads.folded_cursor()
        return run_readonly(cursor, data, services.settings.sql_seconds)

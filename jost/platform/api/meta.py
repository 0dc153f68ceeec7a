"""Unauthenticated routes: the shipped defaults, health, and the SQL console's guard."""

from __future__ import annotations

import json
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from litestar import Controller, get, post
from litestar.datastructures import State
from litestar.di import Provide

from jost.contracts import Health, SqlQuery, SqlResult
from jost.platform.api.auth import Principal, principal_dependency
from jost.platform.api.problems import Problem
from jost.platform.api.services import Services
from jost.platform.api.sql import run_readonly


def _tree(node: Traversable) -> dict[str, Any]:
    """The JSON files under a folder, as nested objects keyed by file stem."""
    out: dict[str, Any] = {}
    for child in sorted(node.iterdir(), key=lambda c: c.name):
        if child.is_dir():
            if sub := _tree(child):
                out[child.name] = sub
        elif child.name.endswith(".json"):
            out[child.name.removesuffix(".json")] = json.loads(child.read_text())
    return out


@get("/api/defaults/", sync_to_thread=True)
def defaults() -> dict[str, Any]:
    """The standard profiles shipped under jost/defaults/ (charts, games, ...), read at
    request time so new data files show without a restart. No token needed."""
    return _tree(resources.files("jost.defaults"))


@get("/api/health/", sync_to_thread=False)
def health(state: State) -> Health:
    services: Services = state.services
    if services.projector.error is not None:
        raise Problem(503, f"projector stopped: {services.projector.error}", slug="unhealthy")
    return Health(events_applied=services.projector.events_applied)


class SqlController(Controller):
    path = "/api/sql/"
    dependencies = {"principal": Provide(principal_dependency)}  # noqa: RUF012

    @post("", status_code=200, sync_to_thread=True)
    def sql(self, data: SqlQuery, principal: Principal, state: State) -> SqlResult:
        """Read-only SQL over the projection (tables jobs, shards, events, results); admin
        tokens only."""
        if not principal.admin:
            raise Problem(403, "SQL needs an admin token", field="Authorization", slug="admin-only")
        services: Services = state.services
        return run_readonly(services.projection.cursor(), data, services.settings.sql_seconds)

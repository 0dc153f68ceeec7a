"""The read model: the projection as every front door reads it (the JSON API and the
workbench's pages), one dependency instead of DuckDB cursors passed around. Each read takes a
fresh cursor (handlers run in threads; a DuckDB cursor is not shared between them). The SQL
behind each read is in ``queries``."""

from __future__ import annotations

from datetime import datetime

from litestar.datastructures import State

from jost.contracts import JobEvents, JobPage, JobResult, JobStatus, SimulationConfig
from jost.platform.api import queries
from jost.platform.api.problems import Problem
from jost.platform.projection import Projection
from jost.platform.tokens import Principal


class Reads:
    def __init__(self, projection: Projection) -> None:
        self._projection = projection

    def status(self, owner: str, job_id: str) -> JobStatus | None:
        return queries.job_status(self._projection.cursor(), owner, job_id)

    def owned(self, principal: Principal, job_id: str) -> JobStatus:
        """The job's status if ``principal`` owns it; else 404, exactly as for a job that does
        not exist (another token's job is not revealed)."""
        status = self.status(principal.owner, job_id)
        if status is None:
            raise Problem(404, f"no job {job_id}", field="job_id", slug="no-such-job")
        return status

    def folded(self, job_id: str) -> bool:
        """Whether the projection has folded the job's JobSubmitted from the log."""
        return queries.folded(self._projection.cursor(), job_id)

    def quiet_since(self, job_id: str) -> datetime | None:
        return queries.quiet_since(self._projection.cursor(), job_id)

    def config(self, owner: str, job_id: str) -> SimulationConfig | None:
        return queries.job_config(self._projection.cursor(), owner, job_id)

    def result(self, job_id: str) -> JobResult | None:
        return queries.job_result(self._projection.cursor(), job_id)

    def page(self, owner: str, offset: int, limit: int) -> JobPage:
        return queries.job_page(self._projection.cursor(), owner, offset, limit)

    def history(
        self, owner: str, status: str | None, offset: int, limit: int
    ) -> queries.HistoryPage:
        return queries.job_history(self._projection.cursor(), owner, status, offset, limit)

    def events(self, job_id: str) -> JobEvents:
        return queries.job_events(self._projection.cursor(), job_id)

    def by_state(self) -> dict[str, int]:
        return queries.jobs_by_state(self._projection.cursor())


def provide_reads(state: State) -> Reads:
    """The ``reads`` dependency of every controller that reads jobs."""
    return state.services.reads

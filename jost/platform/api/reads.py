"""The read model: the projection as every front door reads it (the JSON API and the
workbench's pages), one dependency instead of DuckDB cursors passed around. Each read takes a
fresh cursor (handlers run in threads; a DuckDB cursor is not shared between them). The SQL
behind each read is in ``queries``.

Read-your-writes: a submit answers once its job is recorded and in the log, before the
projector folds it. A job's status answers from that record until the fold; every other read
of the folded tables first waits until the facts this process appended are folded
(``Projector.catch_up``: at once when nothing is pending)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import duckdb
from litestar.datastructures import State

from jost.contracts import JobEvents, JobPage, JobResult, JobStatus, SimulationConfig
from jost.platform.api import queries
from jost.platform.api.problems import Problem
from jost.platform.projection import Projection
from jost.platform.tokens import Principal


class Reads:
    def __init__(self, projection: Projection, caught_up: Callable[[], object]) -> None:
        self._projection = projection
        self._caught_up = caught_up
        """Waits until this process's own writes are folded (bounded)."""

    def folded_cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor that sees every write this process answered for (the SQL console's too)."""
        self._caught_up()
        return self._projection.cursor()

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
        """Whether the projection has folded the job's JobSubmitted from the log. This and
        ``quiet_since`` do not wait: the intake calls them on its event loop, after its own
        ``catch_up``."""
        return queries.folded(self._projection.cursor(), job_id)

    def quiet_since(self, job_id: str) -> datetime | None:
        return queries.quiet_since(self._projection.cursor(), job_id)

    def config(self, owner: str, job_id: str) -> SimulationConfig | None:
        return queries.job_config(self.folded_cursor(), owner, job_id)

    def result(self, job_id: str) -> JobResult | None:
        return queries.job_result(self.folded_cursor(), job_id)

    def page(self, owner: str, offset: int, limit: int) -> JobPage:
        return queries.job_page(self.folded_cursor(), owner, offset, limit)

    def history(
        self, owner: str, status: str | None, offset: int, limit: int
    ) -> queries.HistoryPage:
        return queries.job_history(self.folded_cursor(), owner, status, offset, limit)

    def events(self, job_id: str) -> JobEvents:
        return queries.job_events(self.folded_cursor(), job_id)

    def by_state(self) -> dict[str, int]:
        return queries.jobs_by_state(self.folded_cursor())


def provide_reads(state: State) -> Reads:
    """The ``reads`` dependency of every controller that reads jobs."""
    return state.services.reads

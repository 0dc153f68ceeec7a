"""The bodies of the platform's HTTP API: what a submit answers, a job's status, result,
history and audit trail, the SQL console, health, the exact analyzer and the tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from msgspec import Meta

from jost.contracts.base import Inbound, Record
from jost.contracts.config import Chart, Rules, Strategy
from jost.contracts.events import TOKEN_NAME_PATTERN, Event, JobState
from jost.contracts.stats import ShardStats, Summary


class SubmitAccepted(Record, kw_only=True):
    """The answer to a submit: the job's id and its status now (a resubmission under the same
    Idempotency-Key tells the job's real status, ``completed`` included)."""

    job_id: str
    status: JobState = "submitted"


class JobStatus(Record, kw_only=True):
    job_id: str
    status: JobState
    shards_done: int
    shards_total: int | None
    """None until the job is planned."""
    submitted_at: datetime
    planned_at: datetime | None = None
    finished_at: datetime | None = None
    rounds: int
    error: str | None = None


class JobResult(Record, kw_only=True):
    job_id: str
    summary: Summary
    stats: ShardStats
    exact: ExactComparison | None = None
    """The exact EV of the same play beside the simulated one, where the analyzer applies:
    flat-bet chart play without a count (None otherwise)."""


class JobPage(Record, kw_only=True):
    """Job history, newest first. ``next_offset`` is None on the last page."""

    jobs: list[JobStatus]
    offset: int
    limit: int
    next_offset: int | None


class LoggedEvent(Record, kw_only=True):
    """An event with its place in the log."""

    partition: int
    offset: int
    event: Event


class JobEvents(Record, kw_only=True):
    job_id: str
    events: list[LoggedEvent]


class SqlQuery(Inbound, kw_only=True):
    sql: Annotated[str, Meta(min_length=1, max_length=20_000)]
    max_rows: Annotated[int, Meta(ge=1, le=10_000)] = 1_000


class SqlResult(Record, kw_only=True):
    columns: list[str]
    rows: list[list[object]]
    truncated: bool
    """True when the query had more rows than ``max_rows``."""
    seconds: float


class Health(Record, kw_only=True):
    status: Literal["ok"] = "ok"
    events_applied: int = 0


# -- Exact analysis (issue 8) -------------------------------------------------------------------

PostSplit = Literal["per_hand_split_count", "pre_split", "first_split"]
POST_SPLIT: PostSplit = "per_hand_split_count"
"""The exact analyzer's default convention for playing split hands (``jost.engine.exact``)."""
"""Play of split hands in composition-dependent EVs (``jost.engine.exact``)."""


class ExactQuery(Inbound, kw_only=True):
    """``POST /api/exact/`` with a shoe composition: rules, the counts left per rank (``A``,
    ``2``..``9``, ``T``; a missing rank has none left), and optionally the chart to value.
    Without a shoe the body may as well be a complete SimulationConfig."""

    rules: Rules = Rules()
    shoe: dict[str, int] | None = None
    strategy: Strategy = Strategy()


class ExactAnswer(Record, kw_only=True):
    """The exact result: fractions of the initial bet per round (-0.0043: a 0.43% edge).
    ``ev_basic`` values ``chart``, the chart the simulator would play for the request's
    ``strategy.playing`` (``basic``: the shipped chart for the rules); ``ev_derived`` the
    chart derived for the rules, returned as ``derived_chart`` when asked for."""

    ev_composition_dependent: float
    ev_basic: float
    chart: str
    ev_derived: float
    post_split: PostSplit
    post_split_description: str
    shoe: list[int]
    """Counts per rank A, 2..9, ten-valued."""
    ev_by_upcard: dict[str, dict[str, float]]
    seconds: float
    derived_chart: Chart | None = None


class ExactComparison(Record, kw_only=True):
    """A job's simulated EV against the exact EV of the chart it played, off the top of a full
    shoe. ``difference_se`` is (simulated - exact) / standard error. ``off_the_top`` is True
    when the job shuffles every round, so both estimate the same number; with a cut card or
    a continuous shuffler the simulated EV also holds the effect of the shuffle, so a gap of a
    few standard errors there is not by itself an error."""

    ev_exact: float
    chart: str
    ev_simulated: float
    ev_stderr: float
    difference_se: float
    off_the_top: bool


# -- Tokens ----------------------------------------------------------------------------------
class TokenRequest(Inbound, kw_only=True):
    """``POST /api/tokens/``: issue a token under a new name."""

    name: Annotated[
        str,
        Meta(
            pattern=TOKEN_NAME_PATTERN,
            description="1-64 letters, digits, '.', '_' or '-', starting with a letter or digit; "
            "unique for good (a revoked token keeps its name).",
        ),
    ]
    admin: bool = False


class TokenCreated(Record, kw_only=True):
    """A token just issued. ``token`` is the key: shown here once, stored nowhere (the
    platform keeps its digest only)."""

    name: str
    token: str
    admin: bool


class TokenInfo(Record, kw_only=True):
    name: str
    admin: bool
    created_at: datetime
    revoked_at: datetime | None = None

"""Index generation (issue 17 item 1): what ``jost indices`` prints, how an analysis is cut into
slices of compositions that merge exactly, the facts of an analysis run on the platform, and
the bodies of ``/api/indices/``.

An analysis's facts share ``jost.events`` with the jobs' facts, keyed ``analysis/<id>`` (a
slice's ``analysis/<id>/<slice>``, so slices spread over the partitions), and carry no
``job_id``: the job readers skip them as they skip a token's facts."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from jost.contracts.base import Inbound, Record
from jost.contracts.config import IndexPlay, SimulationConfig
from jost.contracts.events import EVENT_SCHEMA_VERSION

AnalysisState = Literal["submitted", "running", "completed", "failed"]


class GeneratedIndices(Record, kw_only=True):
    """What ``jost indices --json`` prints (and ``GET /api/indices/{id}/`` answers once
    completed): the deviations and how they were found."""

    deviations: list[IndexPlay]
    count_system: str
    count_kind: str  # "true count" | "running count"
    deck_estimation: str
    rounding: str
    window: list[int]
    counts_analysed: int
    compositions: int
    per_count: int
    seed: int
    seconds: float
    method: str


class IndexSlice(Record, kw_only=True):
    """Consecutive compositions of a plan: each a shoe (cards left per rank index, aces
    first) and the share of random deals it stands for."""

    index: int
    shoes: list[list[int]]
    weights: list[float]


class IndexPlan(Record, kw_only=True):
    """The compositions an analysis values, picked from its seed, cut into slices."""

    per_count: int
    seed: int
    window: list[int]
    counts_analysed: int
    compositions: int
    slices: list[IndexSlice]


class CellSums(Record, kw_only=True):
    """Where one chart cell's weighted sums (or insurance's) sit in a slice's arrays: the
    counts the slice reached, ``width`` action values at each."""

    cell: list[str]
    """(kind, row, upcard rank index) or ("insurance",)."""
    counts: list[int]
    """Positions in the analysis's count range (0: its lowest count)."""
    width: int


class IndexSums(Record, kw_only=True):
    """A slice's partial sums: merged in slice order they give the analysis's table. The
    sums travel as zlib-compressed little-endian float64 arrays (exact, minus infinity
    included: an action not offered; and a third of the size of the same numbers in JSON):
    ``weights`` one per count of every cell in order, ``values`` ``width`` per count."""

    index: int
    compositions: int
    cells: list[CellSums]
    weights: bytes
    values: bytes


# -- the platform's facts ---------------------------------------------------------------------


class _AnalysisEvent(Record, kw_only=True, tag_field="kind", tag=True):
    event_id: str
    analysis_id: str
    at: datetime
    schema_version: int = EVENT_SCHEMA_VERSION


class AnalysisSubmitted(_AnalysisEvent, kw_only=True):
    owner: str
    config: SimulationConfig
    per_count: int
    seed: int
    idempotency_key: str | None = None


class AnalysisPlanned(_AnalysisEvent, kw_only=True):
    plan: IndexPlan


class SliceRequested(_AnalysisEvent, kw_only=True):
    """A work item for the analysis workers: everything a slice needs, so any member runs it
    without reading anything else."""

    config: SimulationConfig
    slice: IndexSlice


class SliceCompleted(_AnalysisEvent, kw_only=True):
    sums: IndexSums
    seconds: float = 0.0


class AnalysisFailed(_AnalysisEvent, kw_only=True):
    reason: str


AnalysisEvent = (
    AnalysisSubmitted | AnalysisPlanned | SliceRequested | SliceCompleted | AnalysisFailed
)
"""The facts of an index analysis in ``jost.events`` (the tag field is ``kind``)."""


# -- the API ----------------------------------------------------------------------------------


class IndicesRequest(Inbound, kw_only=True):
    """``POST /api/indices/``: a complete config with a count system."""

    config: SimulationConfig
    per_count: int = 12
    seed: int = 2026


class AnalysisAccepted(Record, kw_only=True):
    analysis_id: str
    status: AnalysisState


class AnalysisStatus(Record, kw_only=True):
    """``GET /api/indices/{id}/``: where the analysis is; ``result`` once completed."""

    analysis_id: str
    status: AnalysisState
    compositions_done: int
    compositions_total: int | None
    per_count: int
    seed: int
    count_system: str | None
    submitted_at: datetime
    finished_at: datetime | None = None
    error: str | None = None
    result: GeneratedIndices | None = None


class AnalysisPage(Record, kw_only=True):
    analyses: list[AnalysisStatus]
    total: int

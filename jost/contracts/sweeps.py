"""Sweeps (issue 17): a base config plus axes, run as one sweep of ordinary jobs.

A sweep file (``jost sweep SWEEP.json``, the body of ``POST /api/sweeps/``)::

    {"name": "penetration by decks",
     "base": {"rules": {"decks": 6}, "rounds": 2000000, "seed": 7},
     "axes": {"rules.penetration": [0.7, 0.75, 0.8], "rules.decks": [2, 6]}}

Each axis names a config field by its dotted path (``rules.penetration``, ``betting.ramp``,
``strategy.count.system``...) and lists its values as they would be written in a config. The
points are every combination of the axes' values, in axis order with the last axis varying
fastest (above: 0.7/2, 0.7/6, 0.75/2, ...); point ``i``'s config is the base with each axis
field set to that point's value, checked as a submitted config is. Every point is an ordinary
job (its own id, status, result and audit trail); the sweep adds one status, one table and the
axes' values of each point.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

from jost.contracts.base import Inbound, Record
from jost.contracts.config import SimulationConfig
from jost.contracts.events import EVENT_SCHEMA_VERSION, JobState

MAX_SWEEP_POINTS = 1000
"""The most points one sweep may hold (the product of the axes' lengths)."""

AXIS_PATH_PATTERN = r"^[a-z_]+(\.[a-z_0-9]+)*$"
"""An axis: a config field by its dotted path."""

SweepState = Literal["running", "completed", "failed", "cancelled"]
"""``running`` while any point is unfinished; then ``completed`` when every point completed,
``cancelled`` when any was cancelled (and none failed), ``failed`` when any failed."""


class SweepSpec(Inbound, kw_only=True):
    """What a player submits: a base config and the axes to vary."""

    base: SimulationConfig = SimulationConfig()
    axes: Annotated[
        dict[Annotated[str, Meta(pattern=AXIS_PATH_PATTERN)], list[Any]], Meta(min_length=1)
    ]
    """Dotted config path -> the values it takes, in order (each list non-empty)."""
    name: Annotated[str, Meta(max_length=200)] = ""


class SweepPoint(Record, kw_only=True):
    """One point of a sweep: its place, its job and the axes' values there."""

    index: int
    job_id: str
    values: dict[str, Any]
    """Axis path -> this point's value."""
    rounds: int = 0
    shards: int = 0
    """The point's planned shards (from its config), counted before its job is planned."""


class SweepAccepted(Record, kw_only=True):
    """The answer to a sweep's submit (202): the sweep's id and its points' jobs. Resubmitted
    under the same Idempotency-Key, the same sweep."""

    sweep_id: str
    points: list[SweepPoint]
    status: SweepState = "running"


class SweepStatus(Record, kw_only=True):
    """One status and progress for the whole sweep."""

    sweep_id: str
    name: str
    status: SweepState
    axes: dict[str, list[Any]]
    points: int
    points_completed: int
    points_failed: int
    points_cancelled: int
    shards_done: int
    shards_total: int
    """Over every point (a point not yet planned counts its planned shards from its config)."""
    rounds: int
    """The rounds of all points together."""
    submitted_at: datetime
    finished_at: datetime | None = None


class SweepRow(Record, kw_only=True):
    """One row of a sweep's results table: a point, its job's status and (once completed) its
    figures, as in the job's summary. ``ror`` is the formula's risk of ruin over infinite play
    at the config's ``bankroll`` (None when the config names no bankroll)."""

    index: int
    job_id: str
    values: dict[str, Any]
    status: JobState
    rounds: int | None = None
    ev: float | None = None
    ev_stderr: float | None = None
    ev_ci95_low: float | None = None
    ev_ci95_high: float | None = None
    win_per_100: float | None = None
    sd_per_100: float | None = None
    score: float | None = None
    n0: float | None = None
    ror: float | None = None


def value_text(value: Any) -> str:
    """An axis value as a table cell or a chart's tick shows it: a number or a word as it is,
    anything else (a ramp, a list) as compact JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None:
        return msgspec.json.encode(value).decode()
    if isinstance(value, int | float):
        return f"{value:g}" if isinstance(value, float) else str(value)
    return msgspec.json.encode(value).decode()


def point_label(values: dict[str, Any]) -> str:
    """A point named by its axes' values, in axis order: ``0.75/6``."""
    return "/".join(value_text(v) for v in values.values())


class SweepResults(Record, kw_only=True):
    sweep_id: str
    status: SweepState
    axes: list[str]
    rows: list[SweepRow]


class SweepPage(Record, kw_only=True):
    """Sweep history, newest first. ``next_offset`` is None on the last page."""

    sweeps: list[SweepStatus]
    offset: int
    limit: int
    next_offset: int | None


# -- The sweep's fact ---------------------------------------------------------------------------
# A sweep is recorded in ``jost.events`` as one fact keyed ``sweep/<id>`` (beside the jobs'
# facts, not among them, as a token's are): ``Event`` stays the jobs' union and readers of job
# facts skip it. Its points' jobs are ordinary JobSubmitted facts.


class SweepSubmitted(Record, kw_only=True, tag_field="kind", tag=True):
    event_id: str
    sweep_id: str
    at: datetime
    owner: str
    """A digest of the submitting token, as on the points' JobSubmitted."""
    name: str
    base: SimulationConfig
    axes: dict[str, list[Any]]
    points: list[SweepPoint]
    idempotency_key: str | None = None
    schema_version: int = EVENT_SCHEMA_VERSION

    def spec(self) -> SweepSpec:
        """What was submitted (an Idempotency-Key's reuse is compared with it)."""
        return SweepSpec(base=self.base, axes=self.axes, name=self.name)

"""The jobs the app shows: each run the player started here (on the platform or on this
machine) and each job of the local history, with its progress and, once done, its result.

The app's workers change a job only on the UI thread and then publish it, so screens read a
consistent object."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from jost.contracts import TERMINAL_STATES, ShardStats, SimulationConfig, Summary

FINAL = TERMINAL_STATES | {"refused", "lost"}
"""States after which nothing changes: no more polling."""

Where = Literal["platform", "local"]


@dataclass
class TrackedJob:
    key: str
    """The idempotency key of a submission (the job id once known), or ``local-N``."""
    profile: str
    """The simulation profile (or config file) the job was hydrated from."""
    where: Where
    config: SimulationConfig | None = None
    job_id: str | None = None
    url: str | None = None
    status: str = "submitted"
    """A platform job state, or ``unreachable`` (the platform does not answer now),
    ``refused``, ``lost`` (the platform does not know the job)."""
    done: int = 0
    total: int | None = None
    unit: str = "shards"
    """What ``done`` and ``total`` count: ``shards`` (platform) or ``rounds`` (local)."""
    submitted_at: datetime | None = None
    seconds: float | None = None
    summary: Summary | None = None
    stats: ShardStats | None = None
    error: str | None = None
    replaced_by: str | None = None
    """A submission no platform answered: the key of the local run that replaced it."""

    @property
    def final(self) -> bool:
        return self.status in FINAL

    @property
    def label(self) -> str:
        """A short name for lists and file names: the job id's first 8 characters."""
        return (self.job_id or self.key)[:8] if self.where == "platform" else self.key

    @property
    def progress(self) -> str:
        if self.total is None:
            return "-"
        if self.unit == "rounds":
            return f"{self.done / self.total:.0%}" if self.total else "-"
        return f"{self.done}/{self.total}"

"""The facts of the job log (``jost.events``) and the work item of ``jost.shards``.

Events are immutable facts in the past tense. Every event carries a deterministic ``event_id``
(derived from the job id, its kind and shard, see ``jost.platform.events``) so a fact emitted
twice (a redelivered message, a shard run again) is recognised as the same fact; and a
``schema_version`` so readers can evolve. Unknown fields are ignored on decode so older
readers keep working when a newer writer adds a field.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from jost.contracts.base import Record
from jost.contracts.config import SimulationConfig
from jost.contracts.stats import ShardStats, Summary

EVENT_SCHEMA_VERSION = 1

JobState = Literal["submitted", "running", "completed", "failed", "cancelled"]
TERMINAL_STATES: frozenset[str] = frozenset({"completed", "failed", "cancelled"})
"""The states a job never leaves (its transitions are decided in ``jost.platform.lifecycle``;
clients read this set to know when to stop watching)."""


class _Event(Record, kw_only=True, tag_field="kind", tag=True):
    event_id: str
    job_id: str
    at: datetime
    """When the writer emitted the fact (UTC)."""
    schema_version: int = EVENT_SCHEMA_VERSION


class JobSubmitted(_Event, kw_only=True):
    owner: str
    """A digest of the submitting token: who may see the job (never the token itself)."""
    config: SimulationConfig
    idempotency_key: str | None = None


class JobPlanned(_Event, kw_only=True):
    shard_rounds: list[int]
    """Rounds of each shard; the shard index is the position."""


class ShardCompleted(_Event, kw_only=True):
    shard_index: int
    rounds: int
    stats: ShardStats
    seconds: float = 0.0


class ShardFailed(_Event, kw_only=True):
    shard_index: int
    error: str


class JobCompleted(_Event, kw_only=True):
    stats: ShardStats
    summary: Summary


class JobFailed(_Event, kw_only=True):
    reason: str
    shard_index: int | None = None


class JobCancelled(_Event, kw_only=True):
    reason: str = "cancelled by its owner"


class JobResumed(_Event, kw_only=True):
    """A job's facts restored into a new log from the archive (the embedded log dies with its
    process): the shards done before, and their merged statistics, stand in for their
    ShardCompleted facts, so only the other shards run and the result is the same."""

    done_shards: list[int]
    stats: ShardStats
    log_id: str
    """The log it was restored into."""


Event = (
    JobSubmitted
    | JobPlanned
    | JobResumed
    | ShardCompleted
    | ShardFailed
    | JobCompleted
    | JobFailed
    | JobCancelled
)
"""The one tagged union of ``jost.events`` (the tag field is ``kind``)."""


class ShardRequested(Record, kw_only=True):
    """A work item on ``jost.shards``: it names its job and shard, nothing more, so it stays a
    few dozen bytes whatever the config. Workers read each job's config once, from its
    JobSubmitted in ``jost.events``."""

    job_id: str
    shard_index: int
    rounds: int


# -- Tokens (issue 14) --------------------------------------------------------------------------
# Tokens an admin issues and revokes while the platform runs. Each issue and revocation is a fact
# in ``jost.events`` (keyed ``token/<name>``, so one token's facts stay ordered), beside the jobs'
# facts but not among them: ``Event`` stays the jobs' union, and the readers of job facts skip
# these. A fact carries the sha256 digest of the key, never the key.

TOKEN_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
"""A token's name: what the admin calls it (a path segment of ``/api/tokens/NAME/``)."""


class _TokenEvent(Record, kw_only=True, tag_field="kind", tag=True):
    event_id: str
    name: str
    at: datetime
    schema_version: int = EVENT_SCHEMA_VERSION


class TokenIssued(_TokenEvent, kw_only=True):
    digest: str
    """The hex sha256 of the key: what requests are compared against."""
    admin: bool = False


class TokenRevoked(_TokenEvent, kw_only=True):
    """From this fact on the token is refused (401) on every route."""


TokenEvent = TokenIssued | TokenRevoked
"""The facts of ``jost.events`` that are about tokens, not jobs (the tag field is ``kind``)."""

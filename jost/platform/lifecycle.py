"""The job lifecycle, decided in one place: the states a job can be in, which fact moves it
where, and what a job's facts so far call for next. Pure (no I/O): the projection, the
coordinator, the API, the recovery and the CLI all read it.

    submitted --JobPlanned--> running --JobCompleted--> completed
        |                        |------JobFailed-----> failed
        +------------------------+------JobCancelled--> cancelled

The first terminal fact wins: a job cancelled before its last shard stays cancelled, and a
JobCompleted arriving after it changes nothing.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from jost.contracts import (
    TERMINAL_STATES,
    Event,
    JobCancelled,
    JobCompleted,
    JobFailed,
    JobPlanned,
    JobResumed,
    JobState,
    JobSubmitted,
    ShardCompleted,
    ShardFailed,
    ShardStats,
    SimulationConfig,
)

TERMINAL: frozenset[str] = TERMINAL_STATES

ENDING: dict[type, JobState] = {
    JobCompleted: "completed",
    JobFailed: "failed",
    JobCancelled: "cancelled",
}
"""The facts that end a job, and the state each leaves it in."""

ENDING_KINDS: frozenset[str] = frozenset(cls.__struct_config__.tag for cls in ENDING)
"""The ``kind`` tags of the facts that end a job, for a reader that looks only at the tag."""


def is_terminal(state: str) -> bool:
    return state in TERMINAL


def sql_list(states: frozenset[str]) -> str:
    """``('a', 'b')`` for a SQL ``IN``: the projection's statements name states from here."""
    return "(" + ", ".join(f"'{s}'" for s in sorted(states)) + ")"


def ending(event: object) -> JobState | None:
    """The state a fact that ends a job leaves it in; None for any other fact. By class, a
    subclass included (the fold decodes a job's end into a view of ``JobCompleted``)."""
    for cls in type(event).__mro__:
        if cls in ENDING:
            return ENDING[cls]
    return None


def next_state(state: JobState, event: Event) -> JobState:
    """The state after ``event``: the one transition function."""
    if state in TERMINAL:
        return state
    ended = ending(event)
    if ended is not None:
        return ended
    if isinstance(event, JobPlanned) and state == "submitted":
        return "running"
    return state


Verdict = Literal["plan", "complete", "fail", "wait", "closed", "unknown"]


class JobFold(msgspec.Struct, kw_only=True):
    """What one job's facts so far say: the coordinator's state for a job. ``plan`` is the
    rounds of each shard once planned; ``done`` the statistics of each completed shard."""

    job_id: str
    state: JobState = "submitted"
    config: SimulationConfig | None = None
    plan: list[int] | None = None
    done: set[int] = set()
    stats: list[ShardStats] = []
    """The statistics of the shards in ``done``: one per shard, or one merged for the shards
    a JobResumed restored (merging is exact, so the result is the same)."""
    failure: str | None = None
    failed_shard: int | None = None

    def observe(self, event: Event) -> None:
        self.state = next_state(self.state, event)
        match event:
            case JobSubmitted():
                self.config = self.config or event.config
            case JobPlanned():
                self.plan = self.plan if self.plan is not None else list(event.shard_rounds)
            case ShardCompleted():
                # The first result of a shard stands; a shard run twice gives the same one.
                if event.shard_index not in self.done:
                    self.done.add(event.shard_index)
                    self.stats.append(event.stats)
            case JobResumed():
                # Restored facts come first in a new log; should any of its shards be known
                # already, its merged statistics would count them twice: then it is ignored.
                if self.done.isdisjoint(event.done_shards):
                    self.done.update(event.done_shards)
                    self.stats.append(event.stats)
            case ShardFailed():
                if event.shard_index not in self.done and self.failure is None:
                    self.failure = f"shard {event.shard_index} failed: {event.error}"
                    self.failed_shard = event.shard_index
            case _:
                pass

    def missing(self) -> list[int]:
        """Shards planned and not completed, by index."""
        if self.plan is None:
            return []
        return [i for i in range(len(self.plan)) if i not in self.done]

    def verdict(self) -> Verdict:
        """What the job needs next: plan it, complete it (every shard in), fail it (a shard
        failed), wait for shards, nothing (closed), or nothing known (no JobSubmitted seen:
        its facts began elsewhere)."""
        if self.state in TERMINAL:
            return "closed"
        if self.config is None:
            return "unknown"
        if self.failure is not None:
            return "fail"
        if self.plan is None:
            return "plan"
        return "wait" if self.missing() else "complete"

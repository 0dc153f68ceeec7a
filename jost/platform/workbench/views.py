"""How the pages word things: a rules summary, a job's duration, an event's line in the
audit trail. Pure functions over the contracts, used by the templates."""

from __future__ import annotations

from datetime import UTC, datetime

from msgspec import Struct

from jost.contracts import (
    JobCancelled,
    JobCompleted,
    JobFailed,
    JobPlanned,
    JobResumed,
    JobStatus,
    JobSubmitted,
    LoggedEvent,
    Rules,
    ShardCompleted,
    ShardFailed,
)

_PAYS = {1.5: "3:2", 1.2: "6:5", 1.0: "1:1"}


def rules_summary(rules: Rules) -> str:
    """``6D S17 DAS 3:2 LS 75%``: the rules a player names a game by."""
    parts = [f"{rules.decks}D", "H17" if rules.dealer_hits_soft_17 else "S17"]
    if rules.double_after_split:
        parts.append("DAS")
    if rules.double != "any_two":
        parts.append("D" + rules.double.replace("_to_", "-"))
    parts.append(_PAYS.get(rules.blackjack_pays, f"{rules.blackjack_pays:g}:1"))
    parts.append({"none": "", "late": "LS", "early": "ES"}[rules.surrender])
    if rules.hole_card != "peek":
        parts.append(rules.hole_card.upper())
    if rules.shuffle == "cut_card":
        parts.append(f"{rules.penetration:.0%}")
    else:
        parts.append({"every_round": "shuffle every round", "continuous": "CSM"}[rules.shuffle])
    return " ".join(p for p in parts if p)


def seconds_text(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {rest:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def duration(status: JobStatus, now: datetime | None = None) -> str:
    """How long the job took, or has been under way (``… so far``)."""
    if status.finished_at is not None:
        return seconds_text((status.finished_at - status.submitted_at).total_seconds())
    elapsed = ((now or datetime.now(UTC)) - status.submitted_at).total_seconds()
    return seconds_text(max(0.0, elapsed)) + " so far"


def percent(value: float | None, digits: int = 3) -> str:
    return "" if value is None else f"{value * 100:+.{digits}f}%"


class TrailLine(Struct, frozen=True, kw_only=True):
    kind: str
    at: datetime
    place: str
    """Where it sits in the log: ``partition/offset``."""
    detail: str


def _detail(logged: LoggedEvent) -> str:
    event = logged.event
    if isinstance(event, JobSubmitted):
        key = f", Idempotency-Key {event.idempotency_key}" if event.idempotency_key else ""
        return f"{event.config.rounds:,} rounds, seed {event.config.seed}{key}"
    if isinstance(event, JobPlanned):
        return f"{len(event.shard_rounds):,} shards"
    if isinstance(event, ShardCompleted):
        return f"shard {event.shard_index}: {event.rounds:,} rounds in {event.seconds:.2f} s"
    if isinstance(event, ShardFailed):
        return f"shard {event.shard_index}: {event.error}"
    if isinstance(event, JobCompleted):
        return f"{event.summary.rounds:,} rounds, EV {percent(event.summary.ev)}"
    if isinstance(event, JobFailed | JobCancelled):
        return event.reason
    if isinstance(event, JobResumed):
        return f"{len(event.done_shards):,} shards already done (log {event.log_id})"
    return ""


def trail(events: list[LoggedEvent]) -> list[TrailLine]:
    """The audit trail's lines, in the order given (the log's)."""
    return [
        TrailLine(
            kind=type(e.event).__name__,
            at=e.event.at,
            place=f"{e.partition}/{e.offset}",
            detail=_detail(e),
        )
        for e in events
    ]

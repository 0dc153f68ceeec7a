"""Exact analysis over HTTP: ``POST /api/exact/`` answers synchronously with the analyzer's
result, and a job's result gets the exact EV of the play it simulated beside the simulated one.

The analysis is a pure function of the rules (and shoe), fast (a fraction of a second, the
derived chart cached per rule set), so it is computed where it is read rather than stored:
nothing in the log, the projection or the workers changes, and a replayed projection shows the
same comparison.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, post
from litestar.di import Provide
from litestar.openapi.spec import OpenAPIMediaType, Operation, Reference, RequestBody, Schema
from litestar.params import Parameter

from jost.contracts import (
    Chart,
    ExactAnswer,
    ExactComparison,
    ExactQuery,
    JobResult,
    PostSplit,
    Rules,
    SimulationConfig,
    Strategy,
)
from jost.engine.charts import resolve_playing
from jost.engine.exact import POST_SPLIT, analyze, chart_ev
from jost.engine.validate import field_of
from jost.platform.api.auth import Principal, principal_dependency
from jost.platform.api.problems import Problem, invalid_body


def _decode(body: bytes) -> SimulationConfig | ExactQuery:
    """A body with a ``shoe`` is an ExactQuery; any other is a SimulationConfig (``{"rules":
    ...}`` alone is one, its other parts defaulted). Both decoded strictly."""
    try:
        raw = msgspec.json.decode(body)
        if not isinstance(raw, dict):
            raise msgspec.ValidationError("Expected `object`, got `" + type(raw).__name__ + "`")
        target: type[SimulationConfig | ExactQuery] = (
            ExactQuery if "shoe" in raw else SimulationConfig
        )
        return msgspec.convert(raw, target, strict=True)
    except msgspec.DecodeError as exc:
        raise invalid_body(exc) from exc


def _refused(exc: ValueError) -> Problem:
    message = str(exc)
    found = field_of(message)
    return Problem(422, message, field=found[0] if found else "$", slug="exact-refused")


def _answer(
    rules: Rules,
    strategy: Strategy,
    shoe: dict[str, int] | None,
    post_split: PostSplit,
    with_chart: bool,
) -> ExactAnswer:
    start = time.perf_counter()
    result = analyze(rules, shoe, post_split=post_split)
    played = resolve_playing(strategy, rules)
    return ExactAnswer(
        ev_composition_dependent=result.ev_composition_dependent,
        ev_basic=chart_ev(rules, played, shoe),
        chart=played.name or "the request's own chart",
        ev_derived=result.ev_basic,
        post_split=post_split,
        post_split_description=result.post_split_description,
        shoe=result.shoe,
        ev_by_upcard=result.ev_by_upcard,
        seconds=time.perf_counter() - start,
        derived_chart=result.chart if with_chart else None,
    )


@dataclass
class ExactOperation(Operation):
    """The handler reads its body itself (strict decoding, two shapes): the schema says so."""

    def __post_init__(self) -> None:
        query = Schema(
            type="object",
            title="ExactQuery",
            description=ExactQuery.__doc__,
            required=["shoe"],
            properties={
                "rules": Reference(ref="#/components/schemas/Rules"),
                "shoe": Schema(
                    type="object",
                    additional_properties=Schema(type="integer", minimum=0),
                    description="Cards left per rank: A, 2..9, T (10, J, Q, K also accepted).",
                ),
                "strategy": Reference(ref="#/components/schemas/Strategy"),
            },
        )
        self.request_body = RequestBody(
            required=True,
            description="A complete simulation config (or just its rules), or rules with a "
            "shoe composition.",
            content={
                "application/json": OpenAPIMediaType(
                    schema=Schema(
                        one_of=[Reference(ref="#/components/schemas/SimulationConfig"), query]
                    )
                )
            },
        )


class ExactController(Controller):
    path = "/api/exact/"
    dependencies = {"principal": Provide(principal_dependency)}  # noqa: RUF012

    @post(
        "",
        status_code=200,
        summary="Exact EV of a rule set (combinatorial analysis, no simulation)",
        operation_class=ExactOperation,
    )
    async def exact(
        self,
        request: Request[Any, Any, Any],
        principal: Principal,
        post_split: Annotated[
            PostSplit,
            Parameter(description="Play of split hands in the composition-dependent EV."),
        ] = POST_SPLIT,
        chart: Annotated[
            bool, Parameter(description="Also return the chart derived for the rules.")
        ] = False,
    ) -> ExactAnswer:
        """Composition-dependent EV, the EV of the chart the config plays (``ev_basic``;
        ``strategy.playing`` ``basic`` is the shipped chart for the rules) and of the chart
        derived for the rules (``ev_derived``), off the top of the full shoe or of the given
        composition. Fractions of the initial bet per round."""
        body = _decode(await request.body())
        shoe = body.shoe if isinstance(body, ExactQuery) else None
        try:
            # The solver releases the GIL: off the event loop, other requests go on.
            return await asyncio.to_thread(
                _answer, body.rules, body.strategy, shoe, post_split, chart
            )
        except ValueError as exc:
            raise _refused(exc) from exc


def _normal(rules: Rules) -> Rules:
    """The rules without what an off-the-top analysis ignores (a cache key)."""
    return msgspec.structs.replace(rules, shuffle="cut_card", penetration=0.75)


@lru_cache(maxsize=256)
def _named_chart_ev(rules: Rules, playing: str) -> tuple[float, str]:
    chart = resolve_playing(Strategy(playing=playing), rules)
    return chart_ev(rules, chart), chart.name


def exact_comparison(config: SimulationConfig, result: JobResult) -> ExactComparison | None:
    """The job's simulated EV against the exact EV of the chart it played: where the job bets
    flat and plays a chart without a count (no count means no deviations, ramp, wonging or
    insurance), so that the analyzer's off-the-top EV is the EV it estimates."""
    summary = result.summary
    if config.strategy.count is not None or config.betting.ramp is not None:
        return None
    if summary.ev_stderr <= 0.0:
        return None
    playing = config.strategy.playing
    rules = _normal(config.rules)
    if isinstance(playing, Chart):
        exact, name = chart_ev(rules, playing), playing.name or "the job's own chart"
    else:
        exact, name = _named_chart_ev(rules, playing)
    return ExactComparison(
        ev_exact=exact,
        chart=name,
        ev_simulated=summary.ev,
        ev_stderr=summary.ev_stderr,
        difference_se=(summary.ev - exact) / summary.ev_stderr,
        off_the_top=config.rules.shuffle == "every_round",
    )


def with_exact(result: JobResult, config: SimulationConfig | None) -> JobResult:
    """``result`` with its exact comparison, where one applies (and the analyzer accepts the
    rules: a rule set it refuses leaves the result as it is)."""
    if config is None:
        return result
    try:
        comparison = exact_comparison(config, result)
    except ValueError:
        return result
    return msgspec.structs.replace(result, exact=comparison)

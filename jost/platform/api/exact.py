"""Exact analysis over HTTP: ``POST /api/exact/`` answers synchronously with the analyzer's
answer (``jost.engine.exact_answers``, the same the CLI's ``jost exact`` prints).

The analysis is a pure function of the rules (and shoe), fast (a fraction of a second, the
derived chart cached per rule set), so it is computed where it is read rather than stored.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from functools import partial
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, post
from litestar.di import Provide
from litestar.openapi.spec import OpenAPIMediaType, Operation, Reference, RequestBody, Schema
from litestar.params import Parameter

from jost.contracts import POST_SPLIT, ExactAnswer, ExactQuery, PostSplit, SimulationConfig
from jost.engine.errors import ConfigRejected
from jost.engine.exact_answers import exact_answer
from jost.platform.api.auth import Principal, principal_dependency
from jost.platform.api.problems import invalid_body, rejected


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
        answer = partial(
            exact_answer,
            body.rules,
            body.strategy,
            shoe,
            post_split=post_split,
            with_chart=chart,
            own_chart="the request's own chart",
        )
        try:
            # The solver releases the GIL: off the event loop, other requests go on.
            return await asyncio.to_thread(answer)
        except ConfigRejected as exc:
            raise rejected(exc, 422, "exact-refused") from exc

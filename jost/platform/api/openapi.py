"""OpenAPI schema help: Litestar's msgspec plugin fails on a Struct field whose default is not
hashable (it tests ``field.default in {...}``): ``SurrenderChart``'s sparse dict tables and
``Chart.surrender``, whose default chart holds them. Those two Structs get their schema here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar.openapi.spec import OpenAPIMediaType, Operation, Reference, RequestBody, Schema
from litestar.plugins import OpenAPISchemaPlugin
from litestar.typing import FieldDefinition

from jost.contracts import PAIR_CODES, PLAY_CODES, SURRENDER_CODES, UPCARDS, Chart, SurrenderChart


def _rows(codes: frozenset[str]) -> Schema:
    return Schema(
        type="object",
        additional_properties=Schema(
            type="array",
            items=Schema(type="string", enum=sorted(codes)),
            min_items=len(UPCARDS),
            max_items=len(UPCARDS),
        ),
        description="Row (hand total or pair) → one cell per upcard 2..10, A.",
    )


def _surrender() -> Schema:
    rows = _rows(SURRENDER_CODES)
    return Schema(
        type="object",
        title="SurrenderChart",
        properties={"hard": rows, "soft": rows, "pairs": rows},
        description=SurrenderChart.__doc__,
    )


def _chart() -> Schema:
    return Schema(
        type="object",
        title="Chart",
        required=["hard", "soft", "pairs"],
        properties={
            "name": Schema(type="string"),
            "source": Schema(type="string"),
            "hard": _rows(PLAY_CODES),
            "soft": _rows(PLAY_CODES),
            "pairs": _rows(PAIR_CODES),
            "surrender": _surrender(),
            "early_surrender": Schema(one_of=[_surrender(), Schema(type="null")]),
        },
        description=Chart.__doc__,
    )


class ChartSchemas(OpenAPISchemaPlugin):
    @staticmethod
    def is_plugin_supported_type(value: Any) -> bool:
        return value is Chart or value is SurrenderChart

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: Any) -> Schema:
        return _chart() if field_definition.annotation is Chart else _surrender()


@dataclass
class SubmitOperation(Operation):
    """``POST /api/submit/`` reads its body itself (strict msgspec decoding: Litestar's own
    conversion is lax and would take ``"20000"`` for 20000), so the schema names it here."""

    def __post_init__(self) -> None:
        self.request_body = RequestBody(
            required=True,
            description="A complete simulation config.",
            content={
                "application/json": OpenAPIMediaType(
                    schema=Reference(ref="#/components/schemas/SimulationConfig")
                )
            },
        )

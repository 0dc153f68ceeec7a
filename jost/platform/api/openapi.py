"""OpenAPI schema help.

- Litestar's msgspec plugin fails on a Struct field whose default is not hashable (it tests
  ``field.default in {...}``): ``SurrenderChart``'s sparse dict tables and ``Chart.surrender``,
  whose default chart holds them. Those two Structs get their schema here.
- Litestar documents neither problem details nor tokens: ``document_problems`` adds each
  route's error responses and the token scheme to the generated schema.
- ``RoutesPage`` is the page at ``/api/schema``: no third-party UI (those load their scripts
  from a CDN and show nothing offline).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from html import escape
from typing import Any

import msgspec
from litestar import Litestar, Request
from litestar._openapi.plugin import OpenAPIPlugin  # the app's own, built on first use
from litestar.handlers import BaseRouteHandler
from litestar.openapi.plugins import OpenAPIRenderPlugin
from litestar.openapi.spec import (
    OpenAPI,
    OpenAPIMediaType,
    OpenAPIResponse,
    Operation,
    Reference,
    RequestBody,
    Schema,
    SecurityScheme,
)
from litestar.plugins import OpenAPISchemaPlugin
from litestar.routes import HTTPRoute
from litestar.typing import FieldDefinition

from jost.contracts import PAIR_CODES, PLAY_CODES, SURRENDER_CODES, UPCARDS, Chart, SurrenderChart
from jost.contracts.sweeps import AXIS_PATH_PATTERN
from jost.platform.api.auth import ADMIN_ONLY, needs_token
from jost.platform.api.problems import PROBLEM_JSON, ProblemDetails


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


@dataclass
class SweepSubmitOperation(Operation):
    """``POST /api/sweeps/`` reads its body itself, as ``/api/submit/`` does."""

    def __post_init__(self) -> None:
        self.request_body = RequestBody(
            required=True,
            description="A sweep: `base` (a SimulationConfig), `axes` (a config field's "
            'dotted path -> its values, e.g. `{"rules.decks": [2, 6]}`) and `name`.',
            content={"application/json": OpenAPIMediaType(schema=_sweep_spec())},
        )


@dataclass
class SweepResultsOperation(Operation):
    """``GET /api/sweeps/{id}/results/`` answers JSON, or CSV with ``?format=csv``."""

    def __post_init__(self) -> None:
        ok = (self.responses or {}).get("200")
        if isinstance(ok, OpenAPIResponse) and ok.content is not None:
            ok.content["text/csv"] = OpenAPIMediaType(schema=Schema(type="string"))


def _sweep_spec() -> Schema:
    """SweepSpec, with its base as the SimulationConfig the schema already holds."""
    return Schema(
        type="object",
        required=["axes"],
        properties={
            "base": Reference(ref="#/components/schemas/SimulationConfig"),
            "axes": Schema(
                type="object",
                min_properties=1,
                property_names=Schema(type="string", pattern=AXIS_PATH_PATTERN),
                additional_properties=Schema(type="array", min_items=1, items=Schema()),
            ),
            "name": Schema(type="string", max_length=200),
        },
        additional_properties=False,
    )


# -- Error responses, the token scheme and the offline page -------------------------------------

TOKEN_SCHEMES = {
    "token": SecurityScheme(
        type="apiKey",
        name="Authorization",
        security_scheme_in="header",
        description="`Authorization: Token <key>`: the admin token (JOST_TOKEN), a "
        "player's (JOST_USER_TOKENS), or one issued by an admin (`POST /api/tokens/`) and not "
        "revoked.",
    ),
    "bearer": SecurityScheme(
        type="http", scheme="bearer", description="The same keys as `Bearer <key>`."
    ),
}
"""Either scheme admits a request (a list of requirements is an alternative)."""

_COMMON = {
    400: "The body or a parameter is invalid (malformed or too deeply nested JSON, a field out "
    "of range); `field` names it.",
    401: "No token, or an unknown one.",
    403: "The token may not do this.",
    413: "The body is larger than the limit.",
}

_REVOKE_PROBLEMS = {
    404: "No token of this name.",
    503: "The event log did not accept the revocation (in force on this API already); try again.",
}

ROUTE_PROBLEMS: dict[tuple[str, str], dict[int, str]] = {
    ("POST", "/api/submit"): {
        409: "This Idempotency-Key was used for another config.",
        503: "The event log did not accept the job; try again later.",
    },
    ("GET", "/api/status/{job_id}"): {404: "No such job for this token."},
    ("GET", "/api/results/{job_id}"): {
        404: "No such job for this token.",
        409: "The job has no result (yet).",
    },
    ("GET", "/api/jobs/{job_id}/events"): {404: "No such job for this token."},
    ("POST", "/api/jobs/{job_id}/cancel"): {
        404: "No such job for this token.",
        409: "The job has already finished.",
        503: "The event log did not accept the cancellation; try again later.",
    },
    ("POST", "/api/sql"): {
        403: "Not an admin token, or not a single read-only SELECT.",
        408: "The query (with fetching and encoding its answer) ran past the time limit.",
        422: "The query needs more memory than the API allows it.",
    },
    ("POST", "/api/exact"): {422: "The analyzer refuses these rules or this shoe."},
    ("POST", "/api/tokens"): {
        409: "A token of this name exists (a revoked token keeps its name).",
        503: "The event log did not accept the token; nothing was issued.",
    },
    ("DELETE", "/api/tokens/{name}"): _REVOKE_PROBLEMS,
    ("POST", "/api/tokens/{name}/revoke"): _REVOKE_PROBLEMS,
    ("GET", "/api/health"): {503: "The projector stopped."},
    ("POST", "/api/indices"): {
        409: "This Idempotency-Key was used for another analysis.",
        503: "The event log did not accept the analysis; try again later.",
    },
    ("GET", "/api/indices/{analysis_id}"): {404: "No such analysis for this token."},
    ("POST", "/api/sweeps"): {
        400: "The spec is invalid, or a point is not a config the engine can run (`field` "
        'names the axis and the value: `$.axes["rules.decks"][1]`), or the axes make too many '
        "points (`$.axes`).",
        409: "This Idempotency-Key was used for another sweep.",
        503: "The event log did not accept the sweep; try again (nothing runs twice).",
    },
    ("GET", "/api/sweeps/{sweep_id}"): {404: "No such sweep for this token."},
    ("GET", "/api/sweeps/{sweep_id}/results"): {404: "No such sweep for this token."},
    ("POST", "/api/sweeps/{sweep_id}/cancel"): {
        404: "No such sweep for this token.",
        409: "The sweep has already finished.",
        503: "The event log did not accept a cancellation; try again.",
    },
}
"""What each route answers beyond the errors every route of its kind can give (those are
derived from the route: a token, a body, parameters)."""

_SCHEMA_REF = "#/components/schemas/{name}"
_PROBLEM_REF = _SCHEMA_REF.format(name=ProblemDetails.__name__)


def _problem_response(description: str) -> OpenAPIResponse:
    return OpenAPIResponse(
        description=description,
        content={PROBLEM_JSON: OpenAPIMediaType(schema=Reference(ref=_PROBLEM_REF))},
    )


def _problems(
    method: str, path: str, operation: Operation, handler: BaseRouteHandler
) -> dict[str, OpenAPIResponse | Reference]:
    statuses: dict[int, str] = {}
    if needs_token(handler):
        statuses[401] = _COMMON[401]
        if handler.opt.get(ADMIN_ONLY):
            statuses[403] = _COMMON[403]
    if method in ("POST", "PUT", "PATCH"):
        statuses[400] = _COMMON[400]
        statuses[413] = _COMMON[413]
    elif operation.parameters:
        statuses[400] = _COMMON[400]
    statuses.update(ROUTE_PROBLEMS.get((method, path), {}))
    return {str(status): _problem_response(statuses[status]) for status in sorted(statuses)}


def document_problems(app: Litestar) -> None:
    """Have the generated schema completed when Litestar builds it, on its first use (the
    routes page, its JSON): each route's errors as problem details, in place of Litestar's own
    400 shape, and which routes need a token. Built at start, as a startup hook, the schema
    took 50-80 ms of the API's start, beside the workers' own, for a page few open."""
    # Litestar made its plugin with ``__slots__`` and keeps it by its type: the instance
    # takes the subclass's behaviour and stays where Litestar looks for it.
    app.plugins.get(OpenAPIPlugin).__class__ = _CompletingOpenAPIPlugin


_completing = threading.Lock()


class _CompletingOpenAPIPlugin(OpenAPIPlugin):
    """Litestar's OpenAPI plugin, completing the schema it builds (``_complete``)."""

    __slots__ = ()

    def provide_openapi(self) -> OpenAPI:
        with _completing:  # two first requests at once: neither reads a half-done schema
            fresh = self._openapi is None
            openapi = super().provide_openapi()
            if fresh:
                _complete(self.app, openapi)
            return openapi


def _complete(app: Litestar, openapi: OpenAPI) -> None:
    _, schemas = msgspec.json.schema_components([ProblemDetails], ref_template=_SCHEMA_REF)
    openapi.components.schemas.update(schemas)  # plain JSON Schema: rendered as it is
    openapi.components.security_schemes = TOKEN_SCHEMES
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or route.path_format not in (openapi.paths or {}):
            continue
        item = openapi.paths[route.path_format]
        for method, (handler, _) in route.route_handler_map.items():
            operation = getattr(item, method.lower(), None)
            if not isinstance(operation, Operation):
                continue
            kept = {
                k: v for k, v in (operation.responses or {}).items() if k.startswith(("2", "3"))
            }
            operation.responses = kept | _problems(method, route.path_format, operation, handler)
            operation.security = (
                [{name: []} for name in TOKEN_SCHEMES] if needs_token(handler) else []
            )


class RoutesPage(OpenAPIRenderPlugin):
    """``/api/schema``: the routes, what each needs and answers, and a link to the OpenAPI
    JSON; plain HTML with no script, font or style from elsewhere, so it reads offline."""

    def __init__(self) -> None:
        super().__init__(path="/", favicon="", style="")

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        json_url = escape(self.get_openapi_json_route(request))
        rows = []
        for path, item in openapi_schema.get("paths", {}).items():
            for method, operation in item.items():
                if not isinstance(operation, dict) or "responses" not in operation:
                    continue
                token = "token" if operation.get("security") else "none"
                statuses = " ".join(sorted(operation["responses"]))
                lines = (operation.get("description") or "").strip().splitlines()
                what = " ".join(filter(None, [operation.get("summary"), *lines[:1]]))
                rows.append(
                    f"<tr><td><code>{escape(method.upper())}</code></td>"
                    f"<td><code>{escape(path)}</code></td><td>{token}</td>"
                    f"<td>{escape(statuses)}</td><td>{escape(what)}</td></tr>"
                )
        title = escape(openapi_schema.get("info", {}).get("title", "API"))
        return (
            "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>{title}</title></head><body>"
            f"<h1>{title}</h1>"
            f"<p>The OpenAPI schema: <a href='{json_url}'>{json_url}</a>. Routes marked "
            "<em>token</em> need <code>Authorization: Token &lt;key&gt;</code> (or "
            "<code>Bearer &lt;key&gt;</code>). Errors are <code>application/problem+json</code>."
            "</p><table border='1' cellpadding='4'><thead><tr><th>method</th><th>path</th>"
            "<th>token</th><th>answers</th><th>what</th></tr></thead><tbody>"
            + "".join(rows)
            + "</tbody></table></body></html>"
        ).encode()

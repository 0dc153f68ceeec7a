"""The workbench's router: its pages and static files under ``/workbench/``, the guard
against cross-origin writes, the headers that keep its pages to their own origin, and the
errors shown as pages (a missing session as the sign-in form)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from litestar import Request, Response, Router
from litestar.datastructures import CacheControlHeader, ResponseHeader
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Redirect, Template
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from jost.contracts.sweeps import point_label, value_text
from jost.platform.api.problems import ProblemDetails, problem_handler
from jost.platform.workbench import views
from jost.platform.workbench.access import PREFIX, SIGN_IN_PATH, SignInRequired, same_origin
from jost.platform.workbench.pages import Pages, SignInPages
from jost.platform.workbench.sweeps_page import SweepPages
from jost.platform.workbench.tokens_page import TokenPages

HERE = Path(__file__).parent

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
"""Everything from the platform itself: the browser refuses any script, style, font or
request to another origin, so the pages work offline by construction."""


def _error_page(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    if isinstance(exc, SignInRequired):
        if request.method != "GET":
            return Redirect(SIGN_IN_PATH, status_code=303)
        # The path as the browser asked for it (Litestar's own drops a trailing slash).
        path = request.scope.get("raw_path", b"").decode("latin-1") or request.url.path
        target = path + (f"?{request.url.query}" if request.url.query else "")
        return Redirect(f"{SIGN_IN_PATH}?next={quote(target)}", status_code=303)
    # The API's own reading of the error (and its logging of the unexpected ones).
    problem: ProblemDetails = problem_handler(request, exc).content
    return Template(
        template_name="error.html",
        context={"viewer": None, "problem": problem},
        status_code=problem.status,
    )


def _filters(engine: JinjaTemplateEngine) -> None:
    engine.engine.filters.update(
        rules_summary=views.rules_summary,
        duration=views.duration,
        percent=views.percent,
        seconds=views.seconds_text,
        value=value_text,
        point=point_label,
        utc=lambda at: at.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] + " UTC" if at else "",
    )


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    """The app's templates: the workbench's pages (Jinja, autoescaped)."""
    return TemplateConfig(
        directory=HERE / "templates", engine=JinjaTemplateEngine, engine_callback=_filters
    )


def workbench_router() -> Router:
    """A new router for an app (Litestar binds a router to the app it is registered with)."""
    return Router(
        path="/",
        route_handlers=[
            SignInPages,
            Pages,
            SweepPages,
            TokenPages,
            create_static_files_router(
                path=f"{PREFIX}/static", directories=[HERE / "static"], name="workbench-static"
            ),
        ],
        guards=[same_origin],
        exception_handlers={Exception: _error_page},
        response_headers=[
            ResponseHeader(name="Content-Security-Policy", value=CONTENT_SECURITY_POLICY),
            ResponseHeader(name="X-Content-Type-Options", value="nosniff"),
            ResponseHeader(name="Referrer-Policy", value="same-origin"),
        ],
        cache_control=CacheControlHeader(no_store=True),
        include_in_schema=False,
    )

"""The Tokens page (admin tokens only): the tokens issued while the platform runs, issuing
one (its key shown on this answer only) and revoking one, through the same functions as
``/api/tokens/`` (``api.tokens``), so the page refuses what the API refuses."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import Provide
from litestar.response import Redirect, Template

from jost.contracts import TokenCreated
from jost.platform.api.problems import Problem
from jost.platform.api.services import Services
from jost.platform.api.tokens import issue_token, list_tokens, revoke_token
from jost.platform.workbench import access
from jost.platform.workbench.access import PREFIX, Viewer
from jost.platform.workbench.pages import page


async def admin_viewer(viewer: Viewer) -> Viewer:
    if not viewer.principal.admin:
        raise Problem(403, "the Tokens page needs an admin token", slug="admin-only")
    return viewer


def _tokens_page(
    viewer: Viewer,
    services: Services,
    status_code: int = 200,
    created: TokenCreated | None = None,
    error: str | None = None,
    name: str = "",
) -> Template:
    return page(
        "tokens.html",
        viewer,
        status_code=status_code,
        tokens=list_tokens(services),
        created=created,
        error=error,
        name=name,
        nav="tokens",
    )


class TokenPages(Controller):
    path = f"{PREFIX}/tokens"
    dependencies = {  # noqa: RUF012 (Litestar reads it as a class attribute)
        "viewer": Provide(access.signed_in),
        "admin": Provide(admin_viewer),
    }

    @get("/")
    async def tokens(self, admin: Viewer, services: Services) -> Template:
        return _tokens_page(admin, services)

    @post("/")
    async def issue(
        self, request: Request[Any, Any, Any], admin: Viewer, services: Services
    ) -> Template:
        form = await access.read_form(request)
        name = str(form.get("name") or "").strip()
        try:
            created = await issue_token(services, name, form.get("admin") == "on")
        except Problem as exc:
            return _tokens_page(
                admin, services, status_code=exc.status_code, error=exc.detail, name=name
            )
        # The key is in this answer only (the page is never cached: no-store).
        return _tokens_page(admin, services, status_code=201, created=created)

    @post("/{name:str}/revoke")
    async def revoke(self, name: str, admin: Viewer, services: Services) -> Redirect:
        await revoke_token(services, name)
        return Redirect(f"{PREFIX}/tokens/", status_code=303)

"""One platform for the module (the embedded broker, the API as a granian subprocess, one
engine worker), as tests/platform/conftest.py starts them, and Debian's chromium driven by
Playwright: a fresh browser context (no cookies) per test, every request it makes to another
origin recorded and aborted."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, sync_playwright

from jost.platform.embedded import EmbeddedBroker
from jost.platform.settings import Topics
from jost.platform.topics import create_embedded_topics

# The platform tests' fixtures module, under its package name (a conftest of this folder
# would shadow the module name ``conftest``).
from tests.platform import conftest as platform_fixtures

REPO = platform_fixtures.REPO

ADMIN_TOKEN = platform_fixtures.ADMIN_TOKEN
USER_TOKEN = platform_fixtures.USER_TOKEN
OTHER_TOKEN = platform_fixtures.OTHER_TOKEN
ApiServer = platform_fixtures.ApiServer
wait_for = platform_fixtures.wait_for

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = REPO / "artifacts" / "workbench"


class Platform:
    def __init__(self, api: ApiServer) -> None:
        self.api = api
        self.url = api.url


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    tmp = tmp_path_factory.mktemp("workbench")
    with EmbeddedBroker() as broker:
        create_embedded_topics(broker, Topics())
        api = ApiServer(broker.bootstrap, tmp / "data", tmp / "api.log")
        workers = platform_fixtures.Workers(broker.bootstrap, tmp)
        try:
            workers()
            yield Platform(api)
        finally:
            workers.stop_all()
            api.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium (CI installs it)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Offline:
    """Every request the pages make to anywhere but the platform: recorded, then aborted
    (the network cut off from everything but the platform)."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.elsewhere: list[str] = []

    def route(self, route: Route) -> None:
        url = route.request.url
        if url == self.origin or url.startswith(self.origin + "/"):
            route.continue_()
        else:
            self.elsewhere.append(url)
            route.abort()


@pytest.fixture
def offline(platform: Platform) -> Offline:
    return Offline(platform.url)


@pytest.fixture
def context(browser: Browser, offline: Offline) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.route("**/*", offline.route)
    yield context
    context.close()
    assert offline.elsewhere == [], f"requests to other origins: {offline.elsewhere}"


@pytest.fixture
def page(context: BrowserContext) -> Page:
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def screenshot(page: Page, name: str) -> Path:
    """Keep a screenshot of the page as a test artifact."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page: Page, url: str, token: str) -> None:
    page.goto(f"{url}/workbench/sign-in")
    page.fill("#token", token)
    page.click("#sign-in")
    page.wait_for_url(f"{url}/workbench/runner/")

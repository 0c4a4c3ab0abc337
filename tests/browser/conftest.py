"""Headless Chromium (Debian's /usr/bin/chromium) driven by Playwright, on srkb served by uvicorn.

No browser is downloaded: Playwright launches the system Chromium by ``executable_path`` with the
flags that keep it off the network (this machine's network is closed; without them Chromium keeps
trying Google's hosts). ``make test`` installs Chromium (``make system-deps``) when it is missing.

Every page is watched: a console error, an uncaught exception, a failed request or a request to
anywhere but the server fails the test. Each test writes a screenshot to ``screenshots/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright, Request, sync_playwright

from kb import resources
from tests.support.app_server import API_TOKEN, AppServer, start_app

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENSHOTS = Path(__file__).parent / "screenshots"
BROKEN = "broken-p1-unregistered-component"


@dataclass
class Watched:
    """A page and everything that went wrong on it."""

    page: Page
    base: str
    problems: list[str] = field(default_factory=list)

    def open(self, path: str) -> Page:
        response = self.page.goto(self.base + path, wait_until="load")
        assert response is not None, path
        assert response.ok, f"{path}: HTTP {response.status}"
        return self.page

    def screenshot(self, name: str, *, full_page: bool = True) -> Path:
        SCREENSHOTS.mkdir(exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        assert path.stat().st_size > 10_000, "a screenshot of an empty page"
        return path


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail("Debian's Chromium is not installed: run `make system-deps` (apt chromium)")
    launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
    yield launched
    launched.close()


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    """The campus demo, as `make run` serves it (memory store here)."""
    server = start_app(tmp_path_factory.mktemp("browser-demo"), demo=True)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def broken(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    """A server holding only a broken example, written through the Graph Store Protocol."""
    server = start_app(
        tmp_path_factory.mktemp("browser-broken"),
        demo=False,
        settings={"SRKB_API_TOKEN": API_TOKEN},
    )
    with server.client(API_TOKEN) as client:
        response = client.put(
            "/store",
            params={"graph": "https://w3id.org/srkb/graph/source/" + BROKEN},
            content=resources.example_file(BROKEN).read_bytes(),
            headers={"Content-Type": "text/turtle"},
        )
        assert response.status_code in (200, 201, 204), response.text
    yield server
    server.stop()


def watch(browser: Browser, server: AppServer) -> Iterator[Watched]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    watched = Watched(page, server.base)

    def on_console(message: ConsoleMessage) -> None:
        if message.type in ("error", "warning"):
            watched.problems.append(f"console {message.type}: {message.text}")

    def on_request(request: Request) -> None:
        if not request.url.startswith((server.base + "/", "data:")):
            watched.problems.append(f"request to elsewhere: {request.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: watched.problems.append(f"uncaught: {error}"))
    page.on("request", on_request)
    page.on("requestfailed", lambda r: watched.problems.append(f"failed: {r.url} {r.failure}"))
    page.on(
        "response",
        lambda r: watched.problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None,
    )
    yield watched
    context.close()
    assert watched.problems == [], "\n".join(watched.problems)


@pytest.fixture
def demo_page(browser: Browser, demo: AppServer) -> Iterator[Watched]:
    yield from watch(browser, demo)


@pytest.fixture
def broken_page(browser: Browser, broken: AppServer) -> Iterator[Watched]:
    yield from watch(browser, broken)

"""Browser tests: Playwright driving Debian's chromium against pytest-django's live server.

Run with ``pytest -m browser`` (``make test-browser``). Nothing is downloaded: the browser is the
system package at /usr/bin/chromium (``make chromium`` installs it with apt-get when missing).
"""

from __future__ import annotations

import gzip
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

CHROMIUM = Path(os.environ.get("KENESH_CHROMIUM", "/usr/bin/chromium"))
#: Screenshots every layout test saves, kept by CI as artefacts (var/ is not versioned).
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    # No calls home: the test also asserts that no request leaves the live server.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 360, "height": 740}

# Collects securitypolicyviolation events. Playwright injects init scripts through the DevTools
# protocol, which the page's Content-Security-Policy does not govern.
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make chromium` (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio event loop running in this thread for as long as
    # the browser lives, and Django refuses ORM calls from a thread with a running loop (they
    # would block it). Nothing else runs on that loop, so the guard is switched off while the
    # browser is up (database setup, the demo load, the flush between tests), and only then.
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def demo_server(browser: Any, live_server: Any) -> Iterator[Any]:
    """The live server with the demo programme loaded.

    The live server needs transactional tests, which flush the database after each test (the
    session-wide demo load of the root conftest is gone after the first one), so every test
    loads the demo again; loading is idempotent.
    """
    # Settings stay as in production (secure cookies, HSTS): the live server speaks plain HTTP
    # on localhost, which chromium treats as a secure context, so it keeps Secure cookies.
    from kenesh.portal.demo import demo_load

    demo_load()
    yield live_server


@dataclass
class Traffic:
    """What a page asked for and what the console said, for the assertions every test makes."""

    origin: str
    requests: list[str] = field(default_factory=list)
    responses: list[Any] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def foreign_requests(self) -> list[str]:
        return [
            url
            for url in self.requests
            if urlsplit(url).scheme not in {"data", "blob", "about"}
            and f"{urlsplit(url).scheme}://{urlsplit(url).netloc}" != self.origin
        ]

    def failed_responses(self) -> list[str]:
        return [f"{r.status} {r.url}" for r in self.responses if r.status >= 400]

    def csp_messages(self) -> list[str]:
        return [
            message
            for message in self.console
            if "Content Security Policy" in message or "Content-Security-Policy" in message
        ]

    def assert_clean(self, page: Any) -> None:
        """Nothing fetched from another host, nothing missing, no CSP violation, no error."""
        assert self.foreign_requests() == []
        assert self.failed_responses() == []
        assert self.csp_messages() == []
        assert page.evaluate("window.__cspViolations") == []
        assert self.page_errors == []

    @staticmethod
    def wire_size(response: Any) -> int:
        """Bytes of ``response``'s body as production sends it.

        The live server serves static files uncompressed from the finders; production serves
        them through WhiteNoise, which sends the gzip (or smaller brotli) file precompressed by
        ``collectstatic``. So static files count at their gzip size (level 9, as WhiteNoise
        uses), an upper bound of what goes over the wire. Django's HTML is not compressed by the
        application (no GZipMiddleware), so pages count at their full size; an answer sent
        gzipped (the hot spot GeoJSON) counts at its gzip size (level 6, as Django compresses).
        """
        body = response.body()
        if urlsplit(response.url).path.startswith("/static/"):
            return len(gzip.compress(body, compresslevel=9, mtime=0))
        if response.headers.get("content-encoding") == "gzip":
            return len(gzip.compress(body, compresslevel=6, mtime=0))
        return len(body)


@pytest.fixture
def open_page(browser: Any, demo_server: Any) -> Iterator[Any]:
    """``open_page("desktop" | "phone")`` gives a fresh page (empty cache; no cookies unless a
    ``storage_state`` is given) that records its traffic in ``page.traffic``. The browser asks
    for English first, so switching to Kyrgyz is something the test does."""
    contexts: list[Any] = []

    def make(device: str = "desktop", locale: str = "en-US", storage_state: Any = None) -> Any:
        phone = device == "phone"
        context = browser.new_context(
            viewport=PHONE if phone else DESKTOP,
            locale=locale,
            device_scale_factor=1,
            is_mobile=phone,
            has_touch=phone,
            storage_state=storage_state,
        )
        contexts.append(context)
        context.add_init_script(CSP_LISTENER)
        page = context.new_page()
        page.set_default_timeout(15_000)
        traffic = Traffic(origin=demo_server.url)
        page.on("request", lambda request: traffic.requests.append(request.url))
        page.on("response", lambda response: traffic.responses.append(response))
        page.on("console", lambda message: traffic.console.append(message.text))
        page.on("pageerror", lambda error: traffic.page_errors.append(str(error)))
        page.traffic = traffic
        page.base_url = demo_server.url
        return page

    yield make
    for context in contexts:
        context.close()


def screenshot(page: Any, name: str) -> Path:
    """Save the whole page as ``var/screenshots/<name>.png`` (an artefact of the CI run) and
    return the path; tests of a layout call it at 360 px and at 1366 px."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def log_in(page: Any, username: str, language: str | None = None) -> None:
    """Log in as a demo user (the demo password), speaking ``language`` when one is given (the
    language cookie, as the language switch sets it)."""
    from django.conf import settings

    from kenesh.portal.demo import DEMO_PASSWORD

    if language:
        page.context.add_cookies(
            [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": page.base_url}]
        )
    page.goto(f"{page.base_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("main form button[type=submit]")

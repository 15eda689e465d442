"""What every browser test shares: the app served on loopback, how Chromium is launched
here, the record of what the Content-Security-Policy refused, a page that reports what it
must never do, signing in, and the checks each page must pass."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.apps import PASSWORD
from xaso.testbed.binaries import require_binary

if TYPE_CHECKING:  # Playwright is optional: the tests that need it skip without it.
    from playwright.async_api import Browser, Page

# Headless, and without the background traffic this machine's closed network refuses.
CHROMIUM_ARGS: Final = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WIDTHS: Final = (1400, 390)  # a desktop, a phone
# Installed before any page script: records what the browser refused under the CSP
# (DevTools injects it, so the policy does not block it).
RECORD_VIOLATIONS: Final = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


@asynccontextmanager
async def served_on_loopback(app: web.Application) -> AsyncIterator[str]:
    """``app`` served on a free loopback port for as long as the block runs: its base URL,
    without the trailing slash, so that tests write ``f"{base_url}/path"``."""
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield str(server.make_url("")).rstrip("/")
    finally:
        await server.close()


@asynccontextmanager
async def chromium(*extra_args: str) -> AsyncIterator[Browser]:
    """This machine's Chromium, driven by Playwright, closed when the block ends;
    ``extra_args`` add to ``CHROMIUM_ARGS`` (a stand-in microphone...). Where Playwright
    is missing the test skips; a missing Chromium is a ``MissingBinary``, as for any
    binary a test needs."""
    playwright_api = pytest.importorskip("playwright.async_api")
    executable = require_binary("chromium", "chromium")
    async with playwright_api.async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=executable, args=[*CHROMIUM_ARGS, *extra_args]
        )
        try:
            yield browser
        finally:
            await browser.close()


def console_problem(message: Any, who: object, problems: list[str]) -> None:
    """Chromium reports CSP refusals, failed loads and script errors as console errors."""
    if message.type in ("error", "warning"):
        problems.append(f"{who} console: {message.text} ({message.location.get('url')})")


def watch(
    page: Page, who: object, base_url: str, problems: list[str], ignore_console: Iterable[str] = ()
) -> None:
    """Records as problems what a page must never do: ask another host for anything (the
    communes' networks are closed), log an error or a warning, throw. ``ignore_console``
    names the messages a test causes on purpose (a refused upload's "status of 400")."""
    own_host = urlsplit(base_url).netloc
    expected = tuple(ignore_console)

    def on_request(request: Any) -> None:
        # A blob: URL is content the page made itself (a chosen file, a recording): no host.
        if request.url.startswith("blob:") or urlsplit(request.url).netloc == own_host:
            return
        problems.append(f"{who}: a request to another host: {request.url}")

    def on_console(message: Any) -> None:
        if not any(known in message.text for known in expected):
            console_problem(message, who, problems)

    page.on("request", on_request)
    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"{who}: {error}"))


async def new_page(
    browser: Browser,
    who: object,
    base_url: str,
    problems: list[str],
    *,
    width: int = 1400,
    ignore_console: Iterable[str] = (),
    **context_options: Any,
) -> Page:
    """A page of its own (its own cookies), watched, recording CSP refusals, in a
    Vietnamese browser unless ``context_options`` say otherwise (``accept_downloads``,
    ``java_script_enabled``, ``permissions``...)."""
    context = await browser.new_context(
        **{"viewport": {"width": width, "height": 900}, "locale": "vi-VN", **context_options}
    )
    await context.add_init_script(RECORD_VIOLATIONS)
    page = await context.new_page()
    watch(page, who, base_url, problems, ignore_console)
    return page


async def sign_in(
    page: Page, base_url: str, login: str, *, password: str = PASSWORD, then: str = "/"
) -> None:
    """Through the login form, as a person does; ``then`` is where the login sends them."""
    await page.goto(f"{base_url}/login" + ("" if then == "/" else f"?next={then}"))
    await page.fill("input[name=login]", login)
    await page.fill("input[name=password]", password)
    await page.click("form[action='/login'] button")
    await page.wait_for_url(f"{base_url}{then}")


async def signed_in(
    browser: Browser,
    base_url: str,
    login: str,
    problems: list[str],
    *,
    password: str = PASSWORD,
    width: int = 1400,
    ignore_console: Iterable[str] = (),
    **context_options: Any,
) -> Page:
    """A new page signed in as ``login``, on the landing page."""
    page = await new_page(
        browser,
        f"{login} at {width}px",
        base_url,
        problems,
        width=width,
        ignore_console=ignore_console,
        **context_options,
    )
    await sign_in(page, base_url, login, password=password)
    return page


async def check_page(page: Any, name: str, shots: Path, problems: list[str]) -> None:
    """No CSP refusal, nothing that makes the page scroll sideways (a wide table scrolls
    in its own box); a screenshot to look at."""
    violations = await page.evaluate("window.__violations")
    problems.extend(f"{name}: CSP refused {v}" for v in violations)
    overflow = await page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    if overflow > 0:
        problems.append(f"{name}: the page scrolls {overflow}px sideways")
    await page.screenshot(path=str(shots / f"{name}.png"), full_page=True)


def shots_folder(tmp_path: Path) -> Path:
    """Where a test's screenshots go: ``$XASO_SCREENSHOTS`` to keep them and look at
    them, else the test's own temporary folder."""
    shots = Path(os.environ.get("XASO_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    return shots

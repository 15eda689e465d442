"""What every browser test shares: how Chromium is launched here, the record of what the
Content-Security-Policy refused, and the checks each page must pass."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Final

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


def console_problem(message: Any, who: object, problems: list[str]) -> None:
    """Chromium reports CSP refusals, failed loads and script errors as console errors."""
    if message.type in ("error", "warning"):
        problems.append(f"{who} console: {message.text} ({message.location.get('url')})")


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

"""The group report opens in a real headless browser (Debian's chromium via Playwright).

Checks: no console errors or page errors, every image decoded (naturalWidth > 0), the claims
table present. Skips when chromium or Playwright is absent, unless
``EEGSTATE_REQUIRE_BROWSER=1`` (set by .ci/run), where absence fails.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_report import REPORT_KW, _synthetic_study

from eegstate.report import GroupResults, write_group_report
from eegstate.tables import CLAIMS_COLUMNS

LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _chromium() -> str:
    path = os.environ.get("EEGSTATE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    message = ""
    if not Path(path).is_file():
        message = f"chromium not found ({path}); install Debian's chromium package"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            message = "playwright (Python package) not installed"
    if message:
        if os.environ.get("EEGSTATE_REQUIRE_BROWSER") == "1":
            pytest.fail(message + " but EEGSTATE_REQUIRE_BROWSER=1")
        pytest.skip(message)
    return path


@pytest.fixture(scope="module")
def report_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    study = _synthetic_study()
    claims = pd.DataFrame(
        [
            ("alpha_abolished", "posterior alpha power", -1.7, -1.9, -1.5, 0.0005, 4, "reduced"),
            ("theta_emerges", "theta power", 0.1, -0.2, 0.4, 0.6, 4, "unchanged"),
            ("gamma_increases", "gamma power", np.nan, np.nan, np.nan, np.nan, 0, "not_testable"),
        ],
        columns=list(CLAIMS_COLUMNS[:-1]),
    ).assign(caveat=["peak in 4/4", "no significant change", "band above 40 Hz"])
    out = tmp_path_factory.mktemp("browser") / "report.html"
    write_group_report(out, **study, **REPORT_KW, results=GroupResults(claims=claims))
    return out


def test_report_renders_in_chromium(report_path: Path) -> None:
    executable = _chromium()
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=LAUNCH_ARGS)
        try:
            page = browser.new_page()
            page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else 0)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.route("http*://**", lambda route: route.abort())  # must open offline
            page.goto(report_path.as_uri(), wait_until="load")
            widths = page.evaluate(
                "Array.from(document.images).map(img => img.complete ? img.naturalWidth : 0)"
            )
            claims_rows = page.locator("#claims-table tbody tr").count()
            title = page.title()
        finally:
            browser.close()
    assert errors == []
    assert len(widths) >= 3 and all(w > 0 for w in widths), widths
    assert claims_rows == 3
    assert title == "Synthetic report <test>"

"""The group report opens in a real headless browser (Debian's chromium via Playwright).

Checks: no console errors or page errors, every image decoded (naturalWidth > 0), the claims
table present. Skips when chromium or Playwright is absent, unless
``EEGSTATE_REQUIRE_BROWSER=1`` (set by .ci/run), where absence fails.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from helpers.report import (
    classification_results,
    power_summary_table,
    run_report,
    run_stats,
    study_config,
    synthetic_study,
)

from eegstate.io import read_table, write_table

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
    """A report of the synthetic study with every section filled (power included)."""
    folder = tmp_path_factory.mktemp("browser")
    config = study_config()
    subjects = [f"sub-{i:02d}" for i in range(1, 5)]
    decoding = classification_results(subjects, p_value=0.125, p_floor=0.125)
    paths = run_stats(synthetic_study(), folder, config, classification=decoding)
    power = write_table(power_summary_table(), folder / "power_summary.tsv")
    out = folder / "report.html"
    run_report(paths, config, out, power=power)
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
            tests_rows = page.locator("#claims-tests tbody tr").count()
            power_rows = page.locator("#power-table tbody tr").count()
            title = page.title()
        finally:
            browser.close()
    assert errors == []
    assert len(widths) >= 3 and all(w > 0 for w in widths), widths
    folder = report_path.parent
    assert claims_rows == len(read_table(folder / "claims.tsv"))
    assert tests_rows == len(read_table(folder / "claims_tests.tsv"))
    assert power_rows == 3
    assert title == "eegstate group report — synthetic: dissociative vs baseline"

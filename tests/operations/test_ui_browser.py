"""The Dagster UI served by `make serve`, looked at in headless Chromium (Debian's package) as a data
engineer would: the participation mart with its checks passed, and the participation charts shown on the
export asset. Screenshots land in tests/artifacts/ui/ for a person to look at."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from assets.common.settings import PROJECT_ROOT
from tests.operations.conftest import free_port, start, stop, wait_for

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                 "--disable-background-networking", "--disable-component-update"]
ARTIFACTS = PROJECT_ROOT / "tests" / "artifacts" / "ui"
BIN = Path(sys.executable).parent

if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):  # CI installs it (Makefile: browser); a missing browser there is a failure
        raise RuntimeError(f"chromium not found at {CHROMIUM}: `make test` installs Debian's chromium")
    pytest.skip("Debian's chromium is not installed (apt-get install chromium, or run `make test` as root)",
                allow_module_level=True)


@pytest.fixture(scope="module")
def ui(deployment, tmp_path_factory) -> str:
    """The landing zone materialised into the PostgreSQL-backed instance, then `make serve` on a free port."""
    logs = tmp_path_factory.mktemp("ui_logs")
    done = subprocess.run([str(BIN / "wellbeing"), "materialize"], cwd=PROJECT_ROOT, env=deployment.env,
                          capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stderr[-3000:]
    port = free_port()
    server = start(["make", "--no-print-directory", "serve"], {**deployment.env, "WB_UI_PORT": str(port)},
                   logs / "serve.log")
    url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        assert server.poll() is None, (logs / "serve.log").read_text()[-3000:]
        try:
            with urllib.request.urlopen(f"{url}/server_info", timeout=5) as response:
                return response.status == 200
        except OSError:
            return False

    try:
        wait_for(up, 300, what="make serve")
        yield url
    finally:
        stop(server)


@pytest.fixture(scope="module")
def page(ui):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        page.set_default_timeout(120_000)
        yield page
        browser.close()


def _checks_of(path: list[str]) -> int:
    from dagster import AssetKey

    from orchestration.definitions import defs

    key = AssetKey(path)
    return sum(1 for check in defs.resolve_asset_graph().asset_check_keys if check.asset_key == key)


def test_the_participation_mart_shows_its_checks_passed(ui, page):
    n_checks = _checks_of(["marts", "participation_by_location"])  # ours and dbt's tests
    assert n_checks >= 9
    page.goto(f"{ui}/assets/marts/participation_by_location?view=checks")
    for check in ("rates_within_0_100", "no_raw_identifiers", "disclosure_rules_hold"):  # ours; the rest are dbt's
        page.get_by_text(check, exact=True).first.wait_for()
    page.get_by_text(f"Checks ({n_checks})").wait_for()
    page.get_by_text("Passed", exact=True).first.wait_for()  # the selected check's latest evaluation
    assert page.get_by_text("Succeeded", exact=True).count() == n_checks
    assert page.get_by_text("Failed", exact=True).count() == 0
    page.screenshot(path=str(ARTIFACTS / "participation_by_location_checks.png"))


def test_the_participation_charts_show_on_the_export_asset(ui, page):
    page.goto(f"{ui}/assets/exports/participation_charts")
    page.get_by_text("participation_by_location.png").first.wait_for()
    page.locator("tr", has_text="participation_by_location").get_by_text("[Show Markdown]").click()
    chart = page.locator("img[src^='data:image/png']").first
    chart.wait_for()
    box = chart.bounding_box()
    assert box["width"] > 400 and box["height"] > 200  # a real picture, not a broken-image icon
    assert chart.evaluate("img => img.naturalWidth") > 400
    page.screenshot(path=str(ARTIFACTS / "participation_charts.png"))


def test_the_catalog_lists_the_participation_assets(ui, page):
    page.goto(f"{ui}/assets/marts")
    for mart in ("participation_institution", "participation_by_location", "participation_by_domain",
                 "participation_by_programme"):
        page.get_by_text(mart, exact=True).first.wait_for()
    materialized = page.get_by_text("Materialized", exact=True)  # statuses arrive after the names
    materialized.first.wait_for()
    page.wait_for_timeout(2000)
    assert materialized.count() >= 4
    page.screenshot(path=str(ARTIFACTS / "catalog_marts.png"))

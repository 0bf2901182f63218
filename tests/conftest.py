"""Settings every test run shares, and the lanes: `make test-fast` leaves out the tests marked here."""

import os
from pathlib import Path

import pytest

TESTS = Path(__file__).parent

#: test modules by what they need (pyproject.toml names the markers); `make test-fast` runs the rest in under
#: two minutes without PostgreSQL or Chromium, `make test` runs everything
LANES = {
    "postgres": ("postgres/test_dbt_on_postgres.py", "operations/test_deployment_postgres.py",
                 "operations/test_serving_postgres.py"),
    "browser": ("operations/test_ui_browser.py",),
    "slow": (  # a whole `wellbeing materialize` or dbt build of a warehouse (tens of seconds each)
        "e2e/test_participation_end_to_end.py", "e2e/test_demo_pipeline.py", "quality/test_materialize_roundtrip.py",
        "quality/test_alert_mail_e2e.py", "quality/test_hostile_materialize.py", "exports/test_exports_end_to_end.py",
        "exports/test_export_sets.py", "exports/test_key_change.py", "operations/test_run_crashes.py",
        "operations/test_landing_sensor.py", "dbt/test_participation_marts.py", "dbt/test_landing_register.py",
        "dbt/test_empty_build.py", "wellbeing/test_wellbeing_marts.py"),
}


def pytest_configure(config):
    # Tests write landing files and run `wellbeing materialize` (in-process or as a child) at once: nothing there
    # is still being written, so no settle time (tests of the settle time set their own).
    os.environ.setdefault("WB_SETTLE_SECONDS", "0")


def pytest_collection_modifyitems(config, items):
    lane_of = {module: lane for lane, modules in LANES.items() for module in modules}
    for item in items:
        lane = lane_of.get(Path(item.fspath).relative_to(TESTS).as_posix())
        if lane:
            item.add_marker(getattr(pytest.mark, lane))

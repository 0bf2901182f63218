"""Settings every test run shares."""

import os


def pytest_configure(config):
    # Tests write landing files and run `wellbeing materialize` (in-process or as a child) at once: nothing there
    # is still being written, so no settle time (tests of the settle time set their own).
    os.environ.setdefault("WB_SETTLE_SECONDS", "0")

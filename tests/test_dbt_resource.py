"""dagster-dbt's fixed costs before every dbt command: `dbt --version` answered by `wellbeing-dbt` itself
(orchestration/dbt_child.py), the in-process dbt adapter skipped (orchestration/dbt.py: WarehouseDbtCliResource)."""

import re
import subprocess
from functools import cached_property

from dagster_dbt import DbtCliResource

from assets.common.dbt_command import VENV_DBT
from orchestration.dbt import dbt_resource


def _installed(printed: str) -> str:
    return re.search(r"installed:\s*(\d+\.\d+\.\d+)", printed).group(1)


def test_the_internals_this_relies_on_still_exist_in_dagster_dbt():
    # dagster-dbt asks the executable for its version (which wellbeing-dbt answers without starting dbt), and the
    # one override still has something to override: an upgrade that renames either shows up here
    assert isinstance(DbtCliResource.__dict__["_cli_version"], cached_property)
    assert callable(DbtCliResource._initialize_dbt_core_adapter)


def test_wellbeing_dbt_reports_the_version_dbt_itself_reports():
    resource = dbt_resource()
    assert resource.dbt_executable.endswith("wellbeing-dbt")
    answered = subprocess.run([resource.dbt_executable, "--version"], capture_output=True, text=True, check=True)
    real = subprocess.run([str(VENV_DBT), "--version"], capture_output=True, text=True, check=True)
    assert _installed(answered.stdout) == _installed(real.stdout + real.stderr)
    assert str(resource._cli_version) == _installed(real.stdout + real.stderr)


def test_no_dbt_adapter_is_opened_in_dagsters_process():
    assert dbt_resource()._initialize_dbt_core_adapter(["build"]) is None

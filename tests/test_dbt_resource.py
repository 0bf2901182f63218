"""dagster-dbt's fixed cost before every dbt command: its `dbt --version` is answered by `wellbeing-dbt` itself
(orchestration/dbt_child.py), with the version dbt itself reports, and the resource is dagster-dbt's own."""

import re
import subprocess

from dagster_dbt import DbtCliResource

from assets.common.dbt_command import VENV_DBT
from orchestration.dbt import dbt_resource


def _installed(printed: str) -> str:
    return re.search(r"installed:\s*(\d+\.\d+\.\d+)", printed).group(1)


def test_wellbeing_dbt_reports_the_version_dbt_itself_reports():
    resource = dbt_resource()
    assert type(resource) is DbtCliResource  # no override of dagster-dbt's internals
    assert resource.dbt_executable.endswith("wellbeing-dbt")
    answered = subprocess.run([resource.dbt_executable, "--version"], capture_output=True, text=True, check=True)
    real = subprocess.run([str(VENV_DBT), "--version"], capture_output=True, text=True, check=True)
    assert _installed(answered.stdout) == _installed(real.stdout + real.stderr)

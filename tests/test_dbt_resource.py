"""The dbt resource skips two fixed costs of dagster-dbt (orchestration/dbt.py: WarehouseDbtCliResource)."""

import re
import subprocess
from functools import cached_property

from dagster_dbt import DbtCliResource

from orchestration.dbt import WarehouseDbtCliResource, dbt_resource


def test_the_overridden_internals_still_exist_in_dagster_dbt():
    # An upgrade that renames them would leave the overrides silently unused (and the build 3.4 s slower).
    assert isinstance(DbtCliResource.__dict__["_cli_version"], cached_property)
    assert callable(DbtCliResource._initialize_dbt_core_adapter)
    assert "_cli_version" in WarehouseDbtCliResource.__dict__


def test_version_without_a_dbt_process_is_what_dbt_reports():
    resource = dbt_resource()
    printed = subprocess.run([resource.dbt_executable, "--version"], capture_output=True, text=True,
                             check=True).stdout
    reported = re.search(r"installed:\s*(\d+\.\d+\.\d+)", printed).group(1)
    assert str(resource._cli_version) == reported


def test_no_dbt_adapter_is_opened_in_dagsters_process():
    assert dbt_resource()._initialize_dbt_core_adapter(["build"]) is None


def test_another_dbt_executable_is_asked_for_its_version(tmp_path):
    fake = tmp_path / "dbt"
    fake.write_text("#!/bin/sh\necho 'Core:\n  - installed: 9.8.7'\n")
    fake.chmod(0o755)
    resource = WarehouseDbtCliResource(project_dir=str(dbt_resource().project_dir), dbt_executable=str(fake))
    assert str(resource._cli_version) == "9.8.7"

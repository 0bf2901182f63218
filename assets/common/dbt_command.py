"""How the pipeline starts dbt itself: which executable, with which environment.

`wellbeing-dbt` (orchestration/dbt_child.py) is dbt that ends with the process that started it; the parent
names itself in dbt's environment (`child_env`). Kept free of Dagster: `wellbeing-dbt` imports this module
on every dbt start.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from assets.common.settings import DBT_PROJECT_DIR, Settings

#: the process that starts dbt names itself here (`child_env`), so that a parent gone before the prctl is seen
PARENT_ENV = "WB_DBT_PARENT_PID"

#: dbt installed in this environment, beside its Python, and the command that starts it ending with its parent
VENV_DBT = Path(sys.executable).with_name("dbt")
VENV_DBT_CHILD = Path(sys.executable).with_name("wellbeing-dbt")


def child_env() -> dict[str, str]:
    """What the environment of a dbt started through `wellbeing-dbt` carries from the process starting it."""
    return {PARENT_ENV: str(os.getpid())}


def dbt_executable() -> str:
    """`wellbeing-dbt` (dbt dies with the process that started it), else this environment's dbt, else PATH's."""
    if VENV_DBT_CHILD.exists() and VENV_DBT.exists():
        return str(VENV_DBT_CHILD)
    fallback = str(VENV_DBT) if VENV_DBT.exists() else "dbt"
    logging.getLogger(__name__).warning(
        "wellbeing-dbt is not installed beside dbt (reinstall: make install): dbt runs as %s, and a killed run may "
        "leave it running with the warehouse locked until it ends", fallback)
    return fallback


def dbt_subprocess_env(settings: Settings) -> dict[str, str]:
    """The environment of a dbt command the pipeline starts itself (docs, the early parse)."""
    return {**os.environ, **settings.dbt_env(), **child_env(), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}


def dbt_parse_command(target: Path) -> list[str]:
    """`dbt parse` of the project into `target` (its manifest and `partial_parse.msgpack`)."""
    return [dbt_executable(), "parse", "--quiet", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir",
            str(DBT_PROJECT_DIR), "--target-path", str(target)]

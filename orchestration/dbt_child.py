"""`wellbeing-dbt`: dbt, ending with the process that started it.

dagster-dbt starts `dbt build` as a plain subprocess (`DbtCliResource.cli` has no parameter for how); when
the run's process is killed (kill -9, the OOM killer), dbt would go on writing the warehouse and holding its
lock until its models are done. The pipeline therefore names this command as dbt's executable (the public
`DbtCliResource(dbt_executable=…)`, and the same for `dbt parse` and `dbt docs generate`): on Linux it asks the
kernel to kill it when its parent ends (`prctl(PR_SET_PDEATHSIG, SIGKILL)`, kept across `exec`), checks that
the parent has not ended already, and becomes this environment's dbt (`exec`, no process in between). The
kernel does it, so it holds however the parent ends. Elsewhere it only becomes dbt.
"""

from __future__ import annotations

import ctypes
import importlib.metadata
import os
import signal
import sys
from pathlib import Path

from assets.common.dbt_command import PARENT_ENV  # the parent names itself there (`child_env`)

PR_SET_PDEATHSIG = 1


def end_with_parent() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    parent = os.environ.get(PARENT_ENV, "")
    if parent.isdigit() and os.getppid() != int(parent) and not _alive(int(parent)):
        # it ended between our start and the prctl: nobody waits for dbt (a value inherited from an ancestor
        # that still runs is not our parent's, and says nothing)
        sys.exit(f"wellbeing-dbt: the process that started dbt ({parent}) has ended; dbt not started")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


def main() -> None:
    if sys.argv[1:] == ["--version"]:
        # what dagster-dbt asks before every dbt command (to tell dbt Core from Fusion): the installed dbt-core's
        # version answers it without starting dbt, which costs two seconds of imports each time
        print(f"Core:\n  - installed: {importlib.metadata.version('dbt-core')}")
        return
    if sys.platform.startswith("linux"):
        end_with_parent()
    dbt = Path(sys.executable).with_name("dbt")
    os.execv(dbt, [str(dbt), *sys.argv[1:]])

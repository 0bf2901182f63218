"""Runs of `wellbeing materialize` whose process is gone (kill -9, a crash, the machine stopped) stay STARTED in
Dagster's run history: nothing was left to report their end. The next `wellbeing materialize` marks them failed.

Only runs of this command on this host, whose process is really gone: each run is tagged with its process (host,
pid and, on Linux, the pid's start time, so a reused pid is not taken for it, the kernel's boot id and the pid
namespace, so that containers sharing a hostname never judge each other's pids). A run on another host, boot or
pid namespace (also one from before a reboot: mark it failed in the UI), or still running here, is left alone; runs the daemon launches are the daemon's run monitoring's (deploy/dagster.yaml).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable

from dagster import DagsterInstance, DagsterRun, DagsterRunStatus, RunsFilter

from orchestration.tags import BOOT_TAG, HOST_TAG, PID_NAMESPACE_TAG, PID_TAG, PROCESS_START_TAG, TRIGGER_TAG

UNFINISHED = [DagsterRunStatus.STARTED, DagsterRunStatus.STARTING, DagsterRunStatus.NOT_STARTED]


def process_start(pid: int) -> str:
    """The start of process `pid` in clock ticks since boot (/proc/<pid>/stat, field 22); "" if unknown."""
    try:
        stat = open(f"/proc/{pid}/stat", encoding="ascii", errors="replace").read()
    except OSError:
        return ""
    return stat.rsplit(")", 1)[-1].split()[19]  # fields after the command name (which may hold spaces) start at 3


def _machine() -> dict[str, str]:
    """Where a pid means this process: host name, kernel boot (Linux) and pid namespace ("" where unknown)."""
    try:
        boot = open("/proc/sys/kernel/random/boot_id", encoding="ascii").read().strip()
    except OSError:
        boot = ""
    try:
        namespace = str(os.stat("/proc/self/ns/pid").st_ino)
    except OSError:
        namespace = ""
    return {HOST_TAG: socket.gethostname(), BOOT_TAG: boot, PID_NAMESPACE_TAG: namespace}


def process_tags() -> dict[str, str]:
    pid = os.getpid()
    return {**_machine(), PID_TAG: str(pid), PROCESS_START_TAG: process_start(pid)}


def process_gone(run: DagsterRun) -> bool:
    tags = run.tags
    here = _machine()
    if any(tags.get(tag, "") != value for tag, value in here.items() if tag == HOST_TAG or tag in tags) \
            or not tags.get(PID_TAG, "").isdigit():
        return False  # another machine's, container's or boot's, or a run from before these tags: cannot tell
    pid = int(tags[PID_TAG])
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # another user's process has the pid (now)
        pass
    return bool(tags.get(PROCESS_START_TAG)) and process_start(pid) != tags[PROCESS_START_TAG]


def fail_abandoned_runs(instance: DagsterInstance, out: Callable[[str], None] = print) -> list[str]:
    """Mark this command's unfinished runs whose process is gone as failed; returns their run ids."""
    runs = instance.get_runs(filters=RunsFilter(statuses=UNFINISHED, tags={TRIGGER_TAG: "materialize"}))
    failed = []
    for run in runs:
        if run.run_id == os.environ.get("DAGSTER_RUN_ID") or not process_gone(run):
            continue
        instance.report_run_failed(
            run, message=f"the process of this run (pid {run.tags[PID_TAG]}) ended before the run did (killed or "
                         "crashed); marked failed by the next `wellbeing materialize`")
        failed.append(run.run_id)
    if failed:
        out(f"marked {len(failed)} interrupted run(s) failed in the run history: {', '.join(r[:8] for r in failed)}")
    return failed

"""Run a command and measure it: wall time and peak memory of its whole process tree (dbt's subprocesses too).

The peak is the largest sum of the resident set sizes of the process and all its descendants, polled from
/proc; `max_single_rss_mb` is the kernel's own figure for the largest single process (wait4's ru_maxrss).
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass
class Measurement:
    seconds: float
    peak_rss_mb: float
    max_single_rss_mb: float
    returncode: int
    timed_out: bool = False
    output_tail: str = ""


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(b")") + 2:].split()[1])
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def tree_rss_bytes(root: int) -> int:
    """Resident memory of `root` and every descendant, now."""
    tree, total, todo = _children(), 0, [root]
    while todo:
        pid = todo.pop()
        try:
            with open(f"/proc/{pid}/statm", "rb") as fh:
                total += int(fh.read().split()[1]) * PAGE
        except OSError:
            pass
        todo.extend(tree.get(pid, ()))
    return total


def run(cmd: list[str], env: dict[str, str] | None = None, cwd: Path | None = None, timeout: float | None = None,
        log: Path | None = None, interval: float = 0.2) -> Measurement:
    """Run `cmd` to the end (or kill its process group after `timeout` seconds) and measure it."""
    out = open(log, "wb") if log else subprocess.DEVNULL
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    peak = 0
    done = threading.Event()

    def poll() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss_bytes(proc.pid))
            done.wait(interval)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    timed_out = False
    deadline = None if timeout is None else started + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if deadline is not None and time.perf_counter() > deadline:
            timed_out = True
            os.killpg(proc.pid, 9)  # the benchmark's own child and its children, nothing else
            pid, status, usage = os.wait4(proc.pid, 0)
            break
        time.sleep(0.05)
    seconds = time.perf_counter() - started
    done.set()
    poller.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if log:
        out.close()
    tail = ""
    if log and log.exists():
        tail = "\n".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-15:])
    return Measurement(round(seconds, 2), round(peak / 2**20, 1), round(usage.ru_maxrss / 1024, 1), proc.returncode,
                       timed_out, tail)

"""Runs that end badly, on real processes: `wellbeing materialize` killed with kill -9 while dbt builds (dbt ends
with it, the warehouse opens for writing at once, the next run marks the killed run failed and succeeds), and
Dagster's run history on a full disk (a small tmpfs: the run ends with an alert, not a traceback)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import duckdb
import pytest
from dagster import DagsterInstance, DagsterRun, DagsterRunStatus

from orchestration.stale_runs import fail_abandoned_runs, process_start, process_tags
from orchestration.tags import BOOT_TAG, PID_NAMESPACE_TAG, PID_TAG, PROCESS_START_TAG, TRIGGER_TAG
from tests.landing_zones.hand_worked import KEY, build_landing

WELLBEING = str(Path(sys.executable).with_name("wellbeing"))


def _env(data_dir: Path, home: Path) -> dict[str, str]:
    env = {**os.environ, "WB_DATA_DIR": str(data_dir), "WB_PSEUDONYM_KEY": KEY, "DAGSTER_HOME": str(home),
           "GX_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"}
    for var in ("WB_SMTP_HOST", "WB_ALERT_TO", "WB_SERVING_DSN", "WB_DEMO"):
        env.pop(var, None)
    return env


def _processes_of(data_dir: Path) -> dict[int, tuple[int, str]]:
    """Live processes working on `data_dir` (WB_DATA_DIR in their environment: the run and every child of it):
    pid -> (parent pid, command line)."""
    found = {}
    marker = f"WB_DATA_DIR={data_dir}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if marker not in (entry / "environ").read_bytes().split(b"\0"):
                continue
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError, ValueError):
            continue
        if state[0] != "Z":  # a zombie writes nothing: it waits for its parent to collect its status
            found[int(entry.name)] = (int(state[1]), cmdline)
    return found


def _wait(predicate, timeout_s: float, every_s: float = 0.1):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(every_s)
    return predicate()


def _dbt_build_of(pid: int, data_dir: Path) -> dict:
    return {p: c for p, (ppid, c) in _processes_of(data_dir).items() if ppid == pid and " build" in c}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="dbt ends with its parent on Linux (prctl)")
def test_kill_9_during_dbt_leaves_no_writer_and_the_next_run_fails_the_killed_run(tmp_path):
    data_dir, home = tmp_path / "data", tmp_path / "dagster_home"
    build_landing(data_dir / "landing")
    env = _env(data_dir, home)
    log = (tmp_path / "killed.log").open("w")
    run = subprocess.Popen([WELLBEING, "materialize"], env=env, stdout=log, stderr=subprocess.STDOUT,
                           start_new_session=True)
    try:
        dbt = _wait(lambda: _dbt_build_of(run.pid, data_dir), timeout_s=300)
        assert dbt, (tmp_path / "killed.log").read_text()[-3000:]
        time.sleep(1.0)  # dbt is building the models: it holds the warehouse
        os.kill(run.pid, signal.SIGKILL)
        run.wait(timeout=10)
        assert _wait(lambda: not _processes_of(data_dir), timeout_s=2.0), f"still running: {_processes_of(data_dir)}"
        con = duckdb.connect(str(data_dir / "warehouse" / "wellbeing.duckdb"))  # read-write: no lock held
        con.execute("CHECKPOINT")
        con.close()
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
        log.close()

    instance = DagsterInstance.from_config(str(home))
    killed = [r for r in instance.get_runs() if r.tags.get(PID_TAG) == str(run.pid)]
    assert killed and {r.status for r in killed if r.job_name == "build_warehouse"} == {DagsterRunStatus.STARTED}

    again = subprocess.run([WELLBEING, "materialize"], env=env, capture_output=True, text=True, timeout=900)
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    assert "marked 1 interrupted run(s) failed" in again.stdout
    instance = DagsterInstance.from_config(str(home))
    statuses = {r.job_name: r.status for r in instance.get_runs() if r.tags.get(PID_TAG) == str(run.pid)}
    assert statuses["build_warehouse"] == DagsterRunStatus.FAILURE
    assert statuses["ingest_landing"] == DagsterRunStatus.SUCCESS  # finished runs are left as they were


def test_only_runs_whose_process_is_gone_are_failed(tmp_path):
    instance = DagsterInstance.ephemeral()
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    try:
        def started(pid: int, **extra) -> str:
            tags = {**process_tags(), PID_TAG: str(pid), PROCESS_START_TAG: process_start(pid),
                    TRIGGER_TAG: "materialize", **extra}
            run_id = str(uuid.uuid4())
            instance.add_run(DagsterRun(job_name="build_warehouse", run_id=run_id, status=DagsterRunStatus.STARTED,
                                        tags=tags))
            return run_id

        alive, gone = started(sleeper.pid), started(ended.pid)
        elsewhere = started(ended.pid, **{"wellbeing/host": "another-host"})
        by_sensor = started(ended.pid, **{TRIGGER_TAG: "landing_sensor"})
        other_container = started(ended.pid, **{PID_NAMESPACE_TAG: "1"})  # same hostname, its own pids
        other_boot = started(ended.pid, **{BOOT_TAG: "another-boot"})
        reused = started(sleeper.pid, **{PROCESS_START_TAG: "1"})  # the pid now belongs to another process
        assert sorted(fail_abandoned_runs(instance, out=lambda _: None)) == sorted([gone, reused])
        status = {r.run_id: r.status for r in instance.get_runs()}
        assert status[gone] == status[reused] == DagsterRunStatus.FAILURE
        assert status[alive] == status[elsewhere] == status[by_sensor] == DagsterRunStatus.STARTED
        assert status[other_container] == status[other_boot] == DagsterRunStatus.STARTED
    finally:
        sleeper.kill()
        sleeper.wait()


@pytest.fixture
def small_disk(tmp_path):
    """A 2 MB tmpfs (needs root, or CAP_SYS_ADMIN); skipped where it cannot be mounted."""
    mount = tmp_path / "small_disk"
    mount.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root: the full-disk test runs where it can (CI runs as root)")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_under_the_run_history_ends_with_an_alert(tmp_path, small_disk):
    data_dir, home = tmp_path / "data", small_disk / "dagster_home"
    build_landing(data_dir / "landing")
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
    stat = os.statvfs(small_disk)
    (small_disk / "filler").write_bytes(b"\0" * (stat.f_bavail * stat.f_frsize - 65536))  # full but for 64 KB

    result = subprocess.run([WELLBEING, "materialize"], env=_env(data_dir, home), capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-3000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    assert "disk" in result.stderr.lower() and "full" in result.stderr.lower(), result.stderr[-3000:]
    con = duckdb.connect(str(data_dir / "warehouse" / "wellbeing.duckdb"), read_only=True)
    try:
        alerts = con.execute("SELECT severity, kind, message FROM ops.alerts").fetchall()
    finally:
        con.close()
    assert [(s, k) for s, k, _ in alerts] == [("error", "run_failure")]
    assert "full" in alerts[0][2].lower()


def test_parse_folders_a_killed_run_left_are_removed_by_the_next(tmp_path):
    from assets.common.dbt_state import partial_parse_path
    from assets.common.settings import Settings
    from orchestration.dbt import EarlyParse

    settings = Settings(data_dir=tmp_path)
    saved = partial_parse_path(settings)
    saved.parent.mkdir(parents=True)
    saved.write_bytes(b"a saved parse: no new one is started")
    old, recent = saved.parent / "parse-0badc0de", saved.parent / "parse-12345678"
    for folder in (old, recent):
        folder.mkdir()
        (folder / "partial_parse.msgpack").write_bytes(b"x")
    os.utime(old, (time.time() - 2 * EarlyParse.STALE_PARSE_S,) * 2)
    assert EarlyParse(settings).process is None
    assert not old.exists() and recent.exists()  # a recent one may be another run's parse


def test_dbt_without_wellbeing_dbt_is_a_warning(monkeypatch, tmp_path, caplog):
    from assets.common import dbt_command

    monkeypatch.setattr(dbt_command, "VENV_DBT_CHILD", tmp_path / "no-wellbeing-dbt")
    with caplog.at_level("WARNING"):
        assert dbt_command.dbt_executable() in (str(dbt_command.VENV_DBT), "dbt")
    assert "wellbeing-dbt is not installed" in caplog.text

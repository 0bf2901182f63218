"""Exports published as one unit (assets/exports/sets.py): on real files, and on a real run killed with kill -9
while it writes its exports."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assets.common.settings import Settings
from assets.exports import sets
from assets.exports.publish import Publication
from export_helpers import KEY, run_materialize
from tests.landing_zones.exports import add_counts


def _settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", pseudonym_key=KEY)


def ENDED(run_id: str) -> bool:
    """No run is in progress: every set not published is abandoned (sets.RunAlive)."""
    return False


def _write(settings: Settings, run_id: str, part: str, files: dict[str, str], prune: list[str] | None = None,
           alive: sets.RunAlive = ENDED):
    with Publication(sets.part(settings, run_id, part, alive=alive), prune=prune) as publication:
        for name, text in files.items():
            publication.temp(name).write_text(text)


def _write_elsewhere(settings: Settings, run_id: str, part: str, files: dict[str, str]) -> subprocess.Popen:
    """`_write` in another process, which then waits for its stdin to close (and ends, or is killed)."""
    script = ("import sys; from pathlib import Path; from assets.common.settings import Settings; "
              "from assets.exports import sets; from assets.exports.publish import Publication; "
              f"s = Settings(data_dir=Path({str(settings.data_dir)!r})); "
              f"pub = Publication(sets.part(s, {run_id!r}, {part!r}, alive=lambda r: False), prune=['*.csv']); "
              "pub.__enter__(); "
              f"[pub.temp(n).write_text(t) for n, t in {files!r}.items()]; pub.commit(); "
              "print('made', flush=True); sys.stdin.read()")
    other = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert other.stdout.readline().strip() == "made"
    return other


def _seen(exports: Path) -> dict[str, str]:
    """What a reader sees through the documented paths: exports/<part>/<file> -> content."""
    return {f"{part}/{p.name}": p.read_text() for part in sets.PARTS if (exports / part).is_dir()
            for p in sorted((exports / part).iterdir()) if p.is_file()}


def test_a_set_appears_whole_at_the_switch_and_a_failed_run_leaves_the_previous_set(tmp_path):
    settings = _settings(tmp_path)
    exports = settings.exports_dir
    _write(settings, "run-1", "bi", {"a.csv": "a1", "a.parquet": "pa1"})
    _write(settings, "run-1", "charts", {"c.png": "c1"})
    assert not (exports / "bi").exists()  # nothing published before the switch
    manifest = sets.publish(settings, "run-1", alive=ENDED)
    assert manifest["files"] == {"bi": ["a.csv", "a.parquet"], "charts": ["c.png"], "docs": [], "restricted": []}
    assert os.readlink(exports / "current") == ".sets/run-1" and os.readlink(exports / "bi") == "current/bi"
    assert _seen(exports) == {"bi/a.csv": "a1", "bi/a.parquet": "pa1", "charts/c.png": "c1"}
    assert json.loads((exports / "current" / "MANIFEST.json").read_text())["run_id"] == "run-1"

    # run 2 (another process): its set starts as hard links to run 1's files; it replaces the CSV, then is
    # killed before the switch
    run_2 = _write_elsewhere(settings, "run-2", "bi", {"a.csv": "a2"})
    staged = exports / ".sets" / "run-2"
    assert (staged / "bi" / "a.parquet").stat().st_ino == (exports / "bi" / "a.parquet").stat().st_ino
    assert (staged / "bi" / "a.csv").read_text() == "a2"
    assert _seen(exports) == {"bi/a.csv": "a1", "bi/a.parquet": "pa1", "charts/c.png": "c1"}  # not a2 with pa1
    run_2.kill()
    run_2.wait()

    # run 3 starts: run 2's half set goes; its charts are new, everything else stands as run 1 made it
    _write(settings, "run-3", "charts", {"c.png": "c3"})
    assert sorted(p.name for p in (exports / ".sets").iterdir()) == ["run-1", "run-3"]
    sets.publish(settings, "run-3", alive=ENDED)
    assert _seen(exports) == {"bi/a.csv": "a1", "bi/a.parquet": "pa1", "charts/c.png": "c3"}
    _write(settings, "run-4", "bi", {"a.csv": "a4"})
    sets.publish(settings, "run-4", alive=ENDED)
    assert sorted(p.name for p in (exports / ".sets").iterdir()) == ["run-3", "run-4"]  # current and previous
    assert sorted(p.name for p in exports.iterdir()) == [".sets", "bi", "charts", "current", "docs", "restricted"]


def test_a_set_whose_run_is_in_progress_is_left_alone_whichever_process_asks(tmp_path):
    """A set is its run's, not a process's: another run's staging and publication leave it while the run history
    says its run is in progress (each step may be a process of its own), and remove it once the run ended."""
    settings = _settings(tmp_path)
    _write(settings, "run-1", "bi", {"a.csv": "a1"})
    sets.publish(settings, "run-1", alive=ENDED)
    in_progress = {"run-live"}
    other = _write_elsewhere(settings, "run-live", "bi", {"b.csv": "b"})  # its step's process ends meanwhile
    other.stdin.close()
    other.wait()
    alive = in_progress.__contains__
    _write(settings, "run-2", "charts", {"c.png": "c2"}, alive=alive)  # starts a set: removes abandoned ones only
    sets.publish(settings, "run-2", alive=alive)
    assert (settings.exports_dir / ".sets" / "run-live" / "bi" / "b.csv").read_text() == "b"
    in_progress.clear()  # the run ended (failed: it never published)
    _write(settings, "run-3", "charts", {"c.png": "c3"}, alive=alive)
    assert sorted(p.name for p in (settings.exports_dir / ".sets").iterdir()) == ["run-1", "run-2", "run-3"]
    sets.publish(settings, "run-3", alive=alive)
    assert sorted(p.name for p in (settings.exports_dir / ".sets").iterdir()) == ["run-2", "run-3"]


def test_a_run_whose_base_was_replaced_meanwhile_publishes_nothing(tmp_path):
    """Steps of two runs interleaved: A begins its set, B makes and publishes a whole set, A would publish a set
    from before B's (mixing two warehouse states, taking readers back): refused, B's set stays published."""
    settings = _settings(tmp_path)
    _write(settings, "run-0", "bi", {"a.csv": "a0"})
    sets.publish(settings, "run-0", alive=ENDED)
    in_progress = {"run-A", "run-B"}
    alive = in_progress.__contains__
    _write(settings, "run-A", "bi", {"a.csv": "aA"}, alive=alive)
    _write(settings, "run-B", "bi", {"a.csv": "aB"}, alive=alive)
    _write(settings, "run-B", "charts", {"c.png": "cB"}, alive=alive)
    sets.publish(settings, "run-B", alive=alive)
    in_progress.discard("run-B")
    _write(settings, "run-A", "charts", {"c.png": "cA"}, alive=alive)
    with pytest.raises(sets.SetChanged, match="published exports changed while this run made its own"):
        sets.publish(settings, "run-A", alive=alive)
    assert os.readlink(settings.exports_dir / "current") == ".sets/run-B"
    assert _seen(settings.exports_dir) == {"bi/a.csv": "aB", "charts/c.png": "cB"}
    assert not (settings.exports_dir / ".sets" / "run-A" / "MANIFEST.json").exists()
    in_progress.discard("run-A")  # A failed: its set goes with the next run's start
    _write(settings, "run-C", "charts", {"c.png": "cC"}, alive=alive)
    assert not (settings.exports_dir / ".sets" / "run-A").exists()
    assert sets.publish(settings, "run-C", alive=alive)["set"] == "run-C"


def test_the_layout_before_sets_is_taken_over(tmp_path):
    settings = _settings(tmp_path)
    exports = settings.exports_dir
    (exports / "bi").mkdir(parents=True)
    (exports / "bi" / "a.csv").write_text("old")
    (exports / "bi" / ".a.csv.1234abcd.tmp").write_text("a crashed run's temporary file")
    _write(settings, "run-1", "charts", {"c.png": "c1"})
    sets.publish(settings, "run-1", alive=ENDED)
    assert (exports / "bi").is_symlink() and _seen(exports) == {"bi/a.csv": "old", "charts/c.png": "c1"}
    assert sorted(p.name for p in (exports / ".sets").iterdir()) == ["run-1"]
    assert not list(exports.rglob("*.tmp"))


class _Killed(BaseException):
    """The process dies here (as kill -9 would: nothing after it runs)."""


@pytest.mark.parametrize("crash_after", [1, 2])
def test_a_first_publication_killed_between_its_steps_loses_no_export(tmp_path, monkeypatch, crash_after):
    """The upgrade from folders to links, killed after it moved its N-th old folder aside: `current` is switched
    first, so the links that exist resolve; the folders moved aside stay until every link resolves, and the
    next run publishes everything there was."""
    settings = _settings(tmp_path)
    exports = settings.exports_dir
    for part, name, text in (("bi", "a.csv", "old"), ("charts", "x.png", "old chart"), ("docs", "d.html", "doc")):
        (exports / part).mkdir(parents=True)
        (exports / part / name).write_text(text)
    _write(settings, "run-1", "charts", {"c.png": "c1"})
    moved, real_rename = [], os.rename

    def rename(src, dst):
        real_rename(src, dst)
        if sets.NOT_A_LINK in str(dst):
            moved.append(dst)
            if len(moved) == crash_after:
                raise _Killed

    monkeypatch.setattr(os, "rename", rename)
    with pytest.raises(_Killed):
        sets.publish(settings, "run-1", alive=ENDED)
    monkeypatch.setattr(os, "rename", real_rename)
    assert os.readlink(exports / "current") == ".sets/run-1"  # switched before any folder moved
    assert all((exports / part).resolve().is_dir() for part in sets.PARTS if os.path.lexists(exports / part))

    sets.remove_abandoned(exports, alive=ENDED)  # the next `wellbeing materialize` starts: nothing lost
    assert len(list((exports / ".sets").glob(".not-a-link-*"))) == crash_after
    _write(settings, "run-2", "bi", {"b.csv": "b2"}, prune=[])
    sets.publish(settings, "run-2", alive=ENDED)
    assert _seen(exports) == {"bi/a.csv": "old", "bi/b.csv": "b2", "charts/c.png": "c1", "charts/x.png": "old chart",
                              "docs/d.html": "doc"}
    assert not list((exports / ".sets").glob(".not-a-link-*"))  # removed once every link resolved
    assert sorted(p.name for p in exports.iterdir()) == [".sets", "bi", "charts", "current", "docs", "restricted"]


def test_what_the_old_order_left_after_a_kill_is_published_again(tmp_path):
    """Before this fix the links were made before `current`: a kill left dangling links and the old folders
    moved aside without a manifest. The next run takes those folders into its set instead of removing them."""
    settings = _settings(tmp_path)
    exports = settings.exports_dir
    (exports / ".sets" / ".not-a-link-bi-1234abcd").mkdir(parents=True)
    (exports / ".sets" / ".not-a-link-bi-1234abcd" / "a.csv").write_text("old")
    for part in sets.PARTS:
        os.symlink(f"current/{part}", exports / part)  # dangling: no `current`
    sets.remove_abandoned(exports, alive=ENDED)
    assert (exports / ".sets" / ".not-a-link-bi-1234abcd" / "a.csv").read_text() == "old"
    _write(settings, "run-1", "charts", {"c.png": "c1"})
    sets.publish(settings, "run-1", alive=ENDED)
    assert _seen(exports) == {"bi/a.csv": "old", "charts/c.png": "c1"}
    assert not list((exports / ".sets").glob(".not-a-link-*"))


def test_a_copy_of_the_data_folder_that_followed_the_links_publishes_again(tmp_path):
    settings = _settings(tmp_path)
    _write(settings, "run-1", "bi", {"a.csv": "a1"})
    sets.publish(settings, "run-1", alive=ENDED)
    copy = Settings(data_dir=tmp_path / "copy", pseudonym_key=KEY)
    shutil.copytree(settings.data_dir, copy.data_dir)  # as `cp -r` or a backup tool does: folders, no links
    assert not (copy.exports_dir / "current").is_symlink()
    _write(copy, "run-2", "charts", {"c.png": "c2"})
    sets.publish(copy, "run-2", alive=ENDED)
    assert _seen(copy.exports_dir) == {"bi/a.csv": "a1", "charts/c.png": "c2"}
    assert sorted(p.name for p in (copy.exports_dir / ".sets").iterdir()) == ["run-2"]


def test_restricted_exports_are_the_owners_only(tmp_path, monkeypatch):
    monkeypatch.delenv("WB_DATA_GROUP", raising=False)
    settings = _settings(tmp_path)
    folder = sets.part(settings, "run-1", "restricted", alive=ENDED)
    assert folder.stat().st_mode & 0o777 == 0o700
    assert sets.part(settings, "run-1", "bi", alive=ENDED).stat().st_mode & 0o077 != 0  # BI exports stay readable


def _hashes(exports: Path) -> dict[str, str]:
    return {f"{part}/{p.name}": hashlib.sha256(p.read_bytes()).hexdigest() for part in sets.PARTS
            for p in sorted((exports / part).iterdir()) if p.is_file()}


def _half_made_set(exports: Path) -> Path | None:
    """A set being made that already holds a file of its own (not a link to the published set's)."""
    current = (exports / "current").resolve()
    for staged in (exports / ".sets").iterdir():
        if staged.resolve() == current or (staged / "MANIFEST.json").exists() or not staged.is_dir():
            continue
        for path in staged.rglob("*"):
            twin = current / path.relative_to(staged)
            if path.is_file() and not path.name.startswith(".") and (
                    not twin.exists() or twin.stat().st_ino != path.stat().st_ino):
                return staged
    return None


def test_kill_9_while_exporting_leaves_the_previous_set_and_the_next_run_publishes(built, tmp_path):
    data_dir = tmp_path / "data"
    shutil.copytree(built, data_dir, symlinks=True)
    exports = data_dir / "exports"
    before = _hashes(exports)
    add_counts(data_dir / "landing", ["2024-Q2"], "counts_2024Q2.csv")  # new participation marts to export
    env = {**os.environ, "WB_DATA_DIR": str(data_dir), "WB_PSEUDONYM_KEY": KEY,
           "DAGSTER_HOME": str(data_dir / "dagster_home")}
    run = subprocess.Popen([str(Path(sys.executable).with_name("wellbeing")), "materialize"], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and run.poll() is None and _half_made_set(exports) is None:
            time.sleep(0.05)
        assert run.poll() is None, "the run ended before it wrote an export"
        os.kill(run.pid, signal.SIGKILL)
        run.wait(timeout=10)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
    assert _hashes(exports) == before  # every published file byte-identical, the set complete
    again = run_materialize(data_dir)
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    assert (exports / "bi" / "participation_institution.csv").read_bytes() != b"" and _hashes(exports) != before
    assert "2024-Q2" in (exports / "bi" / "participation_institution.csv").read_text(encoding="utf-8-sig")
    assert all((p / "MANIFEST.json").is_file() for p in (exports / ".sets").iterdir())  # nothing half-made left
    assert not [p for p in exports.rglob(".*") if p.name != ".sets" and ".sets" not in p.parts[:-1]
                or p.name.endswith(".tmp")]


def test_a_run_publishes_one_set_with_its_manifest_and_private_restricted_files(built):
    exports = built / "exports"
    current = (exports / "current").resolve()
    assert current.parent == (exports / ".sets").resolve() and current.name == json.loads(
        (current / "MANIFEST.json").read_text())["run_id"]
    for part in sets.PARTS:
        assert (exports / part).is_symlink() and (exports / part).resolve() == current / part
    manifest = json.loads((exports / "current" / "MANIFEST.json").read_text())
    assert manifest["files"]["bi"] == sorted(p.name for p in (exports / "bi").iterdir())
    restricted = exports / "restricted"
    assert restricted.resolve().stat().st_mode & 0o777 == 0o700
    assert {p.stat().st_mode & 0o777 for p in restricted.iterdir()} == {0o600}
    assert "student_feedback.parquet" in manifest["files"]["restricted"]


def test_a_failed_build_removes_its_own_unpublished_set_and_nothing_else(tmp_path):
    """`wellbeing materialize` after a build whose publication a check blocked: its own set goes; the published
    set and the set of another run (perhaps still running under another Dagster instance) stay."""
    settings = _settings(tmp_path)
    exports = settings.exports_dir
    _write(settings, "run-1", "bi", {"a.csv": "1"})
    sets.publish(settings, "run-1", alive=ENDED)
    _write(settings, "run-other", "bi", {"a.csv": "3"})      # another run's, unpublished, still going
    _write(settings, "run-2", "bi", {"a.csv": "2"}, alive=lambda run: run == "run-other")  # blocked
    assert sets.remove_unpublished(exports, "run-2") == [exports / sets.SETS / "run-2"]
    assert sorted(p.name for p in (exports / sets.SETS).iterdir()) == ["run-1", "run-other"]
    assert sets.remove_unpublished(exports, "run-1") == []   # published: stays
    assert _seen(exports) == {"bi/a.csv": "1"}

"""A changed pseudonymisation key: refused by `wellbeing materialize` with nothing changed; `wellbeing rekey`
loads the landing zone again under the new key (tests/operations/test_key_guard.py has the rules themselves)."""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from pathlib import Path

import duckdb

from assets.common.key_guard import fingerprint
from assets.common.pseudonym import pseudonymise
from export_helpers import KEY, run_materialize

NEW_KEY = "a-new-key-for-the-same-warehouse-0123456789"


def _raw(data_dir: Path) -> dict[str, list]:
    con = duckdb.connect(str(data_dir / "warehouse" / "wellbeing.duckdb"), read_only=True)
    try:
        return {"pool": con.execute("SELECT DISTINCT pseudo_id FROM raw.participation_pool ORDER BY 1").fetchall(),
                "hours": con.execute("SELECT record_id, pseudo_id FROM raw.participation_hours ORDER BY 1").fetchall(),
                "marts": con.execute("SELECT * FROM marts.participation_institution ORDER BY ALL").fetchall(),
                "key": con.execute("SELECT fingerprint FROM ops.pseudonym_key").fetchall()}
    finally:
        con.close()


def _files(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_another_key_is_refused_and_rekey_loads_everything_again(built, tmp_path):
    data_dir = tmp_path / "data"
    shutil.copytree(built, data_dir, symlinks=True)
    before, exports = _raw(data_dir), _files(data_dir / "exports")
    assert before["key"] == [(fingerprint(KEY),)]

    refused = run_materialize(data_dir, key=NEW_KEY)
    assert refused.returncode == 2, refused.stdout[-2000:] + refused.stderr[-2000:]
    assert "not the key this warehouse" in refused.stderr and "wellbeing rekey" in refused.stderr
    assert NEW_KEY not in refused.stderr + refused.stdout and KEY not in refused.stderr + refused.stdout
    assert _raw(data_dir) == before and _files(data_dir / "exports") == exports

    rekeyed = run_materialize(data_dir, "rekey", key=NEW_KEY)
    assert rekeyed.returncode == 0, rekeyed.stdout[-4000:] + rekeyed.stderr[-4000:]
    after = _raw(data_dir)
    assert after["key"] == [(fingerprint(NEW_KEY),)]
    # the landing zone's 60 students (100000 … 100059) in the pool, the even ones' hours: under the new key only
    assert after["pool"] == sorted((pseudonymise(str(100000 + s), NEW_KEY),) for s in range(60))
    hours_students = {record_id: int(record_id[1:].split("-")[0]) for record_id, _ in before["hours"]}
    assert after["hours"] == [(r, pseudonymise(str(100000 + s), NEW_KEY)) for r, s in sorted(hours_students.items())]
    assert after["marts"] == before["marts"]  # pseudonyms only join: every figure is the same

    assert run_materialize(data_dir, key=KEY).returncode == 2  # the old key is now the other one
    assert run_materialize(data_dir, "rekey", key=NEW_KEY).returncode == 0  # nothing to re-key


def test_rekey_finds_loaded_files_by_content_not_by_their_masked_names(tmp_path):
    """ops.landing_files keeps a file's name masked (a date such as 20230115 reads as a student number), so the
    check that every loaded file is still there goes by content: a masked or renamed name is still there, a file
    whose content is gone is missing."""
    from assets.common.masking import safe_text
    from assets.common.settings import Settings
    from orchestration.rekey import missing_contents

    settings = Settings(data_dir=tmp_path)
    there = settings.landing_dir / "participation" / "hours" / "uren_20230115.csv"
    there.parent.mkdir(parents=True)
    there.write_bytes(b"record_id;student_number\n")
    os.utime(there, (time.time() - 3600, time.time() - 3600))  # delivered: settled long ago
    masked = safe_text("participation/hours/uren_20230115.csv")
    assert masked != "participation/hours/uren_20230115.csv"
    accepted = [("participation_hours", masked, hashlib.sha256(there.read_bytes()).hexdigest()),
                ("participation_hours", "participation/hours/gone.csv", hashlib.sha256(b"gone").hexdigest())]
    assert missing_contents(settings, accepted) == ["participation/hours/gone.csv"]


def _forget_fingerprint(data_dir: Path) -> None:
    """The warehouse as it was before the key's fingerprint: its rows, no `ops.pseudonym_key`."""
    con = duckdb.connect(str(data_dir / "warehouse" / "wellbeing.duckdb"))
    try:
        con.execute("DELETE FROM ops.pseudonym_key")
    finally:
        con.close()


def test_a_warehouse_from_before_the_fingerprint_takes_only_a_key_its_files_prove(built, tmp_path):
    """The upgrade: pseudonymised rows but no recorded key. Another key is refused with nothing written (the
    accepted files still in the landing zone show it is not the key); the right key is proven and recorded."""
    data_dir = tmp_path / "data"
    shutil.copytree(built, data_dir, symlinks=True)
    _forget_fingerprint(data_dir)
    before, exports = _raw(data_dir), _files(data_dir / "exports")
    assert before["key"] == []

    refused = run_materialize(data_dir, key=NEW_KEY)
    assert refused.returncode == 2, refused.stdout[-2000:] + refused.stderr[-2000:]
    assert "no record of the key" in refused.stderr and "is not that key" in refused.stderr
    assert "wellbeing rekey" in refused.stderr and NEW_KEY not in refused.stderr + refused.stdout
    assert _raw(data_dir) == before and _files(data_dir / "exports") == exports  # nothing written, no key adopted

    adopted = run_materialize(data_dir, key=KEY)
    assert adopted.returncode == 0, adopted.stdout[-4000:] + adopted.stderr[-4000:]
    after = _raw(data_dir)
    assert after["key"] == [(fingerprint(KEY),)] and after["pool"] == before["pool"]


def test_without_a_file_to_prove_it_the_key_is_refused_until_rekey_adopt(built, tmp_path):
    data_dir = tmp_path / "data"
    shutil.copytree(built, data_dir, symlinks=True)
    _forget_fingerprint(data_dir)
    shutil.rmtree(data_dir / "landing" / "participation")  # the files that could prove a key are gone
    before = _raw(data_dir)

    refused = run_materialize(data_dir, key=KEY)  # even the right key: nothing proves it
    assert refused.returncode == 2 and "no file it loaded is still in the landing zone" in refused.stderr
    assert "--adopt" in refused.stderr and _raw(data_dir) == before

    assert run_materialize(data_dir, "rekey", "--adopt", key=KEY).returncode == 0
    assert _raw(data_dir)["key"] == [(fingerprint(KEY),)]
    again = run_materialize(data_dir, "rekey", "--adopt", key=NEW_KEY)
    assert again.returncode == 2 and "recorded already" in again.stderr
    assert run_materialize(data_dir, key=KEY).returncode == 0


def test_only_what_a_source_reads_counts_as_still_delivered(tmp_path):
    """A hidden copy, a folder no source reads and another file in reference/ hold the content, but no load
    would read them: re-keying would lose those rows, so they count as missing."""
    from assets.common.settings import Settings
    from orchestration.rekey import missing_contents

    settings = Settings(data_dir=tmp_path)
    landing, old = settings.landing_dir, time.time() - 3600
    places = {"participation_pool": "participation/pool/.pool.csv", "participation_hours": "participation/hours/old/h.csv",
              "programme_register": "reference/programmes-copy.csv", "student_counts": "students/counts.csv"}
    accepted = []
    for source, rel in places.items():
        (landing / rel).parent.mkdir(parents=True, exist_ok=True)
        (landing / rel).write_bytes(f"{source}\n".encode())
        os.utime(landing / rel, (old, old))
        accepted.append((source, rel, hashlib.sha256(f"{source}\n".encode()).hexdigest()))
    assert missing_contents(settings, accepted) == [places[s] for s in
                                                    ("participation_pool", "participation_hours", "programme_register")]


def test_a_rekey_whose_reload_does_not_accept_every_file_again_is_undone(built, tmp_path):
    """A file accepted before and still delivered is rejected by the reload (here: a column mapping since): the
    old rows, the loads' records and the old key come back, and the command names the file (masked)."""
    data_dir = tmp_path / "data"
    shutil.copytree(built, data_dir, symlinks=True)
    before = _raw(data_dir)
    accepted_copies = sorted(p.name for p in (data_dir / "state" / "accepted").rglob("*.parquet"))
    (data_dir / "config").mkdir()
    (data_dir / "config" / "column_mapping.yml").write_text("participation_pool:\n  student_number: gone_away\n")
    new_file = data_dir / "landing" / "participation" / "hours" / "uren_extra.csv"  # first accepted by the reload
    new_file.write_text("record_id;student_number;programme_code;location;work_date;hours\n"
                        "x1;100002;34116;Delft;10-02-2023;4\n")
    os.utime(new_file, (time.time() - 3600,) * 2)

    rekeyed = run_materialize(data_dir, "rekey", key=NEW_KEY)
    assert rekeyed.returncode != 0, rekeyed.stdout[-3000:] + rekeyed.stderr[-3000:]
    assert "Re-keying undone" in rekeyed.stdout and "participation/pool/pool.csv" in rekeyed.stdout
    after = _raw(data_dir)
    assert after["key"] == before["key"] == [(fingerprint(KEY),)]
    assert after["pool"] == before["pool"] and after["hours"] == before["hours"]
    assert sorted(p.name for p in (data_dir / "state" / "accepted").rglob("*.parquet")) == accepted_copies  # no more
    con = duckdb.connect(str(data_dir / "warehouse" / "wellbeing.duckdb"), read_only=True)
    try:
        assert not con.execute("SELECT * FROM information_schema.schemata WHERE schema_name = 'rekey_backup'").fetchall()
        assert con.execute("SELECT count(*) FROM ops.landing_files WHERE status = 'accepted' AND "
                           "source = 'participation_pool'").fetchone()[0] == 1
    finally:
        con.close()
    (data_dir / "config" / "column_mapping.yml").unlink()
    assert run_materialize(data_dir, key=KEY).returncode == 0  # the old key is the warehouse's again

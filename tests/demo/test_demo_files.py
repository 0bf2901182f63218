"""Layout, dialects and reproducibility of the generated landing zone."""

from __future__ import annotations

import time
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import pytest

from assets.demo import generate_landing
from assets.demo.reference import DUO_2019_FILE

TODAY = datetime(2026, 11, 25, tzinfo=timezone.utc)
REAL_TOTALS = {2020: 28_393, 2021: 28_409, 2022: 27_182, 2023: 25_874, 2024: 24_567}


def _files(root: Path) -> dict[str, Path]:
    return {str(p.relative_to(root)): p for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_gives_identical_bytes_and_mtimes(landing_small, tmp_path):
    first, _ = landing_small
    again = tmp_path / "landing"
    generate_landing(again, scale=0.1, seed=42, progress=False)
    a, b = _files(first), _files(again)
    assert a.keys() == b.keys()
    assert any(name.endswith(".xlsx") for name in a)
    for name in a:
        assert a[name].read_bytes() == b[name].read_bytes(), name
        assert a[name].stat().st_mtime == b[name].stat().st_mtime, name


def test_other_seed_gives_other_people(landing_small, tmp_path):
    first, _ = landing_small
    other = tmp_path / "landing"
    generate_landing(other, scale=0.1, seed=43, progress=False)
    a, b = _files(first), _files(other)
    assert a.keys() == b.keys()
    for folder in ("participation/hours/", "participation/pool/", "survey/"):
        names = [n for n in a if n.startswith(folder)]
        assert names and all(a[n].read_bytes() != b[n].read_bytes() for n in names), folder


def test_layout(landing_1):
    root, summary = landing_1
    names = set(_files(root))
    assert len([n for n in names if n.startswith("participation/hours/")]) == 48
    assert len([n for n in names if n.startswith("participation/pool/")]) == 16
    assert {f"students/studentaantallen_2024-Q{q}.csv" for q in range(1, 5)} <= names
    assert {"survey/swm_2021.csv", "survey/swm_2022_qualtrics.csv", "survey/swm_2023.xlsx", "survey/swm_2024.csv"} <= names
    xlsx_hours = sorted(n for n in names if n.startswith("participation/hours/") and n.endswith(".xlsx"))
    assert xlsx_hours == [f"participation/hours/uren_{y}-{m:02d}.xlsx" for y in range(2021, 2025) for m in (4, 8, 12)]
    assert sorted(summary["files"]) == sorted(names)
    assert summary["rows"]["participation/hours"] > 100_000


def test_duo_file(landing_1, landing_small):
    root, _ = landing_1
    path = root / "students" / "duo" / "ingeschrevenenhbo_2020-2024.csv"
    header = path.read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("STUDIEJAAR;") and header.endswith(";GEMEENTENAAM;AANTAL_INGESCHREVENEN")
    for column in ("INSTELLINGSCODE_ACTUEEL", "OPLEIDINGSCODE_ACTUEEL", "OPLEIDINGSNAAM_ACTUEEL"):
        assert column in header.split(";")
    duo = pd.read_csv(path, sep=";", dtype=str)
    assert (duo["AANTAL_INGESCHREVENEN"] == "<5").any()
    assert set(duo["INSTELLINGSCODE_ACTUEEL"]) == {"27PZ", "28DN"}
    ours = duo[duo["INSTELLINGSCODE_ACTUEEL"] == "27PZ"]
    known = pd.to_numeric(ours["AANTAL_INGESCHREVENEN"], errors="coerce")
    assert known.groupby(ours["STUDIEJAAR"].astype(int)).sum().to_dict() == REAL_TOTALS
    assert (known.dropna() >= 5).all()  # 1–4 only ever as <5
    # The real old-layout file is copied byte for byte at scale 1 only (its counts are real).
    old = root / "students" / "duo" / "03b-eerstejaars-ingeschrevenen-hbo-domein-hbo-2019.csv"
    assert old.read_bytes() == DUO_2019_FILE.read_bytes()
    assert not (landing_small[0] / "students" / "duo" / old.name).exists()
    small = pd.read_csv(landing_small[0] / "students" / "duo" / path.name, sep=";", dtype=str)
    assert (small["AANTAL_INGESCHREVENEN"] == "<5").sum() > 20


def test_own_counts_equal_the_population(landing_1, duo_1):
    root, _ = landing_1
    for q, study_year in ((1, 2023), (2, 2023), (3, 2023), (4, 2024)):
        df = pd.read_csv(root / "students" / f"studentaantallen_2024-Q{q}.csv", sep=";", dtype=str, encoding="utf-8-sig")
        assert list(df.columns) == ["reference_date", "programme_code", "location", "n_students"]
        assert set(pd.to_datetime(df["reference_date"], format="%d-%m-%Y").dt.to_period("Q").astype(str)) == {f"2024Q{q}"}
        assert df["n_students"].astype(int).sum() == duo_1[study_year]
        assert not df.duplicated(["programme_code", "location"]).any()


def test_hours_dialects(landing_1, hours_1):
    root, _ = landing_1
    csv_file = root / "participation" / "hours" / "uren_2023-01.csv"
    raw = csv_file.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    text = raw.decode("utf-8-sig")
    assert text.splitlines()[0] == "record_id;student_number;programme_code;location;work_date;hours;role;department"
    body = pd.read_csv(csv_file, sep=";", dtype=str, encoding="utf-8-sig")
    assert body["hours"].str.contains(",").any()  # decimal comma
    assert body["work_date"].str.fullmatch(r"\d{2}-\d{2}-\d{4}").all()
    assert body["student_number"].str.startswith("0").any()  # leading zeros in this source
    with zipfile.ZipFile(root / "participation" / "hours" / "uren_2023-04.xlsx") as zf:
        assert zf.testzip() is None
    for _, per_file in hours_1.groupby("file"):
        assert not per_file["record_id"].duplicated().any()
    assert not hours_1["record_id"].duplicated().any()  # ids are unique across files too
    assert hours_1["student"].str.len().between(6, 7).all()


def test_pool_dialect(landing_1, pool_1):
    root, _ = landing_1
    path = root / "participation" / "pool" / "pool_2023-Q2.csv"
    assert path.read_text().splitlines()[0] == "student_number,programme_code,location,available_from,available_until"
    snapshot = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert (snapshot["available_until"] == "").any() and (snapshot["available_until"] != "").any()
    assert not snapshot.duplicated(["student_number", "available_from"]).any()
    assert not snapshot["student_number"].str.startswith("0").any()
    ended = pool_1.dropna(subset=["until"])
    assert (ended["until"] >= ended["from"]).all()
    assert pool_1["from"].min() >= pd.Timestamp("2000-01-01")
    assert pool_1["student"].nunique() > 3_000  # registrations start and end over time


def test_all_dates_and_mtimes_are_plausible(landing_1, hours_1, pool_1):
    root, _ = landing_1
    lo, hi = datetime(2000, 1, 1, tzinfo=timezone.utc), TODAY
    for name, path in _files(root).items():
        mtime = datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc)
        assert lo <= mtime <= hi, name
    assert pool_1["until"].max() <= pd.Timestamp("2024-12-31")
    # A month's timesheet file is delivered after that month.
    for path in (root / "participation" / "hours").iterdir():
        year, month = map(int, path.stem.split("_")[1].split("-"))
        mtime = datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc)
        assert (mtime.year, mtime.month) > (year, month), path.name


def test_small_scale_is_fast(tmp_path):
    started = time.perf_counter()
    summary = generate_landing(tmp_path / "landing", scale=0.05, seed=1, progress=False)
    assert time.perf_counter() - started < 15
    assert summary["rows"]["survey"] > 0 and summary["rows"]["participation/hours"] > 0
    assert summary["students_per_study_year"][2022] == pytest.approx(27_182 * 0.05, rel=0.03)


def test_rejects_a_nonsense_scale(tmp_path):
    with pytest.raises(ValueError):
        generate_landing(tmp_path, scale=0, progress=False)

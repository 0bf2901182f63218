"""Demo landing zones generated once per session, and an independent reader of their files.

The reader deliberately does not use the generator's code: it parses the files the way a loader would
(delimiter, decimal comma, day-first dates, XLSX, leading zeros), so the tests check the files, not the model.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from assets.demo import generate_landing


@pytest.fixture(scope="session")
def landing_1(tmp_path_factory) -> tuple[Path, dict]:
    """Scale 1, seed 42: the real institution's size (about 3 s)."""
    out = tmp_path_factory.mktemp("demo_scale1") / "landing"
    return out, generate_landing(out, scale=1.0, seed=42, progress=False)


@pytest.fixture(scope="session")
def landing_small(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("demo_small") / "landing"
    return out, generate_landing(out, scale=0.1, seed=42, progress=False)


def normalise_number(values: pd.Series) -> pd.Series:
    return values.astype(str).str.strip().str.lstrip("0")


def read_hours(landing: Path) -> pd.DataFrame:
    frames = []
    for path in sorted((landing / "participation" / "hours").iterdir()):
        if path.suffix == ".csv":
            df = pd.read_csv(path, sep=";", dtype=str, encoding="utf-8-sig", keep_default_na=False)
            df["work_date"] = pd.to_datetime(df["work_date"], format="%d-%m-%Y")
            df["hours"] = df["hours"].str.replace(",", ".", regex=False).astype(float)
        else:
            df = pd.read_excel(path, dtype={"record_id": str, "programme_code": str})
            df["student_number"] = df["student_number"].astype(str)
        df["file"] = path.name
        frames.append(df)
    hours = pd.concat(frames, ignore_index=True)
    hours["student"] = normalise_number(hours["student_number"])
    hours["quarter"] = hours["work_date"].dt.to_period("Q").astype(str)
    return hours


def read_pool(landing: Path) -> pd.DataFrame:
    """All snapshots, upserted by (student, available_from): the newest file (mtime, then name) wins."""
    paths = sorted((landing / "participation" / "pool").iterdir(), key=lambda p: (p.stat().st_mtime, p.name))
    frames = []
    for path in paths:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
        df["file"] = path.name
        frames.append(df)
    pool = pd.concat(frames, ignore_index=True)
    pool["student"] = normalise_number(pool["student_number"])
    pool = pool.drop_duplicates(["student", "available_from"], keep="last")
    pool["from"] = pd.to_datetime(pool["available_from"], format="%Y-%m-%d")
    pool["until"] = pd.to_datetime(pool["available_until"].replace("", None), format="%Y-%m-%d")
    return pool


def read_duo_counts(landing: Path, brin: str = "27PZ") -> pd.Series:
    """Known (unsuppressed) DUO counts of the institution, summed per study year."""
    duo = pd.read_csv(landing / "students" / "duo" / "ingeschrevenenhbo_2020-2024.csv", sep=";", dtype=str)
    duo = duo[duo["INSTELLINGSCODE_ACTUEEL"] == brin]
    n = pd.to_numeric(duo["AANTAL_INGESCHREVENEN"], errors="coerce")
    return n.groupby(duo["STUDIEJAAR"].astype(int)).sum()


@pytest.fixture(scope="session")
def hours_1(landing_1) -> pd.DataFrame:
    return read_hours(landing_1[0])


@pytest.fixture(scope="session")
def pool_1(landing_1) -> pd.DataFrame:
    return read_pool(landing_1[0])


@pytest.fixture(scope="session")
def duo_1(landing_1) -> pd.Series:
    return read_duo_counts(landing_1[0])

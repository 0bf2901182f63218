"""Survey exports: dialects, counts, valid answers, and institution-wide results in the published ranges.

Scoring here is a small independent re-implementation of the codebook for the indicators checked.
"""

from __future__ import annotations

import csv
import json

import numpy as np
import pandas as pd
import pytest

K10 = [f"k10_{i}" for i in range(1, 11)]
BRS = [f"brs_{i}" for i in range(1, 7)]
DJG = [f"djg_{i}" for i in range(1, 7)]
EE = [f"ee_{i}" for i in range(1, 6)]
UWES = [f"uwes_{i}" for i in range(1, 10)]
BELONG = [f"belong_{i}" for i in range(1, 5)]
TEACHER = [f"teacher_{i}" for i in range(1, 4)]
PART_A = K10 + BRS + DJG + ["life_sat"] + EE + UWES + BELONG + TEACHER + ["study_stress"]
PART_B = ["ssc_known", "ssc_used", "quit_intention", "support_wanted"]
#: what each year's questionnaire did not ask (expectations/survey_questionnaires.yml): not in its export
NOT_ASKED = {2021: DJG + ["quit_intention"]}
REQUIRED = ["response_id", "student_number", "started_at", "submitted_at", "finished", "programme_code", "location"]
BACKGROUND = ["study_year", "gender", "international", "first_generation"]

LABELS = {
    **{c: {"nooit": 1, "af en toe": 2, "soms": 3, "meestal": 4, "altijd": 5} for c in K10},
    **{c: {"nooit": 1, "een paar keer per jaar": 2, "maandelijks": 3, "een paar keer per maand": 4, "wekelijks": 5,
           "een paar keer per week": 6, "elke dag": 7} for c in EE},
    "study_stress": {"nooit": 1, "zelden": 2, "soms": 3, "vaak": 4, "altijd": 5},
    **{c: {"ja": 1, "min of meer": 2, "nee": 3} for c in DJG},
    **{c: {"ja": 1, "nee": 0} for c in PART_B},
}
RANGES = {
    **{c: (1, 5) for c in K10 + BRS + BELONG + TEACHER + ["study_stress"]},
    **{c: (1, 3) for c in DJG},
    "life_sat": (0, 10),
    **{c: (1, 7) for c in EE},
    **{c: (0, 6) for c in UWES},
    **{c: (0, 1) for c in PART_B},
}


def _read(root, year: int) -> pd.DataFrame:
    folder = root / "survey"
    if year == 2021:
        df = pd.read_csv(folder / "swm_2021.csv", sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig")
        df["started"] = pd.to_datetime(df["started_at"], format="%d-%m-%Y %H:%M")
        df["submitted"] = pd.to_datetime(df["submitted_at"], format="%d-%m-%Y %H:%M")
    elif year == 2022:
        df = pd.read_csv(folder / "swm_2022_qualtrics.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig",
                         skiprows=[1, 2])
        df["started"] = pd.to_datetime(df["started_at"], format="%Y-%m-%d %H:%M:%S")
        df["submitted"] = pd.to_datetime(df["submitted_at"], format="%Y-%m-%d %H:%M:%S")
    elif year == 2023:
        df = pd.read_excel(folder / "swm_2023.xlsx", dtype=str, keep_default_na=False)
        df["started"] = pd.to_datetime(df["started_at"])
        df["submitted"] = pd.to_datetime(df["submitted_at"])
    else:
        df = pd.read_csv(folder / "swm_2024.csv", dtype=str, keep_default_na=False)
        df["started"] = pd.to_datetime(df["started_at"], format="%Y-%m-%dT%H:%M:%S")
        df["submitted"] = pd.to_datetime(df["submitted_at"], format="%Y-%m-%dT%H:%M:%S")
    df["finished_flag"] = df["finished"].str.lower().isin(["1", "true", "ja"])
    df["student"] = df["student_number"].str.lstrip("0")
    for item in PART_A + PART_B:
        text = (df[item] if item in df else pd.Series("", index=df.index)).str.strip()
        codes = text.map(LABELS.get(item, {}))
        numeric = pd.to_numeric(text.where(codes.isna()), errors="coerce")
        df[item + "#"] = codes.fillna(numeric).astype(float)
    return df


@pytest.fixture(scope="module")
def surveys(landing_1) -> dict[int, pd.DataFrame]:
    return {year: _read(landing_1[0], year) for year in (2021, 2022, 2023, 2024)}


def _counted(df: pd.DataFrame) -> pd.DataFrame:
    done = df[df["finished_flag"]].sort_values("submitted")
    return done.drop_duplicates("student", keep="last")


def _codes(df: pd.DataFrame, items: list[str]) -> np.ndarray:
    return df[[i + "#" for i in items]].to_numpy(float)


def _mean_if(a: np.ndarray, min_answered: int) -> np.ndarray:
    n = (~np.isnan(a)).sum(axis=1)
    return np.where(n >= min_answered, np.nansum(a, axis=1) / np.maximum(n, 1), np.nan)


def _pct(flag: np.ndarray, valid: np.ndarray) -> float:
    return 100 * flag[valid].mean() if valid.any() else float("nan")


def _indicators(df: pd.DataFrame) -> dict[str, float]:
    k10 = _mean_if(_codes(df, K10), 8) * 10
    ee = _mean_if(_codes(df, EE), 4)
    brs = _codes(df, BRS)
    brs[:, [1, 3, 5]] = 6 - brs[:, [1, 3, 5]]
    brs = _mean_if(brs, 5)
    djg = _codes(df, DJG)
    lonely = np.where(np.isnan(djg), np.nan, 0.0)
    lonely[:, [0, 3, 5]] = np.where(np.isnan(djg[:, [0, 3, 5]]), np.nan, djg[:, [0, 3, 5]] <= 2)
    lonely[:, [1, 2, 4]] = np.where(np.isnan(djg[:, [1, 2, 4]]), np.nan, djg[:, [1, 2, 4]] >= 2)
    total = np.where((~np.isnan(lonely)).sum(axis=1) >= 5, np.nansum(lonely, axis=1), np.nan)
    life = _codes(df, ["life_sat"])[:, 0]
    quit_ = _codes(df, ["quit_intention"])[:, 0]
    return {
        "k10_high_pct": _pct(k10 >= 30, ~np.isnan(k10)),
        "ee_high_pct": _pct(ee >= 3.21, ~np.isnan(ee)),
        "lonely_pct": _pct(total >= 2, ~np.isnan(total)),
        "lonely_severe_pct": _pct(total >= 5, ~np.isnan(total)),
        "life_sat_mean": float(np.nanmean(life)),
        "life_sat_7plus_pct": _pct(life >= 7, ~np.isnan(life)),
        "brs_ok_pct": _pct(brs >= 3, ~np.isnan(brs)),
        "quit_intention_pct": _pct(quit_ == 1, ~np.isnan(quit_)),
    }


def test_response_counts(surveys):
    for year, df in surveys.items():
        assert 1_400 <= len(df) <= 2_000, year
        assert 1_400 <= len(_counted(df)) <= 2_000, year
    assert len(_counted(surveys[2021])) == 1_847  # published respondent counts
    assert len(_counted(surveys[2022])) == 1_462


def _asked(year: int, items: list[str]) -> list[str]:
    return [i for i in items if i not in NOT_ASKED.get(year, [])]


def test_columns_and_year_placement(landing_1, surveys):
    for year, df in surveys.items():
        for column in REQUIRED + BACKGROUND + _asked(year, PART_A + PART_B):
            assert column in df.columns, (year, column)
        for column in NOT_ASKED.get(year, []):
            assert column + "#" in df.columns and df[column + "#"].isna().all(), (year, column)
        assert ("survey_year" in df.columns) == (year != 2021)
        assert not df.duplicated("response_id").any()
        assert (df[["programme_code", "location"]] != "").all().all()


def test_qualtrics_export_has_two_extra_header_rows(landing_1):
    path = landing_1[0] / "survey" / "swm_2022_qualtrics.csv"
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = [row for _, row in zip(range(4), csv.reader(fh))]
    names, questions, import_ids, first = rows
    assert names[0] == "response_id"
    assert questions[names.index("k10_1")].startswith("In de afgelopen 4 weken")
    assert all(json.loads(cell)["ImportId"] for cell in import_ids)
    assert json.loads(import_ids[names.index("k10_3")]) == {"ImportId": "QID4_3"}
    assert first[0].startswith("R_")


def test_timestamp_formats_and_labels(landing_1):
    root = landing_1[0] / "survey"
    raw_2021 = pd.read_csv(root / "swm_2021.csv", sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert raw_2021["started_at"].str.fullmatch(r"\d{2}-\d{2}-2021 \d{2}:\d{2}").all()
    assert raw_2021["k10_1"].isin(["nooit", "af en toe", "soms", "meestal", "altijd", ""]).all()
    assert "djg_2" not in raw_2021.columns and "quit_intention" not in raw_2021.columns  # not asked in 2021
    raw_2023 = pd.read_excel(root / "swm_2023.xlsx", dtype=str, keep_default_na=False)
    assert (raw_2023["djg_2"] == "min of meer").any()
    assert raw_2021["student_number"].str.len().eq(7).all()  # written with leading zeros
    raw_2024 = pd.read_csv(root / "swm_2024.csv", dtype=str, keep_default_na=False)
    assert raw_2024["started_at"].str.fullmatch(r"2024-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}").all()
    assert raw_2024["k10_1"].isin(["1", "2", "3", "4", "5", ""]).all()
    assert set(raw_2024["finished"]) == {"true", "false"}


def test_every_answer_is_valid_for_the_codebook(surveys):
    for year, df in surveys.items():
        for item in _asked(year, PART_A + PART_B):
            raw = df[item].str.strip()
            code = df[item + "#"]
            assert not (raw.ne("") & code.isna()).any(), (year, item)  # nothing unparseable
            lo, hi = RANGES[item]
            assert code.dropna().between(lo, hi).all(), (year, item)
            assert (code.dropna() % 1 == 0).all()


def test_unfinished_duplicates_part_b_and_nonresponse(surveys):
    for year, df in surveys.items():
        unfinished = (~df["finished_flag"]).mean()
        assert 0.01 <= unfinished <= 0.06, year
        done = df[df["finished_flag"]]
        assert done["student"].duplicated().sum() > 0, year  # some students finished twice
        counted = _counted(df)
        skipped_b = counted[[i + "#" for i in PART_B]].isna().all(axis=1).mean()
        assert 0.28 <= skipped_b <= 0.42, year
        missing_a = counted[[i + "#" for i in _asked(year, PART_A)]].isna().to_numpy().mean()
        assert 0.005 <= missing_a <= 0.05, year
        assert df["submitted"].ge(df["started"]).all()
        assert df["started"].dt.year.eq(year).all() and df["started"].dt.month.isin([5, 6]).all()


def test_2023_results_are_in_the_national_monitor_ranges(surveys):
    got = _indicators(_counted(surveys[2023]))
    assert got["k10_high_pct"] == pytest.approx(44, abs=2)
    assert got["ee_high_pct"] == pytest.approx(59, abs=2)
    assert got["lonely_pct"] == pytest.approx(62, abs=2)
    assert got["lonely_severe_pct"] == pytest.approx(24, abs=2)
    assert got["life_sat_mean"] == pytest.approx(6.7, abs=0.1)
    assert got["brs_ok_pct"] == pytest.approx(54, abs=2)


def test_2021_is_worse_than_2023_and_2022_matches_inholland(surveys):
    y2021 = _indicators(_counted(surveys[2021]))
    y2022 = _indicators(_counted(surveys[2022]))
    y2023 = _indicators(_counted(surveys[2023]))
    assert y2021["k10_high_pct"] > y2023["k10_high_pct"] + 4
    assert y2021["ee_high_pct"] > y2023["ee_high_pct"] + 4
    assert np.isnan(_codes(_counted(surveys[2021]), DJG)).all()  # loneliness was not asked in 2021
    assert y2022["lonely_pct"] > y2023["lonely_pct"] + 4
    assert y2021["life_sat_mean"] < y2023["life_sat_mean"] - 0.4
    assert y2022["life_sat_7plus_pct"] == pytest.approx(54, abs=2)
    assert y2022["quit_intention_pct"] == pytest.approx(30, abs=2)


def test_group_differences(surveys):
    counted = pd.concat([_counted(df) for df in surveys.values()], ignore_index=True)  # ~300 internationals
    k10 = _mean_if(_codes(counted, K10), 8) * 10
    women = counted["gender"].eq("vrouw").to_numpy()
    men = counted["gender"].eq("man").to_numpy()
    assert np.nanmean(k10[women]) > np.nanmean(k10[men])
    belong = _codes(counted, BELONG)
    belong[:, 3] = 6 - belong[:, 3]
    belong = _mean_if(belong, 3)
    intl = counted["international"].eq("ja").to_numpy()
    assert np.nanmean(belong[intl]) < np.nanmean(belong[~intl])


def test_respondents_join_to_participation(surveys, hours_1):
    workers_2023 = set(hours_1.loc[hours_1["quarter"].str.startswith("2023"), "student"])
    respondents = set(_counted(surveys[2023])["student"])
    assert len(respondents & workers_2023) >= 10

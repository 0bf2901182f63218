"""The real, public inputs of the demo: DUO enrolment, the programme register, first-year gender shares.

Read from `data/` beside this module (sources in `data/README.md`), so the demo works from an installed package.
Everything here is small (a few hundred rows); the generator derives its "cells" from it: one cell per
programme × DUO municipality, the grain at which DUO counts students and the register assigns a campus.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

DATA_DIR = Path(__file__).parent / "data"
DUO_FILE = DATA_DIR / "duo_inholland_ingeschrevenen_2020_2024.csv"
DUO_2019_FILE = DATA_DIR / "duo_eerstejaars_hbo_2019_inholland.csv"
REGISTER_FILE = DATA_DIR / "programmes_inholland.csv"

STUDY_YEARS = (2020, 2021, 2022, 2023, 2024)
BRIN = "27PZ"
INSTITUTION_NAME = "Hogeschool INHOLLAND"

LOCATIONS = ("Alkmaar", "Amsterdam", "Delft", "Den Haag", "Diemen", "Dordrecht", "Groningen", "Haarlem", "Rotterdam")
DOMAINS = ("AFL", "BFL", "CRB", "GSW", "ONI", "TOI", "Verloskunde")

#: DUO's province per municipality (the long layout carries it; the flattened copy does not).
PROVINCE = {
    "Groningen": "Groningen",
    "Alkmaar": "Noord-Holland",
    "Amsterdam": "Noord-Holland",
    "Haarlem": "Noord-Holland",
    "Delft": "Zuid-Holland",
    "'S-Gravenhage": "Zuid-Holland",
    "Rotterdam": "Zuid-Holland",
    "Dordrecht": "Zuid-Holland",
}


@lru_cache(maxsize=1)
def duo_counts() -> pd.DataFrame:
    """DUO rows 2020–2024: one per study year × programme × municipality; `n` is NaN when suppressed."""
    df = pd.read_csv(DUO_FILE, sep=";", dtype=str, keep_default_na=False)
    df["study_year"] = df["studiejaar"].astype(int)
    df["n"] = pd.to_numeric(df["aantal_ingeschrevenen"].replace("", np.nan))
    df["suppressed"] = df["is_onderdrukt"].str.lower().eq("true")
    return df.rename(
        columns={
            "gemeentenummer": "municipality_code",
            "gemeentenaam": "municipality",
            "type_hoger_onderwijs": "level",
            "onderdeel": "sector",
            "croho_code": "programme_code",
            "opleidingsnaam": "programme_name",
        }
    )[["study_year", "municipality_code", "municipality", "level", "sector", "programme_code", "programme_name", "n", "suppressed"]]


@lru_cache(maxsize=1)
def register() -> pd.DataFrame:
    return pd.read_csv(REGISTER_FILE, dtype=str, keep_default_na=False)


@lru_cache(maxsize=1)
def cells() -> pd.DataFrame:
    """One row per programme × DUO municipality with its campus location and domain (index = cell id).

    Why cells and not programme × location: DUO counts per municipality, and Amsterdam municipality holds two
    campuses (Amsterdam, Diemen); the register decides which one a programme belongs to.
    """
    duo = duo_counts()
    keys = duo[["programme_code", "municipality_code", "municipality", "level", "sector", "programme_name"]]
    keys = keys.drop_duplicates(["programme_code", "municipality_code"]).sort_values(["programme_code", "municipality_code"])
    reg = register()[["programme_code", "duo_municipality_code", "location", "domain"]]
    out = keys.merge(
        reg, left_on=["programme_code", "municipality_code"], right_on=["programme_code", "duo_municipality_code"], how="left"
    ).drop(columns="duo_municipality_code")
    missing = out["location"].isna()
    if missing.any():  # the shipped register covers every DUO row; keep the rule of the contract anyway
        out.loc[missing, "location"] = out.loc[missing, "municipality"].replace({"'S-Gravenhage": "Den Haag"})
        out.loc[missing, "domain"] = "Onbekend"
    out = out.reset_index(drop=True)
    out["loc_id"] = out["location"].map({name: i for i, name in enumerate(LOCATIONS)}).astype(np.int8)
    out["domain_id"] = out["domain"].map({name: i for i, name in enumerate(DOMAINS)}).fillna(-1).astype(np.int8)
    out["female_share"] = out["programme_code"].map(female_share_by_programme()).fillna(0.55)
    # English-taught programmes draw most international students.
    english = out["programme_name"].str.contains(
        "Tourism|Landscape|Leisure|Creative Business|Business Innovation|Luchtvaart|Advanced", case=False
    )
    out["international_share"] = np.where(english, 0.18, 0.03)
    return out


def cell_counts(study_year: int) -> tuple[np.ndarray, np.ndarray]:
    """Real DUO count per cell for one study year (0 where DUO has no row) and which cells are suppressed."""
    duo = duo_counts()
    cell_index = cells().reset_index().set_index(["programme_code", "municipality_code"])["index"]
    rows = duo[duo["study_year"] == study_year]
    idx = cell_index.loc[list(zip(rows["programme_code"], rows["municipality_code"]))].to_numpy()
    counts = np.zeros(len(cells()), dtype=np.float64)
    suppressed = np.zeros(len(cells()), dtype=bool)
    counts[idx] = rows["n"].fillna(0).to_numpy()
    suppressed[idx] = rows["suppressed"].to_numpy()
    return counts, suppressed


@lru_cache(maxsize=1)
def female_share_by_programme() -> dict[str, float]:
    """Share of women among first-year students 2015–2019 per programme (DUO's old file), for gender draws."""
    df = pd.read_csv(DUO_2019_FILE, sep=";", dtype=str, skip_blank_lines=True)
    years = [c for c in df.columns if c.strip().isdigit()]
    df["n"] = df[years].apply(pd.to_numeric, errors="coerce").clip(lower=0).sum(axis=1)
    pivot = df.pivot_table(index="OPLEIDINGSCODE ACTUEEL", columns="GESLACHT", values="n", aggfunc="sum").fillna(0)
    total = pivot.sum(axis=1)
    share = (pivot.get("vrouw", 0) + 1) / (total + 2)  # add-one smoothing for tiny programmes
    return {str(k): float(v) for k, v in share.items()}

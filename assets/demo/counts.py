"""Student counts: DUO's enrolment file (long layout, plus the real old wide file) and the own counts.

The DUO file states exactly the demo population per study year (DUO count × scale), in DUO's current long
layout, with a few rows of another institution that a loader must ignore and counts of 1–4 published as
`<5` (DUO's disclosure rule) – including the cell the real data suppresses. The own counts cover the 2024
quarters only, so that "own counts win over DUO for a quarter" is exercised; they equal the population.
"""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from assets.common.quarters import quarter_range, quarter_start, study_year_of_quarter

from . import reference
from .dates import delivery_time
from .population import Population
from .writers import set_mtime, write_csv

DUO_COLUMNS = (
    "STUDIEJAAR",
    "SOORT_INSTELLING",
    "TYPE_HOGER_ONDERWIJS",
    "INSTELLINGSCODE_ACTUEEL",
    "INSTELLINGSNAAM_ACTUEEL",
    "ONDERDEEL",
    "SUBONDERDEEL",
    "OPLEIDINGSCODE_ACTUEEL",
    "OPLEIDINGSNAAM_ACTUEEL",
    "PROVINCIENAAM",
    "GEMEENTENUMMER",
    "GEMEENTENAAM",
    "AANTAL_INGESCHREVENEN",
)
DUO_FILE_NAME = "ingeschrevenenhbo_2020-2024.csv"
DUO_2019_NAME = "03b-eerstejaars-ingeschrevenen-hbo-domein-hbo-2019.csv"
OWN_QUARTERS = tuple(quarter_range("2024-Q1", "2024-Q4"))

#: Rows of another institution (Hogeschool van Amsterdam, BRIN 28DN): real-looking, to be ignored by the loader.
_OTHER = (
    ("bachelor", "gedrag en maatschappij", "34116", "B Social Work", "0363", "Amsterdam", 2150),
    ("bachelor", "economie", "34145", "B Business Studies", "0363", "Amsterdam", 1320),
    ("associate degree", "onderwijs", "80118", "Ad Pedagogisch Educatief Professional", "0363", "Amsterdam", 3),
)


def _sector(raw: str) -> str:
    return raw.replace("_", " ").lower()


def duo_table(pop: Population, scale: float) -> pd.DataFrame:
    cells = pop.cells
    rows = []
    for sy in reference.STUDY_YEARS:
        n = pop.counts[sy]
        present = np.flatnonzero(n > 0)
        small = ((n >= 1) & (n <= 4)) | pop.suppressed[sy]  # DUO publishes 1–4 as <5; keep DUO's own suppression
        part = cells.iloc[present]
        rows.append(
            pd.DataFrame(
                {
                    "STUDIEJAAR": str(sy),
                    "SOORT_INSTELLING": "reguliere inst.",
                    "TYPE_HOGER_ONDERWIJS": part["level"].to_numpy(),
                    "INSTELLINGSCODE_ACTUEEL": reference.BRIN,
                    "INSTELLINGSNAAM_ACTUEEL": reference.INSTITUTION_NAME,
                    "ONDERDEEL": [_sector(s) for s in part["sector"]],
                    "SUBONDERDEEL": [f"n.v.t. ({_sector(s)})" for s in part["sector"]],
                    "OPLEIDINGSCODE_ACTUEEL": part["programme_code"].to_numpy(),
                    "OPLEIDINGSNAAM_ACTUEEL": part["programme_name"].to_numpy(),
                    "PROVINCIENAAM": part["municipality"].map(reference.PROVINCE).to_numpy(),
                    "GEMEENTENUMMER": part["municipality_code"].to_numpy(),
                    "GEMEENTENAAM": part["municipality"].to_numpy(),
                    "AANTAL_INGESCHREVENEN": np.where(small[present], "<5", n[present].astype(str)),
                }
            )
        )
        for level, sector, code, name, mun_code, mun, count in _OTHER:
            scaled = int(np.floor(count * scale * (1 + 0.02 * (sy - 2022)) + 0.5))
            if scaled <= 0:
                continue
            rows.append(
                pd.DataFrame(
                    [[str(sy), "reguliere inst.", level, "28DN", "Hogeschool van Amsterdam", sector, f"n.v.t. ({sector})",
                      code, name, "Noord-Holland", mun_code, mun, "<5" if scaled < 5 else str(scaled)]],
                    columns=list(DUO_COLUMNS),
                )
            )
    table = pd.concat(rows, ignore_index=True)
    return table.sort_values(["STUDIEJAAR", "INSTELLINGSCODE_ACTUEEL", "GEMEENTENUMMER", "OPLEIDINGSCODE_ACTUEEL"], kind="stable")


def write_duo(pop: Population, out_dir: Path, scale: float, seed: int) -> tuple[list[Path], int]:
    duo_dir = out_dir / "students" / "duo"
    path = duo_dir / DUO_FILE_NAME
    n_rows = write_csv(path, duo_table(pop, scale), sep=";", delivered=delivery_time(seed, "duo", date(2025, 3, 10), 0, 20))
    written = [path]
    if scale == 1:  # the real old-layout file: real counts, so only at the real scale
        old = duo_dir / DUO_2019_NAME
        old.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(reference.DUO_2019_FILE, old)
        set_mtime(old, datetime(2020, 3, 16, 10, 0, 0))
        written.append(old)
    return written, n_rows


def own_counts(pop: Population, quarter: str) -> pd.DataFrame:
    sy = study_year_of_quarter(quarter)
    cells = pop.cells
    n = pd.Series(pop.counts[sy], index=cells.index)
    table = pd.DataFrame({"programme_code": cells["programme_code"], "location": cells["location"], "n": n})
    table = table[table["n"] > 0].groupby(["programme_code", "location"], as_index=False)["n"].sum()
    ref = quarter_start(quarter)
    return pd.DataFrame(
        {
            "reference_date": ref.strftime("%d-%m-%Y"),
            "programme_code": table["programme_code"],
            "location": table["location"],
            "n_students": table["n"].astype(str),
        }
    )


def write_own_counts(pop: Population, out_dir: Path, seed: int) -> tuple[list[Path], int]:
    written, total = [], 0
    for quarter in OWN_QUARTERS:
        path = out_dir / "students" / f"studentaantallen_{quarter}.csv"
        delivered = delivery_time(seed, "own", quarter_start(quarter), 10, 20)
        total += write_csv(path, own_counts(pop, quarter), sep=";", delivered=delivered, bom=True, crlf=True)
        written.append(path)
    return written, total

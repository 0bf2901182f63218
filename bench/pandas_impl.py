"""The same results as `handwritten.sql`, in plain pandas: what an analyst with a notebook would write.

`pd.read_csv` / `pd.read_excel` for the files (every cell as text), a dict for the pseudonyms of the distinct
student numbers, `drop_duplicates` for "newest file wins", `groupby` for the rest.

    python -m bench.pandas_impl LANDING_DIR [--out folder]
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from assets.common.pseudonym import pseudonymise
from expectations.survey_codebook import FREQUENCY_5
from bench.landing_io import (
    aliases_file, baseline_main, delimiter, is_qualtrics, landing_files, register_file,
)

TRUE_WORDS = {"1", "true", "ja", "waar", "yes", "y", "j"}
OFFSETS = ["-01-01", "-04-01", "-07-01", "-10-01"]
ENDS = ["-03-31", "-06-30", "-09-30", "-12-31"]


def read_all(files: list[Path]) -> pd.DataFrame:
    frames = []
    for i, path in enumerate(files):
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            frame = pd.read_excel(path, dtype=str)
            for col in frame.columns:  # Excel numbers and dates come back as text of the Python value
                frame[col] = frame[col].map(_excel_text, na_action="ignore")
        else:
            frame = pd.read_csv(path, sep=delimiter(path), dtype=str, keep_default_na=False, na_values=[""],
                                encoding="utf-8-sig", skiprows=[1, 2] if is_qualtrics(path) else None)
        frame.columns = [str(c).strip().lower() for c in frame.columns]
        frame["_file_order"] = i  # files are listed oldest first: a higher order wins
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def _excel_text(value: str) -> str:
    text = str(value).strip()
    if text.endswith(" 00:00:00"):
        return text[:-9]
    if re.fullmatch(r"-?\d+\.0", text):
        return text[:-2]
    return text


def _norm(s: pd.Series) -> pd.Series:
    t = s.str.strip()
    n = t.str.lstrip("0")
    return n.where(n != "", np.where(t != "", "0", ""))


def _to_date(s: pd.Series) -> pd.Series:
    s = s.str.strip()
    iso = pd.to_datetime(s, format="%Y-%m-%d", errors="coerce")
    return iso.fillna(pd.to_datetime(s, format="%d-%m-%Y", errors="coerce"))


def _quarter(d: pd.Series) -> pd.Series:
    return d.dt.year.astype("Int64").astype(str) + "-Q" + d.dt.quarter.astype("Int64").astype(str)


def _qindex(q: pd.Series) -> pd.Series:
    return q.str[:4].astype(int) * 4 + q.str[-1].astype(int) - 1


def _date_qindex(d: pd.Series) -> pd.Series:
    return d.dt.year * 4 + d.dt.quarter - 1


def _qname(i: int) -> str:
    return f"{i // 4}-Q{i % 4 + 1}"


def run(landing: Path, key: str, min_cell: int = 10, brin: str = "27PZ") -> dict[str, pd.DataFrame]:
    landing = Path(landing)
    aliases = pd.read_csv(aliases_file(), dtype=str)
    alias = dict(zip(aliases["alias"].str.strip().str.lower(), aliases["canonical_location"]))

    def canon(s: pd.Series) -> pd.Series:
        t = s.str.strip()
        return t.str.lower().map(alias).fillna(t)

    pseudonyms: dict[str, str] = {}

    def pseudo(numbers: pd.Series) -> pd.Series:
        norm = _norm(numbers)
        for n in set(norm.unique()) - pseudonyms.keys():
            pseudonyms[n] = pseudonymise(n, key)
        return norm.map(pseudonyms)

    register = pd.read_csv(register_file(landing), dtype=str)
    register = pd.DataFrame({"programme_code": register["programme_code"].str.strip(),
                             "domain": register["domain"].str.strip(), "location": canon(register["location"]),
                             "duo_municipality": register["duo_municipality"].str.strip()})
    domain_at = register.groupby(["programme_code", "location"])["domain"].max()
    domain_any = register.groupby("programme_code")["domain"].max()

    # --- hours: newest file wins per record_id
    h = read_all(landing_files(landing, "hours"))
    h["record_id"] = h["record_id"].str.strip()
    h = h.sort_values("_file_order").drop_duplicates("record_id", keep="last")
    hours = pd.DataFrame({
        "record_id": h["record_id"], "pseudo_id": pseudo(h["student_number"]),
        "programme_code": h["programme_code"].str.strip(), "location": canon(h["location"]),
        "work_date": _to_date(h["work_date"]),
        "hours": pd.to_numeric(h["hours"].str.strip().str.replace(",", ".", regex=False)).round(2)})
    hours["quarter"] = _quarter(hours["work_date"])
    del h

    # --- pool: newest file wins per (student, available_from)
    p = read_all(landing_files(landing, "pool"))
    pool = pd.DataFrame({
        "pseudo_id": pseudo(p["student_number"]), "programme_code": p["programme_code"].str.strip(),
        "location": canon(p["location"]), "available_from": _to_date(p["available_from"]),
        "available_until": _to_date(p["available_until"].fillna("")), "_file_order": p["_file_order"]})
    pool = pool.sort_values("_file_order").drop_duplicates(["pseudo_id", "available_from"], keep="last")
    del p

    # --- counts: own counts per quarter win over DUO's
    c = read_all(landing_files(landing, "counts"))
    for col in ("quarter", "reference_date"):
        if col not in c:
            c[col] = None
    c["q"] = c["quarter"].str.strip().str.upper().fillna(_quarter(_to_date(c["reference_date"].fillna(""))))
    c["programme_code"] = c["programme_code"].str.strip()
    c = c.sort_values("_file_order").drop_duplicates(["q", "programme_code", c["location"].str.strip().name], keep="last")
    own = (c.assign(location=canon(c["location"]), n_students=c["n_students"].str.strip().astype("Int64"))
           .groupby(["q", "programme_code", "location"], as_index=False)["n_students"].sum()
           .rename(columns={"q": "quarter"}))
    duo_files = [f for f in landing_files(landing, "duo")
                 if "AANTAL_INGESCHREVENEN" in open(f, encoding="utf-8-sig").readline().upper()]
    d = read_all(duo_files)
    d = d[d["instellingscode_actueel"].str.strip().str.upper() == brin.upper()].copy()
    n = pd.to_numeric(d["aantal_ingeschrevenen"].str.strip(), errors="coerce")
    d["suppressed"] = n.isna() | (n < 0)
    d["n"] = n.where(n >= 0)
    d["study_year"] = d["studiejaar"].astype(int)
    d["programme_code"] = d["opleidingscode_actueel"].str.strip()
    d["municipality"] = d["gemeentenaam"].str.strip()
    d["m"] = d["municipality"].str.lower()
    reg_m = (register.dropna(subset=["duo_municipality"])
             .assign(m=lambda r: r["duo_municipality"].str.lower())[["programme_code", "m", "location"]]
             .drop_duplicates())
    d = d.merge(reg_m, on=["programme_code", "m"], how="left")
    d["location"] = d["location"].fillna(canon(d["municipality"]))
    duo = d.groupby(["study_year", "programme_code", "location"], as_index=False).agg(
        suppressed=("suppressed", "any"), n=("n", "sum"))
    duo["n_students"] = duo["n"].where(~duo["suppressed"]).astype("Int64")
    spread = []
    for offset, qn in ((0, 4), (1, 1), (1, 2), (1, 3)):
        spread.append(duo.assign(quarter=(duo["study_year"] + offset).astype(str) + f"-Q{qn}"))
    duo = pd.concat(spread, ignore_index=True)
    duo = duo[~duo["quarter"].isin(set(own["quarter"]))][["quarter", "programme_code", "location", "n_students"]]
    counts = pd.concat([own, duo], ignore_index=True)

    # --- quarter spine; open pool registrations run to the agency's last quarter
    agency = pd.concat([_date_qindex(hours["work_date"]), _date_qindex(pool["available_from"]),
                        _date_qindex(pool["available_until"]).dropna()])
    lo = min(agency.min(), _qindex(counts["quarter"]).min())
    agency_hi = agency.max()

    # --- attribution: latest hours line, else latest pool registration overlapping the quarter
    latest_h = (hours.sort_values(["pseudo_id", "quarter", "work_date", "record_id"])
                .groupby(["pseudo_id", "quarter"], as_index=False)
                .agg(programme_code=("programme_code", "last"), location=("location", "last"),
                     net_hours=("hours", "sum")))
    first = _date_qindex(pool["available_from"]).clip(lower=lo).astype(int)
    last = _date_qindex(pool["available_until"]).fillna(agency_hi).clip(upper=agency_hi).astype(int)
    span = (last - first + 1).clip(lower=0).to_numpy()
    rep = pool.loc[pool.index.repeat(span), ["pseudo_id", "programme_code", "location", "available_from"]]
    rep["qi"] = np.repeat(first.to_numpy(), span) + np.concatenate([np.arange(k) for k in span]) if span.sum() else []
    rep["quarter"] = [_qname(i) for i in rep["qi"]]
    latest_p = (rep.sort_values(["pseudo_id", "quarter", "available_from"])
                .groupby(["pseudo_id", "quarter"], as_index=False)
                .agg(programme_code=("programme_code", "last"), location=("location", "last")))
    sq = latest_h.merge(latest_p, on=["pseudo_id", "quarter"], how="outer", suffixes=("", "_pool"), indicator=True)
    sq["is_available"] = sq["_merge"] != "left_only"
    sq["programme_code"] = sq["programme_code"].fillna(sq["programme_code_pool"])
    sq["location"] = sq["location"].fillna(sq["location_pool"])
    sq["net_hours"] = sq["net_hours"].fillna(0)
    sq["has_participated"] = sq["net_hours"] > 0
    attributed = sq.groupby(["quarter", "programme_code", "location"], as_index=False).agg(
        n_available=("is_available", "sum"), n_participated=("has_participated", "sum"),
        hours_total=("net_hours", "sum"))
    pq = counts.merge(attributed, on=["quarter", "programme_code", "location"], how="outer")
    for col in ("n_available", "n_participated", "hours_total"):
        pq[col] = pq[col].fillna(0)
    keys = list(zip(pq["programme_code"], pq["location"]))
    pq["domain"] = [domain_at.get(k, domain_any.get(k[0], "Onbekend")) for k in keys]

    measures = ["n_students", "n_available", "n_participated", "hours_total"]
    levels = []
    for level, cols in (("institution", []), ("location", ["location"]), ("domain", ["domain"])):
        g = pq.groupby(["quarter", *cols], as_index=False)[measures].sum(min_count=1)
        g["n_students"] = pq.groupby(["quarter", *cols])["n_students"].sum(min_count=1).to_numpy()
        g["level"] = level
        g["group_name"] = g[cols[0]] if cols else "all"
        levels.append(g)
    levels.append(pq.assign(level="programme", group_name=pq["programme_code"]))
    part = pd.concat(levels, ignore_index=True)
    base = part["n_students"].astype("Float64")
    for m in ("available", "participated"):
        part[f"pct_{m}"] = (100.0 * part[f"n_{m}"].astype("Float64") / base).where(base.notna() & (base != 0))
    part["suppressed"] = (base < min_cell).fillna(False).astype(bool)

    # --- wellbeing: counted responses, K10 and life satisfaction
    s = read_all(landing_files(landing, "survey"))
    files = landing_files(landing, "survey")
    year_in_name = [int(m.group(1)) if (m := re.search(r"(\d{4})", f.name)) else None for f in files]
    if "survey_year" not in s:
        s["survey_year"] = None
    submitted = pd.to_datetime(s["submitted_at"].str.strip(), format="ISO8601", errors="coerce")
    for fmt in ("%d-%m-%Y %H:%M:%S", "%d-%m-%Y %H:%M"):
        submitted = submitted.fillna(pd.to_datetime(s["submitted_at"].str.strip(), format=fmt, errors="coerce"))
    year = pd.to_numeric(s["survey_year"], errors="coerce")
    year = year.fillna(s["_file_order"].map(lambda i: year_in_name[i])).fillna(submitted.dt.year).astype(int)
    r = pd.DataFrame({"survey_year": year, "response_id": s["response_id"].str.strip(),
                      "pseudo_id": pseudo(s["student_number"]), "submitted_at": submitted,
                      "finished": s["finished"].str.strip().str.lower().isin(TRUE_WORDS),
                      "location": canon(s["location"]), "_file_order": s["_file_order"]})
    codes = {k.lower(): v for k, v in FREQUENCY_5.items()}
    items = pd.DataFrame({f"k10_{i}": s[f"k10_{i}"].str.strip().str.lower().map(codes) for i in range(1, 11)})
    answered = items.notna().sum(axis=1)
    r["k10_score"] = (items.sum(axis=1) * 10 / answered).where(answered >= 8)
    life = pd.to_numeric(s["life_sat"], errors="coerce")
    r["life_sat"] = life.where(life.between(0, 10))
    r = r.sort_values("_file_order").drop_duplicates(["survey_year", "response_id"], keep="last")
    r = r[r["finished"]]
    r = (r.sort_values(["survey_year", "pseudo_id", "submitted_at", "response_id"], na_position="first")
         .drop_duplicates(["survey_year", "pseudo_id"], keep="last"))
    values = {
        "k10_mean": ("mean", r["k10_score"]),
        "k10_high_pct": ("pct", (r["k10_score"] >= 30).astype(float).where(r["k10_score"].notna())),
        "life_sat_mean": ("mean", r["life_sat"].astype(float)),
        "life_sat_7plus_pct": ("pct", (r["life_sat"] >= 7).astype(float).where(r["life_sat"].notna())),
    }
    rows = []
    for indicator, (kind, v) in values.items():
        frame = pd.DataFrame({"survey_year": r["survey_year"], "location": r["location"], "v": v})
        for level, by in (("institution", None), ("location", "location")):
            groups = frame.groupby(["survey_year"] + ([by] if by else []))["v"]
            agg = groups.agg(["count", "mean", "sum"]).reset_index()
            for rec in agg.itertuples(index=False):
                n = int(rec.count)
                value = None if n == 0 else (rec.mean if kind == "mean" else 100 * rec.sum / n)
                rows.append((int(rec.survey_year), level, rec.location if by else "all", indicator, n, value))
    wellbeing = pd.DataFrame(rows, columns=["survey_year", "level", "group_name", "indicator", "n_respondents", "value"])
    return {"participation": part, "wellbeing_indicators": wellbeing}


def main(argv: list[str] | None = None) -> int:
    return baseline_main(run, "pandas", __doc__, argv)


if __name__ == "__main__":
    raise SystemExit(main())

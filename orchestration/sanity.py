"""Sanity table: the institution-wide wellbeing indicators per survey year beside published reference figures.

    python -m orchestration.sanity [WAREHOUSE]      (default: $WB_DATA_DIR/warehouse/wellbeing.duckdb)

Reads `marts.wellbeing_indicators` (level `institution`) read-only and prints, per survey year, each indicator's
value, its value weighted to the enrolled population (docs/weighting.md) and n next to the national student
monitor's figures and the institution's own published SWM figures.
A quick plausibility check for a new survey year or for generated demo data, not a test. Like for like only:
each reference names the instrument of our indicator and of the published figure, and a national range is
judged (inside / outside) only where both are the same instrument with the same cut-off, and on the weighted
value, as the national monitor weights its figures; the others are shown as "not compared".

The reference figures are copied here (with their source) on purpose: the product reads no reference file at
run time. The project's copy of the published figures is `assets/demo/data/published_figures.md`.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import duckdb

#: Where the figures below come from.
SOURCE = ("RIVM / Trimbos / GGD GHOR national student monitor pages (higher-education students) and Inholland's "
          "NPO magazine 'Welzijn en Binding' (Student wellbeing monitor, SWM); copy: "
          "assets/demo/data/published_figures.md")


@dataclass(frozen=True)
class Reference:
    """Published figures for one indicator: {year: value}, in the indicator's unit, and the instruments."""

    label: str
    national: dict[int, float]
    institution: dict[int, float]
    #: how our indicator is measured (the codebook) and how the national figure is
    instrument: str = ""
    national_instrument: str = ""
    #: the same instrument and cut-off: only then is the national range judged (said, never assumed)
    comparable: bool = False
    #: the published figure is the complement of the indicator (BRS: share ≥ 3 vs brs_low_pct = share < 3)
    complement: bool = False


#: indicator -> reference figures (published_figures.md; "~" values are read as the number given). The national
#: monitor's instruments as its indicator descriptions name them (RIVM / Trimbos student monitor).
REFERENCES: dict[str, Reference] = {
    # "psychological complaints | 51 % | 44 %" (national monitor, 2021 | 2023)
    "k10_high_pct": Reference("psychological complaints", {2021: 51, 2023: 44}, {},
                              instrument="K10 (Kessler), band hoog: score >= 30",
                              national_instrument="MHI-5, psychological complaints"),
    # "emotional exhaustion | 68 % | 59 %"
    "ee_high_pct": Reference("emotional exhaustion", {2021: 68, 2023: 59}, {},
                             instrument="student burnout inventory, exhaustion mean >= 3.21",
                             national_instrument="not named with the published figure"),
    # "lonely (any) / strongly lonely | ~79 % / ~25 % | 62 % / 24 %"
    "lonely_pct": Reference("lonely (any)", {2021: 79, 2023: 62}, {},
                            instrument="De Jong Gierveld 6-item, total >= 2",
                            national_instrument="De Jong Gierveld 6-item, total >= 2", comparable=True),
    "lonely_severe_pct": Reference("strongly lonely", {2021: 25, 2023: 24}, {},
                                   instrument="De Jong Gierveld 6-item, total >= 5",
                                   national_instrument="De Jong Gierveld 6-item, total 5-6", comparable=True),
    # "life rating, mean 0–10 | 6.0 | 6.7"; SWM: "2022: 54 % rate their life 7 or higher"
    "life_sat_mean": Reference("life rating, mean 0-10", {2021: 6.0, 2023: 6.7}, {},
                               instrument="life satisfaction, single item 0-10 ladder",
                               national_instrument="life satisfaction, Cantril ladder 0-10", comparable=True),
    "life_sat_7plus_pct": Reference("rate their life 7 or higher", {}, {2022: 54},
                                    instrument="life satisfaction 0-10, share >= 7"),
    # "average-to-high resilience (BRS mean ≥ 3) | – | 54 %"
    "brs_low_pct": Reference("resilience: published as average-to-high (BRS >= 3) 54 %, shown as 100 - that",
                             {2023: 54}, {}, instrument="BRS (Smith et al. 2008), mean < 3",
                             national_instrument="BRS, mean >= 3 (complement)", comparable=True, complement=True),
    # SWM: "2022: ... 30 % considered quitting in the past year"
    "quit_intention_pct": Reference("considered quitting", {}, {2022: 30}, instrument="SWM item quit_intention"),
}
#: SWM: "Respondents: 2021 1,847; 2022 1,462." (compared with n of response_rate_pct: counted respondents)
PUBLISHED_RESPONDENTS = {2021: 1847, 2022: 1462}
#: "inside" the national range with this margin (percentage points; score points for means): the figures are
#: rounded, and a plausibility check should not flag 68.0 against a published 68.
MARGIN = {"pct": 2.0, "mean": 0.2}
#: the codebook's order (swm_codebook.md), then the response rate
ORDER = ["k10_mean", "k10_high_pct", "brs_mean", "brs_low_pct", "lonely_pct", "lonely_severe_pct", "life_sat_mean",
         "life_sat_7plus_pct", "ee_mean", "ee_high_pct", "uwes_mean", "belong_mean", "belong_low_pct", "teacher_mean",
         "teacher_involved_pct", "study_stress_often_pct", "ssc_known_pct", "ssc_used_pct", "quit_intention_pct",
         "support_wanted_pct", "response_rate_pct"]


def _reference_text(reference: Reference | None, year: int) -> tuple[str, str]:
    """(published figures, label): the national range over its years, and the institution's own figures."""
    if reference is None:
        return "", ""
    flip = (lambda v: 100 - v) if reference.complement else (lambda v: v)
    parts = []
    if reference.national and not reference.comparable:
        parts.append(f"national: {reference.national_instrument}")
    elif reference.national:
        values = [flip(v) for v in reference.national.values()]
        years = "/".join(str(y) for y in reference.national)
        low, high = min(values), max(values)
        parts.append(f"national {years}: {low:g}" + (f"-{high:g}" if high != low else ""))
    for published_year, value in reference.institution.items():
        parts.append(f"SWM {published_year}: {flip(value):g}")
    instruments = f"ours: {reference.instrument}" if reference.instrument else ""
    if reference.national and reference.comparable:
        instruments += f"; national: {reference.national_instrument}"
    return "; ".join(parts), reference.label + (f" ({instruments})" if instruments else "")


def wellbeing_sanity_rows(warehouse_path: Path | str) -> list[dict]:
    """The institution's indicator rows per survey year with the reference figures (for the table, and tests)."""
    con = duckdb.connect(str(warehouse_path), read_only=True)
    try:
        exists = con.execute("""SELECT count(*) FROM information_schema.tables
                                WHERE table_schema = 'marts' AND table_name = 'wellbeing_indicators'
                                  AND table_catalog = current_database()""").fetchone()[0]
        if not exists:
            return []
        rows = con.execute("""SELECT survey_year, indicator, n_respondents, value, value_weighted, suppressed
                              FROM marts.wellbeing_indicators WHERE level = 'institution'
                              ORDER BY survey_year, indicator""").fetchall()
    finally:
        con.close()
    result = []
    for survey_year, indicator, n, value, weighted, suppressed in rows:
        published, label = _reference_text(REFERENCES.get(indicator), survey_year)
        if indicator == "response_rate_pct":
            published = "; ".join(f"SWM {y}: n {n:,}" for y, n in PUBLISHED_RESPONDENTS.items())
            label = "respondents (compare with n)"
        inside = ""
        reference = REFERENCES.get(indicator)
        if reference and reference.national and not reference.comparable:
            inside = "not compared"
        elif reference and reference.national and weighted is not None:
            flip = (lambda v: 100 - v) if reference.complement else (lambda v: v)
            values = [flip(v) for v in reference.national.values()]
            margin = MARGIN["pct" if indicator.endswith("_pct") else "mean"]
            inside = "inside" if min(values) - margin <= weighted <= max(values) + margin else "outside"
        result.append({"survey_year": survey_year, "indicator": indicator, "n": n, "value": value,
                       "weighted": weighted, "suppressed": suppressed, "published": published, "label": label,
                       "national_range": inside})
    rank = {name: i for i, name in enumerate(ORDER)}
    return sorted(result, key=lambda r: (r["survey_year"], rank.get(r["indicator"], len(ORDER)), r["indicator"]))


def print_wellbeing_sanity_table(warehouse_path: Path | str, file: TextIO | None = None) -> list[dict]:
    """Print, per survey year, the institution-wide value (unweighted and weighted) and n of each indicator beside
    the published figures."""
    out = file or sys.stdout
    rows = wellbeing_sanity_rows(warehouse_path)
    if not rows:
        print(f"No wellbeing indicators in {warehouse_path} (marts.wellbeing_indicators is missing or empty).", file=out)
        return rows
    print(f"Wellbeing indicators, institution-wide, beside published figures\n  source: {SOURCE}\n"
          f"  vs national: the weighted value inside the national monitor's range ± {MARGIN['pct']:g} points "
          f"(means ± {MARGIN['mean']:g})",
          file=out)
    header = (f"  {'indicator':<24} {'n':>6} {'value':>8} {'weighted':>8}  {'published':<30} {'vs national':<12} "
              "what was published")
    for year in sorted({r["survey_year"] for r in rows}):
        print(f"\nSurvey year {year}", file=out)
        print(header, file=out)
        print("  " + "-" * (len(header) - 2), file=out)
        for r in (r for r in rows if r["survey_year"] == year):
            value, weighted = ("suppr." if r["suppressed"] else ("-" if r[name] is None else f"{r[name]:.1f}")
                               for name in ("value", "weighted"))
            print(f"  {r['indicator']:<24} {r['n']:>6,} {value:>8} {weighted:>8}  {r['published']:<30} "
                  f"{r['national_range']:<12} {r['label']}".rstrip(), file=out)
    return rows


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv:
        path = Path(argv[0])
    else:
        from assets.common.settings import Settings

        path = Settings.from_env().warehouse_path
    if not path.exists():
        print(f"No warehouse at {path}: run `wellbeing materialize` first, or pass the path.", file=sys.stderr)
        return 1
    print_wellbeing_sanity_table(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Small disclosure tables built by hand: cells in the row format of dbt's cells models
(int_participation_cells_unpivoted)."""

from __future__ import annotations

from assets.common.disclosure.decide import CELL_COLUMNS


def participation_rows(period: str, programmes: list[tuple], measure: str = "n_participated") -> list[tuple]:
    """Rows of one quarter's `counts` pattern for a hierarchy built from programme cells
    (code, location, domain, n_students, value): the programmes, their locations and domains, the institution."""
    cells = []
    for code, location, domain, base, value in programmes:
        cells.append(("programme", code, location, domain, base, value))
    for level, key in (("location", 1), ("domain", 2)):
        for group in sorted({p[key] for p in programmes}):
            members = [p for p in programmes if p[key] == group]
            cells.append((level, group, group if level == "location" else None, group if level == "domain" else None,
                          sum(p[3] for p in members), sum(p[4] for p in members)))
    cells.append(("institution", "all", None, None, sum(p[3] for p in programmes), sum(p[4] for p in programmes)))
    return [dict_row(family="participation", period=period, pattern="counts", measure=measure, level=level,
                     group_name=group, location=location, domain=domain, base=base, value=value, unit_low=0,
                     unit_high=1)
            for level, group, location, domain, base, value in cells]


def dict_row(**values) -> tuple:
    values.setdefault("n_contributors", None)
    values.setdefault("largest", None)
    values.setdefault("second_largest", None)
    return tuple(values[c] for c in CELL_COLUMNS)

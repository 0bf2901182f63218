"""A disclosure problem: the cells of one period and pattern, the linear relations between them, and per measure
the cells' values and the bounds an outsider knows.

Cells are totals (counts, sums of scores, sums of hours). A relation says parent = sum of children + remainder;
the remainder is exactly known (its true value) when the children's bases add up to the parent's, and otherwise
hidden within its base × the measure's range per person (e.g. respondents without a gender). An outsider knows
every published cell's value, the bounds of every cell (0 … base for a count; base × the scale's minimum …
maximum for a sum of scores; 0 … ∞ for hours) and all relations: the attacker of Hundepool et al. (2012, ch. 4)
who solves linear programmes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

#: how far published totals may miss adding up (values are rounded to 1e-6 before anything is decided)
ROUNDING = 1e-4


@dataclass(frozen=True)
class Cell:
    """One row of a published table within a period: its place in the hierarchy and its base (None: unknown)."""

    level: str
    group_name: str
    location: str | None = None
    domain: str | None = None
    base: float | None = None
    weight: float | None = None  # the information lost when it is suppressed; default 1 + base


    @property
    def key(self) -> tuple[str, str, str | None]:
        return (self.level, self.group_name, self.location)


@dataclass
class Measure:
    """One measure of every cell, as totals. `value` NaN: no value (no data); `required`: the interval a
    suppressed cell needs; `primary`: the reason a cell is sensitive for this measure, else None."""

    name: str
    value: np.ndarray
    low: np.ndarray
    high: np.ndarray  # may be inf (hours)
    required: np.ndarray
    primary: list[str | None]
    unit_low: float = 0.0  # bounds per person, for hidden remainders
    unit_high: float = 1.0


@dataclass(frozen=True)
class Relation:
    parent: int
    children: tuple[int, ...]
    hidden_base: float = 0.0  # persons in the parent that no child holds (0: the children add up exactly)


@dataclass
class Problem:
    cells: list[Cell]
    relations: list[Relation]
    measures: list[Measure]
    #: cells that may be chosen as complements (not: cells whose values are unknown anyway)
    candidates: np.ndarray = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.candidates is None:
            self.candidates = np.ones(len(self.cells), dtype=bool)

    @property
    def weights(self) -> np.ndarray:
        """The information lost when a cell is suppressed: the persons it describes (+1: every cell counts)."""
        return np.array([c.weight if c.weight is not None else 1.0 + (c.base or 0.0) for c in self.cells])

    def equations(self) -> sparse.csr_matrix:
        """Relations as rows over the cells and one remainder per relation: parent − children − remainder = 0."""
        n, rows, cols, vals = len(self.cells), [], [], []
        for k, relation in enumerate(self.relations):
            rows.append(k), cols.append(relation.parent), vals.append(1.0)
            for child in relation.children:
                rows.append(k), cols.append(child), vals.append(-1.0)
            rows.append(k), cols.append(n + k), vals.append(-1.0)
        return sparse.csr_matrix((vals, (rows, cols)), shape=(len(self.relations), n + len(self.relations)))

    def remainders(self, measure: Measure) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per relation: the remainder's true value (from every cell's value; only protect() knows them) and the
        bounds an outsider knows: 0 (within rounding) when the children add up, else the hidden persons' range."""
        value = np.nan_to_num(measure.value)
        true, low, high = [], [], []
        for relation in self.relations:
            true.append(value[relation.parent] - sum(value[c] for c in relation.children))
            if relation.hidden_base > 0:
                low.append(relation.hidden_base * measure.unit_low)
                high.append(relation.hidden_base * measure.unit_high)
            else:
                low.append(-ROUNDING), high.append(ROUNDING)
        return np.array(true), np.array(low), np.array(high)


def hierarchy_relations(cells: list[Cell]) -> list[Relation]:
    """The additive relations between the published rows of one period.

    A location = its programme rows; a domain = its programme rows; the institution = its locations = its
    domains; the institution = its gender groups, and = its participants + non-participants (`comparison`); a
    domain = its participants + non-participants (`comparison_domain`, group_name `<group>:<domain>`), and the
    institution's participants (non-participants) = theirs over the domains. A target group = its rows per
    location (`group_location`) = its rows per domain (`group_domain`, group_name `<group>|<domain>`). The target
    groups first-year, international and first-generation have no published complement: no relation with the
    institution, its locations or domains. A relation whose children's bases add up to less than the parent's
    has a hidden remainder."""
    index = {cell.key: i for i, cell in enumerate(cells)}
    by_level: dict[str, list[int]] = {}
    for i, cell in enumerate(cells):
        by_level.setdefault(cell.level, []).append(i)
    institution = by_level.get("institution", [])
    programmes = by_level.get("programme", [])
    groups: list[tuple[int | None, list[int]]] = []
    for i in by_level.get("location", []):
        groups.append((i, [p for p in programmes if cells[p].location == cells[i].location]))
    per_domain = by_level.get("comparison_domain", [])
    for i in by_level.get("domain", []):
        groups.append((i, [p for p in programmes if cells[p].domain == cells[i].group_name]))
        groups.append((i, [c for c in per_domain if cells[c].domain == cells[i].group_name]))
    for i in by_level.get("comparison", []):
        prefix = cells[i].group_name + ":"
        groups.append((i, [c for c in per_domain if cells[c].group_name.startswith(prefix)]))
    per_location, per_group_domain = by_level.get("group_location", []), by_level.get("group_domain", [])
    for i in by_level.get("group", []):
        name = cells[i].group_name
        groups.append((i, [c for c in per_location if cells[c].group_name == name]))
        groups.append((i, [c for c in per_group_domain if cells[c].group_name.split("|")[0] == name]))
    if institution:
        top = institution[0]
        for level in ("location", "domain"):
            groups.append((top, by_level.get(level, [])))
        groups.append((top, [i for i in by_level.get("group", []) if cells[i].group_name.startswith("gender:")]))
        groups.append((top, by_level.get("comparison", [])))
    relations = []
    for parent, children in groups:
        if parent is None or not children:
            continue
        bases = [cells[c].base for c in children]
        hidden = 0.0
        if cells[parent].base is not None and all(b is not None for b in bases):
            hidden = max(0.0, float(cells[parent].base) - float(sum(bases)))
        relations.append(Relation(parent, tuple(children), hidden))
    assert len(index) == len(cells), "cells must be unique per (level, group_name, location)"
    return relations

"""The disclosure rules: which cells are sensitive (primary) and how much protection every suppressed cell needs.

A cell is one published value derived from individuals, expressed as a total (a count of students, a sum of
respondents' scores, a sum of hours), so that the published tables are linear relations between cells.

- Frequencies (counts, percentages and means of respondents): a base below `min_cell` is sensitive
  (`small_base`); an unknown base is not small, it is unknown (`no_count`, handled by the caller).
- Magnitudes (sums of individuals' values such as hours): fewer than `min_contributors` contributors
  (`few_contributors`), or the p %-rule: the contributions other than the two largest add up to less than p % of
  the largest (`dominance`), so the second-largest contributor could estimate the largest to within p %.

Protection: the values of a suppressed cell that are consistent with everything published form an interval; it
must be at least `protection` × the cell's range wide for a frequency cell (range: its base, or its base ×
the scale's range for a sum of scores, i.e. `protection` of the scale for the mean), at least p % of the
largest contribution for a magnitude cell, and never a single value for any suppressed cell.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

#: reasons a value is not published, in the marts' `suppression_reason`
SMALL_BASE = "small_base"
COMPLEMENTARY = "complementary"
FEW_CONTRIBUTORS = "few_contributors"
DOMINANCE = "dominance"
NO_COUNT = "no_count"
NO_DATA = "no_data"

#: below this width (in a cell's own units: persons, score points, hours) an interval counts as a single value
#: (well above what the rounding tolerance of the relations can add up to: tables.ROUNDING per relation)
EXACT = 1e-2


@dataclass(frozen=True)
class DisclosureRules:
    """The configurable parameters (environment: WB_MIN_CELL, WB_PROTECTION_LEVEL, WB_MIN_CONTRIBUTORS,
    WB_DOMINANCE_P)."""

    min_cell: int = 10
    protection: float = 0.10
    min_contributors: int = 3
    dominance_p: float = 10.0

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> "DisclosureRules":
        env = os.environ if environ is None else environ
        try:
            rules = cls(min_cell=int(env.get("WB_MIN_CELL", "10")),
                        protection=float(env.get("WB_PROTECTION_LEVEL", "0.10")),
                        min_contributors=int(env.get("WB_MIN_CONTRIBUTORS", "3")),
                        dominance_p=float(env.get("WB_DOMINANCE_P", "10")))
        except ValueError as exc:
            raise ValueError(f"disclosure settings must be numbers: {exc}") from exc
        if rules.min_cell < 1 or not 0 < rules.protection < 1 or rules.min_contributors < 1 or rules.dominance_p <= 0:
            raise ValueError("WB_MIN_CELL ≥ 1, 0 < WB_PROTECTION_LEVEL < 1, WB_MIN_CONTRIBUTORS ≥ 1 and "
                             "WB_DOMINANCE_P > 0 are required")
        return rules

    def frequency_primary(self, base: float | None, active: bool = True) -> str | None:
        """The primary reason of a frequency cell with this base count (None: not sensitive, or unknown).
        `active`: the cell holds anyone (a base of 0 without activity has no data, and nothing to protect)."""
        if base is None:
            return None  # unknown is not small
        if base <= 0 and not active:
            return NO_DATA
        return SMALL_BASE if base < self.min_cell else None

    def magnitude_primary(self, contributors: int, largest: float, second: float, total: float) -> str | None:
        """The primary reason of a magnitude cell (None: not sensitive)."""
        if contributors <= 0:
            return None
        if contributors < self.min_contributors:
            return FEW_CONTRIBUTORS
        if total - largest - second < self.dominance_p / 100 * largest:
            return DOMINANCE
        return None

    def frequency_required(self, low: float, high: float) -> float:
        """The interval a sensitive frequency cell needs, in its own units (its range: low … high; a cell that
        can hold one value only has nothing to hide)."""
        return max(self.protection * (high - low), EXACT) if high > low else 0.0

    def magnitude_required(self, largest: float) -> float:
        """The interval a sensitive magnitude cell needs: p % of its largest contribution."""
        return max(self.dominance_p / 100 * abs(largest), EXACT)

"""The survey's questionnaire per year (config: `survey_questionnaires.yml`, shipped defaults plus the data
engineer's `$WB_DATA_DIR/config/survey_questionnaires.yml`): which scales and items a year did not ask, and
answer wordings beyond the codebook's. `survey_spec` turns them into the survey's validation rules."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from assets.common.settings import Settings
from expectations.specs import RowRule, SourceSpec
from expectations.survey_codebook import PART_A_SCALES, PART_A_SINGLE, PART_B_ITEMS, SURVEY_RESPONSES

DEFAULTS = Path(__file__).with_name("survey_questionnaires.yml")
#: the file in the data directory that adds to the defaults
OVERRIDE = Path("config") / "survey_questionnaires.yml"


@dataclass(frozen=True)
class Questionnaires:
    """Per survey year the item columns it did not ask; per item column extra answer wordings → codes."""

    not_asked: dict[int, tuple[str, ...]] = field(default_factory=dict)
    answer_labels: dict[str, dict[str, int]] = field(default_factory=dict)


def item_columns(name: str) -> tuple[str, ...]:
    """A scale's item columns (`djg` → djg_1 … djg_6), or the single item itself."""
    if name in PART_A_SCALES:
        return tuple(f"{name}_{i}" for i in range(1, PART_A_SCALES[name][0] + 1))
    if name in PART_A_SINGLE or name in PART_B_ITEMS:
        return (name,)
    raise ValueError(f"survey_questionnaires.yml names {name!r}, which is no scale or item of the codebook")


def parse(*documents: dict) -> Questionnaires:
    """Later documents win per survey year (not_asked) and per item wording (answer_labels)."""
    not_asked: dict[int, tuple[str, ...]] = {}
    labels: dict[str, dict[str, int]] = {}
    for document in documents:
        for year, names in (document.get("not_asked") or {}).items():
            not_asked[int(year)] = tuple(c for name in names or () for c in item_columns(str(name)))
        for name, wordings in (document.get("answer_labels") or {}).items():
            for column in item_columns(str(name)):
                labels.setdefault(column, {}).update({str(k).strip().lower(): int(v)
                                                      for k, v in (wordings or {}).items()})
    return Questionnaires(not_asked, labels)


def load(settings: Settings | None = None) -> Questionnaires:
    """The shipped questionnaires, with the data directory's additions."""
    paths = [DEFAULTS] + ([settings.data_dir / OVERRIDE] if settings is not None else [])
    return parse(*(yaml.safe_load(p.read_text(encoding="utf-8")) or {} for p in paths if p.is_file()))


def survey_spec(questionnaires: Questionnaires) -> SourceSpec:
    """The survey's spec for these questionnaires: extra answer wordings accepted; per scale, answers in a year
    that did not ask it refused; a file without a scale's columns accepted only for rows of years that did not
    ask it."""
    columns = tuple(dataclasses.replace(c, answers={**c.answers, **questionnaires.answer_labels[c.name]})
                    if c.name in questionnaires.answer_labels else c for c in SURVEY_RESPONSES.columns)
    rules = list(SURVEY_RESPONSES.row_rules)
    for name, items, part_a in _groups():
        years = sorted(y for y, absent in questionnaires.not_asked.items() if set(items) <= set(absent))
        listed = ", ".join(map(str, years))
        not_asked_year = f"survey_year IN ({listed})" if years else "FALSE"
        if years:
            empty = " AND ".join(f"{item} IS NULL" for item in items)
            rules.append(RowRule(f"{name}_not_asked_is_empty", f"NOT ({not_asked_year}) OR ({empty})",
                                 ("survey_year", *items),
                                 f"answers to {name}, which the questionnaire of {listed} did not ask "
                                 "(survey_questionnaires.yml)"))
        if part_a:  # part B is optional in every year
            rules.append(RowRule(f"{name}_delivered", not_asked_year, ("survey_year",),
                                 f"the file has no {name} column(s), which this survey year's questionnaire asks: "
                                 "map a renamed column in column_mapping.yml, or list the year under not_asked in "
                                 "survey_questionnaires.yml", when_absent=items))
    return dataclasses.replace(SURVEY_RESPONSES, columns=columns, row_rules=tuple(rules))


def _groups() -> list[tuple[str, tuple[str, ...], bool]]:
    """Every scale (its item columns together) and single item of the codebook, and whether it is part A."""
    return ([(prefix, item_columns(prefix), True) for prefix in PART_A_SCALES]
            + [(item, (item,), True) for item in PART_A_SINGLE]
            + [(item, (item,), False) for item in PART_B_ITEMS])

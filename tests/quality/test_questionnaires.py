"""Questionnaire versions (expectations/survey_questionnaires.yml, docs/survey-codebook.md): a year's export holds
the items its questionnaire asked. An item not asked may be missing and must be empty; a file without an item
that its year asked is refused, naming the item; answer wordings beyond the codebook's are configuration. The
bulk SQL checks and the GX suite agree on every case."""

from __future__ import annotations

import duckdb
import pytest

from assets.common.landing_files import read_landing_file
from expectations import questionnaires
from expectations.survey_codebook import PART_A_ITEMS
from expectations.validate import validate
from tests.landing_zones import write
from quality_corpus import TODAY

DJG = [f"djg_{i}" for i in range(1, 7)]
#: Inholland's questionnaires: 2021 did not ask loneliness (DJG) or the intention to quit
SHIPPED = questionnaires.load()


def _file(tmp_path, year: int, items: list[str], **answers: str):
    """A survey export of `year` (in the name) with two finished responses answering `items` with 1."""
    header = ["response_id", "student_number", "started_at", "submitted_at", "finished", "programme_code",
              "location", *items]
    rows = [[rid, number, f"{year}-05-01 10:00", f"{year}-05-01 10:20", "1", "34116", "Haarlem",
             *(answers.get(i, "1") for i in items)] for rid, number in (("R1", "612345"), ("R2", "700001"))]
    return write(tmp_path / f"swm_{year}.csv", "\n".join(",".join(r) for r in [header, *rows]) + "\n")


def _validate(path, spec):
    con = duckdb.connect()
    table = read_landing_file(path, con, "survey")
    derived = {"survey_year": f"COALESCE({path.stem[-4:]}, year(submitted_at))"}
    sql = validate(table, spec, today=TODAY, suite=False, derived=derived)
    gx = validate(table, spec, today=TODAY, derived=derived)
    assert sql.ok == gx.suite.success, (sql.summary(), gx.suite_lines)
    return sql


def test_the_shipped_questionnaires():
    assert SHIPPED.not_asked == {2021: (*DJG, "quit_intention")}
    assert SHIPPED.answer_labels == {}


def test_a_year_loads_without_the_items_it_did_not_ask(tmp_path):
    spec = questionnaires.survey_spec(SHIPPED)
    without = [i for i in PART_A_ITEMS if i not in DJG]
    assert _validate(_file(tmp_path, 2021, without), spec).ok


def test_a_year_that_asked_an_item_refuses_a_file_without_it(tmp_path):
    spec = questionnaires.survey_spec(SHIPPED)
    without = [i for i in PART_A_ITEMS if i not in DJG]
    result = _validate(_file(tmp_path, 2022, without), spec)
    assert not result.ok
    assert "the file has no djg column(s), which this survey year's questionnaire asks" in result.summary()
    assert {column for column, _rule in result.counts} == {"survey_year"}


def test_one_renamed_item_of_an_asked_scale_is_refused(tmp_path):
    spec = questionnaires.survey_spec(SHIPPED)
    result = _validate(_file(tmp_path, 2022, [i for i in PART_A_ITEMS if i != "k10_3"]), spec)
    assert "the file has no k10 column(s)" in result.summary()


def test_answers_to_an_item_not_asked_are_refused(tmp_path):
    spec = questionnaires.survey_spec(SHIPPED)
    result = _validate(_file(tmp_path, 2021, PART_A_ITEMS), spec)
    assert not result.ok
    assert "answers to djg, which the questionnaire of 2021 did not ask" in result.summary()
    # the same file with the DJG columns present but empty is 2021 as it was
    assert _validate(_file(tmp_path, 2021, PART_A_ITEMS, **{i: "" for i in DJG}), spec).ok


def test_answer_wordings_are_configuration(tmp_path):
    path = _file(tmp_path, 2024, PART_A_ITEMS, k10_1="Bijna nooit")
    assert not _validate(path, questionnaires.survey_spec(SHIPPED)).ok
    worded = questionnaires.parse({"answer_labels": {"k10": {"bijna nooit": 2}}})
    spec = questionnaires.survey_spec(worded)
    assert spec.column("k10_1").answers["bijna nooit"] == 2 and spec.column("k10_10").answers["nooit"] == 1
    assert _validate(path, spec).ok


def test_a_questionnaire_naming_no_codebook_item_is_refused():
    with pytest.raises(ValueError, match="no scale or item of the codebook"):
        questionnaires.parse({"not_asked": {2020: ["lonelyness"]}})


def test_the_data_directory_adds_to_the_shipped_questionnaires(tmp_path):
    from assets.common.settings import Settings

    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "survey_questionnaires.yml").write_text("not_asked:\n  2020: [k10, uwes]\n",
                                                                   encoding="utf-8")
    loaded = questionnaires.load(Settings.from_env({"WB_DATA_DIR": str(tmp_path)}))
    assert loaded.not_asked[2021] == SHIPPED.not_asked[2021]
    assert loaded.not_asked[2020] == (*(f"k10_{i}" for i in range(1, 11)), *(f"uwes_{i}" for i in range(1, 10)))

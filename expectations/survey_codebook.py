"""The SWM codebook's items and answers (docs/survey-codebook.md) as validation rules.

Answers arrive as numeric codes or as the Dutch labels; both map onto the code stored in
`raw.survey_responses` (DJG-6: 1 ja, 2 min of meer, 3 nee; part B: 1 ja, 0 nee). Scoring itself lives in
dbt (`dbt_project/macros/scoring/`), one macro per scale.
"""

from __future__ import annotations

from expectations.specs import ANSWER, BOOLEAN, INTEGER, STUDENT_NUMBER, TEXT, TIMESTAMP, Column, RowRule, SourceSpec


def _scale(labels: list[str], first: int) -> dict[str, int]:
    """Codes `first…` with their labels; both the number and the label are accepted."""
    answers: dict[str, int] = {}
    for offset, label in enumerate(labels):
        code = first + offset
        answers[str(code)] = code
        if label:
            answers[label] = code
    return answers


FREQUENCY_5 = _scale(["nooit", "af en toe", "soms", "meestal", "altijd"], 1)                      # K10
AGREE_5 = _scale(["helemaal oneens", "oneens", "neutraal", "eens", "helemaal eens"], 1)           # BRS, belonging, teacher
DJG_3 = _scale(["ja", "min of meer", "nee"], 1)
LADDER_0_10 = _scale([""] * 11, 0)
EXHAUSTION_7 = _scale(["nooit", "een paar keer per jaar", "maandelijks", "een paar keer per maand", "wekelijks",
                       "een paar keer per week", "elke dag"], 1)
UWES_7 = _scale(["nooit", "bijna nooit", "af en toe", "regelmatig", "dikwijls", "zeer dikwijls", "altijd"], 0)
STRESS_5 = _scale(["nooit", "zelden", "soms", "vaak", "altijd"], 1)
YES_NO = {"ja": 1, "nee": 0, "1": 1, "0": 0, "yes": 1, "no": 0}

#: scale prefix -> (number of items, answers)
PART_A_SCALES: dict[str, tuple[int, dict[str, int]]] = {
    "k10": (10, FREQUENCY_5),
    "brs": (6, AGREE_5),
    "djg": (6, DJG_3),
    "ee": (5, EXHAUSTION_7),
    "uwes": (9, UWES_7),
    "belong": (4, AGREE_5),
    "teacher": (3, AGREE_5),
}
PART_A_SINGLE: dict[str, dict[str, int]] = {"life_sat": LADDER_0_10, "study_stress": STRESS_5}
PART_B_ITEMS = ("ssc_known", "ssc_used", "quit_intention", "support_wanted")

PART_A_ITEMS: tuple[str, ...] = tuple(
    [f"{prefix}_{i}" for prefix, (n, _a) in PART_A_SCALES.items() for i in range(1, n + 1)]
    + list(PART_A_SINGLE)
)

BACKGROUND = {
    "study_year": {"1": 1, "2": 2, "3": 3, "4+": 4, "4": 4},
    "gender": {"man": 1, "vrouw": 2, "anders": 3, "zeg ik liever niet": 4},
}
GENDER_LABELS = {1: "man", 2: "vrouw", 3: "anders", 4: "zeg ik liever niet"}


def _item_columns() -> list[Column]:
    cols = []
    # part A columns may be missing from a year whose questionnaire did not ask them: the rules of
    # expectations/questionnaires.py (survey_spec) refuse a file without them for the other years
    for prefix, (n, answers) in PART_A_SCALES.items():
        cols += [Column(f"{prefix}_{i}", ANSWER, required=False, nullable=True, answers=answers,
                        protects=f"{prefix.upper()} item {i}: only the codebook's answers are scored")
                 for i in range(1, n + 1)]
    for item, answers in PART_A_SINGLE.items():
        cols.append(Column(item, ANSWER, required=False, nullable=True, answers=answers,
                           protects=f"{item}: codebook answers"))
    for item in PART_B_ITEMS:
        cols.append(Column(item, ANSWER, required=False, nullable=True, answers=YES_NO,
                           protects=f"part B {item}: ja/nee"))
    return cols


SURVEY_RESPONSES = SourceSpec(
    name="survey_responses",
    landing_subdir="survey",
    description=("Studentenwelzijnsmonitor responses: one row per response, part A items as the year's "
                 "questionnaire asked them, part B optional."),
    columns=(
        Column("survey_year", INTEGER, required=False, nullable=True, minimum=2000, maximum=2100,
               protects="the survey year (else from the file name, else from submitted_at)"),
        Column("response_id", TEXT, protects="natural key with the survey year"),
        Column("student_number", STUDENT_NUMBER, protects="links feedback and participation; pseudonymised"),
        Column("started_at", TIMESTAMP, nullable=True, protects="when the response started"),
        Column("submitted_at", TIMESTAMP, nullable=True, protects="the last finished response of a student counts"),
        Column("finished", BOOLEAN, protects="only finished responses count"),
        Column("programme_code", TEXT, protects="results per programme"),
        Column("location", TEXT, protects="results per campus"),
        Column("study_year", ANSWER, required=False, nullable=True, answers=BACKGROUND["study_year"],
               protects="first-year students are a target group"),
        Column("gender", ANSWER, required=False, nullable=True, answers=BACKGROUND["gender"],
               protects="results per gender"),
        Column("international", ANSWER, required=False, nullable=True, answers=YES_NO,
               protects="international students are a target group"),
        Column("first_generation", ANSWER, required=False, nullable=True, answers=YES_NO,
               protects="first-generation students are a target group"),
        *_item_columns(),
    ),
    key=("survey_year", "response_id"),
    row_rules=(
        RowRule("finished_has_submitted_at", "NOT finished OR submitted_at IS NOT NULL",
                ("finished", "submitted_at"), "a finished response without submitted_at"),
        RowRule("survey_year_known", "survey_year IS NOT NULL", ("survey_year",),
                "no survey year: no survey_year column, no year in the file name and no submitted_at"),
    ),
)

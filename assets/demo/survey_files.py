"""Survey exports, one file per year, each in the dialect the survey platform of that year produced.

| year | file | dialect |
|---|---|---|
| 2021 | `swm_2021.csv` | `;`, BOM, CRLF, no `survey_year` column (only in the name), `DD-MM-YYYY HH:MM`, Dutch answer labels where the codebook lists them, student numbers with leading zeros |
| 2022 | `swm_2022_qualtrics.csv` | Qualtrics: `,`, all fields quoted, BOM, two extra header rows (question text, `{"ImportId":…}`), ISO timestamps, numeric codes |
| 2023 | `swm_2023.xlsx` | workbook: real date-time cells, numeric codes except DJG and part B as labels |
| 2024 | `swm_2024.csv` | `,`, ISO 8601 `T` timestamps, numeric codes, `finished` as true/false |

Part B is `ja`/`nee` in every file (the codebook lists no codes for it). Each file holds the items its year's
questionnaire asked (expectations/survey_questionnaires.yml: 2021 has no loneliness and no intention to quit).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from expectations.questionnaires import load as load_questionnaires

from . import survey_scoring as sc
from .dates import delivery_time
from .population import GENDERS, Population
from .sampling import rng_for
from .survey import FIELDWORK_DAYS, FIELDWORK_START, SURVEY_YEARS, year_responses
from .writers import Column, write_csv, write_xlsx, zero_pad

__all__ = ["SURVEY_YEARS", "write_survey_year"]

K10_LABELS = {1: "nooit", 2: "af en toe", 3: "soms", 4: "meestal", 5: "altijd"}
EE_LABELS = {1: "nooit", 2: "een paar keer per jaar", 3: "maandelijks", 4: "een paar keer per maand", 5: "wekelijks",
             6: "een paar keer per week", 7: "elke dag"}
STRESS_LABELS = {1: "nooit", 2: "zelden", 3: "soms", 4: "vaak", 5: "altijd"}
DJG_LABELS = {1: "ja", 2: "min of meer", 3: "nee"}
YES_NO = {1: "ja", 0: "nee"}

META = ("response_id", "survey_year", "student_number", "started_at", "submitted_at", "finished", "programme_code",
        "location", "study_year", "gender", "international", "first_generation")

_K10_Q = ("vermoeid zonder duidelijke reden", "zenuwachtig", "zo zenuwachtig dat je niet tot rust kon komen", "hopeloos",
          "rusteloos of ongedurig", "zo rusteloos dat je niet stil kon zitten", "somber of depressief",
          "dat alles veel moeite kostte", "zo somber dat niets hielp om je op te vrolijken",
          "afkeurenswaardig, minderwaardig of waardeloos")
_BRS_Q = ("Ik heb de neiging om snel te herstellen na moeilijke tijden",
          "Ik vind het moeilijk om stressvolle gebeurtenissen door te komen",
          "Het kost me niet veel tijd om te herstellen van een stressvolle gebeurtenis",
          "Het is moeilijk voor me om terug te veren als er iets ergs gebeurt",
          "Ik kom moeilijke tijden meestal zonder veel problemen door",
          "Ik doe meestal lang over het verwerken van tegenslagen")
_DJG_Q = ("Ik ervaar een leegte om me heen", "Er zijn genoeg mensen op wie ik in geval van narigheid kan terugvallen",
          "Ik ken veel mensen op wie ik volledig kan vertrouwen", "Ik mis mensen om me heen",
          "Er zijn voldoende mensen met wie ik me nauw verbonden voel", "Vaak voel ik me in de steek gelaten")
_EE_Q = ("Ik voel me mentaal uitgeput door mijn studie", "Ik voel me 'op' aan het eind van een studiedag",
         "Ik voel me moe als ik 's morgens opsta en er weer een studiedag voor me ligt",
         "Studeren of colleges volgen is echt een zware belasting voor mij", "Ik voel me opgebrand door mijn studie")
_UWES_Q = ("Als ik studeer, bruis ik van energie", "Als ik studeer, voel ik me fit en sterk", "Ik ben enthousiast over mijn studie",
           "Mijn studie inspireert mij", "Als ik 's morgens opsta, heb ik zin om te gaan studeren",
           "Wanneer ik intensief studeer, voel ik mij gelukkig", "Ik ben trots op mijn studie", "Ik ga helemaal op in mijn studie",
           "Wanneer ik studeer, vergeet ik alles om mij heen")
_BELONG_Q = ("Ik voel me thuis bij mijn opleiding", "Ik heb het gevoel dat ik erbij hoor op Inholland",
             "Medestudenten accepteren mij zoals ik ben", "Ik voel me vaak een buitenstaander in mijn opleiding")
_TEACHER_Q = ("Docenten zijn betrokken bij mij als student", "Docenten weten wie ik ben",
              "Ik kan bij docenten terecht als ik ergens mee zit")


def _qualtrics_headers(columns: list[str]) -> tuple[list[str], list[str]]:
    """Question text and import-id rows of a Qualtrics export for these columns."""
    text = {
        "response_id": "Response ID", "survey_year": "Enquêtejaar", "student_number": "Studentnummer",
        "started_at": "Start Date", "submitted_at": "End Date", "finished": "Finished",
        "programme_code": "Opleidingscode (CROHO)", "location": "Locatie", "study_year": "In welk studiejaar zit je?",
        "gender": "Wat is je gender?", "international": "Ben je een internationale student?",
        "first_generation": "Ben je de eerste in je familie die in het hoger onderwijs studeert?",
        "life_sat": "Welk rapportcijfer geef je je leven op dit moment? (0 = zeer ontevreden, 10 = zeer tevreden)",
        "study_stress": "Hoe vaak ervaar je stress door je studie?",
        "ssc_known": "Ken je het Studentsucces Centrum (SSC)?",
        "ssc_used": "Heb je dit studiejaar gebruikgemaakt van het Studentsucces Centrum?",
        "quit_intention": "Heb je er het afgelopen jaar over gedacht om met je opleiding te stoppen?",
        "support_wanted": "Zou je ondersteuning willen bij je welzijn?",
    }
    stems = {
        "k10": ("In de afgelopen 4 weken, hoe vaak voelde je je ...", _K10_Q),
        "brs": ("In hoeverre ben je het eens met de volgende uitspraken?", _BRS_Q),
        "djg": ("Geef aan in hoeverre de volgende uitspraken op jou van toepassing zijn.", _DJG_Q),
        "ee": ("Hoe vaak heb je de volgende gevoelens over je studie?", _EE_Q),
        "uwes": ("De volgende uitspraken gaan over hoe je je voelt bij je studie.", _UWES_Q),
        "belong": ("In hoeverre ben je het eens met de volgende uitspraken?", _BELONG_Q),
        "teacher": ("In hoeverre ben je het eens met de volgende uitspraken over je docenten?", _TEACHER_Q),
    }
    qid = {"k10": 4, "brs": 5, "djg": 6, "life_sat": 7, "ee": 8, "uwes": 9, "belong": 10, "teacher": 11,
           "study_stress": 12, "ssc_known": 14, "ssc_used": 15, "quit_intention": 16, "support_wanted": 17}
    meta_ids = {"response_id": '{"ImportId":"_recordId"}',
                "started_at": '{"ImportId":"startDate","timeZone":"Europe/Amsterdam"}',
                "submitted_at": '{"ImportId":"endDate","timeZone":"Europe/Amsterdam"}',
                "finished": '{"ImportId":"finished"}'}
    embedded = {"survey_year", "student_number", "programme_code", "location"}
    background_qid = {"study_year": 1, "gender": 2, "international": 3, "first_generation": 13}
    questions, ids = [], []
    for c in columns:
        prefix, _, number = c.rpartition("_")
        if prefix in stems and number.isdigit():
            stem, items = stems[prefix]
            questions.append(f"{stem} - {items[int(number) - 1]}")
            ids.append(json.dumps({"ImportId": f"QID{qid[prefix]}_{number}"}, separators=(",", ":")))
            continue
        questions.append(text[c])
        if c in meta_ids:
            ids.append(meta_ids[c])
        elif c in embedded:
            ids.append(json.dumps({"ImportId": c}, separators=(",", ":")))
        else:
            q = qid.get(c, background_qid.get(c))
            ids.append(json.dumps({"ImportId": f"QID{q}"}, separators=(",", ":")))
    return questions, ids


def _codes(values: np.ndarray) -> np.ndarray:
    """Numeric codes as text, empty when unanswered."""
    out = np.full(len(values), "", dtype=object)
    ok = ~np.isnan(values)
    out[ok] = values[ok].astype(np.int64).astype(str)
    return out


def _labels(values: np.ndarray, labels: dict[int, str]) -> np.ndarray:
    out = np.full(len(values), "", dtype=object)
    ok = ~np.isnan(values)
    out[ok] = [labels[int(v)] for v in values[ok]]
    return out


def _item_text(item: str, values: np.ndarray, labelled: set[str]) -> np.ndarray:
    if item in sc.PART_B:
        return _labels(values, YES_NO)
    prefix = item.rsplit("_", 1)[0] if item[-1].isdigit() else item
    if prefix in labelled:
        table = {"k10": K10_LABELS, "ee": EE_LABELS, "study_stress": STRESS_LABELS, "djg": DJG_LABELS}[prefix]
        return _labels(values, table)
    return _codes(values)


def _response_ids(year: int, n: int, seed: int) -> np.ndarray:
    if year == 2022:  # Qualtrics: R_ + 15 characters
        rng = rng_for(seed, "qualtrics-ids")
        alphabet = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"))
        chars = alphabet[rng.integers(0, len(alphabet), (n, 15))]
        ids = np.char.add("R_", np.array(["".join(row) for row in chars]))
        if len(set(ids.tolist())) != n:  # pragma: no cover - 62^15 possibilities
            raise RuntimeError("duplicate Qualtrics response id")
        return ids
    return np.array([f"SWM{year % 100}-{i:05d}" for i in range(1, n + 1)], dtype=object)


def write_survey_year(pop: Population, year: int, worked: dict[int, np.ndarray], out_dir: Path, scale: float, seed: int) -> tuple[Path, int]:
    r = year_responses(pop, year, worked[year], scale, seed)
    meta, answers = r.meta, r.answers
    # the year's questionnaire as it was: items it did not ask are not in its export
    not_asked = load_questionnaires().not_asked.get(year, ())
    asked = [item for item in sc.ITEMS if item not in not_asked]
    n = len(meta)
    cells = pop.cells
    cell = meta["cell"].to_numpy()
    background = {
        "programme_code": cells["programme_code"].to_numpy()[cell],
        "location": cells["location"].to_numpy()[cell],
        "study_year": np.array(["1", "2", "3", "4+"], dtype=object)[meta["study_year"].to_numpy() - 1],
        "gender": np.array(GENDERS, dtype=object)[meta["gender"].to_numpy()],
        "international": np.where(meta["international"], "ja", "nee"),
        "first_generation": np.where(meta["first_generation"], "ja", "nee"),
    }
    number = pop.number[meta["student"].to_numpy()]
    response_id = _response_ids(year, n, seed)
    started = meta["started_at"].to_numpy().astype("datetime64[s]")
    submitted = meta["submitted_at"].to_numpy().astype("datetime64[s]")
    finished = meta["finished"].to_numpy()
    folder = out_dir / "survey"
    end = np.datetime64(FIELDWORK_START[year]) + np.timedelta64(FIELDWORK_DAYS, "D")
    delivered = delivery_time(seed, "survey", end.astype(object), 7, 16)

    if year == 2023:
        columns = [
            Column("response_id", response_id),
            Column("survey_year", np.full(n, year), "int"),
            Column("student_number", number, "int"),
            Column("started_at", started, "datetime"),
            Column("submitted_at", submitted, "datetime"),
            Column("finished", finished.astype(int), "int"),
        ] + [Column(k, v) for k, v in background.items()]
        for item in asked:
            values = answers[item].to_numpy()
            if item in sc.PART_B or item.startswith("djg_"):
                columns.append(Column(item, _item_text(item, values, {"djg"})))
            else:
                columns.append(Column(item, values, "int"))
        path = folder / "swm_2023.xlsx"
        return path, write_xlsx(path, columns, delivered=delivered, sheet="SWM 2023")

    if year == 2021:
        ts = "%d-%m-%Y %H:%M"
        labelled = {"k10", "ee", "study_stress", "djg"}
        student_text = zero_pad(number, 7)
        finished_text = np.where(finished, "1", "0")
    elif year == 2022:
        ts = "%Y-%m-%d %H:%M:%S"
        labelled = set()
        student_text = number.astype(str)
        finished_text = np.where(finished, "1", "0")
    else:
        ts = "%Y-%m-%dT%H:%M:%S"
        labelled = set()
        student_text = number.astype(str)
        finished_text = np.where(finished, "true", "false")
    table = pd.DataFrame(
        {
            "response_id": response_id,
            "survey_year": str(year),
            "student_number": student_text,
            "started_at": pd.DatetimeIndex(started).strftime(ts),
            "submitted_at": pd.DatetimeIndex(submitted).strftime(ts),
            "finished": finished_text,
            **background,
            **{item: _item_text(item, answers[item].to_numpy(), labelled) for item in asked},
        }
    )
    if year == 2021:  # the year is only in the file name
        path = folder / "swm_2021.csv"
        return path, write_csv(path, table.drop(columns="survey_year"), sep=";", delivered=delivered, bom=True, crlf=True)
    if year == 2022:
        path = folder / "swm_2022_qualtrics.csv"
        questions, ids = _qualtrics_headers(list(table.columns))
        return path, write_csv(path, table, sep=",", delivered=delivered, bom=True, crlf=True, quote_all=True,
                               extra_header_rows=[questions, ids])
    path = folder / f"swm_{year}.csv"
    return path, write_csv(path, table, sep=",", delivered=delivered)


"""A small hand-made landing zone with every source, surveys included, for the PostgreSQL tests.

    register: 34116 B Social Work (GSW) in Delft and Haarlem; 30022 B Voeding (AFL, Delft); 30023 B Kleine
              Opleiding (AFL, Haarlem); 50001 B Één Opleiding (TOI, Alkmaar)
    counts:   2023-Q1 … 2024-Q4: 120, 80, 60, 12, 6 students (Alkmaar below WB_MIN_CELL 10)
    hours:    80 students, seeded, 2023 and 2024 (`;`, decimal comma), corrections included
    pool:     every student, from a month in 2023, some until a date
    survey:   swm_2023.csv and swm_2024.csv, 50 responses each from the same students (some unfinished, some
              items and background answers blank), answers seeded, codes and Dutch labels mixed
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

from expectations.survey_codebook import PART_A_ITEMS, PART_A_SCALES, PART_A_SINGLE, PART_B_ITEMS
from tests.landing_zones import write

PROGRAMMES = [("34116", "Delft", 120), ("34116", "Haarlem", 80), ("30022", "Delft", 60), ("30023", "Haarlem", 12),
              ("50001", "Alkmaar", 6)]
QUARTERS = [f"{year}-Q{q}" for year in (2023, 2024) for q in (1, 2, 3, 4)]
N_STUDENTS = 80


def _answers(item: str) -> dict[str, int]:
    prefix = item.rsplit("_", 1)[0]
    return PART_A_SCALES[prefix][1] if prefix in PART_A_SCALES else PART_A_SINGLE[item]


def _survey(path: Path, year: int, rnd: random.Random) -> None:
    header = ["response_id", "student_number", "started_at", "submitted_at", "finished", "programme_code",
              "location", "study_year", "gender", "international", "first_generation", *PART_A_ITEMS, *PART_B_ITEMS]
    rows = []
    for s in range(50):
        student = (s * 7 + year) % N_STUDENTS
        code, location, _n = PROGRAMMES[student % len(PROGRAMMES)]
        finished = s % 17 != 5
        mood = rnd.random()  # respondents differ, so the indicators do
        items = []
        for item in PART_A_ITEMS:
            answers = sorted(set(_answers(item).values()))
            if rnd.random() < 0.04:
                items.append("")
                continue
            code_value = answers[min(len(answers) - 1, int((mood * 0.6 + rnd.random() * 0.4) * len(answers)))]
            labels = [label for label, value in _answers(item).items() if value == code_value and not label.isdigit()]
            items.append(labels[0] if labels and rnd.random() < 0.3 else str(code_value))
        rows.append([
            f"R{year}-{s:03d}", str(100000 + student), f"{year}-03-{1 + s % 28:02d} 10:00",
            f"{year}-03-{1 + s % 28:02d} 10:{10 + s % 40:02d}" if finished else "", "1" if finished else "0",
            code, location, rnd.choice(["1", "1", "2", "3", "4+", ""]),
            rnd.choice(["man", "vrouw", "vrouw", "anders", "zeg ik liever niet", ""]),
            rnd.choice(["ja", "nee", "nee", "nee", ""]), rnd.choice(["ja", "nee", "nee", ""]),
            *items, *(rnd.choice(["ja", "nee", ""]) for _ in PART_B_ITEMS),
        ])
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)


def build_landing(landing: Path) -> None:
    write(landing / "reference/programmes.csv",
          "programme_code,programme_name,domain,location,duo_municipality\n"
          "34116,B Social Work,GSW,Delft,Delft\n34116,B Social Work,GSW,Haarlem,Haarlem\n"
          "30022,B Voeding,AFL,Delft,Delft\n30023,B Kleine Opleiding,AFL,Haarlem,Haarlem\n"
          "50001,B Één Opleiding,TOI,Alkmaar,Alkmaar\n")
    write(landing / "students/counts.csv", "quarter,programme_code,location,n_students\n" + "".join(
        f"{q},{code},{location},{n}\n" for q in QUARTERS for code, location, n in PROGRAMMES))
    rnd = random.Random(6)
    hours = ["record_id;student_number;programme_code;location;work_date;hours;role"]
    pool = ["student_number,programme_code,location,available_from,available_until"]
    for s in range(N_STUDENTS):
        code, location, _n = PROGRAMMES[s % len(PROGRAMMES)]
        until = f"2024-{1 + s % 12:02d}-28" if s % 3 == 0 else ""
        pool.append(f"{100000 + s},{code},{location},2023-{1 + s % 12:02d}-01,{until}")
        if s % 2 == 0:
            for year in (2023, 2024):
                for month in (2, 5, 8, 11):
                    if rnd.random() < 0.6:
                        amount = rnd.choice(["4", "7,5", "2,25", "3,5"])
                        hours.append(f"r{s}-{year}-{month};{100000 + s};{code};{location};"
                                     f"{10 + month % 3}-{month:02d}-{year};{amount};bar\tbalie")
                        if rnd.random() < 0.15:  # a correction cancelling the line
                            hours.append(f"c{s}-{year}-{month};{100000 + s};{code};{location};"
                                         f"{20 + month % 3}-{month:02d}-{year};-{amount};correctie")
    write(landing / "participation/hours/uren.csv", "\n".join(hours) + "\n")
    write(landing / "participation/pool/pool.csv", "\n".join(pool) + "\n")
    rnd = random.Random(7)
    for year in (2023, 2024):
        _survey(landing / f"survey/swm_{year}.csv", year, rnd)

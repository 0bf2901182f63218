"""The export tests' landing zone (values chosen so every export rule shows):
    register: 34116 B Social Work (GSW) in Delft and Haarlem; 30022 `=Food+Tech` (AFL, Delft);
              30023 `-Min Opleiding` (AFL, Haarlem); 50001 `@Klein +Plus` (TOI, Alkmaar)
    counts:   2023-Q1 … 2024-Q1 (2023 is the latest complete calendar year): Delft 120 + 60, Haarlem 80 + 5,
              Alkmaar 6 → Alkmaar and TOI are suppressed (< 10), 30023 Haarlem (5) too; their complements
              (disclosure control: docs/disclosure.md) hide Delft and Haarlem as well
    hours and pool: 60 students, seeded, in 2023.
"""

from __future__ import annotations

import random
from pathlib import Path

from tests.landing_zones import write

QUARTERS = ["2023-Q1", "2023-Q2", "2023-Q3", "2023-Q4", "2024-Q1"]
PROGRAMMES = [("34116", "Delft", 120), ("34116", "Haarlem", 80), ("30022", "Delft", 60), ("30023", "Haarlem", 5),
              ("50001", "Alkmaar", 6)]


def build_landing(landing: Path) -> None:
    write(landing / "reference/programmes.csv",
          "programme_code,programme_name,domain,location,duo_municipality\n"
          "34116,B Social Work,GSW,Delft,Delft\n34116,B Social Work,GSW,Haarlem,Haarlem\n"
          "30022,=Food+Tech,AFL,Delft,Delft\n30023,-Min Opleiding,AFL,Haarlem,Haarlem\n"
          "50001,@Klein +Plus,TOI,Alkmaar,Alkmaar\n")
    add_counts(landing, QUARTERS, "counts.csv")
    rnd = random.Random(1)
    hours = ["record_id;student_number;programme_code;location;work_date;hours"]
    pool = ["student_number,programme_code,location,available_from,available_until"]
    for s in range(60):
        code, location, _ = PROGRAMMES[s % 4]
        pool.append(f"{100000 + s},{code},{location},2023-0{1 + s % 6}-01,")
        if s % 2 == 0:
            for month in (2, 5, 8, 11):
                if rnd.random() < 0.7:
                    hours.append(f"r{s}-{month};{100000 + s};{code};{location};{10 + month % 3}-{month:02d}-2023;"
                                 f"{rnd.choice(['4', '7,5', '2,25'])}")
    write(landing / "participation/hours/uren_2023.csv", "\n".join(hours) + "\n")
    write(landing / "participation/pool/pool.csv", "\n".join(pool) + "\n")


def add_counts(landing: Path, quarters: list[str], name: str) -> None:
    lines = ["quarter,programme_code,location,n_students"]
    lines += [f"{q},{code},{location},{n}" for q in quarters for code, location, n in PROGRAMMES]
    write(landing / "students" / name, "\n".join(lines) + "\n")

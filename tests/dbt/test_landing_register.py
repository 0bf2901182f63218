"""A register in the landing zone (raw.programme_register) replaces the shipped seed, also for mapping DUO
municipalities onto locations."""

from __future__ import annotations


def _duo(programme_code, municipality, n_enrolled):
    return {
        "study_year": 2022, "brin": None, "programme_code": programme_code, "programme_name": "B Social Work",
        "municipality": municipality, "municipality_code": None, "level": "bachelor", "breakdown": "",
        "measure": "ingeschrevenen", "n_enrolled": n_enrolled, "is_suppressed": False,
    }


def test_landing_register_replaces_seed(tmp_path, dbt_build, warehouse_query):
    rows = {
        "programme_register": [
            {"programme_code": "34116", "programme_name": "Social Work", "domain": "Zorg & Welzijn",
             "location": "Haarlem", "duo_municipality": "Haarlem"},
            {"programme_code": "34116", "programme_name": "Social Work", "domain": "Zorg & Welzijn",
             "location": "Hoofddorp", "duo_municipality": "Haarlemmermeer"},
        ],
        # DUO municipality matched without regard to case: HAARLEMMERMEER -> Hoofddorp (register)
        "duo_enrolment": [_duo("34116", "Haarlem", 40), _duo("34116", "HAARLEMMERMEER", 12)],
    }
    warehouse = dbt_build(tmp_path, rows, 10)
    by_location = warehouse_query(
        warehouse,
        "SELECT location, n_students, suppressed FROM marts.participation_by_location "
        "WHERE quarter = '2022-Q4' ORDER BY location",
    )
    assert by_location == [
        {"location": "Haarlem", "n_students": 40, "suppressed": False},
        {"location": "Hoofddorp", "n_students": 12, "suppressed": False},
    ]
    programmes = warehouse_query(
        warehouse, "SELECT programme_location_key, domain FROM marts.dim_programme ORDER BY 1"
    )
    assert programmes == [  # only the landing register, not the 110 rows of the seed
        {"programme_location_key": "34116|Haarlem", "domain": "Zorg & Welzijn"},
        {"programme_location_key": "34116|Hoofddorp", "domain": "Zorg & Welzijn"},
    ]
    domains = warehouse_query(warehouse, "SELECT domain FROM marts.dim_domain ORDER BY 1")
    assert domains == [{"domain": "Onbekend"}, {"domain": "Zorg & Welzijn"}]

"""The participation marts on a small hand-made warehouse, values worked out by hand.

Register: the shipped seed (raw.programme_register is empty). Domains: 34116 Social Work GSW, 34145 Business
Studies BFL, 34405 Communicatie CRB, 34641 SJD BFL; 99999 is unknown (domain Onbekend).
WB_MIN_CELL = 5.

Student counts
  own counts, 2023-Q1 only:  34116 Haarlem 20 · 34145 Haarlem 8 · 34145 's-Gravenhage (= Den Haag) 3 ·
                             34405 Den Haag 12 · 34641 DEN HAAG 6                              total 49
  DUO study year 2022 (stands for 2022-Q4 … 2023-Q3; 2023-Q1 has own counts, so DUO is not used there):
                             34116 Haarlem 30 · 34116 'S-Gravenhage 10 + 7 = 17 (two cells; register: Den Haag) ·
                             34405 'S-Gravenhage 4 + suppressed -> unknown ·
                             ignored: another BRIN (34116 Amsterdam 999), eerstejaars of 2022 (ingeschrevenen exist) total 47
Quarter calendar 2022-Q4 … 2023-Q3 (DUO counts). The agency's data (hours, pool dates) ends in 2023-Q2: p1's
pool registration from 2022-11-01, still open, counts up to 2023-Q2.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from assets.common import quarters as quarter_rules

MIN_CELL = 5


def _duo(study_year, programme_code, municipality, n_enrolled, *, brin="27PZ", breakdown="",
         measure="ingeschrevenen", is_suppressed=False):
    return {
        "study_year": study_year, "brin": brin, "programme_code": programme_code, "programme_name": None,
        "municipality": municipality, "municipality_code": None, "level": "bachelor", "breakdown": breakdown,
        "measure": measure, "n_enrolled": n_enrolled, "is_suppressed": is_suppressed,
    }


def _hours(record_id, pseudo_id, programme_code, location, work_date, hours):
    return {
        "record_id": record_id, "pseudo_id": pseudo_id, "programme_code": programme_code,
        "location": location, "work_date": work_date, "hours": Decimal(hours),
    }


def _pool(pseudo_id, programme_code, location, available_from, available_until=None):
    return {
        "pseudo_id": pseudo_id, "programme_code": programme_code, "location": location,
        "available_from": available_from, "available_until": available_until,
    }


def _count(quarter, programme_code, location, n_students):
    return {"quarter": quarter, "programme_code": programme_code, "location": location, "n_students": n_students}


RAW_ROWS = {
    "student_counts": [
        _count("2023-Q1", "34116", "Haarlem", 20),
        _count("2023-Q1", "34145", "Haarlem", 8),
        _count("2023-Q1", "34145", "'s-Gravenhage", 3),
        _count("2023-Q1", "34405", "Den Haag", 12),
        _count("2023-Q1", "34641", "DEN HAAG", 6),
    ],
    "duo_enrolment": [
        _duo(2022, "34116", "Haarlem", 30),
        _duo(2022, "34116", "'S-Gravenhage", 10, breakdown="gender=man"),
        _duo(2022, "34116", "'S-Gravenhage", 7, breakdown="gender=vrouw"),
        _duo(2022, "34405", "'S-Gravenhage", 4, breakdown="gender=man"),
        _duo(2022, "34405", "'S-Gravenhage", None, breakdown="gender=vrouw", is_suppressed=True),
        _duo(2022, "34116", "Amsterdam", 999, brin="21PB"),  # another institution
        _duo(2022, "34116", "Haarlem", 5, breakdown="gender=man", measure="eerstejaars"),
    ],
    "participation_hours": [
        # p1: two programmes in Q1, the latest line (31 March, 34145) wins; 4.00 + 3.50 = 7.50 net
        _hours("r01", "p1", "34116", "Haarlem", date(2023, 1, 15), "4.00"),
        _hours("r02", "p1", "34145", "haarlem", date(2023, 3, 31), "3.50"),
        # p2: a line and its correction: net 0.00 -> not participated
        _hours("r03", "p2", "34116", "Haarlem", date(2023, 2, 1), "5.00"),
        _hours("r04", "p2", "34116", "Haarlem", date(2023, 2, 20), "-5.00"),
        _hours("r05", "p3", "34145", "'s-Gravenhage", date(2023, 3, 10), "2.00"),
        _hours("r06", "p4", "34405", "Den Haag", date(2023, 1, 5), "6.00"),
        # p5: 31 March is Q1, 1 April Q2
        _hours("r07", "p5", "34641", "Den Haag", date(2023, 3, 31), "1.25"),
        _hours("r08", "p5", "34641", "Den Haag", date(2023, 4, 1), "2.00"),
        _hours("r09", "p1", "34116", "Haarlem", date(2023, 5, 1), "8.00"),
        # p6: a programme and location the register does not know
        _hours("r10", "p6", "99999", "Utrecht", date(2023, 6, 30), "3.00"),
    ],
    "participation_pool": [
        _pool("p1", "34116", "Haarlem", date(2022, 11, 1)),  # still registered
        _pool("p2", "34116", "Haarlem", date(2023, 1, 1), date(2023, 3, 31)),
        _pool("p7", "34116", "Haarlem", date(2023, 2, 1), date(2023, 5, 15)),
        # p8: two registrations overlap Q1; the latest (34641, from 15 March) wins
        _pool("p8", "34405", "Den Haag", date(2023, 3, 1), date(2023, 3, 31)),
        _pool("p8", "34641", "Den Haag", date(2023, 3, 15), date(2023, 4, 30)),
    ],
}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory, dbt_build):
    return dbt_build(tmp_path_factory.mktemp("participation"), RAW_ROWS, MIN_CELL)


@pytest.fixture(scope="module")
def marts(warehouse, warehouse_query):
    def rows(table: str, where: str = "true") -> dict[tuple, dict]:
        """Rows of marts.<table> keyed by (quarter, group columns...)."""
        keys = {
            "participation_institution": ["quarter"],
            "participation_by_location": ["quarter", "location"],
            "participation_by_domain": ["quarter", "domain"],
            "participation_by_programme": ["quarter", "programme_code", "location"],
        }[table]
        result = warehouse_query(warehouse, f"SELECT * FROM marts.{table} WHERE {where}")
        return {tuple(r[k] for k in keys): r for r in result}

    return rows


def _published(row, n_students, n_available, n_participated, hours, *, incomplete=False, hours_reason=None):
    """A row whose counts are published; `hours` None: hours_total withheld for `hours_reason`; counts None: the
    quarter lies outside that source's data (reason no_data)."""
    assert row["suppressed"] is False, row
    assert row["n_students"] == n_students, row
    assert row["n_available"] == n_available, row
    assert row["n_participated"] == n_participated, row
    assert row["hours_total"] == (None if hours is None else Decimal(hours)), row
    assert row["hours_suppressed"] is (hours_reason not in (None, "no_data")), row
    assert row["hours_suppression_reason"] == hours_reason, row
    for count, pct in (("n_available", "pct_available"), ("n_participated", "pct_participated")):
        if row[count] is None or n_students is None:
            assert row[pct] is None, row  # no data, or no count: no percentage, never 0
        else:
            assert row[pct] == pytest.approx(100 * row[count] / n_students), row
    reason = ("no_count" if n_students is None else
              "no_data" if n_available is None or n_participated is None else None)
    assert row["suppression_reason"] == reason, row
    assert row["n_students_incomplete"] is incomplete, row


def _suppressed(row, n_students, reason, *, incomplete=False):
    assert row["suppressed"] is True, row
    assert row["suppression_reason"] == reason, row
    assert row["n_students"] == n_students, row  # the base count stays published
    for column in ("n_available", "n_participated", "hours_total", "pct_available", "pct_participated"):
        assert row[column] is None, (column, row)
    assert row["hours_suppressed"] is True, row
    assert row["n_students_incomplete"] is incomplete, row


def test_institution(marts):
    rows = marts("participation_institution")
    assert sorted(rows) == [("2022-Q4",), ("2023-Q1",), ("2023-Q2",), ("2023-Q3",)]
    # 2022-Q4: DUO 30 + 17 (+ unknown 34405) = 47, incomplete; only p1 (open pool) available. The first hours
    # are of 2023-Q1: no hours data yet, so no participation figure (not 0)
    _published(rows[("2022-Q4",)], 47, 1, None, None, incomplete=True, hours_reason="no_data")
    # 2023-Q3 has DUO counts but lies after the agency's data (last hours/pool date: 2023-Q2): no data at all
    _published(rows[("2023-Q3",)], 47, None, None, None, incomplete=True, hours_reason="no_data")
    # 2023-Q1: own counts 20 + 8 + 3 + 12 + 6 = 49. Students: p1 (avail, 7.50), p2 (avail, net 0), p3 (2.00),
    # p4 (6.00), p5 (1.25), p7 (avail), p8 (avail) -> available 4, participated p1 p3 p4 p5 = 4,
    # hours 7.50 + 0 + 2.00 + 6.00 + 1.25 = 16.75 (4 students; the rest 3.25 ≥ 10 % of the largest 7.50)
    _published(rows[("2023-Q1",)], 49, 4, 4, "16.75")
    assert rows[("2023-Q1",)]["pct_participated"] == pytest.approx(8.163265306122449)
    assert rows[("2023-Q1",)]["quarter_start"] == date(2023, 1, 1)
    # 2023-Q2: DUO 47 (incomplete). p1 8.00 (avail), p5 2.00, p6 3.00, p7 avail, p8 avail
    # -> available 3, participated 3, hours 13.00 (the rest 2.00 ≥ 0.80)
    _published(rows[("2023-Q2",)], 47, 3, 3, "13.00", incomplete=True)


def test_by_location(marts):
    rows = marts("participation_by_location")
    # 2023-Q1 Haarlem: 20 + 8 = 28; p1 (34145, 7.50, avail), p2 (34116, 0, avail), p7 (avail): the hours are
    # p1's alone (fewer than 3 students)
    _published(rows[("2023-Q1", "Haarlem")], 28, 3, 1, None, hours_reason="few_contributors")
    # 2023-Q1 Den Haag ('s-Gravenhage, DEN HAAG are Den Haag): 3 + 12 + 6 = 21; p3 2.00, p4 6.00, p5 1.25,
    # p8 avail -> 1 available, 3 participated; its 9.25 hours would give Haarlem's as 16.75 − 9.25: complement
    _published(rows[("2023-Q1", "Den Haag")], 21, 1, 3, None, hours_reason="complementary")
    assert {k for k in rows if k[0] == "2023-Q1"} == {("2023-Q1", "Haarlem"), ("2023-Q1", "Den Haag")}
    # 2023-Q2: Utrecht has no count: unknown, not small: its counts are published, no percentage (no_count),
    # and nothing else is suppressed for it. Every location's hours are one student's.
    _published(rows[("2023-Q2", "Utrecht")], None, 0, 1, None, incomplete=True, hours_reason="few_contributors")
    _published(rows[("2023-Q2", "Den Haag")], 17, 1, 1, None, incomplete=True, hours_reason="few_contributors")
    _published(rows[("2023-Q2", "Haarlem")], 30, 2, 1, None, hours_reason="few_contributors")


def test_by_domain(marts):
    rows = marts("participation_by_domain")
    # 2023-Q1: GSW = 34116 Haarlem (20; p2, p7); BFL = 34145 Haarlem 8 + 34145 Den Haag 3 + 34641 Den Haag 6
    # = 17 (p1 7.50 avail, p3 2.00, p5 1.25, p8 avail); CRB = 34405 Den Haag 12 (p4 6.00). CRB's hours are p4's
    # alone; the institution minus GSW (0) minus BFL would give them: BFL's hours are the complement
    _published(rows[("2023-Q1", "GSW")], 20, 2, 0, "0.00")
    _published(rows[("2023-Q1", "BFL")], 17, 2, 3, None, hours_reason="complementary")
    _published(rows[("2023-Q1", "CRB")], 12, 0, 1, None, hours_reason="few_contributors")
    # 2023-Q2: CRB (34405 unknown), BFL (34641 no count) and Onbekend (99999) have no count: published without
    # percentages; GSW 30 + 17 = 47. CRB has no hours (nothing to protect)
    _published(rows[("2023-Q2", "CRB")], None, 0, 0, "0.00", incomplete=True)
    _published(rows[("2023-Q2", "BFL")], None, 1, 1, None, incomplete=True, hours_reason="few_contributors")
    _published(rows[("2023-Q2", "Onbekend")], None, 0, 1, None, incomplete=True, hours_reason="few_contributors")
    _published(rows[("2023-Q2", "GSW")], 47, 2, 1, None, hours_reason="few_contributors")
    # 2022-Q4: before the first hours; CRB's unknown count no longer drags GSW into suppression
    _published(rows[("2022-Q4", "CRB")], None, 0, None, None, incomplete=True, hours_reason="no_data")
    _published(rows[("2022-Q4", "GSW")], 47, 1, None, None, hours_reason="no_data")


def test_by_programme(marts):
    rows = marts("participation_by_programme")
    q1 = {k[1:]: v for k, v in rows.items() if k[0] == "2023-Q1"}
    # 34145 Den Haag (3 < 5) is primary. Den Haag and BFL are published, so it needs a complement in both: its
    # sibling 34641 Den Haag (6 students, BFL too) is both at once, the cheapest (34405, 12, is CRB)
    _suppressed(q1[("34145", "Den Haag")], 3, "small_base")
    _suppressed(q1[("34641", "Den Haag")], 6, "complementary")
    _published(q1[("34405", "Den Haag")], 12, 0, 1, None, hours_reason="few_contributors")
    _published(q1[("34145", "Haarlem")], 8, 1, 1, None, hours_reason="few_contributors")
    # p2's lines net to zero: available, not participated, 0 hours
    _published(q1[("34116", "Haarlem")], 20, 2, 0, "0.00")
    assert q1[("34116", "Haarlem")]["programme_name"] == "B Social Work"
    assert q1[("34116", "Haarlem")]["domain"] == "GSW"
    assert q1[("34116", "Haarlem")]["programme_location_key"] == "34116|Haarlem"
    # 2022-Q4: 34405 Den Haag's count is unknown: published, no percentage, and no chain of complements
    q4 = {k[1:]: v for k, v in rows.items() if k[0] == "2022-Q4"}
    _published(q4[("34405", "Den Haag")], None, 0, None, None, incomplete=True, hours_reason="no_data")
    _published(q4[("34116", "Den Haag")], 17, 0, None, None, hours_reason="no_data")
    _published(q4[("34116", "Haarlem")], 30, 1, None, None, hours_reason="no_data")
    assert len(q4) == 3
    # 2023-Q2: an unknown programme at an unknown location: domain and name Onbekend
    q2 = {k[1:]: v for k, v in rows.items() if k[0] == "2023-Q2"}
    assert q2[("99999", "Utrecht")]["domain"] == "Onbekend"
    assert q2[("99999", "Utrecht")]["programme_name"] == "Onbekend"
    _published(q2[("99999", "Utrecht")], None, 0, 1, None, incomplete=True, hours_reason="few_contributors")
    # 34641 Den Haag has records (p5 2.00, p8 available) but no DUO count
    _published(q2[("34641", "Den Haag")], None, 1, 1, None, incomplete=True, hours_reason="few_contributors")
    _published(q2[("34116", "Haarlem")], 30, 2, 1, None, hours_reason="few_contributors")
    _published(q2[("34116", "Den Haag")], 17, 0, 0, "0.00")


def test_dimensions(warehouse, warehouse_query):
    quarters = warehouse_query(warehouse, "SELECT * FROM marts.dim_quarter ORDER BY quarter")
    assert [(q["quarter"], q["quarter_start"], q["quarter_end"], q["academic_year"]) for q in quarters] == [
        ("2022-Q4", date(2022, 10, 1), date(2022, 12, 31), "2022-2023"),
        ("2023-Q1", date(2023, 1, 1), date(2023, 3, 31), "2022-2023"),
        ("2023-Q2", date(2023, 4, 1), date(2023, 6, 30), "2022-2023"),
        ("2023-Q3", date(2023, 7, 1), date(2023, 9, 30), "2022-2023"),
    ]
    for q in quarters:  # the SQL twin agrees with assets/common/quarters.py
        assert q["quarter_start"] == quarter_rules.quarter_start(q["quarter"])
        assert q["quarter_end"] == quarter_rules.quarter_end(q["quarter"])
        assert quarter_rules.quarter_of(q["quarter_end"]) == q["quarter"]
    locations = {r["location"]: r["is_registered"] for r in warehouse_query(warehouse, "SELECT * FROM marts.dim_location")}
    assert locations["Den Haag"] is True and locations["Utrecht"] is False
    assert "'s-Gravenhage" not in locations and "DEN HAAG" not in locations
    domains = {r["domain"] for r in warehouse_query(warehouse, "SELECT * FROM marts.dim_domain")}
    assert domains == {"AFL", "BFL", "CRB", "GSW", "ONI", "TOI", "Verloskunde", "Onbekend"}
    unknown = warehouse_query(
        warehouse, "SELECT * FROM marts.dim_programme WHERE programme_location_key = '99999|Utrecht'"
    )
    assert unknown == [{
        "programme_location_key": "99999|Utrecht", "programme_code": "99999", "location": "Utrecht",
        "programme_name": "Onbekend", "domain": "Onbekend", "is_registered": False,
    }]


def test_schemas(warehouse, warehouse_query):
    tables = warehouse_query(
        warehouse,
        "SELECT table_schema, table_name FROM information_schema.tables "
        "WHERE table_schema IN ('staging', 'intermediate', 'marts') ORDER BY 1, 2",
    )
    marts = {t["table_name"] for t in tables if t["table_schema"] == "marts"}
    assert marts >= {  # the wellbeing marts (tests/wellbeing) live here too
        "participation_institution", "participation_by_location", "participation_by_domain",
        "participation_by_programme", "dim_quarter", "dim_location", "dim_domain", "dim_programme",
    }
    assert all(t["table_name"].startswith("stg_") for t in tables if t["table_schema"] == "staging")
    assert all(t["table_name"].startswith("int_") for t in tables if t["table_schema"] == "intermediate")

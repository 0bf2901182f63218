"""The grouped column tests (dbt_project/macros/tests/column_tests.sql): one query checks every listed column of a
model, passes on good rows, and on bad rows returns one row per broken column that names it and its rule.

The generic tests are compiled by dbt (`dbt compile --inline`, like the scoring macros) and run on hand-made
tables in DuckDB.
"""

from __future__ import annotations

import duckdb
import pytest

from wellbeing_harness import CompiledProject, split_statements

NOT_NULL = """{{ test_not_null_columns(model='t', columns=[
    'id', {'name': 'location', 'where': "level in ('location', 'programme')"}]) }}"""

VALUES = """{{ test_column_values_allowed(model='t', rules=[
    {'columns': ['item_1', 'item_2'], 'min_value': 1, 'max_value': 5},
    {'column': 'band', 'values': ['laag', "zeg ik liever niet"]},
    {'column': 'quarter_number', 'values': [1, 2, 3, 4], 'quote': false},
    {'column': 'value - ci_low', 'min_value': 0, 'max_value': 1000, 'where': "level = 'location'"}]) }}"""

GOOD = [  # id, level, location, item_1, item_2, band, quarter_number, value, ci_low
    (1, "institution", None, 1, 5, "laag", 1, 3.0, 4.0),  # value < ci_low allowed outside level 'location'
    (2, "location", "Delft", None, 3, "zeg ik liever niet", 4, 3.0, 2.5),
    (3, "location", "Haarlem", 2, None, None, None, None, None),
]


def _run(sql: str, rows: list[tuple]) -> list[dict]:
    con = duckdb.connect()
    try:
        con.execute("""CREATE TABLE t (id INTEGER, level VARCHAR, location VARCHAR, item_1 INTEGER, item_2 INTEGER,
                       band VARCHAR, quarter_number INTEGER, value DOUBLE, ci_low DOUBLE)""")
        con.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        cursor = con.execute(sql)
        names = [d[0] for d in cursor.description]
        return sorted((dict(zip(names, r)) for r in cursor.fetchall()), key=lambda r: r["column_name"])
    finally:
        con.close()


@pytest.fixture(scope="module")
def compiled(compiled_project: CompiledProject) -> dict[str, str]:
    return {"not_null": split_statements(compiled_project.inline(NOT_NULL)),
            "values": split_statements(compiled_project.inline(VALUES))}


def test_good_rows_pass(compiled):
    assert _run(compiled["not_null"], GOOD) == []
    assert _run(compiled["values"], GOOD) == []


def test_null_columns_are_named(compiled):
    bad = [*GOOD, (None, "programme", None, 1, 1, None, 1, None, None), (None, "institution", None, 1, 1, None, 1,
                                                                          None, None)]
    assert _run(compiled["not_null"], bad) == [
        {"column_name": "id", "only_rows": None, "n_null_rows": 2},
        {"column_name": "location", "only_rows": "where level in ('location', 'programme')", "n_null_rows": 1},
    ]


def test_values_outside_their_rule_are_named(compiled):
    bad = [*GOOD, (4, "location", "Delft", 6, 0, "hoog", 5, 1.0, 2.0), (5, "location", "Delft", 1, 1, "laag", 2,
                                                                      1.0, 0.5)]
    assert _run(compiled["values"], bad) == [
        {"column_name": "band", "allowed": "one of laag, zeg ik liever niet", "n_rows_outside": 1, "example": "hoog"},
        {"column_name": "item_1", "allowed": "between 1 and 5", "n_rows_outside": 1, "example": "6"},
        {"column_name": "item_2", "allowed": "between 1 and 5", "n_rows_outside": 1, "example": "0"},
        {"column_name": "quarter_number", "allowed": "one of 1, 2, 3, 4", "n_rows_outside": 1, "example": "5"},
        {"column_name": "value - ci_low", "allowed": "between 0 and 1000 where level = 'location'",
         "n_rows_outside": 1, "example": "-1.0"},
    ]

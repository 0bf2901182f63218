"""Primary and foreign keys of the published tables (assets/exports/keys.py), from dbt's documentation."""

from __future__ import annotations

from assets.exports.catalog import TableDoc
from assets.exports.keys import TableKeys, creation_order, table_keys

DOCS = {
    "dim_quarter": TableDoc("marts", "dim_quarter", grain=["quarter"], unique=["quarter", "quarter_start"],
                            not_null=["quarter"]),
    "dim_programme": TableDoc("marts", "dim_programme", grain=["programme_code", "location"],
                              unique=["programme_location_key"], not_null=["programme_code", "location"]),
    "by_programme": TableDoc("marts", "by_programme", grain=["quarter", "programme_code", "location"],
                             not_null=["quarter", "programme_code", "location", "hours"],
                             relationships=[("programme_location_key", "dim_programme", "programme_location_key"),
                                            ("quarter", "dim_quarter", "quarter"),
                                            ("domain", "dim_domain", "domain")]),  # not published: no key
    "indicators": TableDoc("marts", "indicators", grain=["survey_year", "location"], not_null=["survey_year"],
                           relationships=[("quarter", "dim_quarter", "quarter_end")]),
}


def test_keys_from_grain_unique_tests_and_relationships():
    keys = table_keys(list(DOCS), DOCS)
    assert keys["dim_quarter"] == TableKeys(("quarter",), ("quarter_start",), ())
    assert keys["dim_programme"] == TableKeys(("programme_code", "location"), ("programme_location_key",), ())
    assert keys["by_programme"].primary == ("quarter", "programme_code", "location")
    # to a unique column or the primary key of a published table only
    assert keys["by_programme"].foreign == (("programme_location_key", "dim_programme", "programme_location_key"),
                                            ("quarter", "dim_quarter", "quarter"))
    # a grain with a column that may be null (location) has no primary key; quarter_end is neither the key nor
    # unique: no foreign key
    assert keys["indicators"] == TableKeys((), (), ())


def test_referenced_tables_are_created_first():
    keys = table_keys(list(DOCS), DOCS)
    order = creation_order(keys)
    assert sorted(order) == sorted(DOCS)
    assert order.index("dim_programme") < order.index("by_programme")
    assert order.index("dim_quarter") < order.index("by_programme")

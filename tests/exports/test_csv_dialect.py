"""The one CSV dialect of the exports: what Dutch Excel reads back, and formula neutralisation."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from hypothesis import given
from hypothesis import strategies as st

from assets.exports.csv_dialect import format_cell, format_column, open_csv, write_csv_columns
from export_helpers import excel_value, read_excel_csv


@pytest.mark.parametrize("value, cell", [
    (None, ""),
    (True, "WAAR"),
    (False, "ONWAAR"),
    (-12, "-12"),
    (3.5, "3,5"),
    (-2.25, "-2,25"),
    (1 / 3, "0,3333333333333333"),
    (1e-7, "0,0000001"),
    (2.5e16, "25000000000000000"),
    (float("nan"), ""),
    (Decimal("10.00"), "10,00"),
    (Decimal("-0.50"), "-0,50"),
    (dt.date(2023, 1, 2), "2023-01-02"),
    (dt.datetime(2023, 1, 2, 8, 30, 5), "2023-01-02 08:30:05"),
    ("B Social Work", "B Social Work"),
    ("2023-Q1", "2023-Q1"),
])
def test_cells(value, cell):
    assert format_cell(value) == cell


@pytest.mark.parametrize("text", ["=SUM(A1:A9)", "+31 20 123", "-min", "@SUM(1)", "\tx", "\r=1",
                                  '=HYPERLINK("http://evil","klik")'])
def test_text_starting_with_a_formula_character_is_neutralised(text):
    assert format_cell(text) == "'" + text
    assert format_cell([text, "b"]) == "'" + text + ", b"  # a list column is one text cell


def test_numbers_are_never_neutralised():
    assert format_cell(-5) == "-5" and format_cell(Decimal("-2.25")) == "-2,25" and format_cell(-0.5) == "-0,5"


def test_file_reads_back_in_dutch_excel(tmp_path):
    path = tmp_path / "t.csv"
    rows = [(1, 2.5, Decimal("-2.25"), dt.date(2024, 2, 29), True, "=1+1", 'a;b "c"\nd'),
            (None, None, None, None, None, None, None)]
    columns = [format_column(list(column)) for column in zip(*rows)]
    with open_csv(path) as fh:
        assert write_csv_columns(fh, ["n", "x", "hours", "day", "flag", "name", "odd"], [columns]) == 2
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and raw.count(b"\r\n") == 3  # BOM; CRLF (one inside a quoted cell)
    header, cells = read_excel_csv(path)
    assert header == ["n", "x", "hours", "day", "flag", "name", "odd"]
    types = ["INTEGER", "DOUBLE", "DECIMAL(18,2)", "DATE", "BOOLEAN", "VARCHAR", "VARCHAR"]
    assert [excel_value(c, t) for c, t in zip(cells[0], types)] == [
        Decimal(1), Decimal("2.5"), Decimal("-2.25"), dt.date(2024, 2, 29), True, "'=1+1", 'a;b "c"\nd']
    assert [excel_value(c, t) for c, t in zip(cells[1], types)] == [None] * 7


# format_column's fast paths (one per column type of an export) give exactly format_cell's cells
@given(st.lists(st.none() | st.floats(allow_nan=True, allow_infinity=True)))
def test_float_columns_format_as_cells(values):
    assert format_column(values, "float") == [format_cell(v) for v in values]


@given(st.lists(st.none() | st.integers(min_value=-2**63, max_value=2**63 - 1)))
def test_integer_columns_format_as_cells(values):
    assert format_column(values, "int") == [format_cell(v) for v in values]


@given(st.lists(st.none() | st.text() | st.sampled_from(["=1", "+3", "-x", "@a", "\tx", "\r", "", "a-b"])))
def test_text_columns_format_as_cells(values):
    assert format_column(values, "text") == [format_cell(v) for v in values]


def test_bool_and_other_columns_format_as_cells():
    assert format_column([True, None, False], "bool") == ["WAAR", "", "ONWAAR"]
    values = [Decimal("10.00"), None, dt.date(2023, 1, 2)]
    assert format_column(values) == ["10,00", "", "2023-01-02"]


def test_floats_that_repr_shortens_or_writes_with_an_exponent():
    assert format_column([2.0, -0.0, 1e-7, 2.5e16, 1e22, 0.1 + 0.2, float("inf")], "float") == [
        "2", "-0", "0,0000001", "25000000000000000", "10000000000000000000000", "0,30000000000000004", ""]

"""The ingestion's fast paths give exactly what the plain rule gives: a workbook column written inline equals
`_cell_text` per cell, and a GX frame built through Arrow equals DuckDB's `.df()`."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assets.common.landing_files import _cell_text, _column_text
from expectations.suites import _frame, _vectorisable

CELLS = st.one_of(
    st.none(),
    st.text(max_size=6),
    st.sampled_from(["", " ", "  3", "ja"]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([1.0, 4.0, 2.5, -0.0, 2.0**53, 2.0**60, 1e-05, 123456789.0]),
    st.booleans(),
    st.dates(),
    st.datetimes(min_value=dt.datetime(1900, 1, 1)),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(CELLS, max_size=30))
def test_a_workbook_column_is_written_as_cell_text_writes_each_cell(values):
    expected = [v if isinstance(v, str) else _cell_text(v) for v in values]  # text as delivered
    assert _column_text(values).to_pylist() == expected


def test_common_workbook_cells_by_hand():
    values = [None, "", "x", 3.0, 2.5, 7, dt.date(2024, 2, 1), dt.datetime(2024, 2, 1, 9, 30), True, 2.0**60]
    assert _column_text(values).to_pylist() == [
        None, "", "x", "3", "2.5", "7", "2024-02-01", "2024-02-01 09:30:00", "1", "1152921504606846976"]


@pytest.fixture
def con():
    con = duckdb.connect()
    con.execute("""
        CREATE TABLE t AS SELECT * FROM (VALUES
            (2, 'a', 1.5::DECIMAL(18,4), DATE '2024-01-31', TIMESTAMP '2024-01-31 10:00:00', 3::SMALLINT, 1::SMALLINT, 10::BIGINT, TRUE),
            (3, NULL, NULL, NULL, NULL, NULL, 2::SMALLINT, NULL, FALSE),
            (4, 'ç', -2.25::DECIMAL(18,4), DATE '2001-12-01', NULL, 5::SMALLINT, 3::SMALLINT, 12::BIGINT, NULL)
        ) v(_row, txt, dec, day, ts, answer, answer_full, big, flag)""")
    yield con
    con.close()


def test_a_gx_frame_through_arrow_equals_duckdbs_df(con):
    expected = _vectorisable(con.execute("SELECT * FROM t").df())
    frame = _vectorisable(_frame(con, "SELECT * FROM t"))
    pd.testing.assert_frame_equal(frame, expected)
    assert str(frame["dec"].dtype) == "float64" and str(frame["answer"].dtype) == "Int16"
    assert str(frame["answer_full"].dtype) == "int64" and str(frame["day"].dtype) == "datetime64[ns]"


def test_a_frame_is_built_while_the_connection_holds_an_unfetched_result(con):
    con.execute("SELECT count(*) FROM t").fetchone()  # DuckDB 2: the result is not finished
    assert len(_frame(con, "SELECT * FROM t")) == 3

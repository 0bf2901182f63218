"""Charts: what the matplotlib Figures hold (titles, labels, bar containers, series, suppressed markers).

The PNGs are saved under tests/artifacts/ to look at.
"""

from __future__ import annotations

import base64
import datetime as dt
import math

import duckdb
import numpy as np
import pandas as pd
import pytest
from matplotlib.container import BarContainer, ErrorbarContainer

from assets.exports import charts, render
from export_helpers import write_unit_marts


def _placeholders(ax):
    return [p for p in ax.patches if p.get_gid() == charts.SUPPRESSED]


def _marker_texts(ax):
    return [t.get_text() for t in ax.texts if t.get_gid() == charts.SUPPRESSED]


def _dashboard_frame() -> pd.DataFrame:
    rows = []
    for q in range(1, 5):
        quarter = f"2023-Q{q}"
        rows.append((quarter, charts.INSTITUTION, 1000, 3.0 + q / 10, 5.0 + q / 10, False))
        rows.append((quarter, "Delft", 500, 4.0, 6.0 + q, False))
        rows.append((quarter, "Alkmaar", 6 if q == 2 else 120, None if q == 2 else 2.0, None if q == 2 else 3.0,
                     q == 2))
        rows.append((quarter, "Haarlem", 374, None if q == 2 else 1.5, None if q == 2 else 0.0, q == 2))
    rows.append(("2022-Q4", "Delft", 500, 99.0, 99.0, False))  # another year: not in the chart
    return pd.DataFrame(rows, columns=["quarter", "location", "n_students", "pct_participated", "pct_available",
                                       "suppressed"])


def test_dashboard_grouped_bars_participated_beside_available(artifacts):
    figure = charts.participation_dashboard(_dashboard_frame(), "location", 2023, 10, "locatie")
    figure.savefig(artifacts / "participation_by_location_unit.png", dpi=100)
    assert "locatie" in figure.get_suptitle() and "2023" in figure.get_suptitle()
    participated, available = figure.axes
    assert participated.get_title() == "Gewerkt via het studentenuitzendbureau"
    assert available.get_title() == "Beschikbaar (ingeschreven in de pool)"
    assert participated.get_ylabel() == "% van de ingeschreven studenten"
    for ax, column in ((participated, "pct_participated"), (available, "pct_available")):
        assert [t.get_text() for t in ax.get_xticklabels()] == ["Instelling", "Alkmaar", "Delft", "Haarlem"]
        bars = [c for c in ax.containers if isinstance(c, BarContainer)]
        assert [c.get_label() for c in bars] == ["Q1", "Q2", "Q3", "Q4"]
        assert all(len(c) == 4 for c in bars)
        heights = [[r.get_height() for r in c] for c in bars]
        assert heights[0][0] == pytest.approx(3.1 if column == "pct_participated" else 5.1)
        # Q2: Alkmaar (< 10 students) and Haarlem (complement) are suppressed: no bar, and never a zero bar.
        assert math.isnan(heights[1][1]) and math.isnan(heights[1][3])
        assert heights[0][3] == (1.5 if column == "pct_participated" else 0.0)  # a real zero stays a zero
        assert len(_placeholders(ax)) == 2
        assert sorted(_marker_texts(ax)) == ["*", "< 10"]
        assert all(p.get_hatch() == "////" for p in _placeholders(ax))
    legend = figure.legends[0]
    assert [t.get_text() for t in legend.get_texts()][:4] == ["Q1", "Q2", "Q3", "Q4"]
    assert "onderdrukt" in legend.get_texts()[-1].get_text()


def test_latest_complete_calendar_year():
    four = [f"2023-Q{q}" for q in range(1, 5)]
    assert charts.latest_complete_year(four + ["2024-Q1"], dt.date(2024, 5, 1)) == (2023, True)
    assert charts.latest_complete_year(four + ["2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4"],
                                       dt.date(2024, 12, 1)) == (2023, True)  # 2024-Q4 is still running
    assert charts.latest_complete_year(["2024-Q1", "2024-Q2"], dt.date(2024, 8, 1)) == (2024, False)
    assert charts.latest_complete_year([], dt.date(2024, 8, 1)) is None


def test_incomplete_year_says_so():
    frame = _dashboard_frame()
    figure = charts.participation_dashboard(frame[frame["quarter"] != "2023-Q4"], "location", 2023, 10, "locatie",
                                            complete=False)
    assert "nog niet compleet" in figure.get_suptitle()


def test_trend_two_series_over_all_quarters(artifacts):
    frame = pd.DataFrame({
        "quarter": ["2023-Q2", "2023-Q1", "2023-Q3", "2023-Q4"],
        "n_students": [1000, 1000, 8, 1000],
        "pct_participated": [3.5, 3.7, None, 3.6],
        "pct_available": [5.1, 4.8, None, 6.3],
        "suppressed": [False, False, True, False],
    })
    figure = charts.participation_trend(frame, 10)
    figure.savefig(artifacts / "participation_trend_unit.png", dpi=100)
    [ax] = figure.axes
    assert ax.get_title() == "Studentparticipatie instellingsbreed per kwartaal"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2023-Q1", "2023-Q2", "2023-Q3", "2023-Q4"]
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == [label for _, label in charts.SERIES]
    participated = lines[0].get_ydata()
    assert list(participated[:2]) == [3.7, 3.5] and math.isnan(participated[2]) and participated[3] == 3.6
    assert len(_placeholders(ax)) == 1 and _marker_texts(ax) == ["< 10"]


def _wellbeing_frame() -> pd.DataFrame:
    rows = []
    for year in (2021, 2022, 2023):
        rows.append((year, "institution", "all", "k10_high_pct", 900, 30.0 + year - 2021, 27.0, 33.0, False))
        rows.append((year, "location", "Delft", "k10_high_pct", 300, 28.0, 23.0, 33.0, False))
        suppressed = year == 2022
        rows.append((year, "location", "Alkmaar", "k10_high_pct", 7 if suppressed else 60,
                     None if suppressed else 35.0, None if suppressed else 24.0, None if suppressed else 46.0,
                     suppressed))
        rows.append((year, "domain", "GSW", "k10_high_pct", 200, 99.0, 90.0, 100.0, False))  # not charted
        rows.append((year, "group", "international", "k10_high_pct", 40, 41.0, 26.0, 56.0, False))
        rows.append((year, "group", "first_year", "k10_high_pct", 300, 33.0, 28.0, 38.0, False))
        rows.append((year, "group", "gender:anders", "k10_high_pct", 5, None, None, None, True))
        rows.append((year, "institution", "all", "brs_mean", 900, 3.4, 3.3, 3.5, False))
        rows.append((year, "group", "first_year", "response_rate_pct", 300, None, None, None, False))
    return pd.DataFrame(rows, columns=["survey_year", "level", "group_name", "indicator", "n_respondents", "value",
                                       "ci_low", "ci_high", "suppressed"])


def test_wellbeing_trend_by_location_with_confidence_intervals(artifacts):
    figure = charts.wellbeing_trend(_wellbeing_frame(), "k10_high_pct", 10, title="Hoge psychische klachten (K10 ≥ 30)")
    figure.savefig(artifacts / "wellbeing_k10_high_pct_unit.png", dpi=100)
    [ax] = figure.axes
    assert figure.get_suptitle() == "Hoge psychische klachten (K10 ≥ 30)"
    assert ax.get_title() == "instellingsbreed en per locatie, met 95 %-betrouwbaarheidsinterval"
    assert ax.get_ylabel() == "% van de respondenten" and ax.get_xlabel() == "Enquêtejaar"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2021", "2022", "2023"]
    series = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    assert [c.get_label() for c in series] == ["Instelling", "Alkmaar", "Delft"]  # no domain series
    institution, alkmaar, delft = series
    assert list(institution.lines[0].get_ydata()) == [30.0, 31.0, 32.0]
    alkmaar_values = alkmaar.lines[0].get_ydata()
    assert alkmaar_values[0] == 35.0 and math.isnan(alkmaar_values[1])  # suppressed: no point, never zero
    # The error bar of Delft's first year runs from ci_low to ci_high.
    [bars] = delft.lines[2]
    first = bars.get_segments()[0]
    assert (first[0][1], first[1][1]) == (23.0, 33.0)
    assert _marker_texts(ax) == ["< 10"]
    assert "onderdrukt" in ax.get_legend().get_texts()[-1].get_text()


def test_wellbeing_trend_per_target_group(artifacts):
    """The same chart with the target groups beside the institution, named as a reader names them, in the
    order of TARGET_GROUPS; a suppressed group is marked, never drawn as zero."""
    figure = charts.wellbeing_trend(_wellbeing_frame(), "k10_high_pct", 10, level="group")
    figure.savefig(artifacts / "wellbeing_groups_k10_high_pct_unit.png", dpi=100)
    [ax] = figure.axes
    assert ax.get_title() == "instellingsbreed en per doelgroep, met 95 %-betrouwbaarheidsinterval"
    assert ax.get_legend().get_title().get_text() == "Doelgroep"
    series = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    assert [c.get_label() for c in series] == ["Instelling", "eerstejaars", "internationale studenten", "anders"]
    assert list(series[2].lines[0].get_ydata()) == [41.0, 41.0, 41.0]
    assert all(math.isnan(v) for v in series[3].lines[0].get_ydata())
    assert _marker_texts(ax) == ["< 10"] * 3


def test_mean_indicator_has_a_score_axis():
    figure = charts.wellbeing_trend(_wellbeing_frame(), "brs_mean", 10)
    [ax] = figure.axes
    assert ax.get_ylabel() == "gemiddelde score" and figure.get_suptitle() == "brs mean"  # no label given
    assert not _marker_texts(ax)


def test_charts_from_the_warehouse(tmp_path, artifacts):
    """Built from marts tables: the dashboards of the latest complete year, and no wellbeing charts (and a log
    line) while marts.wellbeing_indicators does not exist."""
    path = write_unit_marts(tmp_path / "wh.duckdb")
    domain = ("SELECT quarter, quarter_start, replace(location, 'Delft', 'GSW') AS domain, n_students, "
              "n_available, n_participated, hours_total, pct_available, pct_participated, suppressed "
              "FROM marts.participation_by_location")
    write_unit_marts(path, {"participation_by_domain": domain})
    messages: list[str] = []
    con = duckdb.connect(str(path), read_only=True)
    try:
        figures = charts.participation_charts(con, 10, today=dt.date(2024, 6, 1), log=messages.append)
        assert charts.wellbeing_charts(con, 10, log=messages.append) == {}
    finally:
        con.close()
    assert sorted(figures) == ["participation_by_domain", "participation_by_location", "participation_trend"]
    assert messages == ["wellbeing charts skipped: marts.wellbeing_indicators does not exist yet (no survey "
                        "marts built)"]
    by_location = figures["participation_by_location"]
    assert by_location.get_suptitle() == "Studentparticipatie per locatie, per kwartaal 2023"
    ticks = [t.get_text() for t in by_location.axes[0].get_xticklabels()]
    assert ticks == ["Instelling", "=Den Haag", "Delft", "Haarlem"]
    # The institution row of 2024-Q1 is suppressed: marked in the trend.
    assert _marker_texts(figures["participation_trend"].axes[0]) == ["< 10"]
    for name, figure in figures.items():
        figure.savefig(artifacts / f"{name}_from_marts.png", dpi=100)


def test_wellbeing_charts_per_indicator():
    con = duckdb.connect()
    con.register("frame", _wellbeing_frame())
    con.execute("CREATE SCHEMA marts")
    con.execute("CREATE TABLE marts.wellbeing_indicators AS SELECT * FROM frame")
    con.execute("""CREATE TABLE marts.dim_indicator AS SELECT * FROM (VALUES
                   ('k10_high_pct', 'Hoge psychische klachten (K10 ≥ 30)'), ('brs_mean', 'Veerkracht, gemiddelde'))
                   AS t(indicator, label_nl)""")
    figures = charts.wellbeing_charts(con, 10, log=pytest.fail)
    # target groups only where a group has something to draw (response_rate_pct's groups have no count)
    assert sorted(figures) == ["wellbeing_brs_mean", "wellbeing_groups_k10_high_pct", "wellbeing_k10_high_pct",
                               "wellbeing_response_rate_pct"]
    # the labels of marts.dim_indicator; an indicator it does not name shows its code
    assert [figures[name].get_suptitle() for name in sorted(figures)] == [
        "Veerkracht, gemiddelde", "Hoge psychische klachten (K10 ≥ 30)", "Hoge psychische klachten (K10 ≥ 30)",
        "response rate pct"]


def test_markdown_preview_is_the_chart_shrunk_to_an_inline_png():
    figure = charts.participation_trend(pd.DataFrame({
        "quarter": ["2023-Q1"], "n_students": [100], "pct_participated": [1.0], "pct_available": [2.0],
        "suppressed": [False]}), 10)
    width, height = figure.get_size_inches()
    text = render.markdown_preview(render.png_bytes(figure, 120), "trend", 0.5)
    assert text.startswith("![trend](data:image/png;base64,")
    png = base64.b64decode(text.split(",", 1)[1].rstrip(")"))
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(png) < 60_000  # a preview, small enough for the event log
    # PNG header: width and height, big-endian, at bytes 16-24; half of what 120 dpi gives
    assert (int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")) == (
        round(width * 120 * 0.5), round(height * 120 * 0.5))


def test_charts_rendered_in_worker_processes_are_the_ones_rendered_here():
    """render() pickles the figures to spawned workers when there are many: the same PNG bytes and previews,
    in the order given, as rendering each in this process."""
    def figures():  # new ones for each way: a figure once drawn keeps its constrained layout
        frame = _wellbeing_frame()
        return {f"{indicator}_{k}": charts.wellbeing_trend(frame, indicator, 10)
                for k in range(3) for indicator in sorted(frame["indicator"].unique())}

    here = {name: render.render_one(figure, 60, 0.5) for name, figure in figures().items()}
    assert len(here) >= render.POOL_FROM
    pooled = render.render(figures(), 60, 0.5, workers=2)
    assert list(pooled) == list(here)
    assert pooled == here
    assert all(png[:8] == b"\x89PNG\r\n\x1a\n" for png, _ in pooled.values())


def test_no_data_is_drawn_as_no_data_not_zero_or_small():
    """Quarters outside the hours data, or with an unknown student count, have no percentage: the trend leaves
    them out and says `geen gegevens` (never 0 % or `< 10`); a suppressed quarter keeps its own mark."""
    frame = pd.DataFrame({
        "quarter": ["2020-Q3", "2020-Q4", "2021-Q1", "2021-Q2", "2021-Q3"],
        "n_students": [None, 28393, 28393, 8, 28400],
        "pct_participated": [None, None, 2.4, None, 2.5],   # 2020-Q3: no count; 2020-Q4: before the first hours
        "pct_available": [None, 2.86, 3.6, None, 3.7],
        "suppressed": [False, False, False, True, False],    # 2021-Q2: 8 students
    })
    figure = charts.participation_trend(frame, 10)
    ax = figure.axes[0]
    no_data = [(t.get_text(), round(t.get_position()[0])) for t in ax.texts if t.get_gid() == charts.NO_DATA]
    assert no_data == [("geen gegevens", 0), ("geen gegevens", 1)]
    assert _marker_texts(ax) == ["< 10"]
    participated = ax.get_lines()[0].get_ydata()
    assert [math.isnan(v) for v in participated] == [True, True, False, True, False]  # never drawn as 0
    legend = [t.get_text() for t in figure.legends[0].get_texts()]
    assert any(text.startswith("geen gegevens:") for text in legend)

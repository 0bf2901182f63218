"""Charts of the exports: the participation dashboard and the wellbeing trends (matplotlib, Agg canvas).

Figures are built with the object API (`Figure` + `FigureCanvasAgg`), never with pyplot: no global state, no
GUI backend, safe inside a Dagster run. Every function returns a `Figure`, so tests inspect the drawn content
(titles, labels, bar containers, suppressed markers) rather than pixels.

Suppressed cells (disclosure control) are never drawn as zero: the bar or point is left out (NaN) and a grey
hatched placeholder (bars) or a label (trends) marks the spot, with gid `suppressed`. The label reads
`< {min_cell}` when the base count was below the threshold, `*` when the cell was withheld as a complement.
A number that is missing for another reason (a quarter outside a source's data, a student count that is
unknown) is not drawn either, and is labelled `geen gegevens` (gid `no_data`), never 0 % or `< {min_cell}`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import duckdb
import numpy as np
import pandas as pd
from matplotlib import transforms
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import FuncFormatter, MaxNLocator

SUPPRESSED = "suppressed"  # gid of every placeholder patch and label
NO_DATA = "no_data"  # gid of every `geen gegevens` label
NO_DATA_LABEL = "geen gegevens"
SUPPRESSED_STYLE = {"facecolor": "#eeeeee", "edgecolor": "#8c8c8c", "hatch": "////", "linewidth": 0.6}
QUARTER_COLOURS = ("#c6dbef", "#6baed6", "#2171b5", "#08306b")
INSTITUTION = "Instelling"
SERIES = (("pct_participated", "Gewerkt via het studentenuitzendbureau"),
          ("pct_available", "Beschikbaar (ingeschreven in de pool)"))
PCT_LABEL = "% van de ingeschreven studenten"

def _floats(series: pd.Series) -> np.ndarray:
    return pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _dutch_number(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def _dutch_tick(value: float, _pos) -> str:
    """Tick labels as module-level functions, not lambdas: a figure is pickled to be rendered in another process
    (render.py)."""
    return _dutch_number(value)


def _dutch_percent_tick(value: float, _pos) -> str:
    return f"{_dutch_number(value)} %"


def _percent_axis(ax) -> None:
    ax.yaxis.set_major_formatter(FuncFormatter(_dutch_percent_tick))


def _suppressed_label(n_base: float, min_cell: int) -> str:
    return f"< {min_cell}" if not np.isnan(n_base) and n_base < min_cell else "*"


def _no_data_legend() -> Patch:
    return Patch(facecolor="white", edgecolor="#bbbbbb", linestyle=":",
                 label=f"{NO_DATA_LABEL}: geen levering voor dit kwartaal, of aantal studenten onbekend")


def _suppressed_legend(min_cell: int, base: str, wrap: bool = False) -> Patch:
    separator = "\n" if wrap else " "
    label = f"onderdrukt: < {min_cell} {base},{separator}of * ter bescherming van een andere cel"
    return Patch(**SUPPRESSED_STYLE, label=label)


def new_figure(width: float, height: float) -> Figure:
    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(figure)
    return figure


# --- participation ---------------------------------------------------------------------------------------


def latest_complete_year(quarters: Sequence[str], today: dt.date | None = None) -> tuple[int, bool] | None:
    """The latest calendar year that has all four quarters and has ended; else the latest year with data,
    flagged incomplete. None without data."""
    today = today or dt.date.today()
    years: dict[int, set[int]] = {}
    for quarter in quarters:
        year, q = quarter.split("-Q")
        years.setdefault(int(year), set()).add(int(q))
    complete = [y for y, qs in years.items() if qs == {1, 2, 3, 4} and dt.date(y, 12, 31) < today]
    if complete:
        return max(complete), True
    return (max(years), False) if years else None


def participation_dashboard(frame: pd.DataFrame, group_column: str, year: int, min_cell: int,
                            group_title: str, complete: bool = True) -> Figure:
    """Grouped bars per group (the institution first): Q1–Q4 of `year`, participated beside available.

    `frame` has `quarter`, `group_column`, `pct_participated`, `pct_available`, `n_students`, `suppressed`.
    """
    quarters = [f"{year}-Q{q}" for q in range(1, 5)]
    frame = frame[frame["quarter"].isin(quarters)]
    names = [str(g) for g in frame[group_column].dropna().unique()]
    groups = ([INSTITUTION] if INSTITUTION in names else []) + sorted(n for n in names if n != INSTITUTION)
    values = np.concatenate([_floats(frame[column]) for column, _ in SERIES])
    top = (np.nanmax(values) if np.isfinite(values).any() else 1.0) * 1.18
    placeholder = top * 0.1
    width = 0.8 / len(quarters)
    no_data = False

    figure = new_figure(max(11.0, 1.35 * len(groups) + 3), 5.6)
    axes = figure.subplots(1, 2, sharey=True)
    for ax, (column, title) in zip(axes, SERIES):
        for i, quarter in enumerate(quarters):
            rows = frame[frame["quarter"] == quarter].set_index(group_column)
            rows = rows.reindex(groups)  # a group without a row shows nothing (and nothing suppressed)
            flags = rows["suppressed"].fillna(False).astype(bool).to_numpy()
            heights = np.where(flags, np.nan, _floats(rows[column]))
            bases = _floats(rows["n_students"])
            xs = np.arange(len(groups)) + (i - (len(quarters) - 1) / 2) * width
            ax.bar(xs, heights, width * 0.92, color=QUARTER_COLOURS[i], label=f"Q{i + 1}")
            present = rows["quarter"].notna().to_numpy()  # the group has a row that quarter
            for x, suppressed, base, height, has_row in zip(xs, flags, bases, heights, present):
                if suppressed:
                    ax.add_patch(Rectangle((x - width * 0.46, 0), width * 0.92, placeholder, gid=SUPPRESSED,
                                           **SUPPRESSED_STYLE))
                    ax.text(x, placeholder * 1.08, _suppressed_label(base, min_cell), rotation=90, ha="center",
                            va="bottom", fontsize=7, color="#555555", gid=SUPPRESSED)
                elif np.isnan(height) and has_row:
                    no_data = True
                    ax.text(x, top * 0.01, NO_DATA_LABEL, rotation=90, ha="center", va="bottom", fontsize=6,
                            color="#888888", gid=NO_DATA)
        ax.set_title(title, fontsize=11)
        ax.set_xticks(np.arange(len(groups)), groups, rotation=30, ha="right")
        ax.set_ylim(0, top)
        ax.grid(axis="y", color="#dddddd", linewidth=0.6)
        ax.set_axisbelow(True)
        _percent_axis(ax)
    axes[0].set_ylabel(PCT_LABEL)
    handles, labels = axes[0].get_legend_handles_labels()
    handles.append(_suppressed_legend(min_cell, "studenten"))
    labels.append(handles[-1].get_label())
    if no_data:
        handles.append(_no_data_legend())
        labels.append(handles[-1].get_label())
    figure.legend(handles, labels, loc="outside lower center", ncols=5, fontsize=8, frameon=False)
    note = "" if complete else " (jaar nog niet compleet)"
    figure.suptitle(f"Studentparticipatie per {group_title}, per kwartaal {year}{note}", fontsize=13)
    return figure


def participation_trend(frame: pd.DataFrame, min_cell: int) -> Figure:
    """The institution over all quarters: participated and available (lines), suppressed quarters marked."""
    frame = frame.sort_values("quarter")
    quarters = list(frame["quarter"])
    xs = np.arange(len(quarters))
    suppressed = frame["suppressed"].fillna(False).astype(bool).to_numpy()
    figure = new_figure(max(9.0, 0.38 * len(quarters) + 3), 5.0)
    ax = figure.subplots()
    for (column, label), colour in zip(SERIES, ("#08519c", "#fd8d3c")):
        values = np.where(suppressed, np.nan, _floats(frame[column]))
        ax.plot(xs, values, marker="o", markersize=4, color=colour, label=label)
    bases = _floats(frame["n_students"])
    missing = np.isnan(_floats(frame["pct_participated"])) | np.isnan(_floats(frame["pct_available"]))
    below = transforms.blended_transform_factory(ax.transData, ax.transAxes)
    for x, is_suppressed, base, is_missing in zip(xs, suppressed, bases, missing):
        if is_suppressed:
            ax.axvspan(x - 0.4, x + 0.4, gid=SUPPRESSED, **SUPPRESSED_STYLE)
            ax.text(x, 0.02, _suppressed_label(base, min_cell), transform=below, rotation=90, ha="center",
                    va="bottom", fontsize=7, gid=SUPPRESSED)
        elif is_missing:
            ax.text(x, 0.02, NO_DATA_LABEL, transform=below, rotation=90, ha="center", va="bottom", fontsize=7,
                    color="#888888", gid=NO_DATA)
    ax.set_xticks(xs, quarters, rotation=90 if len(quarters) > 12 else 0, fontsize=8)
    ax.set_ylim(bottom=0)
    ax.set_ylabel(PCT_LABEL)
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    _percent_axis(ax)
    handles, labels = ax.get_legend_handles_labels()
    if suppressed.any():
        handles.append(_suppressed_legend(min_cell, "studenten"))
        labels.append(handles[-1].get_label())
    if (missing & ~suppressed).any():
        handles.append(_no_data_legend())
        labels.append(handles[-1].get_label())
    figure.legend(handles, labels, loc="outside lower center", ncols=3, fontsize=8, frameon=False)
    ax.set_title("Studentparticipatie instellingsbreed per kwartaal", fontsize=13)
    return figure


# --- wellbeing -------------------------------------------------------------------------------------------


#: The target groups of marts.wellbeing_indicators (level `group`) as a reader names them, in this order.
TARGET_GROUPS = {"first_year": "eerstejaars", "international": "internationale studenten",
                 "first_generation": "eerste generatie", "gender:vrouw": "vrouw", "gender:man": "man",
                 "gender:anders": "anders", "gender:zeg ik liever niet": "geslacht niet genoemd"}
#: What a trend chart sets beside the institution: (legend title, subtitle) per level.
TREND_LEVELS = {"location": ("Locatie", "instellingsbreed en per locatie, met 95 %-betrouwbaarheidsinterval"),
                "group": ("Doelgroep", "instellingsbreed en per doelgroep, met 95 %-betrouwbaarheidsinterval")}


def _trend_groups(frame: pd.DataFrame, level: str) -> list[tuple[str, str]]:
    """(group_name, label) of the level's groups: locations alphabetically, target groups in TARGET_GROUPS order."""
    names = [str(n) for n in frame.loc[frame["level"] == level, "group_name"].unique()]
    if level != "group":
        return [(name, name) for name in sorted(names)]
    order = list(TARGET_GROUPS)
    return [(name, TARGET_GROUPS.get(name, name))
            for name in sorted(names, key=lambda n: (order.index(n) if n in order else len(order), n))]


def wellbeing_trend(frame: pd.DataFrame, indicator: str, min_cell: int, level: str = "location",
                    title: str | None = None) -> Figure:
    """One indicator over the survey years: the institution and each location (`level` "location") or each
    target group ("group"), with 95 % CI error bars.

    `frame` has rows of `marts.wellbeing_indicators` for this indicator at level `institution` and `level`;
    `title` is the indicator's label (marts.dim_indicator), else its code.
    """
    frame = frame[(frame["indicator"] == indicator) & frame["level"].isin(["institution", level])]
    years = sorted(int(y) for y in frame["survey_year"].unique())
    position = {year: i for i, year in enumerate(years)}
    series = [("institution", None, INSTITUTION)] + [(level, name, label) for name, label in _trend_groups(frame, level)]
    figure = new_figure(max(10.0, 1.2 * len(years) + 6), 5.4)
    ax = figure.subplots()
    colours = iter(["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                    "#bcbd22", "#17becf", "#393b79", "#8c6d31"] * 4)
    below = transforms.blended_transform_factory(ax.transData, ax.transAxes)
    spread = 0.5 / max(len(series), 1)
    any_suppressed = False
    for k, (series_level, group, label) in enumerate(series):
        rows = frame[frame["level"] == series_level]
        if group is not None:
            rows = rows[rows["group_name"] == group]
        rows = rows.sort_values("survey_year")
        if rows.empty:
            continue
        colour = "black" if group is None else next(colours)
        xs = np.array([position[int(y)] for y in rows["survey_year"]]) + (k - (len(series) - 1) / 2) * spread
        suppressed = rows["suppressed"].fillna(False).astype(bool).to_numpy()
        value = np.where(suppressed, np.nan, _floats(rows["value"]))
        low = np.clip(value - _floats(rows["ci_low"]), 0, None)
        high = np.clip(_floats(rows["ci_high"]) - value, 0, None)
        ax.errorbar(xs, value, yerr=[np.nan_to_num(low), np.nan_to_num(high)], marker="o", markersize=4,
                    capsize=3, color=colour, linewidth=2.2 if group is None else 1.2, label=label)
        for x, is_suppressed, n in zip(xs, suppressed, _floats(rows["n_respondents"])):
            if is_suppressed:
                any_suppressed = True
                ax.text(x, 0.02, _suppressed_label(n, min_cell), transform=below, ha="center", va="bottom",
                        fontsize=7, color=colour, gid=SUPPRESSED,
                        bbox={"boxstyle": "round,pad=0.25", "facecolor": SUPPRESSED_STYLE["facecolor"],
                              "edgecolor": colour, "linewidth": 0.6})
    ax.set_xticks(range(len(years)), [str(y) for y in years])
    ax.set_xlim(-0.6, len(years) - 0.4)
    ax.set_xlabel("Enquêtejaar")
    if indicator.endswith("_pct"):
        ax.set_ylabel("% van de studenten" if indicator == "response_rate_pct" else "% van de respondenten")
        ax.set_ylim(bottom=0)
        _percent_axis(ax)
    else:
        ax.set_ylabel("gemiddelde score")
        ax.yaxis.set_major_locator(MaxNLocator(nbins=8))
        ax.yaxis.set_major_formatter(FuncFormatter(_dutch_tick))
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    handles, labels = ax.get_legend_handles_labels()
    if any_suppressed:
        handles.append(_suppressed_legend(min_cell, "respondenten", wrap=True))
        labels.append(handles[-1].get_label())
    legend_title, subtitle = TREND_LEVELS[level]
    ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, title=legend_title,
              title_fontsize=8)
    figure.suptitle(title or indicator.replace("_", " "), fontsize=13)
    ax.set_title(subtitle, fontsize=9)
    return figure


# --- building the charts from the warehouse --------------------------------------------------------------


def _has_table(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(con.execute("""SELECT count(*) FROM information_schema.tables WHERE table_schema = ?
                               AND table_name = ? AND table_catalog = current_database()""",
                            [schema, table]).fetchall()[0][0])


def participation_charts(con: duckdb.DuckDBPyConnection, min_cell: int, today: dt.date | None = None,
                         log=print) -> dict[str, Figure]:
    """`participation_by_location`, `participation_by_domain` (latest complete year) and `participation_trend`."""
    if not _has_table(con, "marts", "participation_institution"):
        log("participation charts skipped: marts.participation_institution does not exist yet")
        return {}
    columns = "quarter, n_students, pct_participated, pct_available, suppressed"
    institution = con.sql(f"SELECT {columns} FROM marts.participation_institution ORDER BY quarter").df()
    figures = {"participation_trend": participation_trend(institution, min_cell)} if len(institution) else {}
    chosen = latest_complete_year(list(institution["quarter"]), today)
    if chosen is None:
        log("participation dashboard skipped: marts.participation_institution has no rows")
        return figures
    year, complete = chosen
    for group_column, table, title in (("location", "participation_by_location", "locatie"),
                                       ("domain", "participation_by_domain", "domein")):
        if not _has_table(con, "marts", table):
            log(f"participation dashboard per {title} skipped: marts.{table} does not exist yet")
            continue
        groups = con.sql(f"""SELECT {columns}, CAST({group_column} AS VARCHAR) AS {group_column}
                             FROM marts.{table} WHERE quarter LIKE '{year}-Q%'""").df()
        overall = institution[institution["quarter"].str.startswith(f"{year}-Q")].assign(**{group_column: INSTITUTION})
        frame = pd.concat([overall, groups], ignore_index=True)
        figures[table] = participation_dashboard(frame, group_column, year, min_cell, title, complete)
    return figures


def wellbeing_charts(con: duckdb.DuckDBPyConnection, min_cell: int, log=print) -> dict[str, Figure]:
    """For every indicator of marts.wellbeing_indicators (none while it is missing): `wellbeing_<indicator>`,
    the institution and its locations, and `wellbeing_groups_<indicator>`, the institution and its target
    groups (response_rate_pct has no target groups: no such chart)."""
    if not _has_table(con, "marts", "wellbeing_indicators"):
        log("wellbeing charts skipped: marts.wellbeing_indicators does not exist yet (no survey marts built)")
        return {}
    frame = con.sql("""SELECT survey_year, level, CAST(group_name AS VARCHAR) AS group_name, indicator,
                              n_respondents, value, ci_low, ci_high, suppressed
                       FROM marts.wellbeing_indicators WHERE level IN ('institution', 'location', 'group')""").df()
    if frame.empty:
        log("wellbeing charts skipped: marts.wellbeing_indicators has no institution, location or group rows")
    labels = indicator_labels(con)
    figures = {}
    for indicator in sorted(frame["indicator"].unique()):
        title = labels.get(indicator)
        figures[f"wellbeing_{indicator}"] = wellbeing_trend(frame, indicator, min_cell, title=title)
        of_groups = frame[(frame["indicator"] == indicator) & (frame["level"] == "group")]
        # a group row with neither a value nor a suppression has nothing to draw (a response rate: no count)
        if (of_groups["value"].notna() | of_groups["suppressed"].fillna(False).astype(bool)).any():
            figures[f"wellbeing_groups_{indicator}"] = wellbeing_trend(frame, indicator, min_cell, level="group",
                                                                       title=title)
    return figures


def indicator_labels(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Each indicator's Dutch label from marts.dim_indicator, the one place labels live (none while it is
    missing: the charts then show the codes)."""
    if not _has_table(con, "marts", "dim_indicator"):
        return {}
    return dict(con.execute("SELECT indicator, label_nl FROM marts.dim_indicator").fetchall())

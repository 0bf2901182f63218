"""The scale benchmark: the pipeline against the hand-written DuckDB script and plain pandas, on the same files.

    bench/run --scale S [--reuse] [--pandas-timeout SECONDS] [--skip-pandas]

At scale S, in one run:
1. `wellbeing demo-data --scale S` writes the demo landing zone once (bench/work/scale_S/landing_all);
2. full refresh: `wellbeing materialize` into an empty data folder whose landing zone is those files;
3. incremental refresh: another data folder gets the landing zone without the last quarter's hours files and
   pool snapshot and is materialised (`incremental_base_s`); then the quarter arrives and `wellbeing
   materialize` runs again (`incremental_s`); its marts must equal the full refresh's;
4. the hand-written DuckDB script (bench/handwritten.sql) and the pandas version compute the participation
   marts and wellbeing indicators from the same landing files; both are compared value by value with the
   pipeline's marts (bench/compare.py).
Each step runs in its own process; time is wall time and memory the peak of the whole process tree (the
pipeline's includes dbt's subprocesses). The table is printed and written to bench/results/scale_<S>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import sys
from importlib import metadata
from pathlib import Path

import duckdb
import pandas as pd

from bench import measure
from bench.compare import compare, pipeline_marts

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
KEY = "benchmark-key-not-for-real-data"
PACKAGES = ("dagster", "dagster-dbt", "dbt-core", "dbt-duckdb", "duckdb", "pandas", "great-expectations",
            "python-calamine")


def scale_label(scale: float) -> str:
    return f"{scale:g}".replace(".", "_")


def held_out(landing: Path) -> list[Path]:
    """The last quarter's hours files and pool snapshot: what an incremental refresh receives."""
    hours = landing / "participation" / "hours"
    months = {}
    for path in hours.iterdir():
        if m := re.search(r"(\d{4})-(\d{2})", path.name):
            months[path] = (int(m.group(1)), (int(m.group(2)) - 1) // 3 + 1)
    last = max(months.values())
    files = [p for p, q in months.items() if q == last]
    pool = landing / "participation" / "pool" / f"pool_{last[0]}-Q{last[1]}.csv"
    return sorted(files + ([pool] if pool.exists() else []))


def link_tree(src: Path, dst: Path, skip: set[Path] = frozenset()) -> int:
    """Hard-link the files of `src` into `dst` (same bytes and modification times, no copying)."""
    n = 0
    for path in src.rglob("*"):
        if path.is_file() and path not in skip:
            target = dst / path.relative_to(src)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.link(path, target)
            n += 1
    return n


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WB_", "DAGSTER_HOME"))}
    # WB_DEMO=1: the benchmark's key is public, as the demo's is (assets/common/settings.py, require_key)
    env.update({"WB_DATA_DIR": str(data_dir), "WB_PSEUDONYM_KEY": KEY, "WB_DEMO": "1", "DAGSTER_HOME": str(data_dir / "dagster_home"),
                "GX_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1", "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"})
    return env


def _bin(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


def _materialize(data_dir: Path, log: Path) -> measure.Measurement:
    result = measure.run([_bin("wellbeing"), "materialize"], env=_env(data_dir), cwd=ROOT, log=log)
    if result.returncode != 0:
        raise SystemExit(f"wellbeing materialize failed (see {log}):\n{result.output_tail}")
    return result


def _raw_counts(warehouse: Path) -> dict[str, int]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = [r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'raw' order by 1").fetchall()]
        return {t: int(con.execute(f"select count(*) from raw.{t}").fetchone()[0]) for t in tables}
    finally:
        con.close()


def _marts_equal(a: Path, b: Path, tol: float = 1e-9) -> bool:
    """Every participation and wellbeing mart of warehouse `a` equals `b`'s, row for row: the other columns
    exactly, floating-point values within a relative 1e-9 (a mean summed in another row order may differ in its
    last bits; rounding both to 9 decimals is no tolerance: 3.4990234375 and 3.499023437499999 round apart)."""
    tables = ["participation_institution", "participation_by_location", "participation_by_domain",
              "participation_by_programme", "wellbeing_indicators", "wellbeing_by_participation"]
    con = duckdb.connect()
    try:
        con.execute(f"attach '{a}' as a (read_only)")
        con.execute(f"attach '{b}' as b (read_only)")
        for t in tables:
            columns = con.execute(f"describe a.marts.{t}").fetchall()
            exact = [f'"{name}"' for name, kind, *_ in columns if kind not in ("DOUBLE", "FLOAT")]
            floats = [f'"{name}"' for name, kind, *_ in columns if kind in ("DOUBLE", "FLOAT")]
            if [c[:2] for c in columns] != [c[:2] for c in con.execute(f"describe b.marts.{t}").fetchall()]:
                return False
            keys = ", ".join(exact)
            if con.execute(f"""select count(*) from ((select {keys} from a.marts.{t} except all
                                select {keys} from b.marts.{t}) union all (select {keys} from b.marts.{t}
                                except all select {keys} from a.marts.{t}))""").fetchone()[0]:
                return False
            if not floats:
                continue
            on = " and ".join(f"x.{c} is not distinct from y.{c}" for c in exact)
            apart = " or ".join(f"(x.{c} is null) <> (y.{c} is null) or abs(x.{c} - y.{c}) > "
                                f"{tol} * greatest(1, abs(x.{c}))" for c in floats)
            matched, differing = con.execute(
                f"select count(*), count(*) filter (where {apart}) from a.marts.{t} x join b.marts.{t} y on {on}"
            ).fetchone()
            if differing or matched != con.execute(f"select count(*) from a.marts.{t}").fetchone()[0]:
                return False
        return True
    finally:
        con.close()


def _baseline(module: str, landing: Path, out: Path, log: Path, timeout: float | None) -> measure.Measurement:
    shutil.rmtree(out, ignore_errors=True)
    env = _env(landing.parent)
    return measure.run([sys.executable, "-m", module, str(landing), "--out", str(out)], env=env, cwd=ROOT,
                       log=log, timeout=timeout)


def _read(out: Path) -> dict[str, pd.DataFrame]:
    return {name: pd.read_parquet(out / f"{name}.parquet") for name in ("participation", "wellbeing_indicators")}


def machine() -> dict:
    cpu = ""
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {"cpus": os.cpu_count(), "cpu": cpu, "memory_gb": round(mem, 1), "os": platform.platform(),
            "python": platform.python_version(), "load_average_at_start": list(os.getloadavg())}


def versions() -> dict:
    out = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def run(scale: float, seed: int = 42, reuse: bool = False, pandas_timeout: float | None = None,
        skip_pandas: bool = False, log=print) -> dict:
    work = BENCH / "work" / f"scale_{scale_label(scale)}"
    landing = work / "landing_all"
    logs = work / "logs"
    results: dict = {"scale": scale, "seed": seed, "date": dt.datetime.now().isoformat(timespec="seconds"),
                     "machine": machine(), "versions": versions()}

    # 1. the landing zone (once)
    if not (reuse and (landing / ".complete").exists()):
        shutil.rmtree(work, ignore_errors=True)
        logs.mkdir(parents=True)
        log(f"[scale {scale:g}] generating the demo landing zone …")
        gen = measure.run([_bin("wellbeing"), "demo-data", "--scale", str(scale), "--seed", str(seed), "--out",
                           str(landing), "--quiet"], env=_env(work), cwd=ROOT, log=logs / "demo_data.log")
        if gen.returncode:
            raise SystemExit(f"demo-data failed:\n{gen.output_tail}")
        (landing / ".complete").write_text(json.dumps({"scale": scale, "seed": seed}))
        results["demo_data_s"], results["demo_data_peak_rss_mb"] = gen.seconds, gen.peak_rss_mb
    logs.mkdir(parents=True, exist_ok=True)
    files = [p for p in landing.rglob("*") if p.is_file() and not p.name.startswith(".")]
    results["landing_files"] = len(files)
    results["landing_mb"] = round(sum(p.stat().st_size for p in files) / 2**20, 1)

    # 2. full refresh from an empty warehouse
    full = work / "full"
    shutil.rmtree(full, ignore_errors=True)
    link_tree(landing, full / "landing")
    log(f"[scale {scale:g}] full refresh (wellbeing materialize, empty warehouse) …")
    m_full = _materialize(full, logs / "full.log")
    results.update(full_s=m_full.seconds, full_peak_rss_mb=m_full.peak_rss_mb)
    results["rows"] = _raw_counts(full / "warehouse" / "wellbeing.duckdb")

    # 3. incremental refresh: the last quarter's hours arrive
    incr = work / "incremental"
    shutil.rmtree(incr, ignore_errors=True)
    later = held_out(landing)
    link_tree(landing, incr / "landing", skip=set(later))
    log(f"[scale {scale:g}] incremental: materialising without {', '.join(p.name for p in later)} …")
    m_base = _materialize(incr, logs / "incremental_base.log")
    for path in later:
        target = incr / "landing" / path.relative_to(landing)
        os.link(path, target)
    log(f"[scale {scale:g}] incremental refresh (the new quarter arrived) …")
    m_incr = _materialize(incr, logs / "incremental.log")
    results.update(incremental_base_s=m_base.seconds, incremental_s=m_incr.seconds,
                   incremental_peak_rss_mb=m_incr.peak_rss_mb,
                   incremental_files=[p.name for p in later],
                   incremental_equals_full=_marts_equal(full / "warehouse" / "wellbeing.duckdb",
                                                        incr / "warehouse" / "wellbeing.duckdb"))
    results["peak_rss_mb"] = max(m_full.peak_rss_mb, m_base.peak_rss_mb, m_incr.peak_rss_mb)

    pipeline = pipeline_marts(full / "warehouse" / "wellbeing.duckdb")
    results["information_loss"] = information_loss(full / "warehouse" / "wellbeing.duckdb")

    # 4. the hand-written DuckDB script, then pandas
    log(f"[scale {scale:g}] hand-written DuckDB script …")
    m_sql = _baseline("bench.handwritten", landing, work / "handwritten", logs / "handwritten.log", None)
    if m_sql.returncode:
        raise SystemExit(f"the hand-written DuckDB script failed:\n{m_sql.output_tail}")
    results.update(duckdb_sql_s=m_sql.seconds, duckdb_sql_peak_rss_mb=m_sql.peak_rss_mb)
    results["duckdb_sql_equals_pipeline"] = compare(pipeline, _read(work / "handwritten"))

    if skip_pandas:
        results.update(pandas_s=None, pandas_skipped=True)
    else:
        log(f"[scale {scale:g}] pandas …" + (f" (time-out {pandas_timeout:.0f} s)" if pandas_timeout else ""))
        m_pd = _baseline("bench.pandas_impl", landing, work / "pandas", logs / "pandas.log", pandas_timeout)
        results.update(pandas_s=m_pd.seconds, pandas_peak_rss_mb=m_pd.peak_rss_mb, pandas_timed_out=m_pd.timed_out)
        if m_pd.timed_out:
            results["pandas_equals_pipeline"] = None
        elif m_pd.returncode:
            results.update(pandas_failed=True, pandas_error=m_pd.output_tail[-2000:])
        else:
            results["pandas_equals_pipeline"] = compare(pipeline, _read(work / "pandas"))

    results["ratios"] = {
        "full_over_duckdb_sql": round(results["full_s"] / results["duckdb_sql_s"], 2),
        "pandas_over_full": round(results["pandas_s"] / results["full_s"], 2) if results.get("pandas_s") else None,
        "incremental_over_full": round(results["incremental_s"] / results["full_s"], 3),
    }
    results["machine"]["load_average_at_end"] = list(os.getloadavg())
    return results


#: (mart, base count, suppressed flag, reason column) of the disclosure-controlled tables
LOSS_TABLES = (
    ("participation_institution", "n_students", "suppressed", "suppression_reason"),
    ("participation_by_location", "n_students", "suppressed", "suppression_reason"),
    ("participation_by_domain", "n_students", "suppressed", "suppression_reason"),
    ("participation_by_programme", "n_students", "suppressed", "suppression_reason"),
    ("participation_by_programme", "n_students", "hours_suppressed", "hours_suppression_reason"),
    ("wellbeing_indicators", "n_respondents", "suppressed", "suppression_reason"),
)
PRIMARY_REASONS = ("small_base", "few_contributors", "dominance")


def information_loss(warehouse: Path) -> dict[str, dict]:
    """Per disclosure-controlled table: its cells, those hidden by the rules themselves (primary: what any
    disclosure control must hide) and those hidden as complements, with the persons they describe."""
    out = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for mart, base, flag, reason in LOSS_TABLES:
            primary = ", ".join(f"'{r}'" for r in PRIMARY_REASONS)
            row = con.execute(f"""
                SELECT count(*),
                       count(*) FILTER (WHERE {flag} AND {reason} IN ({primary})),
                       coalesce(sum({base}) FILTER (WHERE {flag} AND {reason} IN ({primary})), 0),
                       count(*) FILTER (WHERE {flag} AND {reason} = 'complementary'),
                       coalesce(sum({base}) FILTER (WHERE {flag} AND {reason} = 'complementary'), 0)
                FROM marts.{mart}""").fetchone()
            name = mart if flag == "suppressed" else f"{mart} (hours)"
            out[name] = dict(zip(("cells", "primary", "primary_persons", "complementary",
                                  "complementary_persons"), (int(v) for v in row)))
    return out


def table(r: dict) -> str:
    def mb(v):
        return "" if v is None else f"{v:,.0f} MB"

    sql_ok = r["duckdb_sql_equals_pipeline"]["equal"]
    pd_eq = r.get("pandas_equals_pipeline")
    pandas_s = r.get("pandas_s")
    pandas_cell = "skipped" if pandas_s is None else (f"> {pandas_s:,.0f} s (timed out)" if r.get("pandas_timed_out")
                                                       else f"{pandas_s:,.1f} s")
    rows = [
        ("wellbeing materialize, full refresh", f"{r['full_s']:,.1f} s", mb(r["full_peak_rss_mb"]), "pipeline"),
        ("wellbeing materialize, + one quarter", f"{r['incremental_s']:,.1f} s", mb(r["incremental_peak_rss_mb"]),
         "marts equal the full refresh's: " + ("yes" if r["incremental_equals_full"] else "NO")),
        ("hand-written DuckDB script", f"{r['duckdb_sql_s']:,.1f} s", mb(r["duckdb_sql_peak_rss_mb"]),
         "equal to the pipeline's marts: " + ("yes" if sql_ok else "NO")),
        ("plain pandas", pandas_cell, mb(r.get("pandas_peak_rss_mb")),
         "" if pd_eq is None else "equal to the pipeline's marts: " + ("yes" if pd_eq["equal"] else "NO")),
    ]
    hours = r["rows"].get("participation_hours", 0)
    head = (f"scale {r['scale']:g}: {r['landing_files']} landing files ({r['landing_mb']:,.0f} MB), "
            f"{hours:,} timesheet lines, {r['rows'].get('participation_pool', 0):,} pool rows, "
            f"{r['rows'].get('survey_responses', 0):,} survey responses")
    lines = [head, "", "| run | time | peak memory | |", "|---|---:|---:|---|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    ratio = r["ratios"]
    lines += ["", f"full / DuckDB script = {ratio['full_over_duckdb_sql']}×; "
              + (f"pandas / full = {ratio['pandas_over_full']}×; " if ratio["pandas_over_full"] else "")
              + f"incremental / full = {100 * ratio['incremental_over_full']:.1f} %"]
    if r.get("information_loss"):
        lines += ["", "Information loss of disclosure control (cells; persons = the base counts they describe): "
                      "primary, as the rules require, and the complements added to protect them",
                  "", "| table | cells | primary | persons | + complementary | persons |",
                  "|---|---:|---:|---:|---:|---:|"]
        for name, v in r["information_loss"].items():
            lines.append(f"| {name} | {v['cells']:,} | {v['primary']:,} | {v['primary_persons']:,} | "
                         f"{v['complementary']:,} | {v['complementary_persons']:,} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/run", description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, required=True)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--reuse", action="store_true", help="reuse the landing zone of an earlier run at this scale")
    parser.add_argument("--pandas-timeout", type=float, default=None,
                        help="stop pandas after this many seconds and record the bound (pandas_timed_out)")
    parser.add_argument("--skip-pandas", action="store_true")
    args = parser.parse_args(argv)
    results = run(args.scale, args.seed, args.reuse, args.pandas_timeout, args.skip_pandas,
                  log=lambda s: print(s, flush=True))
    out = BENCH / "results" / f"scale_{scale_label(args.scale)}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    tmp.replace(out)
    print()
    print(table(results))
    print(f"\nwritten to {out.relative_to(ROOT)}")
    ok = results["duckdb_sql_equals_pipeline"]["equal"] and results["incremental_equals_full"] and (
        results.get("pandas_equals_pipeline") in (None,) or results["pandas_equals_pipeline"]["equal"])
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

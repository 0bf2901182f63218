"""`wellbeing` – the command of the warehouse contract: `demo-data` and `materialize`, `rekey` (a deliberate
change of the pseudonymisation key), and `disclose` (the step between dbt's models and marts on dbt's PostgreSQL
target)."""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import sys
import time
from pathlib import Path

from assets.common.settings import DEMO_PSEUDONYM_KEY, ConfigurationError, Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="wellbeing", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo-data", help="write a realistic, seeded landing zone")
    demo.add_argument("--out", type=Path, default=None, help="landing folder (default $WB_DATA_DIR/landing)")
    demo.add_argument("--scale", type=float, default=1.0, help="1 ≈ the real institution; S multiplies it")
    demo.add_argument("--seed", type=int, default=42)
    demo.add_argument("--quiet", action="store_true", help="no progress bar")

    mat = sub.add_parser("materialize", help="load the landing zone and build every mart, check and export")
    mat.add_argument("--full", action="store_true",
                     help="rebuild every model and write every export again, not only what is stale")

    rekey = sub.add_parser(
        "rekey", help="change the pseudonymisation key on purpose: load the whole landing zone again under the "
                      "new WB_PSEUDONYM_KEY and rebuild everything (docs/operations.md)")
    rekey.add_argument("--accept-missing", action="store_true",
                       help="re-key although loaded files are no longer in the landing zone (their rows are lost)")
    rekey.add_argument("--adopt", action="store_true",
                       help="a warehouse from before the key's fingerprint: record WB_PSEUDONYM_KEY as the key its "
                            "rows were made with, loading nothing again (you vouch for it)")

    sub.add_parser(
        "disclose", help="dbt's PostgreSQL target (no Python models): decide disclosure control (docs/disclosure.md) "
                         "after `dbt build --target postgres --select +tag:disclosure_cells`, before the rest")

    args = parser.parse_args(argv)
    try:
        if args.command == "demo-data":
            return _demo_data(args)
        if args.command == "disclose":
            return _disclose()
        if args.command == "rekey":
            return _rekey(args.accept_missing, args.adopt)
        return materialize(full=args.full)
    except ConfigurationError as exc:
        print(f"wellbeing: {exc}", file=sys.stderr)
        return 2


def _demo_data(args: argparse.Namespace) -> int:
    from assets.demo import generate_landing

    out = args.out or Settings.from_env().landing_dir
    summary = generate_landing(out, scale=args.scale, seed=args.seed, progress=not args.quiet)
    print(f"Demo landing zone written to {out}")
    for key, value in summary.items():
        print(f"  {key}: {value}")
    return 0


def _disclose() -> int:
    """The disclosure decisions in dbt's PostgreSQL database (WB_PG_*), for its models of the source `disclosure`.
    (On DuckDB, dbt decides them itself, in Python models.)"""
    import psycopg

    from assets.common.disclosure.rules import DisclosureRules
    from assets.common.disclosure.store import DECISIONS, decide_in
    from assets.common.settings import postgres_conninfo

    rules = DisclosureRules.from_env()
    with psycopg.connect(postgres_conninfo()) as con:
        for family in DECISIONS:
            written, stats = decide_in(con, family, rules, progress=print)
            print(f"{family}: {written} disclosure decisions written ({stats.get('primary', 0)} primary, "
                  f"{stats.get('complementary', 0)} complementary)")
    return 0


def _rekey(accept_missing: bool, adopt: bool = False) -> int:
    from orchestration.rekey import adopt_key, rekey

    settings = Settings.from_env()
    if adopt:
        adopt_key(settings)
        return 0
    return rekey(settings, accept_missing, reload=lambda: materialize(settings, full=True))


def materialize(settings: Settings | None = None, out=print, full: bool = False) -> int:
    """Validate and load what the landing zone newly holds, then build what depends on it, checks included
    (orchestration/runner.py). 0 only when all is well."""
    import duckdb

    from assets.common.key_guard import guard_key
    from assets.common.resource import is_lock_error
    from assets.common.warehouse import connect
    from orchestration.runner import run_everything

    settings = settings or Settings.from_env()
    try:
        with connect(settings.warehouse_path) as con:  # before any run: a weak or another key loads nothing
            key = guard_key(con, settings)
    except duckdb.IOException as exc:
        if not is_lock_error(exc):
            raise
        key = settings.require_key()  # the warehouse is busy: the steps wait for it and compare the key then
    if settings.demo and key == DEMO_PSEUDONYM_KEY:
        print("Using the public DEMO pseudonymisation key (WB_DEMO=1): never for real data.", file=sys.stderr)
    os.environ.setdefault("DAGSTER_HOME", str(settings.data_dir / "dagster_home"))
    home = Path(os.environ["DAGSTER_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists():  # nothing here reaches the internet, usage statistics neither
        (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
    started = time.monotonic()
    terminal = sys.stdout
    show = out if out is not print else (lambda text: print(text, file=terminal, flush=True))
    log_path = settings.data_dir / "logs" / "materialize.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    # what the frameworks print while the runs go (dbt's own log, which dagster-dbt echoes line by line) goes to
    # the log file; the terminal shows one line per step, the warnings and the outcome
    with open(log_path, "w", encoding="utf-8") as log, contextlib.redirect_stdout(log):
        def progress(text: str) -> None:
            show(text)
            print(text, flush=True)

        try:
            problems = run_everything(settings, out=progress, full=full)
        except Exception as exc:  # outside any step (e.g. Dagster's run history on a full disk): no hook alerted
            problems = [alert_crash(settings, exc)]
    elapsed = time.monotonic() - started
    if problems:
        print(f"\nwellbeing materialize FAILED after {elapsed:.1f} s (the runs' full log: {log_path}):",
              file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    out(f"\nwellbeing materialize succeeded in {elapsed:.1f} s. Warehouse: {settings.warehouse_path} "
        f"(the runs' full log: {log_path})")
    return 0


def alert_crash(settings: Settings, exc: Exception) -> str:
    """Record (and mail) an alert for a failure outside the runs' steps; the sentence to show. Only the error's
    type and first line are kept: no traceback, nor the SQL parameters some storage errors carry."""
    from assets.common.alerts import record_alert
    from assets.common.masking import safe_text
    from assets.common.warehouse import connect

    error = safe_text(f"{type(exc).__name__}: {(str(exc).strip().splitlines() or [''])[0][:300]}".rstrip(": "))
    problem = f"the run stopped outside its steps: {error}"
    try:
        with connect(settings.warehouse_path) as con:
            record_alert(con, severity="error", kind="run_failure", subject="wellbeing materialize mislukt",
                         message=f"De run stopte buiten zijn stappen: {error}", settings=settings,
                         action="Controleer de schijfruimte en de opslag van Dagster (DAGSTER_HOME), en start "
                                "`wellbeing materialize` opnieuw; de vorige exports zijn ongewijzigd.")
    except Exception as alert_exc:  # the warehouse on the same full disk: the terminal is all that is left
        problem += f" (the alert could not be recorded either: {type(alert_exc).__name__})"
    return problem


def console_main() -> None:
    """The `wellbeing` console script: `main()`, then a normal exit whose teardown skips the last garbage
    collection.

    An interpreter that has loaded dagster, dbt's libraries, great-expectations and matplotlib spends about two
    seconds at exit in the cyclic garbage collector, walking objects about to be freed with the process anyway.
    `gc.freeze()` takes them out of its reach; everything else of the exit stays: atexit handlers, log handlers
    and output flushed, multiprocessing's clean-up. Tests call `main()` in-process and are unaffected."""
    code = main()
    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":
    console_main()

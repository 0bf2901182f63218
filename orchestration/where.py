"""Printed at the end of `make demo`: where the results are and how to look at them."""

from __future__ import annotations

import duckdb

from assets.common.settings import Settings
from orchestration.sanity import print_wellbeing_sanity_table


def main() -> None:
    settings = Settings.from_env()
    print("\nResults")
    print(f"  warehouse (DuckDB, written only by the pipeline): {settings.warehouse_path}")
    if settings.warehouse_path.exists():
        con = duckdb.connect(str(settings.warehouse_path), read_only=True)
        try:
            marts = con.execute("""SELECT table_schema || '.' || table_name FROM information_schema.tables
                                   WHERE table_schema IN ('marts', 'restricted') ORDER BY 1""").fetchall()
            for (name,) in marts:
                (n,) = con.execute(f"SELECT count(*) FROM {name}").fetchone()
                print(f"    {name:<45} {n:>8,} rows")
        finally:
            con.close()
    for label, folder in (("BI exports (Parquet, CSV, DuckDB copy)", settings.exports_dir / "bi"),
                          ("charts (PNG)", settings.exports_dir / "charts"),
                          ("restricted exports (individual feedback)", settings.exports_dir / "restricted"),
                          ("quarantine (rejected files + reports)", settings.quarantine_dir)):
        if folder.exists():
            print(f"  {label}: {folder} ({sum(1 for p in folder.iterdir() if p.is_file())} files)")
    if settings.warehouse_path.exists():
        print()
        print_wellbeing_sanity_table(settings.warehouse_path)
    print("\nDagster UI: `make ui` (the demo data: `make ui DEMO=1`), then open http://127.0.0.1:3000 (runs, assets, "
          "checks, charts).")


if __name__ == "__main__":
    main()

"""Exports for BI, Excel, SQL and charts (warehouse contract, "Exports"): `assets.py` holds the Dagster assets;
the other modules are plain functions (the CSV dialect, publishing, table exports, dbt docs, charts)."""

"""Deployment helpers for `make serve` and the systemd units: the Dagster instance on PostgreSQL.

`python -m orchestration.deploy prepare` creates the database of `WB_DAGSTER_PG_URL` when it is missing and
writes `deploy/dagster.yaml` into `$DAGSTER_HOME`, so a fresh server needs nothing but PostgreSQL.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import psycopg
from psycopg import sql

from assets.common.settings import PROJECT_ROOT, libpq_dsn, redact_dsn

#: `+psycopg2`: SQLAlchemy 2.1 picks psycopg 3 for a plain `postgresql://`, with which dagster-postgres' event
#: log fails ("syntax error at or near $1" on NOTIFY); psycopg2 is what dagster-postgres is written for.
DEFAULT_PG_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/wellbeing_dagster"
INSTANCE_YAML = PROJECT_ROOT / "deploy" / "dagster.yaml"


def ensure_database(url: str) -> bool:
    """Create the database named in `url` (via the server's `postgres` database); True when it was created."""
    url = libpq_dsn(url)
    info = psycopg.conninfo.conninfo_to_dict(url)
    name = info.get("dbname")
    if not name:
        raise ValueError(f"no database name in {redact_dsn(url)}")
    admin = psycopg.conninfo.make_conninfo(url, dbname="postgres")
    with psycopg.connect(admin, autocommit=True) as con:
        if con.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return False
        con.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return True


def prepare_home(home: Path) -> Path:
    """$DAGSTER_HOME with the deployment's dagster.yaml (rewritten, so an upgrade of the project applies)."""
    home.mkdir(parents=True, exist_ok=True)
    target = home / "dagster.yaml"
    shutil.copyfile(INSTANCE_YAML, target)
    return target


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args != ["prepare"]:
        print("usage: python -m orchestration.deploy prepare", file=sys.stderr)
        return 2
    url = os.environ.setdefault("WB_DAGSTER_PG_URL", DEFAULT_PG_URL)
    home = Path(os.environ.get("DAGSTER_HOME") or PROJECT_ROOT / "data" / "dagster_prod")
    try:
        created = ensure_database(url)
    except psycopg.OperationalError as exc:
        print(f"cannot reach PostgreSQL at {redact_dsn(url)}: {str(exc).strip().splitlines()[0]}\n"
              "Start PostgreSQL or set WB_DAGSTER_PG_URL to a reachable database.", file=sys.stderr)
        return 1
    prepare_home(home)
    print(f"Dagster instance: {home} (storage {redact_dsn(url)}{', created' if created else ''})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

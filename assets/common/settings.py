"""Settings from the environment, each with an embedded default (warehouse contract, "Configuration").

One place reads `WB_*`; everything else asks a `Settings` object, so a test can build one for a tmp dir.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"

#: The key `make demo` uses; public, so never for real data: accepted only with the demo opt-in (`WB_DEMO=1`).
DEMO_PSEUDONYM_KEY = "demo-key-not-for-real-data"
#: The shortest key accepted outside the demo: 32 characters (e.g. 16 random bytes as hex is 32; `make`'s
#: recipe in the README gives 64). A short key can be found by trying, and with it every pseudonym reversed.
MIN_KEY_LENGTH = 32


class ConfigurationError(RuntimeError):
    """A setting is missing or invalid; the message says which and what to do."""


#: DuckDB's memory limit for the warehouse (the pipeline's connections and dbt's): DuckDB's own default is 80 %
#: of the machine, and it spills to `<warehouse>.tmp/` beyond the limit instead. National scale (~7 M timesheet
#: lines) builds within it; the pipeline's peak stays under 4 GB with Python and dbt around it.
DEFAULT_DUCKDB_MEMORY_LIMIT = "2GB"


def duckdb_memory_limit(environ: dict[str, str] | None = None) -> str:
    """`WB_DUCKDB_MEMORY_LIMIT` (e.g. 2GB, 1500MB), else the default."""
    env = os.environ if environ is None else environ
    value = (env.get("WB_DUCKDB_MEMORY_LIMIT") or DEFAULT_DUCKDB_MEMORY_LIMIT).strip().upper().replace(" ", "")
    if not re.fullmatch(r"\d+(\.\d+)?(KB|MB|GB|TB|KIB|MIB|GIB|TIB)", value):
        raise ConfigurationError(f"WB_DUCKDB_MEMORY_LIMIT must be a size such as 2GB or 1500MB, not {value!r}")
    return value


def _number(env, name: str, default: float, kind=int):
    text = env.get(name)
    if text is None or not text.strip():
        return default
    try:
        value = kind(text.strip())
    except ValueError:
        raise ConfigurationError(f"{name} must be a {'whole ' if kind is int else ''}number, not {text!r}") from None
    if value < 0:
        raise ConfigurationError(f"{name} must not be negative")
    return value


@dataclass(frozen=True)
class LandingLimits:
    """What a landing file may be before it is parsed, and how long it must rest (docs/operations.md).

    Each bound is checked from the file's size, its first lines or a workbook's sheet XML, so a hostile file is
    rejected in seconds and can never make a reader allocate without bound."""

    max_file_mb: int = 1024          # WB_MAX_FILE_MB
    max_columns: int = 1000          # WB_MAX_COLUMNS
    max_rows: int = 20_000_000       # WB_MAX_ROWS (data rows, header excluded)
    max_cell_chars: int = 32_767     # WB_MAX_CELL_CHARS (Excel's own limit)
    max_sheet_cells: int = 25_000_000  # WB_MAX_SHEET_CELLS (a sheet's used range, rows x columns)
    settle_seconds: float = 5.0      # WB_SETTLE_SECONDS: unchanged this long before a file counts as delivered

    @property
    def max_file_bytes(self) -> int:
        return self.max_file_mb * 1024 * 1024

    @classmethod
    def from_env(cls, env) -> "LandingLimits":
        d = cls()
        return cls(
            max_file_mb=_number(env, "WB_MAX_FILE_MB", d.max_file_mb),
            max_columns=_number(env, "WB_MAX_COLUMNS", d.max_columns),
            max_rows=_number(env, "WB_MAX_ROWS", d.max_rows),
            max_cell_chars=_number(env, "WB_MAX_CELL_CHARS", d.max_cell_chars),
            max_sheet_cells=_number(env, "WB_MAX_SHEET_CELLS", d.max_sheet_cells),
            settle_seconds=_number(env, "WB_SETTLE_SECONDS", d.settle_seconds, float),
        )


def data_group(environ: dict[str, str] | None = None) -> str | None:
    """`WB_DATA_GROUP`: the group that may read the warehouse and restricted exports besides their owner (unset:
    the owner only; assets/common/private.py)."""
    env = os.environ if environ is None else environ
    return env.get("WB_DATA_GROUP", "").strip() or None


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    pseudonym_key: str | None = None
    min_cell: int = 10
    brin: str = "27PZ"
    smtp_host: str | None = None
    smtp_port: int = 25
    alert_from: str | None = None
    alert_to: str | None = None
    serving_dsn: str | None = None
    serving_reader: str | None = None
    column_mappings: dict[str, dict[str, str]] = field(default_factory=dict)
    landing: LandingLimits = field(default_factory=LandingLimits)
    demo: bool = False

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> "Settings":
        env = os.environ if environ is None else environ
        try:
            min_cell = int(env.get("WB_MIN_CELL", "10"))
            smtp_port = int(env.get("WB_SMTP_PORT", "25"))
        except ValueError as exc:
            raise ConfigurationError(f"WB_MIN_CELL and WB_SMTP_PORT must be whole numbers: {exc}") from exc
        if min_cell < 1:
            raise ConfigurationError("WB_MIN_CELL must be at least 1")
        demo = env.get("WB_DEMO", "").strip().lower() in ("1", "true", "yes")
        return cls(
            data_dir=Path(env.get("WB_DATA_DIR", "./data")).resolve(),
            pseudonym_key=env.get("WB_PSEUDONYM_KEY") or (DEMO_PSEUDONYM_KEY if demo else None),
            min_cell=min_cell,
            brin=env.get("WB_BRIN", "27PZ").strip().upper(),
            smtp_host=env.get("WB_SMTP_HOST") or None,
            smtp_port=smtp_port,
            alert_from=env.get("WB_ALERT_FROM") or None,
            alert_to=env.get("WB_ALERT_TO") or None,
            serving_dsn=env.get("WB_SERVING_DSN") or None,
            serving_reader=env.get("WB_SERVING_READER") or None,
            landing=LandingLimits.from_env(env),
            demo=demo,
        )

    # Layout of $WB_DATA_DIR (landing and warehouse contracts).
    @property
    def landing_dir(self) -> Path:
        return self.data_dir / "landing"

    @property
    def quarantine_dir(self) -> Path:
        return self.data_dir / "quarantine"

    @property
    def warehouse_path(self) -> Path:
        return self.data_dir / "warehouse" / "wellbeing.duckdb"

    @property
    def exports_dir(self) -> Path:
        return self.data_dir / "exports"

    @property
    def column_mapping_path(self) -> Path:
        """Optional per-source column mapping a data engineer maintains (config, not code)."""
        return self.data_dir / "config" / "column_mapping.yml"

    def require_key(self) -> str:
        """The pseudonymisation key, when it is fit for use: set, without whitespace, and outside the demo
        (`WB_DEMO=1`) at least MIN_KEY_LENGTH characters and not the public demo key."""
        key = self.pseudonym_key
        if not key:
            raise ConfigurationError(
                "WB_PSEUDONYM_KEY is not set: student numbers must be pseudonymised with a secret key before "
                "anything is loaded, so nothing was loaded. Set WB_PSEUDONYM_KEY to a long random secret "
                "(keep it the same across runs so pseudonyms stay joinable)."
            )
        if any(c.isspace() for c in key):
            raise ConfigurationError(
                "WB_PSEUDONYM_KEY contains whitespace (a blank key, or padding copied with it): nothing was "
                "loaded. Set it to the key exactly, without spaces or line breaks.")
        if self.demo:
            return key
        if key == DEMO_PSEUDONYM_KEY:
            raise ConfigurationError(
                "WB_PSEUDONYM_KEY is the public demo key: nothing was loaded. Use your own secret key for real "
                "data; for the demo data only, opt in with WB_DEMO=1 (as `make demo` does).")
        if len(key) < MIN_KEY_LENGTH:
            raise ConfigurationError(
                f"WB_PSEUDONYM_KEY is shorter than {MIN_KEY_LENGTH} characters, too short to keep pseudonyms "
                "from being reversed: nothing was loaded. Generate one with "
                "`python -c 'import secrets; print(secrets.token_hex(32))'`.")
        return key

    def dbt_env(self) -> dict[str, str]:
        """What dbt needs to find the warehouse and the rules' parameters."""
        return {
            "WB_WAREHOUSE_PATH": str(self.warehouse_path),
            "WB_MIN_CELL": str(self.min_cell),
            "WB_DATA_DIR": str(self.data_dir),
            "WB_BRIN": self.brin,
            "WB_DUCKDB_MEMORY_LIMIT": duckdb_memory_limit(),
        }


#: The PostgreSQL target of the dbt project (dbt_project/profiles.yml, output `postgres`): variable, default.
POSTGRES_ENV_DEFAULTS = {
    "WB_PG_HOST": "127.0.0.1",
    "WB_PG_PORT": "5432",
    "WB_PG_USER": "postgres",
    "WB_PG_PASSWORD": "",
    "WB_PG_DATABASE": "wellbeing",
}


def postgres_conninfo(environ: dict[str, str] | None = None) -> str:
    """A libpq connection string for the database dbt's `postgres` target uses (same variables, same defaults)."""
    from psycopg.conninfo import make_conninfo

    env = os.environ if environ is None else environ
    value = {name: env.get(name, default) for name, default in POSTGRES_ENV_DEFAULTS.items()}
    parts = {"host": value["WB_PG_HOST"], "port": value["WB_PG_PORT"], "user": value["WB_PG_USER"],
             "dbname": value["WB_PG_DATABASE"]}
    if value["WB_PG_PASSWORD"]:
        parts["password"] = value["WB_PG_PASSWORD"]
    return make_conninfo(**parts)


def libpq_dsn(url: str) -> str:
    """A SQLAlchemy URL (`postgresql+psycopg2://…`) as libpq reads it (`postgresql://…`); others unchanged."""
    return re.sub(r"^postgres(?:ql)?\+\w+://", "postgresql://", url)


def redact_dsn(dsn: str) -> str:
    """A PostgreSQL connection string without its password, for messages, logs and run metadata."""
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    info = conninfo_to_dict(libpq_dsn(dsn))
    info.pop("password", None)
    return make_conninfo(**info)

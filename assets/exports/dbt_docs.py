"""dbt's documentation site, published for analysts: `exports/docs/index.html` (self-contained: opens from a
file share without a web server), `manifest.json` and `catalog.json`.

`dbt docs generate` runs with its target and log paths in a temporary folder, so it never touches the
project's own `target/` (which Dagster's dbt assets use) and a failed run publishes nothing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

from assets.common.dbt_command import dbt_subprocess_env
from assets.common.dbt_state import partial_parse_path
from assets.common.settings import Settings
from assets.exports.publish import Publication

#: published name -> file in dbt's target folder (`--static` embeds manifest and catalog in one HTML file)
DOCS_FILES = {"index.html": "static_index.html", "manifest.json": "manifest.json", "catalog.json": "catalog.json"}


class DbtDocsError(RuntimeError):
    pass


def compiled_manifest(path: Path) -> bool:
    """Whether the dbt manifest at `path` holds the compiled SQL of every model and data test (a full build's
    does; a build of a selection compiles only what it ran)."""
    if not path.is_file():
        return False
    nodes = json.loads(path.read_bytes())["nodes"].values()
    return all(node.get("compiled_code") for node in nodes if node["resource_type"] in ("model", "test"))


def generate_docs(settings: Settings, out_dir: Path, dbt_executable: str, project_dir: Path,
                  profiles_dir: Path, timeout: int = 900, build_manifest: Path | None = None) -> list[Path]:
    """Run `dbt docs generate --static` against the warehouse and publish its files into `out_dir`.

    `build_manifest`: the manifest of the dbt build that made the warehouse; when it holds every node's compiled
    SQL (`compiled_manifest`) the site shows that, the SQL that ran, and dbt skips compiling the project again
    (`--no-compile`: about 3 s of the ~8). The warehouse must not be open for writing in another connection
    (dbt-duckdb opens the file itself).
    """
    with tempfile.TemporaryDirectory(prefix="wb-dbt-docs-") as tmp:
        target = Path(tmp) / "target"
        target.mkdir(parents=True)
        saved = partial_parse_path(settings)
        if saved.exists():  # the last dbt build's parse, same profile: dbt re-parses only what changed, if anything
            shutil.copyfile(saved, target / saved.name)
        reuse = build_manifest is not None and compiled_manifest(build_manifest)
        if reuse:
            shutil.copyfile(build_manifest, target / "manifest.json")
        env = dbt_subprocess_env(settings)
        result = subprocess.run(
            [dbt_executable, "docs", "generate", "--static", "--quiet", *(["--no-compile"] if reuse else []),
             "--project-dir", str(project_dir), "--profiles-dir", str(profiles_dir), "--target-path", str(target),
             "--log-path", str(Path(tmp) / "logs")],
            env=env, capture_output=True, text=True, timeout=timeout, cwd=project_dir,
        )
        if result.returncode != 0:
            output = (result.stdout + result.stderr).strip().splitlines()
            raise DbtDocsError("dbt docs generate failed: " + " | ".join(output[-8:]))
        missing = [src for src in DOCS_FILES.values() if not (target / src).exists()]
        if missing:
            raise DbtDocsError(f"dbt docs generate wrote no {', '.join(missing)}")
        with Publication(out_dir, prune=["*.html", "*.json"]) as publication:
            for name, src in DOCS_FILES.items():
                shutil.copyfile(target / src, publication.temp(name))
        return [out_dir / name for name in DOCS_FILES]

"""The dbt project builds on PostgreSQL too (tests/postgres), where an identifier has at most 63 bytes: dbt
refuses a model, seed or unit test whose relation name is longer ("Relation name … is longer than 63
characters"). Checked on the parsed manifest, in a second, rather than found by the PostgreSQL build."""

from __future__ import annotations

import json

from assets.common.dbt_project import dbt_project, ensure_manifest

POSTGRES_MAX_IDENTIFIER = 63


def test_relation_names_fit_postgres():
    ensure_manifest()
    manifest = json.loads(dbt_project.manifest_path.read_text(encoding="utf-8"))
    relations = [n["alias"] or n["name"] for n in manifest["nodes"].values() if n["resource_type"] in ("model", "seed")]
    unit_tests = [u["name"] for u in manifest["unit_tests"].values()]
    assert len(relations) > 30 and len(unit_tests) > 20
    too_long = [name for name in relations + unit_tests if len(name.encode("utf-8")) > POSTGRES_MAX_IDENTIFIER]
    assert not too_long, f"longer than {POSTGRES_MAX_IDENTIFIER} bytes (PostgreSQL's limit): {too_long}"

"""The layers of the code, one way (docs/design.md, "Layers"): no import cycle between the project's modules,
and no import upwards. Imports inside functions count too: they hide a cycle from Python, not from a reader.

library (`assets/common/`, the rule modules of `expectations/`) ← definitions (`assets/<domain>/`,
`expectations/checks.py`, `orchestration/dbt.py`) ← the code location (`orchestration/`); `bench/` stands
aside and nothing imports it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("orchestration", "assets", "expectations", "bench")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules() -> dict[str, Path]:
    return {_module_name(p): p for package in PACKAGES for p in sorted((ROOT / package).rglob("*.py"))}


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The project module `name` is or lies in (`a.b.c` → `a.b` when `c` is a name in module `a.b`)."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def imports_of(module: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The project modules `module` imports anywhere in its body (relative imports resolved)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            names = [f"{base}.{alias.name}" for alias in node.names]  # a submodule, or a name in `base`
        else:
            continue
        found |= {m for m in (_resolve(n, modules) for n in names) if m is not None}
    return found - {module}


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    modules = project_modules()
    return {module: imports_of(module, path, modules) for module, path in modules.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle (its modules, the first repeated at the end), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = 1
        path.append(module)
        for imported in sorted(graph.get(module, ())):
            if state.get(imported) == 1:
                return path[path.index(imported):] + [imported]
            if imported not in state and (cycle := visit(imported)):
                return cycle
        path.pop()
        state[module] = 2
        return None

    for module in sorted(graph):
        if module not in state and (cycle := visit(module)):
            return cycle
    return None


def test_no_import_cycle(graph):
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " → ".join(cycle)


def test_the_cycle_finder_finds_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _violations(graph: dict[str, set[str]], importers: tuple[str, ...], forbidden: tuple[str, ...]) -> list[str]:
    return sorted(f"{m} imports {i}" for m, imported in graph.items() if any(_within(m, p) for p in importers)
                  for i in imported if any(_within(i, f) for f in forbidden))


def test_assets_and_expectations_never_import_the_code_location(graph):
    assert _violations(graph, ("assets", "expectations"), ("orchestration",)) == []


def test_the_common_library_imports_no_definitions(graph):
    assert _violations(graph, ("assets.common",), ("assets.ingest", "assets.exports", "expectations.checks")) == []


def test_nothing_imports_the_benchmark(graph):
    assert _violations(graph, tuple(p for p in PACKAGES if p != "bench"), ("bench",)) == []


def test_every_package_is_scanned(graph):
    assert {m.split(".")[0] for m in graph} == set(PACKAGES)
    assert "expectations.validate" in graph["assets.ingest.engine"]  # imports reach the graph

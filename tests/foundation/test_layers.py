"""The layers hold without tricks: no module imports one above it, and no two modules import each other,
counting the imports inside functions (which import-linter does not see).

Layers (docs/conventions.md, DESIGN.md): foundation -> data -> analysis -> presentation.  Imports under
``if TYPE_CHECKING:`` count for the layers (a type-only reference upwards still couples them) but not for the
cycles (they never run).  ``from spillover import __version__`` is allowed everywhere: the top package
imports nothing at module level (its names are loaded lazily by ``__getattr__``).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
PACKAGE = SRC / "spillover"

FOUNDATION, DATA, ANALYSIS, PRESENTATION = range(4)
LAYERS = {
    **dict.fromkeys(
        [
            "errors",
            "regions",
            "io",
            "panel",
            "options",
            "summary",
            "_labels",
            "_names",
            "_readonly",
            "_parallel",
            "_version",
        ],
        FOUNDATION,
    ),
    **dict.fromkeys(["weights", "indicators", "datasets"], DATA),
    **dict.fromkeys(["esda", "spatial", "panel_models", "productivity", "disparity", "causal"], ANALYSIS),
    **dict.fromkeys(["tables", "maps", "study", "qgis", "cli", "demo", "__main__"], PRESENTATION),
}


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _type_checking_lines(tree: ast.Module) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def _targets(module: str, node: ast.Import | ast.ImportFrom, is_package: bool) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name.startswith("spillover")]
    if node.level:
        base = module.split(".") if is_package else module.split(".")[:-1]
        base = base[: len(base) - (node.level - 1)]
        prefix = ".".join(base + ([node.module] if node.module else []))
    else:
        prefix = node.module or ""
    if not prefix.startswith("spillover"):
        return []
    names = [a.name for a in node.names if not (prefix == "spillover" and a.name == "__version__")]
    return [f"{prefix}.{n}" if f"{prefix}.{n}" in MODULES else prefix for n in names]


def imports() -> list[tuple[str, str, int, bool]]:
    """Every (importer, imported module, line, type_checking_only) in the package, at any depth."""
    edges = []
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        typing_only = _type_checking_lines(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                for target in _targets(module, node, path.name == "__init__.py"):
                    if target != module:
                        edges.append((module, target, node.lineno, node.lineno in typing_only))
    return edges


def layer(module: str) -> int:
    parts = module.split(".")
    return PRESENTATION + 1 if len(parts) == 1 else LAYERS[parts[1]]


def test_every_module_has_a_layer() -> None:
    unknown = sorted({m.split(".")[1] for m in MODULES if "." in m} - set(LAYERS))
    assert not unknown, (
        f"give these modules a layer in tests/foundation/test_layers.py and pyproject: {unknown}"
    )


def test_no_module_imports_a_layer_above_it() -> None:
    upward = [f"{s}:{line} -> {t}" for s, t, line, _ in imports() if layer(t) > layer(s)]
    assert not upward, "upward imports (move the shared piece down):\n" + "\n".join(upward)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def _runtime_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for s, t, _, typing_only in imports():
        # a package's __init__ re-exports its submodules: importing the package from one of them is fine
        if not typing_only and not s.startswith(t + "."):
            graph[s].add(t)
    for m in MODULES:
        graph.setdefault(m, set())
    return graph


def test_no_import_cycles_even_inside_functions() -> None:
    cycles = _cycles(_runtime_graph())
    assert not cycles, f"import cycles (move the shared piece into a lower module): {cycles}"


@pytest.mark.parametrize(
    "source, expected",
    [
        ("def f():\n    from spillover.maps import lisa_map\n", True),  # deferred: still an upward import
        ("import numpy\n", False),
    ],
)
def test_the_checker_sees_imports_inside_functions(tmp_path, source, expected) -> None:
    # the checker must fail on the trick the issue names: an import of the presentation layer in a function
    tree = ast.parse(source)
    found = [
        t
        for n in ast.walk(tree)
        if isinstance(n, ast.Import | ast.ImportFrom)
        for t in _targets("spillover.esda", n, False)
    ]
    assert any(layer(t) > layer("spillover.esda") for t in found) is expected


def test_the_cycle_finder_finds_a_two_module_cycle() -> None:
    graph = {"a": {"b"}, "b": {"a"}, "c": {"a"}}
    assert _cycles(graph) == [["a", "b"]]

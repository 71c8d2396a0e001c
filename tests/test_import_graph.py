"""The package's architecture as a test: no import cycles, and each layer imports only the layers below it.

Imports are read from the source with :mod:`ast` (no module is executed), including imports inside
function bodies: an import moved into a function to dodge a cycle still makes one.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

import gridxl

PACKAGE = Path(gridxl.__file__).resolve().parent

# Lowest first; a module may import its own layer and the layers listed before it.
LAYERS = ["core", "i18n", "progress", "io", "addin", "engine", "workbook", "reports", "authoring", "addin.build",
          "commands", "cli"]
# gridxl.addin holds the GRID_* functions (core only: they run in Excel, Pyodide and the engine);
# gridxl.addin.build writes the add-in's files and may use every layer below the commands.
TOP_LEVEL = {"gridxl": "core", "gridxl.__main__": "cli"}  # the package's own __init__ holds the version only


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _targets(module: str, node: ast.AST, is_package: bool) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    if node.level:
        base = module.split(".") if is_package else module.split(".")[:-1]
        base = base[: len(base) - (node.level - 1)]
        source = ".".join(base + ([node.module] if node.module else []))
    else:
        source = node.module or ""
    # `from gridxl.io import inputs` imports the module gridxl.io.inputs
    return [f"{source}.{a.name}" if f"{source}.{a.name}" in MODULES else source for a in node.names]


def _function_body_imports() -> dict[str, set[str]]:
    """{module: gridxl modules it imports inside a function}."""
    found = {}
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        is_package = path.name == "__init__.py"
        for fn in ast.walk(tree):
            if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for node in ast.walk(fn):
                    for target in _targets(module, node, is_package):
                        if target.startswith("gridxl"):
                            found.setdefault(module, set()).add(target)
    return found


# Lazy on purpose, each for a reason that is not a cycle: the commands import their layers when they run
# (so `gridxl --help` stays fast), and these three load something heavy or global only when it is used.
LAZY = {("gridxl.engine.fallback", "gridxl.engine.formulas_udfs"),  # edits formulas' function table
        ("gridxl.i18n", "gridxl.core.translate"),  # the hook is installed when a language is set
        ("gridxl.io.outputs", "gridxl.io.text_columns")}  # pyarrow's CSV writer, for --explain only


def _graph() -> dict[str, set[str]]:
    graph = {}
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found = set()
        for node in ast.walk(tree):
            found.update(_targets(module, node, path.name == "__init__.py"))
        graph[module] = {t for t in found if t.split(".")[0] in ("gridxl", "udfs")}
    return graph


GRAPH = _graph()


def _layer(module: str) -> str:
    if module in TOP_LEVEL:
        return TOP_LEVEL[module]
    if module.startswith("gridxl.addin.build"):
        return "addin.build"
    return module.split(".")[1]


def _cycles(graph):
    """Strongly connected components of more than one module (Tarjan, iteratively)."""
    index, low, on_stack, stack, found, counter = {}, {}, set(), [], [], [0]
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root] & graph.keys())))]
        index[root] = low[root] = counter[0]; counter[0] += 1
        stack.append(root); on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter[0]; counter[0] += 1
                    stack.append(child); on_stack.add(child)
                    work.append((child, iter(sorted(graph[child] & graph.keys()))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop(); on_stack.discard(member); component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_graph_is_read():
    # the walk must see the package's real edges, or every assertion below passes vacuously
    assert len(MODULES) > 60
    assert "gridxl.core.scheme" in GRAPH["gridxl.core.scoring"]
    assert "gridxl.io.outputs" in GRAPH["gridxl.commands.core_cmds"]
    assert "gridxl.io.inputs" in GRAPH["gridxl.workbook.check"]  # `from gridxl.io.inputs import …`


def test_the_cycle_finder_finds_cycles():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles():
    assert _cycles(GRAPH) == []


def test_nothing_in_gridxl_imports_udfs():
    assert {m: sorted(t for t in ts if t.startswith("udfs")) for m, ts in GRAPH.items()
            if any(t.startswith("udfs") for t in ts)} == {}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_each_layer_imports_only_the_layers_below(module):
    allowed = LAYERS[: LAYERS.index(_layer(module)) + 1]
    upward = sorted(t for t in GRAPH[module] if t.startswith("gridxl.") and _layer(t) not in allowed)
    assert upward == [], f"{module} ({_layer(module)}) imports from a higher layer: {upward}"


def test_no_function_body_import_dodges_the_layers():
    """Outside the command line, gridxl modules import each other at the top: an import hidden in a function
    is how a cycle was dodged before; only the lazy imports listed in LAZY remain."""
    hidden = {(m, t) for m, targets in _function_body_imports().items() for t in targets
              if _layer(m) not in ("commands", "cli")}
    assert hidden - LAZY == set()
    assert LAZY <= hidden  # the list stays true: a lazy import that goes away leaves it

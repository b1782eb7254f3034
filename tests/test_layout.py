"""The layout's two rules, checked on the source (ast), so a later change cannot quietly break them:
imports go `flows` → `expectations` → `report_templates` → `transforms` and never back, at module
level or inside a function; and no two modules import each other, directly or round a longer cycle."""

from __future__ import annotations

import ast
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
LAYERS = ("flows", "expectations", "report_templates", "transforms")  # each may import only those after it


def _modules() -> dict[str, Path]:
    found = {}
    for package in LAYERS:
        for path in (PROJECT / package).rglob("*.py"):
            parts = path.relative_to(PROJECT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _imports(path: Path, module: str, known: set[str]) -> set[str]:
    """Every project module `path` imports, anywhere in the file (functions included)."""
    out: set[str] = set()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            names = [f"{base}.{a.name}" for a in node.names] + [base]
        else:
            continue
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name and name != module:
                out.add(name)
    return out


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    # a package's __init__ is not an edge target when a submodule is meant (`from a import b` names a.b)
    return {m: {i for i in _imports(p, m, known) if not (i in LAYERS)} for m, p in modules.items()}


def test_imports_follow_the_layer_order() -> None:
    rank = {layer: n for n, layer in enumerate(LAYERS)}
    upward = sorted(f"{m} imports {i}" for m, targets in _graph().items() for i in targets
                    if rank[i.split(".")[0]] < rank[m.split(".")[0]])
    assert upward == []


def test_no_import_cycles() -> None:
    graph = _graph()
    cycles, state = [], {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                cycles.append(" → ".join(path[path.index(nxt):] + [nxt]) if nxt in path else f"{node} → {nxt}")
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert cycles == []


def test_the_checker_sees_function_level_and_relative_imports(tmp_path: Path) -> None:
    """The rules would pass vacuously if `_imports` missed imports inside functions."""
    src = tmp_path / "m.py"
    src.write_text("def f():\n    from transforms.runtime import home\n    import flows.stages\n", "utf-8")
    assert _imports(src, "transforms.x", {"transforms.runtime.home", "flows.stages"}) == {
        "transforms.runtime.home", "flows.stages"}


def test_tests_mirror_the_folders_and_import_no_other_test_module() -> None:
    """Test modules sit in tests/<package>/ (tests/test_layout.py, about the whole tree, at the top) and
    share code only through tests/support/ and conftest fixtures."""
    tests = PROJECT / "tests"
    misplaced = sorted(str(p.relative_to(tests)) for p in tests.rglob("test_*.py")
                       if p.parent != tests and p.parent.name not in LAYERS)
    crossing = []
    for path in tests.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            crossing += [f"{path.relative_to(tests)} imports {n}" for n in names
                         if n.startswith("tests.") and n.rpartition(".")[2].startswith(("test_", "conftest"))]
    assert misplaced == [] and crossing == []

"""The package's shape: one world, many faces, a harness; no module imports one that imports it back."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).parent.parent / "micc_sim"


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        name = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")
        found[name] = path
    return found


def _imports(path: Path, modules: dict[str, Path]) -> set[str]:
    """Every module of ours this one imports, at the top or inside a function (an import put off until a call
    is still a dependency); what only type checkers read is not."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    checking = {id(n) for node in ast.walk(tree)
                if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test) for n in ast.walk(node)}
    targets: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in checking:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            subs = [f"{node.module}.{a.name}" for a in node.names if f"{node.module}.{a.name}" in modules]
            targets.update(subs if len(subs) == len(node.names) else [node.module, *subs])
        elif isinstance(node, ast.Import):
            targets.update(a.name for a in node.names)
    return {t for t in targets if t in modules}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    return found


def test_no_module_imports_one_that_imports_it_back():
    modules = _modules()
    graph = {name: _imports(path, modules) - {name} for name, path in modules.items()}
    assert _cycles(graph) == []


def test_the_world_imports_no_face_and_no_harness():
    modules = _modules()
    world = {n: _imports(p, modules) for n, p in modules.items() if n.startswith("micc_sim.world")}
    outside = {n: sorted(t for t in targets if t.startswith(("micc_sim.faces", "micc_sim.harness")))
               for n, targets in world.items()}
    assert {n: t for n, t in outside.items() if t} == {}


def test_no_module_waits_with_asyncio_wait_for():
    """On Python 3.11 ``asyncio.wait_for`` loses a cancellation that lands as its awaitable finishes, so a task
    that loops around it never stops and ``serve`` hangs at shutdown; ``asyncio.timeout`` does not."""
    users = [name for name, path in _modules().items()
             if any(isinstance(node, ast.Attribute) and node.attr == "wait_for" and ast.unparse(node.value) == "asyncio"
                    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))))]
    assert users == []

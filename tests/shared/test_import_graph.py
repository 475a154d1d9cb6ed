"""The import graph of shared/, services/ and klachten/, read with ast (module-level and
function-level imports alike, so a cycle cannot hide inside a function): no cycles, no service
importing another service, and shared/ importing neither services nor klachten."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.support.sources import parse

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("shared", "services", "klachten")


def _modules(root: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every module of the checked packages."""
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _targets(
    node: ast.Import | ast.ImportFrom, module: str, is_package: bool, modules: set[str]
) -> set[str]:
    """The project modules one import statement loads."""
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names} & modules
    base = node.module or ""
    if node.level:  # relative: from the module's package, one level up per extra dot
        package = module.split(".") if is_package else module.split(".")[:-1]
        package = package[: len(package) - (node.level - 1)]
        base = ".".join([*package, base] if base else package)
    # `from a.b import c` imports the submodule a.b.c if there is one, else a name of a.b.
    submodules = {f"{base}.{alias.name}" for alias in node.names}
    names = any(sub not in modules for sub in submodules)
    return (submodules | ({base} if names else set())) & modules


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    """Module -> the project modules it imports anywhere in its body (functions and
    ``if TYPE_CHECKING:`` blocks included: a cycle for the type checker is still a cycle)."""
    modules = _modules(root)
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        for node in ast.walk(parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import | ast.ImportFrom):
                graph[name] |= _targets(node, name, is_package, set(modules)) - {name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One concrete cycle per strongly connected component of more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []

    def visit(start: str) -> None:
        # Iterative Tarjan: the graph is deep enough to make recursion fragile.
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        components.append(component)

    for name in sorted(graph):
        if name not in index:
            visit(name)
    return [_one_cycle(graph, component) for component in components]


def _one_cycle(graph: dict[str, set[str]], component: set[str]) -> list[str]:
    """The shortest way from the component's first module back to itself, for the message."""
    start = min(component)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for child in sorted(graph[node] & component):
                if child == start:
                    return [*paths[node], start]
                if child not in paths:
                    paths[child] = [*paths[node], child]
                    following.append(child)
        frontier = following
    return sorted(component)


def test_the_graph_sees_function_level_and_relative_imports(tmp_path: Path) -> None:
    package = tmp_path / "shared" / "pkg"
    package.mkdir(parents=True)
    (tmp_path / "shared" / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("def later():\n    from shared.pkg import b\n")
    (package / "b.py").write_text("from . import c\nfrom .c import NAME\n")
    (package / "c.py").write_text("import shared.pkg.a\nNAME = 1\n")
    graph = import_graph(tmp_path)
    assert graph["shared.pkg.a"] == {"shared.pkg.b"}
    assert graph["shared.pkg.b"] == {"shared.pkg.c"}
    assert _cycles(graph) == [["shared.pkg.a", "shared.pkg.b", "shared.pkg.c", "shared.pkg.a"]]
    assert len(import_graph()) > 100


def test_no_import_cycles() -> None:
    cycles = _cycles(import_graph())
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_no_service_imports_another_service() -> None:
    wrong = [
        f"{name} imports {target}"
        for name, targets in import_graph().items()
        if name.startswith("services.")
        for target in targets
        if target.startswith("services.") and target.split(".")[1] != name.split(".")[1]
    ]
    assert not wrong, "\n".join(wrong)


def test_shared_imports_neither_services_nor_klachten() -> None:
    wrong = [
        f"{name} imports {target}"
        for name, targets in import_graph().items()
        if name.split(".")[0] == "shared"
        for target in targets
        if target.split(".")[0] in ("services", "klachten")
    ]
    assert not wrong, "\n".join(wrong)


def test_a_cycle_is_found_and_named() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c", "a"]]

"""shared/rules stays pure: no I/O modules, no environment, no clock, no randomness, and nothing
from `shared` but the rules and the contract, also not through the modules it imports (read from
the source, so a function-level import counts as much as one at the top)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.support.sources import parse

ROOT = Path(__file__).parents[3]
RULES = ROOT / "shared" / "rules"
MODULES = sorted(RULES.rglob("*.py"))
ALLOWED_SHARED = ("shared.rules", "shared.contract")

FORBIDDEN_MODULES = {
    "asyncio",
    "faststream",
    "http",
    "httpx",
    "importlib",
    "io",
    "logging",
    "nats",
    "os",
    "pathlib",
    "random",
    "requests",
    "secrets",
    "shutil",
    "smtplib",
    "socket",
    "sqlite3",
    "subprocess",
    "sys",
    "tempfile",
    "threading",
    "time",
    "tomllib",
    "urllib",
    "uuid",
}
# Names a module may take from an otherwise forbidden module: types, not I/O or randomness.
ALLOWED_NAMES = {"uuid": {"UUID"}}
FORBIDDEN_CALLS = {
    "now",
    "utcnow",
    "today",
    "open",
    "getenv",
    "putenv",
    "input",
    "print",
    "time_ns",
    "uuid1",
    "uuid4",
    "__import__",
}
FORBIDDEN_ATTRIBUTES = {"environ", "environb"}  # reading the environment, however imported


def problems(source: str) -> list[str]:
    """I/O, environment, clock and randomness in one module's source."""
    found = []
    for node in ast.walk(parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            taken = {alias.name for alias in node.names}
            module = node.module or ""
            names = [] if taken <= ALLOWED_NAMES.get(module, set()) else [module]
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in FORBIDDEN_CALLS:
                found.append(f"line {node.lineno}: calls {name}()")
            continue
        elif isinstance(node, ast.Attribute) and node.attr in FORBIDDEN_ATTRIBUTES:
            found.append(f"line {node.lineno}: reads the environment ({node.attr})")
            continue
        else:
            continue
        found += [
            f"line {node.lineno}: imports {n}"
            for n in names
            if n.split(".")[0] in FORBIDDEN_MODULES
        ]
    return found


# -- what a rules module reaches in `shared` ---------------------------------------------------


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def module_path(name: str, root: Path = ROOT) -> Path | None:
    base = root.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def shared_imports(path: Path, root: Path = ROOT) -> set[str]:
    """The `shared` modules `path` imports (packages included: importing runs their __init__)."""
    package = module_name(path if path.name == "__init__.py" else path.parent, root)
    found: set[str] = set()
    for node in ast.walk(parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for target in targets:
            if target.split(".")[0] != "shared":
                continue
            parts = target.split(".")
            # the module itself and every package on the way (each __init__ runs on import)
            found |= {".".join(parts[:i]) for i in range(1, len(parts) + 1)}
    return {name for name in found if module_path(name, root) is not None}


def reached(path: Path, root: Path = ROOT) -> dict[str, list[str]]:
    """Every `shared` module importing `path` runs, with the import chain that reaches it."""
    start = module_name(path, root)
    chains: dict[str, list[str]] = {start: [start]}
    todo = [start]
    while todo:
        name = todo.pop()
        source = module_path(name, root)
        assert source is not None
        for imported in sorted(shared_imports(source, root)):
            if imported not in chains:
                chains[imported] = [*chains[name], imported]
                todo.append(imported)
    return chains


def crossings(path: Path, root: Path = ROOT) -> list[str]:
    """Modules outside shared.rules and shared.contract (the bare `shared` package aside) that
    importing `path` runs, and I/O, environment or clock in the ones inside it reaches."""
    found = []
    for name, chain in sorted(reached(path, root).items()):
        via = " -> ".join(chain)
        if name != "shared" and not name.startswith(ALLOWED_SHARED):
            found.append(f"imports {name} ({via})")
            continue
        source = module_path(name, root)
        assert source is not None
        if source != path:
            found += [f"{name}: {p} ({via})" for p in problems(source.read_text("utf-8"))]
    return found


def test_the_rules_package_exists() -> None:
    assert RULES / "__init__.py" in MODULES
    assert RULES / "legal_calendar.py" in MODULES


@pytest.mark.parametrize("module", MODULES, ids=lambda p: str(p.relative_to(RULES)))
def test_rules_modules_do_no_io_and_read_no_clock(module: Path) -> None:
    assert problems(module.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("module", MODULES, ids=lambda p: str(p.relative_to(RULES)))
def test_rules_modules_reach_only_rules_and_contract_in_shared(module: Path) -> None:
    assert crossings(module) == []


def test_the_check_finds_io_and_clock_reads() -> None:
    source = (
        "import os\nfrom pathlib import Path\nimport datetime as dt\n"
        "x = dt.datetime.now()\ny = open('f')\nz = dt.date.today()\n"
    )
    assert problems(source) == [
        "line 1: imports os",
        "line 2: imports pathlib",
        "line 4: calls now()",
        "line 5: calls open()",
        "line 6: calls today()",
    ]


def test_the_check_finds_environment_reads_and_random_ids() -> None:
    source = (
        "from uuid import UUID\nfrom uuid import UUID, uuid4\nimport tomllib\n"
        "def f(env):\n    return env.environ['X'], uuid4()\n"
    )
    assert problems(source) == [
        "line 2: imports uuid",
        "line 3: imports tomllib",
        "line 5: calls uuid4()",
        "line 5: reads the environment (environ)",
    ]


def test_the_check_follows_imports_through_shared(tmp_path: Path) -> None:
    # A rules module that reaches the settings through another rules module (in a function,
    # by a relative import) is caught with the chain that leads there; what it reaches in the
    # contract is checked for I/O and environment reads as well.
    files = {
        "shared/__init__.py": "",
        "shared/rules/__init__.py": "",
        "shared/rules/a.py": "from shared.rules import b\nfrom shared.contract.c import C\n",
        "shared/rules/b.py": "def f():\n    from ..config import settings\n",
        "shared/contract/__init__.py": "",
        "shared/contract/c.py": "import os\nC = os.environ.get('X')\n",
        "shared/config/__init__.py": "",
        "shared/config/settings.py": "import os\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    assert crossings(tmp_path / "shared/rules/a.py", tmp_path) == [
        "imports shared.config (shared.rules.a -> shared.rules.b -> shared.config)",
        "imports shared.config.settings "
        "(shared.rules.a -> shared.rules.b -> shared.config.settings)",
        "shared.contract.c: line 1: imports os (shared.rules.a -> shared.contract.c)",
        "shared.contract.c: line 2: reads the environment (environ) "
        "(shared.rules.a -> shared.contract.c)",
    ]


def test_the_real_rules_reach_the_contract() -> None:
    chains = reached(RULES / "terms.py")
    assert chains["shared.contract.events"][0] == "shared.rules.terms"
    assert "shared.rules.deadlines" in chains

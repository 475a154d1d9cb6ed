from __future__ import annotations

import ast
import dataclasses
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from shared.config.settings import Settings, variables
from tests.support.sources import parse


def test_defaults_are_the_embedded_ports() -> None:
    settings = Settings.from_env({})
    assert settings == Settings()
    assert settings.data_dir == Path("./data")
    assert settings.nats_url == "nats://127.0.0.1:4222"
    assert (settings.intake_port, settings.reporting_port, settings.smtp_port) == (8080, 8081, 2525)
    assert (settings.nats_port, settings.nats_monitor_port) == (4222, 8222)


def test_environment_overrides_and_the_url_follows_the_port() -> None:
    settings = Settings.from_env({"KLACHTEN_DATA_DIR": "/srv/k", "KLACHTEN_NATS_PORT": "5222"})
    assert settings.data_dir == Path("/srv/k")
    assert settings.nats_url == "nats://127.0.0.1:5222"

    explicit = Settings.from_env({"KLACHTEN_NATS_PORT": "5222", "KLACHTEN_NATS_URL": "nats://n:1"})
    assert explicit.nats_url == "nats://n:1"


def test_subclasses_get_their_fields_from_the_environment() -> None:
    @dataclass(frozen=True)
    class IntakeSettings(Settings):
        max_body_bytes: int = 65536
        trust_proxy: bool = False

    settings = IntakeSettings.from_env(
        {"KLACHTEN_MAX_BODY_BYTES": "1024", "KLACHTEN_TRUST_PROXY": "yes"}
    )
    assert (settings.max_body_bytes, settings.trust_proxy) == (1024, True)


def test_a_bad_value_names_the_variable() -> None:
    with pytest.raises(ValueError, match="KLACHTEN_INTAKE_PORT"):
        Settings.from_env({"KLACHTEN_INTAKE_PORT": "eighty"})


# -- the operations reference names every variable the code reads ------------------------------

ROOT = Path(__file__).parents[2]
CODE = ("shared", "services", "klachten")
VARIABLE = re.compile(r"KLACHTEN_[A-Z0-9_]*[A-Z0-9]")
# Names in the code that are no setting of ours: why each is left out of the reference.
NOT_SETTINGS = {
    "KLACHTEN_KEYS": "the key store's KV bucket, a name in NATS",
    "KLACHTEN_FOO_BAR": "the settings docstring's example of the naming rule",
    # Set by `klachten up` for nats-server, which reads them in config/nats-server.conf:
    "KLACHTEN_NATS_SERVER_NAME": "nats-server's own",
    "KLACHTEN_NATS_STORE_DIR": "nats-server's own",
    "KLACHTEN_NATS_RUN_DIR": "nats-server's own",
    "KLACHTEN_NATS_LOG_FILE": "nats-server's own",
    "KLACHTEN_NATS_ROUTES": "nats-server's own",
    "KLACHTEN_NATS_HOST": "nats-server's own",
}


def settings_fields(source: str) -> set[str]:
    """Variables of the settings classes in `source` (every class deriving from a `...Settings`),
    read from the code so a module being moved or not imported still counts."""
    names = set()
    for node in ast.walk(parse(source)):
        if not isinstance(node, ast.ClassDef):
            continue
        bases = [getattr(b, "id", getattr(b, "attr", "")) for b in node.bases]
        if not any(base.endswith("Settings") for base in bases):
            continue
        for item in node.body:
            if (
                isinstance(item, ast.AnnAssign)
                and isinstance(item.target, ast.Name)
                and not item.target.id.startswith("_")
                and "ClassVar" not in ast.unparse(item.annotation)
            ):
                names.update(v for v in variables(item.target.id) if v.startswith("KLACHTEN_"))
    return names


def literal_names(source: str) -> set[str]:
    """`KLACHTEN_*` strings in code (docstrings aside): names read, passed or set by hand."""
    tree = parse(source)
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return {
        match
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        if id(node) not in docstrings
        for match in VARIABLE.findall(node.value)
        if VARIABLE.fullmatch(node.value) or f"{match}=" in node.value or node.value == match
    }


def variables_read() -> set[str]:
    names = {v for field in dataclasses.fields(Settings) for v in variables(field.name)}
    names = {name for name in names if name.startswith("KLACHTEN_")}
    for folder in CODE:
        for path in sorted((ROOT / folder).rglob("*.py")):
            source = path.read_text(encoding="utf-8")
            names |= settings_fields(source) | literal_names(source)
    return names - set(NOT_SETTINGS)


def reference_section() -> str:
    text = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    section = text.split("\n## Configuration reference\n", 1)[1]
    return section.split("\n## ", 1)[0]


def test_every_variable_the_code_reads_is_in_the_configuration_reference() -> None:
    documented = set(re.findall(r"`(KLACHTEN_[A-Z0-9_]+)`", reference_section()))
    read = variables_read()
    assert "KLACHTEN_KEY_CACHE_SECONDS" in read and "KLACHTEN_DATA_DIR" in read
    assert sorted(read - documented) == []


def test_the_collector_finds_names_read_and_skips_docstrings() -> None:
    source = (
        '"""KLACHTEN_IN_A_DOCSTRING is prose."""\n'
        'import os\nSECRET = "KLACHTEN_A"\nx = os.environ.get("KLACHTEN_B", "")\n'
        'y = f"KLACHTEN_C_{1}"\nz = "KLACHTEN_D=none: nothing is sealed"\n'
    )
    assert literal_names(source) == {"KLACHTEN_A", "KLACHTEN_B", "KLACHTEN_D"}
    classes = (
        "class ServiceSettings(Settings):\n    nats_user: ClassVar[str] = 'x'\n"
        "    port: int = 1\n    _cache: int = 0\n"
        "class Other:\n    size: int = 2\n"
    )
    assert settings_fields(classes) == {"KLACHTEN_PORT"}


# -- the settings objects are the only readers of the environment -------------------------------

# Where code outside a settings class may touch the process's environment, and why. Each entry
# is (module, function): a child process gets this environment (with its own settings laid
# over it); no value in it decides anything in this process.
PASSES_ENVIRONMENT_ON = {
    ("klachten/stack/launch.py", "spawn"): "every service and tool process starts here",
    ("klachten/stack/natsserver.py", "_environment"): "nats-server's environment (its config "
    "reads the KLACHTEN_NATS_* it is given)",
}


def environment_reads(source: str) -> list[tuple[int, str]]:
    """(line, enclosing function) of every `os.environ`, `os.environb`, `os.getenv` (or the
    same imported from os) outside a class whose name ends in ``Settings``."""
    found: list[tuple[int, str]] = []

    def visit(node: ast.AST, function: str) -> None:
        if isinstance(node, ast.ClassDef) and node.name.endswith("Settings"):
            return  # a settings class: the one reader
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            function = node.name
        reads = (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "os"
            and node.attr in ("environ", "environb", "getenv", "getenvb")
        ) or (
            isinstance(node, ast.ImportFrom)
            and node.module == "os"
            and any(a.name in ("environ", "environb", "getenv", "getenvb") for a in node.names)
        )
        if reads:
            found.append((getattr(node, "lineno", 0), function))
        for child in ast.iter_child_nodes(node):
            visit(child, function)

    visit(parse(source), "<module>")
    return found


def test_nothing_outside_the_settings_reads_the_environment() -> None:
    """Conventions: one ``bootstrap(settings)`` per service; nothing below it reads the
    environment. A value a module needs is a settings field handed down to it."""
    outside = []
    for folder in CODE:
        for path in sorted((ROOT / folder).rglob("*.py")):
            name = path.relative_to(ROOT).as_posix()
            for line, function in environment_reads(path.read_text(encoding="utf-8")):
                if (name, function) not in PASSES_ENVIRONMENT_ON:
                    outside.append(f"{name}:{line} in {function}")
    assert outside == []


def test_the_scan_finds_every_way_of_reading_and_spares_settings_classes() -> None:
    source = (
        "import os\nfrom os import getenv\n"
        "def a():\n    return os.environ.get('X')\n"
        "def b():\n    return os.getenv('X')\n"
        "def c():\n    return {**os.environ}\n"
        "class ServiceSettings:\n    def from_env(self):\n        return os.environ\n"
    )
    assert environment_reads(source) == [(2, "<module>"), (4, "a"), (6, "b"), (8, "c")]

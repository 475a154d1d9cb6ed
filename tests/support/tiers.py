"""The test tiers, as markers set from what a test uses (a pytest plugin; tests/conftest.py
names it in `pytest_plugins`).

Every test gets the markers of what it needs: `nats` (a real nats-server), `postgres`,
`stack` (service processes, the whole stack, any command run as a process), `browser`
(Playwright); a test that needs none of them is `unit`. What it needs is read from the
fixtures it uses, transitively (`item.fixturenames` is the fixture closure), and from the
source of each of those fixtures, of the test itself and of the module-level functions and
classes they call (its own module's, tests.support's and bench's): a test that starts a server
in its body is not a unit test either. A marker written on a test by hand is kept and counts.
A `unit` test that starts a process anyway fails, naming the tier it belongs in.
"""

from __future__ import annotations

import inspect
import subprocess
import types
from collections.abc import Callable, Iterable
from functools import cache
from typing import Any

import pytest

TIERS = ("unit", "nats", "postgres", "stack", "browser")  # registered in pyproject.toml

# The conftest fixtures, by name; any other fixture is judged by its source.
FIXTURES = {
    "nats_server": "nats",
    "provisioned_nats": "nats",
    "nc": "nats",
    "cluster": "nats",
}

# Words in source that start what a tier needs.
SIGNS = {
    "nats": ("EmbeddedNats(", "ClusterNats(", "nats.connect(", "start_intake("),
    "postgres": ("throwaway_postgres(", "psycopg"),
    "stack": (
        "Popen(",
        "subprocess.run(",
        "subprocess.check_output(",
        "create_subprocess_",
        "sys.executable",
        "ServiceProcess(",
        "launch(",
        "spawn(",  # klachten.stack.launch.spawn: how every service process starts
        "reporting_process(",
    ),
    "browser": ("playwright",),
}

# Where called helpers are followed into (their own module's functions are followed too).
_FOLLOW = ("tests.", "bench.")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        for tier in tiers_of(item):
            item.add_marker(tier)


@pytest.fixture(autouse=True)
def _unit_starts_no_process(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keeps the fast tier honest: a test marked `unit` that starts a process (a nats-server,
    a service, a command) fails and names the tier it belongs in."""
    if request.node.get_closest_marker("unit") is None:
        return

    def refuse(self: subprocess.Popen[Any], args: Any, *rest: Any, **options: Any) -> None:
        raise AssertionError(
            f"a unit test started a process ({args!r:.120}): it belongs in the nats or stack "
            "tier; mark it (@pytest.mark.stack) or start it in a fixture that does "
            "(tests/support/tiers.py reads the signs)"
        )

    monkeypatch.setattr(subprocess.Popen, "__init__", refuse)


def tiers_of(item: pytest.Item) -> set[str]:
    found = {mark.name for mark in item.iter_markers() if mark.name in TIERS}
    for name in getattr(item, "fixturenames", ()):
        if name in FIXTURES:
            found.add(FIXTURES[name])
            continue
        for definition in _definitions(item, name):
            found |= _needs(definition.func)
    function = getattr(item, "function", None)
    if function is not None:
        found |= _needs(function)
    found.discard("unit")
    return found or {"unit"}


def _definitions(item: pytest.Item, name: str) -> Iterable[Any]:
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return ()
    return info.name2fixturedefs.get(name, ())


@cache
def _needs(target: Callable[..., Any] | type) -> frozenset[str]:
    """The tiers the source of `target` and of what it calls needs."""
    found: set[str] = set()
    for code in _reachable(target):
        try:
            source = inspect.getsource(code)
        except (OSError, TypeError):
            continue
        found |= {tier for tier, signs in SIGNS.items() if any(s in source for s in signs)}
    return frozenset(found)


def _reachable(target: Any) -> list[Any]:
    """`target` and the module-level functions and classes it names, transitively, as far as
    they are the tests' own (its module or tests.*)."""
    seen: list[Any] = []
    todo = [inspect.unwrap(target)]
    while todo:
        current = todo.pop()
        if any(current is known for known in seen):
            continue
        seen.append(current)
        home = getattr(current, "__module__", "") or ""
        namespace = getattr(inspect.getmodule(current), "__dict__", {})
        names = _names(current)
        for name in names:
            value = namespace.get(name)
            if isinstance(value, types.ModuleType) and value.__name__.startswith(_FOLLOW):
                # `pipeline.minimal(...)`: the module's own functions named in the code
                inner = (getattr(value, other, None) for other in names)
                todo += [v for v in inner if _ours(v, value.__name__)]
            elif _ours(value, home):
                todo.append(inspect.unwrap(value))
    return seen


def _ours(value: Any, home: str) -> bool:
    if not isinstance(value, types.FunctionType | type):
        return False
    module = getattr(value, "__module__", "") or ""
    return module == home or module.startswith(_FOLLOW)


def _names(target: Any) -> set[str]:
    if isinstance(target, type):
        names: set[str] = set()
        for member in vars(target).values():
            member = getattr(member, "__func__", member)
            if isinstance(member, types.FunctionType):
                names |= _code_names(member.__code__)
        return names
    code = getattr(target, "__code__", None)
    return _code_names(code) if code is not None else set()


def _code_names(code: types.CodeType) -> set[str]:
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _code_names(const)
    return names

"""Who works where: departments, teams and their members, from config/organisation.toml (or the
file ``KLACHTEN_ORGANISATION_FILE`` names), checked at start.

A member is a staff id: the name a bearer token is issued to (shared/runtime/staff.py,
``KLACHTEN_STAFF_TOKENS``), which is also what an assignment records as the handler and what the
person complained about is referred by. The file maps members to their teams and department;
the rules of ownership and of Awb 9:7 get those as arguments (shared/rules/procedure.py).
Every problem is an `OrganisationError` naming the file, the key (``members.anna.teams[1]``),
its line when it can be found, and why, as the policy file's errors do. The file is read at
start; a change takes a restart.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import msgspec

from shared.config import CONFIG_DIR
from shared.config.policy_file import locate_key

DEFAULT_ORGANISATION_FILE = CONFIG_DIR / "organisation.toml"
# A staff id, team or department: one word (it appears in tokens, events and URLs).
ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$")


class FileError(Exception):
    """An unusable configuration file: which file, which key (and line, when found), and why."""

    def __init__(self, source: str, key: str, reason: str, line: int | None = None) -> None:
        self.source, self.key, self.reason, self.line = source, key, reason, line
        where = f"{source}:{line}" if line else source
        super().__init__(f"{where}: {key + ': ' if key else ''}{reason}")


class OrganisationError(FileError):
    """An unusable organisation file."""


class _Entry(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    pass


class Department(_Entry):
    name: str
    name_en: str = ""  # the name staff read in English (default: `name`)


class Team(_Entry):
    name: str
    department: str
    name_en: str = ""


class Member(_Entry):
    name: str  # as colleagues and letters name them
    teams: tuple[str, ...] = ()
    department: str = ""  # default: the department of the member's teams
    email: str = ""  # where a copy goes when the complaint is about them (Awb 9:9)


class Organisation(_Entry):
    version: str
    departments: dict[str, Department] = {}
    teams: dict[str, Team] = {}
    members: dict[str, Member] = {}

    def member(self, staff_id: str) -> Member | None:
        return self.members.get(staff_id)

    def teams_of(self, staff_id: str) -> tuple[str, ...]:
        found = self.members.get(staff_id)
        return found.teams if found else ()

    def department_of(self, staff_id: str) -> str | None:
        """The member's department: stated, else the one their teams belong to."""
        found = self.members.get(staff_id)
        if found is None:
            return None
        if found.department:
            return found.department
        return self.teams[found.teams[0]].department if found.teams else None

    def units_of(self, staff_id: str) -> frozenset[str]:
        """The member's teams and department: "the same unit" of Awb 9:7's warning."""
        department = self.department_of(staff_id)
        return frozenset((*self.teams_of(staff_id), *([department] if department else [])))

    def is_unit(self, unit: str) -> bool:
        return unit in self.teams or unit in self.departments


def organisation_file(configured: str | Path = "") -> Path:
    """The file the setting names (``KLACHTEN_ORGANISATION_FILE``), else the shipped one."""
    return Path(configured) if configured else DEFAULT_ORGANISATION_FILE


def load_organisation(path: str | Path) -> Organisation:
    """Read and check an organisation file; `OrganisationError` on the first problem."""
    path = Path(path)
    data, text = read_toml(path, OrganisationError)
    return parse_organisation(data, source=str(path), text=text)


def read_toml(path: Path, error: type[FileError]) -> tuple[dict[str, Any], str]:
    """The file's table and its text; ``error`` naming the file when it cannot be read as TOML."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise error(str(path), "", f"cannot read: {e.strerror or e}") from None
    except UnicodeDecodeError as e:
        raise error(str(path), "", f"not UTF-8 text: {e.reason}") from None
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as e:
        line = re.search(r"\(at line (\d+)", str(e))
        raise error(str(path), "", f"not valid TOML: {e}", int(line[1]) if line else None) from None


def parse_organisation(
    data: dict[str, Any], *, source: str = "<organisation>", text: str = ""
) -> Organisation:
    problem = _shape_problem(data)
    if problem is None:
        organisation = msgspec.convert(data, Organisation)
        problems = check_organisation(organisation)
        problem = problems[0] if problems else None
    if problem is None:
        return organisation
    key, reason = problem
    raise OrganisationError(source, key, reason, locate_key(text, key))


def _shape_problem(data: dict[str, Any]) -> tuple[str, str] | None:
    """The types, entry by entry, so that a problem names its key (msgspec would say `[...]`
    for an entry of a table)."""
    kinds = {"departments": Department, "teams": Team, "members": Member}
    for table, kind in kinds.items():
        entries = data.get(table, {})
        if not isinstance(entries, dict):
            return table, "expected a table"
        for name, entry in entries.items():
            try:
                msgspec.convert(entry, kind)
            except msgspec.ValidationError as error:
                key, reason = _split(str(error))
                return f"{table}.{name}{'.' + key if key else ''}", reason
    try:
        msgspec.convert(data, Organisation)
    except msgspec.ValidationError as error:
        return _split(str(error))
    return None


def _split(message: str) -> tuple[str, str]:
    """`Expected `str`, got `int` - at `$.name`` -> ("name", "Expected `str`, got `int`")."""
    reason, sep, where = message.rpartition(" - at `")
    if not sep:
        reason, where = message, ""
    key = where.rstrip("`").removeprefix("$").removeprefix(".")
    if reason.startswith("Object contains unknown field `"):
        field = reason.split("`")[1]
        key = f"{key}.{field}" if key else field
    return key, reason


def check_organisation(organisation: Organisation) -> list[tuple[str, str]]:
    """What the types cannot say: ids are single words, every reference names an entry, and a
    member of teams in several departments says which department is theirs."""
    o = organisation
    problems = [
        (f"{table}.{name}", "use letters, digits and . _ @ - only (an id, not a name)")
        for table, entries in (("departments", o.departments), ("teams", o.teams),
                               ("members", o.members))
        for name in entries if not ID.match(name)
    ]  # fmt: skip
    clash = sorted(set(o.teams) & set(o.departments))
    problems += [
        (f"teams.{c}", "a department has this id too: units need their own") for c in clash
    ]
    for name, team in o.teams.items():
        if team.department not in o.departments:
            problems.append((f"teams.{name}.department", _unknown("department", team.department)))
    for name, member in o.members.items():
        for i, team in enumerate(member.teams):
            if team not in o.teams:
                problems.append((f"members.{name}.teams[{i}]", _unknown("team", team)))
        if member.department and member.department not in o.departments:
            problems.append(
                (f"members.{name}.department", _unknown("department", member.department))
            )
        departments = {o.teams[t].department for t in member.teams if t in o.teams}
        if not member.department and len(departments) > 1:
            reason = f"teams in {', '.join(sorted(departments))}: name the member's department"
            problems.append((f"members.{name}.department", reason))
    return problems


def _unknown(kind: str, name: str) -> str:
    return f"no {kind} {name!r} in this file"

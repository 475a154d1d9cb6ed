"""The organisation file: the shipped one loads; a wrong one is refused naming file, line, key
and reason; members map to their teams and department."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.config.organisation import (
    DEFAULT_ORGANISATION_FILE,
    OrganisationError,
    load_organisation,
    organisation_file,
)
from shared.config.settings import Settings

GOOD = """\
version = "t-1"

[departments.burgerzaken]
name = "Burgerzaken"
name_en = "Civil affairs"

[departments.financien]
name = "Financiën"

[teams.balie]
name = "Balie"
department = "burgerzaken"

[teams.belastingen]
name = "Belastingen"
department = "financien"

[members.anna]
name = "Anna de Boer"
teams = ["balie"]

[members.bram]
name = "Bram Visser"
teams = ["balie", "belastingen"]
department = "financien"

[members.carla]
name = "Carla Smit"
department = "burgerzaken"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "organisation.toml"
    path.write_text(text, encoding="utf-8")
    return path


def refused(tmp_path: Path, text: str) -> OrganisationError:
    with pytest.raises(OrganisationError) as info:
        load_organisation(write(tmp_path, text))
    return info.value


def test_the_shipped_file_loads_and_its_staff_member_has_a_team() -> None:
    organisation = load_organisation(DEFAULT_ORGANISATION_FILE)
    assert organisation.teams_of("staff") == ("klachten",)
    assert organisation.department_of("staff") == "klantcontact"


def test_members_have_teams_and_a_department(tmp_path: Path) -> None:
    o = load_organisation(write(tmp_path, GOOD))
    assert o.teams_of("anna") == ("balie",)
    assert o.department_of("anna") == "burgerzaken"  # from the team
    assert o.department_of("bram") == "financien"  # stated
    assert o.units_of("bram") == {"balie", "belastingen", "financien"}
    assert o.units_of("carla") == {"burgerzaken"} and o.teams_of("carla") == ()
    assert o.member("nobody") is None and o.units_of("nobody") == frozenset()
    assert o.is_unit("balie") and o.is_unit("financien") and not o.is_unit("anna")


@pytest.mark.parametrize(
    ("old", "new", "key", "line", "reason"),
    [
        ('department = "financien"\n\n[members', 'department = "fin"\n\n[members',
         "teams.belastingen.department", 16, "no department 'fin'"),
        ('teams = ["balie", "belastingen"]', 'teams = ["balie", "belasting"]',
         "members.bram.teams[1]", 24, "no team 'belasting'"),
        ('name = "Anna de Boer"', "name = 7", "members.anna.name", 19, "Expected `str`"),
        ('teams = ["balie"]', 'teams = ["balie"]\nfunction = "baliemedewerker"',
         "members.anna.function", 21, "unknown field"),
        ('[members.carla]', '[members."carla smit"]',
         "members.carla smit", 27, "letters, digits"),
        ('department = "financien"\n\n[members.carla]', '\n[members.carla]',
         "members.bram.department", 22, "name the member's department"),
    ],
)  # fmt: skip
def test_a_wrong_file_names_file_line_key_and_reason(
    tmp_path: Path, old: str, new: str, key: str, line: int | None, reason: str
) -> None:
    assert old in GOOD, old
    error = refused(tmp_path, GOOD.replace(old, new, 1))
    assert (error.key, error.line) == (key, line), str(error)
    assert reason in error.reason
    assert str(error).startswith(str(tmp_path / "organisation.toml"))


def test_unreadable_and_broken_files_are_refused_with_their_name(tmp_path: Path) -> None:
    missing = tmp_path / "missing.toml"
    with pytest.raises(OrganisationError, match=r"missing\.toml: cannot read"):
        load_organisation(missing)
    error = refused(tmp_path, 'version = "1"\n[teams.a\n')
    assert "not valid TOML" in error.reason and error.line == 2
    assert "version" in str(refused(tmp_path, "[departments.a]\nname = 'A'\n"))


def test_the_setting_names_the_file_else_the_shipped_one() -> None:
    env = {"KLACHTEN_ORGANISATION_FILE": "/etc/klachten/organisation.toml"}
    assert Settings.from_env(env).organisation_file == env["KLACHTEN_ORGANISATION_FILE"]
    assert organisation_file(Settings.from_env({}).organisation_file) == DEFAULT_ORGANISATION_FILE
    assert organisation_file("/x.toml") == Path("/x.toml")

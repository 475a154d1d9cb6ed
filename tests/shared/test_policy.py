"""SLA policy file: the default loads; bad files are rejected with file, line, key and reason."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import pytest

from shared.config.policy_file import (
    PolicyError,
    build_calendar,
    load_policy,
    locate_key,
)

DEFAULT = Path(__file__).parents[2] / "config" / "policy.toml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    return path


def edited(tmp_path: Path, old: str, new: str) -> Path:
    text = DEFAULT.read_text(encoding="utf-8")
    assert old in text, old
    return write(tmp_path, text.replace(old, new, 1))


def rejected(path: Path) -> PolicyError:
    with pytest.raises(PolicyError) as info:
        load_policy(path)
    return info.value


def test_the_default_policy_loads_as_awb_in_amsterdam() -> None:
    policy = load_policy(DEFAULT)
    assert policy.statutory.regime == "awb"
    assert policy.statutory_rule(None).weeks_for(committee=False) == 6
    assert policy.statutory_rule(None).weeks_for(committee=True) == 10
    assert policy.statutory_rule("zorg").regime == "wkkgz"
    assert policy.statutory.max_extension_weeks == 4
    assert policy.calendar.timezone == "Europe/Amsterdam"
    assert policy.calendar.working_hours is not None
    assert policy.calendar.working_hours.start == time(8, 30)
    assert [lv.level for lv in policy.ladder] == [1, 2, 3]
    external = policy.ladder[2].external
    assert external is not None and external.name == "de Nationale ombudsman"
    care = policy.external_for("zorg")  # a Wkkgz disputes body, not the ombudsman
    assert care is not None and care.kind == "disputes_body"
    assert external.complainant_term_months == 12
    assert policy.pausing.statuses == ("waiting_for_complainant",)


def test_norm_precedence_is_priority_then_channel_then_category_then_default() -> None:
    policy = load_policy(DEFAULT)
    plain = policy.norm(None, "web", None)
    assert (plain.acknowledge_business_days, plain.respond_business_days) == (2, 10)
    phone = policy.norm(None, "phone", None)
    assert (phone.acknowledge_business_days, phone.respond_business_days) == (1, 10)
    urgent = policy.norm(None, "phone", "urgent")
    assert (urgent.acknowledge_business_days, urgent.respond_business_days) == (1, 3)


def test_category_norm_is_overridden_field_by_field(tmp_path: Path) -> None:
    path = edited(
        tmp_path,
        "[norms.channel.phone]",
        "[norms.category.privacy]\nrespond_business_days = 5\n"
        "acknowledge_business_days = 3\n\n[norms.channel.phone]",
    )
    norm = load_policy(path).norm("privacy", "phone", None)
    assert (norm.acknowledge_business_days, norm.respond_business_days) == (1, 5)


def test_versions_combine_declared_version_and_content_hash(tmp_path: Path) -> None:
    policy = load_policy(DEFAULT)
    assert policy.version_id.startswith("2026.1#")
    # comments do not change the version; a rule does, even without a new declared version
    commented = write(tmp_path, DEFAULT.read_text() + "\n# just a note\n")
    assert load_policy(commented).version_id == policy.version_id
    changed = edited(tmp_path, "respond_business_days = 10", "respond_business_days = 11")
    assert load_policy(changed).version_id != policy.version_id
    calendar = build_calendar(policy.calendar)
    assert calendar.version.startswith("nl-2026.1#")
    assert not calendar.is_business_day(date(2026, 5, 15))


LEVEL_2_TERM = 'lets you know its decision."\nterm_business_days = 5'


def test_a_wrong_type_names_file_line_and_key_path(tmp_path: Path) -> None:
    # given a policy whose level-2 term is text
    path = edited(tmp_path, LEVEL_2_TERM, LEVEL_2_TERM.replace("5", '"five"'))
    # when it is loaded, then the error points at the key in the file
    error = rejected(path)
    assert error.source == str(path)
    assert error.key == "ladder[1].term_business_days"
    assert error.reason == "Expected `int`, got `str`"
    assert error.line is not None
    assert 'term_business_days = "five"' in path.read_text().splitlines()[error.line - 1]
    assert str(error) == f"{path}:{error.line}: ladder[1].term_business_days: {error.reason}"


@pytest.mark.parametrize(
    ("old", "new", "key", "reason"),
    [
        (
            LEVEL_2_TERM,
            'lets you know its decision."\nterm_business_days = 0',
            "ladder[1].term_business_days",
            ">= 1",
        ),
        ('regime = "awb"', 'regime = "awbb"', "statutory.regime", "Invalid enum value 'awbb'"),
        (
            "max_extension_weeks = 4",
            "max_extension_weeks = 6",
            "statutory.max_extension_weeks",
            "at most 4",
        ),
        (
            'regime = "awb"',
            'regime = "custom"',
            "statutory.weeks",
            "required when regime is 'custom'",
        ),
        (
            "[norms.channel.phone]\n",
            "[norms.channel.phone]\nrespond_busines_days = 3\n",
            "norms.channel.phone.respond_busines_days",
            "unknown field",
        ),
        (
            "acknowledge_business_days = 1\nrespond_business_days = 3",
            "acknowledge_business_days = 1\nrespond_business_days = -3",
            "norms.priority.urgent.respond_business_days",
            ">= 1",
        ),
        (
            'regime = "wkkgz"',
            'regime = "wkkgz"\nweeks = 8',
            "statutory.categories.zorg.weeks",
            "fixed by law",
        ),
        (
            'timezone = "Europe/Amsterdam"',
            'timezone = "Europe/Amsterdan"',
            "calendar.timezone",
            "unknown time zone",
        ),
        ('country = "NL"', 'country = "XX"', "calendar.country", "not supported"),
        (
            '# subdivision = "Zuid"',
            'subdivision = "Oost"',
            "calendar.subdivision",
            "unknown subdivision",
        ),
        ("end = 17:00:00", "end = 08:00:00", "calendar.working_hours", "start must be before end"),
        ("2026-05-15, #", '"15 mei", #', "calendar.extra_closing_days[0]", "date"),
        ("level = 2\n", "level = 4\n", "ladder[1].level", "<= 3"),
        ('kind = "ombudsman"', 'kind = "tv"', "ladder[2].external.kind", "Invalid enum value 'tv'"),
        (
            'name = "de Nationale ombudsman"\n',
            "",
            "ladder[2].external",
            "missing required field `name`",
        ),
        (
            'count_from = "next_business_day"',
            'count_from = "tomorrow"',
            "count_from",
            "Invalid enum",
        ),
    ],
)
def test_invalid_values_are_rejected_with_key_and_reason(
    tmp_path: Path, old: str, new: str, key: str, reason: str
) -> None:
    error = rejected(edited(tmp_path, old, new))
    assert error.key == key
    assert reason in error.reason
    assert error.line is not None


def test_ladder_levels_must_be_consecutive(tmp_path: Path) -> None:
    error = rejected(edited(tmp_path, "level = 2\n", "level = 3\n"))
    assert error.key == "ladder"
    assert "1, 2, ... in order" in error.reason


def test_an_external_level_3_is_required(tmp_path: Path) -> None:
    text = DEFAULT.read_text()
    path = write(tmp_path, text[: text.index("[ladder.external]")])
    error = rejected(path)
    assert (error.key, error.reason) == ("ladder[2].external", "level 3 is external: name the body")


def test_broken_toml_reports_the_line(tmp_path: Path) -> None:
    error = rejected(edited(tmp_path, 'version = "2026.1"', 'version = "2026.1'))
    assert error.key == ""
    assert "not valid TOML" in error.reason
    assert error.line == 10


def test_a_missing_file_is_reported_with_its_name(tmp_path: Path) -> None:
    error = rejected(tmp_path / "nope.toml")
    assert str(tmp_path / "nope.toml") in str(error)
    assert "cannot read" in error.reason


def test_required_top_level_keys(tmp_path: Path) -> None:
    error = rejected(write(tmp_path, 'version = "1"\nladder = []\n'))
    assert "missing required field `calendar`" in error.reason


def test_locate_key_finds_keys_in_arrays_of_tables_and_nested_tables() -> None:
    text = DEFAULT.read_text()
    lines = text.splitlines()
    assert "level = 3" in lines[locate_key(text, "ladder[2].level") - 1]
    assert "[ladder.external]" in lines[locate_key(text, "ladder[2].external") - 1]
    assert "url =" in lines[locate_key(text, "ladder[2].external.url") - 1]
    assert "regime" in lines[locate_key(text, "statutory.categories.zorg.regime") - 1]
    assert locate_key(text, "nothing.here") is None

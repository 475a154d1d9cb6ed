"""The SLA policy file: TOML -> `shared.rules.policy.Policy`, validated at start.

Every problem is a `PolicyError` naming the file, the key path (``ladder[1].term_business_days``),
the line when it can be found, and the reason. The model (and the version recorded with each
deadline: the declared ``version`` plus a hash of the parsed content, so an edited file without a
new version number is still told apart) lives in shared/rules/policy.py.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any
from zoneinfo import available_timezones

import msgspec

from shared.config.calendar import business_calendar
from shared.rules.calendar import BusinessCalendar, WorkingHours
from shared.rules.policy import (
    REGIME_WEEKS,
    STATUTORY_MAX_EXTENSION_WEEKS,
    CalendarConfig,
    DefaultNorm,
    External,
    Level,
    Norm,
    Norms,
    Pausing,
    Policy,
    Statutory,
    StatutoryRule,
    WorkingHoursConfig,
)
from shared.rules.versioning import version_id

# The model's names, for importers that know them from here (defined in shared.rules.policy).
__all__ = [
    "REGIME_WEEKS",
    "STATUTORY_MAX_EXTENSION_WEEKS",
    "CalendarConfig",
    "DefaultNorm",
    "External",
    "Level",
    "Norm",
    "Norms",
    "Pausing",
    "Policy",
    "PolicyError",
    "Statutory",
    "StatutoryRule",
    "WorkingHoursConfig",
    "build_calendar",
    "check_policy",
    "load_policy",
    "locate_key",
    "parse_policy",
]


class PolicyError(Exception):
    """An unusable policy file: which file, which key (and line, when found), and why."""

    def __init__(self, source: str, key: str, reason: str, line: int | None = None) -> None:
        self.source, self.key, self.reason, self.line = source, key, reason, line
        where = f"{source}:{line}" if line else source
        super().__init__(f"{where}: {key + ': ' if key else ''}{reason}")


# -- loading ---------------------------------------------------------------------------------

# msgspec reports a failing dict entry as `[...]`; these maps are checked entry by entry first
# so the error can name the key (`norms.category.privacy.respond_business_days`).
_MAPS: tuple[tuple[tuple[str, ...], type], ...] = (
    (("statutory", "categories"), StatutoryRule),
    (("norms", "category"), Norm),
    (("norms", "channel"), Norm),
    (("norms", "priority"), Norm),
)


def load_policy(path: str | Path) -> Policy:
    """Read and validate a policy file; raise `PolicyError` on the first problem found."""
    path = Path(path)
    text = _read(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(str(path), "", f"not valid TOML: {exc}", _toml_line(exc)) from exc
    return parse_policy(data, source=str(path), text=text)


def parse_policy(data: dict[str, Any], *, source: str = "<policy>", text: str = "") -> Policy:
    try:
        _check_maps(data)
        policy = msgspec.convert(data, Policy)
    except msgspec.ValidationError as exc:
        key, reason = _split(str(exc))
        raise PolicyError(source, key, reason, locate_key(text, key)) from exc
    problems = check_policy(policy)
    if problems:
        key, reason = problems[0]
        raise PolicyError(source, key, reason, locate_key(text, key))
    return policy


def check_policy(policy: Policy) -> list[tuple[str, str]]:
    """Rules across fields that a schema cannot say; (key path, reason) per problem."""
    problems = _check_ladder(policy.ladder)
    rules = {"statutory": policy.statutory} | {
        f"statutory.categories.{k}": v for k, v in policy.statutory.categories.items()
    }
    for key, rule in rules.items():
        problems += _check_rule(key, rule)
    problems += _check_calendar(policy.calendar)
    problems += _check_committee_and_care(policy)
    return problems


def _check_committee_and_care(policy: Policy) -> list[tuple[str, str]]:
    """The committee's levels exist on the ladder; a care provider has complaints under the
    Wkkgz (its route would otherwise never apply)."""
    problems = []
    c = policy.committee
    if c is not None:
        beyond = [lv for lv in c.levels if lv > policy.top_level]
        if beyond:
            reason = f"levels {beyond} are not on the ladder (0..{policy.top_level})"
            problems.append(("committee.levels", reason))
        if not c.categories and not c.levels:
            problems.append(("committee", "name the categories or levels that go to it"))
    rules = [policy.statutory, *policy.statutory.categories.values()]
    if policy.care_provider and not any(r.regime == "wkkgz" for r in rules):
        reason = "a care provider needs the regime 'wkkgz' (statutory or a category's)"
        problems.append(("care_provider", reason))
    return problems


def _check_ladder(ladder: tuple[Level, ...]) -> list[tuple[str, str]]:
    numbers = [lv.level for lv in ladder]
    if numbers != list(range(1, len(numbers) + 1)) or not numbers:
        return [("ladder", f"levels must be 1, 2, ... in order without gaps; got {numbers}")]
    problems = []
    for i, lv in enumerate(ladder):
        if lv.external is None and lv.term_business_days is None:
            problems.append((f"ladder[{i}].term_business_days", "required for internal levels"))
    if ladder[-1].level == 3 and ladder[-1].external is None:
        problems.append(("ladder[2].external", "level 3 is external: name the body"))
    return problems


def _check_rule(key: str, rule: StatutoryRule) -> list[tuple[str, str]]:
    if rule.regime == "custom" and rule.weeks is None:
        return [(f"{key}.weeks", "required when regime is 'custom'")]
    if rule.regime != "custom" and rule.weeks is not None:
        return [(f"{key}.weeks", f"fixed by law for regime {rule.regime!r}; use 'custom'")]
    if rule.regime != "custom" and rule.max_extension_weeks > STATUTORY_MAX_EXTENSION_WEEKS:
        reason = f"at most {STATUTORY_MAX_EXTENSION_WEEKS} weeks for regime {rule.regime!r}"
        return [(f"{key}.max_extension_weeks", reason)]
    return []


def _check_calendar(cfg: CalendarConfig) -> list[tuple[str, str]]:
    problems = []
    if cfg.timezone not in available_timezones():
        problems.append(("calendar.timezone", f"unknown time zone {cfg.timezone!r}"))
    if cfg.country != "NL":
        reason = f"{cfg.country!r} is not supported: the legal calendar is the Dutch ATW ('NL')"
        problems.append(("calendar.country", reason))
    if cfg.subdivision is not None:
        reason = (
            f"unknown subdivision {cfg.subdivision!r}: the Algemene termijnenwet has no regional"
            " holidays; list regional closing days in extra_closing_days"
        )
        problems.append(("calendar.subdivision", reason))
    hours = cfg.working_hours
    if hours and hours.start >= hours.end:
        problems.append(("calendar.working_hours", "start must be before end"))
    return problems


def build_calendar(cfg: CalendarConfig) -> BusinessCalendar:
    """The calendar a policy describes, on the shipped legal calendar; its `version_id` names
    both (config/legal-calendar.toml, read again when it changed)."""
    hours = cfg.working_hours
    return business_calendar(
        version_id(cfg.version, cfg),
        timezone=cfg.timezone,
        extra_closing_days=frozenset(cfg.extra_closing_days),
        working_hours=WorkingHours(hours.start, hours.end) if hours else None,
    )


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyError(str(path), "", f"cannot read: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise PolicyError(str(path), "", f"not UTF-8 text: {exc.reason}") from exc


def _check_maps(data: dict[str, Any]) -> None:
    for keys, kind in _MAPS:
        table = _dig(data, keys)
        if not isinstance(table, dict):
            continue  # wrong shape is reported by the full conversion
        for name, value in table.items():
            try:
                msgspec.convert(value, kind)
            except msgspec.ValidationError as exc:
                key, reason = _split(str(exc))
                prefix = ".".join((*keys, name))
                full = prefix + (key if key.startswith("[") else f".{key}" if key else "")
                raise msgspec.ValidationError(f"{reason} - at `$.{full}`") from exc


def _dig(data: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key, {})
    return data


def _split(message: str) -> tuple[str, str]:
    """`Expected int - at `$.a[1].b`` -> ("a[1].b", "Expected int"); unknown fields get their
    name appended to the path so the line of the offending key can be found."""
    reason, sep, where = message.rpartition(" - at `")
    if not sep:
        return "", message
    key = where.rstrip("`").removeprefix("$").removeprefix(".")
    reason = reason.replace(" | null", "")  # TOML has no null: "leave it out" is the None
    if reason.startswith("Object contains unknown field `"):
        field = reason.split("`")[1]
        key = f"{key}.{field}" if key else field
    return key, reason


def _toml_line(exc: tomllib.TOMLDecodeError) -> int | None:
    lineno = getattr(exc, "lineno", None)
    if lineno:
        return int(lineno)
    marker = "(at line "
    text = str(exc)
    if marker in text:
        return int(text.split(marker)[1].split(",")[0].rstrip(")"))
    return None


def locate_key(text: str, key: str) -> int | None:
    """Best-effort line of `key` (``ladder[1].term_business_days``) in TOML `text`: the line of
    the key itself, else of the innermost table that contains it."""
    target = _segments(key)
    best: tuple[int, int] | None = None  # (matched length, line)
    table: list[str] = []
    counts: dict[tuple[str, ...], int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if line.startswith("["):
            table = _header(line, counts)
            path = table
        elif "=" in line:
            path = table + _dotted(line.split("=", 1)[0])
        else:
            continue
        size = len(path)
        if path == target[:size] and (best is None or size > best[0]):
            best = (size, number)
    return best[1] if best and best[0] > 0 else None


def _segments(key: str) -> list[str]:
    return [p for p in key.replace("[", ".[").split(".") if p]


def _dotted(name: str) -> list[str]:
    return [p.strip().strip('"').strip("'") for p in name.split(".")]


def _header(line: str, counts: dict[tuple[str, ...], int]) -> list[str]:
    is_array = line.startswith("[[")
    names = _dotted(line.strip("[]"))
    path: list[str] = []
    for i, name in enumerate(names):
        path.append(name)
        prefix = tuple(names[: i + 1])
        if is_array and i == len(names) - 1:
            counts[prefix] = counts.get(prefix, -1) + 1
        if prefix in counts:
            path.append(f"[{counts[prefix]}]")
    return path

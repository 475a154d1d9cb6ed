"""SLA policy: the organisation's deadlines, pausing rules, escalation ladder and calendar.

Loaded from a TOML file (see config/policy.toml) and validated at start; every problem is a
`PolicyError` naming the file, the key path (``ladder[1].term_business_days``), the line when it
can be found, and the reason. The policy version recorded with each deadline is the declared
``version`` plus a hash of the parsed content, so an edited file without a new version number is
still told apart (comments and layout do not change the hash).
"""

from __future__ import annotations

import tomllib
from datetime import date, time
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import available_timezones

import msgspec

from shared.config.calendar import BusinessCalendar, WorkingHours
from shared.rules.versioning import version_id

Regime = Literal["awb", "awb_committee", "wkkgz", "custom"]
Clock = Literal["acknowledge", "respond"]
Days = Annotated[int, msgspec.Meta(ge=1, le=365)]
Weeks = Annotated[int, msgspec.Meta(ge=1, le=104)]


class PolicyError(Exception):
    """An unusable policy file: which file, which key (and line, when found), and why."""

    def __init__(self, source: str, key: str, reason: str, line: int | None = None) -> None:
        self.source, self.key, self.reason, self.line = source, key, reason, line
        where = f"{source}:{line}" if line else source
        super().__init__(f"{where}: {key + ': ' if key else ''}{reason}")


# Awb 9:11 (6 weeks; 10 weeks with an advisory committee, Awb afdeling 9.1.3) and Wkkgz art. 17.
REGIME_WEEKS: dict[str, int] = {"awb": 6, "awb_committee": 10, "wkkgz": 6}
# Awb 9:11(2) and Wkkgz 17(2): one extension of at most four weeks.
STATUTORY_MAX_EXTENSION_WEEKS = 4


class _Config(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    pass


class External(_Config):
    kind: Literal["ombudsman", "disputes_body", "other"]
    name: str
    url: str
    name_en: str = ""  # the name in English letters (default: `name`)
    # e.g. Nationale ombudsman: within one year after the complaint was handled.
    complainant_term_months: Annotated[int, msgspec.Meta(ge=1, le=120)] = 12


class StatutoryRule(_Config):
    regime: Regime = "awb"
    # Where complaints under this rule can go after us (e.g. the care provider's Wkkgz
    # disputes body); None: the external body of the ladder's top level.
    external: External | None = None
    weeks: Weeks | None = None  # only for "custom"
    max_extension_weeks: Annotated[int, msgspec.Meta(ge=0, le=52)] = 4
    # Algemene termijnenwet art. 1: a statutory term ending on a Saturday, Sunday or public
    # holiday runs on to the next day that is none of those.
    roll_to_business_day: bool = True

    @property
    def base_weeks(self) -> int:
        return self.weeks if self.weeks is not None else REGIME_WEEKS[self.regime]

    def weeks_for(self, committee: bool) -> int:
        if committee and self.regime == "awb":
            return REGIME_WEEKS["awb_committee"]
        return self.base_weeks


class Statutory(StatutoryRule):
    categories: dict[str, StatutoryRule] = {}


class Norm(_Config):
    acknowledge_business_days: Days | None = None
    respond_business_days: Days | None = None


class DefaultNorm(_Config):
    acknowledge_business_days: Days = 2
    respond_business_days: Days = 10


class Norms(_Config):
    """Internal norms. Precedence, per field: priority > channel > category > default."""

    default: DefaultNorm = DefaultNorm()
    category: dict[str, Norm] = {}
    channel: dict[str, Norm] = {}
    priority: dict[str, Norm] = {}


class Pausing(_Config):
    statuses: tuple[str, ...] = ("waiting_for_complainant",)
    clocks: tuple[Clock, ...] = ("respond",)  # the statutory term never pauses


class Level(_Config):
    level: Annotated[int, msgspec.Meta(ge=1, le=3)]
    name: str
    role: str
    description: str = ""
    # The same in English letters (default: the Dutch words).
    name_en: str = ""
    description_en: str = ""
    # Term for the next response at this level, counted from the escalation; None: no clock.
    term_business_days: Days | None = None
    external: External | None = None


class WorkingHoursConfig(_Config):
    start: time
    end: time


class CalendarConfig(_Config):
    version: str
    country: str = "NL"  # the legal calendar is Dutch law (Algemene termijnenwet)
    subdivision: str | None = None  # kept so old files get a clear refusal, not "unknown field"
    timezone: str = "Europe/Amsterdam"
    extra_closing_days: tuple[date, ...] = ()
    working_hours: WorkingHoursConfig | None = None


class Policy(_Config):
    version: str
    calendar: CalendarConfig
    ladder: tuple[Level, ...]
    count_from: Literal["receipt", "next_business_day"] = "next_business_day"
    statutory: Statutory = Statutory()
    norms: Norms = Norms()
    pausing: Pausing = Pausing()

    @property
    def version_id(self) -> str:
        return version_id(self.version, self)

    @property
    def top_level(self) -> int:
        return max(level.level for level in self.ladder)

    def level(self, number: int) -> Level | None:
        return next((lv for lv in self.ladder if lv.level == number), None)

    def statutory_rule(self, category: str | None) -> StatutoryRule:
        return self.statutory.categories.get(category or "", self.statutory)

    def external_for(self, category: str | None) -> External | None:
        """The body a complainant can go to after us: the category's own (a Wkkgz disputes
        body for care), else the ladder's external level."""
        own = self.statutory_rule(category).external
        return own or next((lv.external for lv in self.ladder if lv.external), None)

    def norm(self, category: str | None, channel: str | None, priority: str | None) -> DefaultNorm:
        layers = [
            self.norms.priority.get(priority or ""),
            self.norms.channel.get(channel or ""),
            self.norms.category.get(category or ""),
        ]
        default = self.norms.default
        return DefaultNorm(
            acknowledge_business_days=_first(layers, "acknowledge_business_days", default),
            respond_business_days=_first(layers, "respond_business_days", default),
        )


def _first(layers: list[Norm | None], name: str, default: DefaultNorm) -> int:
    values = (getattr(n, name) for n in layers if n and getattr(n, name) is not None)
    return next(values, getattr(default, name))


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
    return BusinessCalendar(
        version=version_id(cfg.version, cfg),
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

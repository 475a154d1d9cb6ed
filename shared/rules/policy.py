"""The SLA policy as the rules read it: deadlines, pausing, the escalation ladder, the calendar.

Pure model and its lookups (which norm, which statutory rule, which level); reading and checking
the TOML file (config/policy.toml) is shared/config/policy_file.py's job. The policy version
recorded with each deadline is the declared ``version`` plus a hash of the parsed content.
"""

from __future__ import annotations

from datetime import date, time
from typing import Annotated, Literal

import msgspec

from shared.rules.versioning import version_id

Regime = Literal["awb", "awb_committee", "wkkgz", "custom"]
Clock = Literal["acknowledge", "respond"]
Days = Annotated[int, msgspec.Meta(ge=1, le=365)]
Weeks = Annotated[int, msgspec.Meta(ge=1, le=104)]


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


class Committee(_Config):
    """The advisory committee of Awb afdeling 9.1.3 (9:13: charged by the organisation with
    handling and advising on complaints): which complaints go to it, by category or by the
    escalation level they are at. A referred complaint's term is ten weeks (Awb 9:11 lid 1)."""

    name: str
    name_en: str = ""  # the name in English words (default: `name`)
    categories: tuple[str, ...] = ()
    levels: tuple[Annotated[int, msgspec.Meta(ge=0, le=3)], ...] = ()


class Policy(_Config):
    version: str
    calendar: CalendarConfig
    ladder: tuple[Level, ...]
    count_from: Literal["receipt", "next_business_day"] = "next_business_day"
    statutory: Statutory = Statutory()
    norms: Norms = Norms()
    pausing: Pausing = Pausing()
    committee: Committee | None = None
    # The organisation is a zorgaanbieder (Wkkgz): complaints under the "wkkgz" regime (a
    # category's, or the default) follow the Wkkgz route (klachtenfunctionaris, measures).
    care_provider: bool = False

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

    def committee_for(self, category: str | None, level: int) -> Committee | None:
        """The committee a complaint of `category` at escalation `level` goes to, if any."""
        c = self.committee
        if c is None or (category not in c.categories and level not in c.levels):
            return None
        return c

    def wkkgz_applies(self, category: str | None) -> bool:
        """The Wkkgz route: a care provider's complaint under the Wkkgz regime."""
        return self.care_provider and self.statutory_rule(category).regime == "wkkgz"

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

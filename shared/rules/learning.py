"""Learning from complaints (issue 18 items 1 and 2) as pure rules: the managed vocabularies
(themes, root causes, remedy kinds) and what a classification, a root cause and a remedy must
say.

The model is read from config/vocabularies.toml by shared/config/vocabularies.py; its
``version`` is recorded with every code it gave, so a later vocabulary changes no old event. A
code no longer offered stays in the file as ``retired`` (old events keep their words) and is
refused for new records. Each check returns the `Refusal` naming the rule broken (or None);
its words are in shared/rules/learningwords.py. Nothing here reads a file or the clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

import msgspec

from shared.rules.awb import Refusal
from shared.rules.policy import Policy
from shared.rules.versioning import version_id

VOCABULARY = "klachtenbeleid [vocabularies]"
ISO_10002 = "ISO 10002 §8.7"
Kind = Literal["themes", "root_causes", "remedy_kinds"]
MAX_CENTS = 100_000_000  # one million euro: a larger amount is a typing error


class Term(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """One code's words; ``retired``: kept for the words of old events, not chosen anew.
    Remedy kinds only: ``amount`` (needs an amount in euro cents, e.g. compensation) and
    ``follow_up`` (needs an owner and a due date, e.g. a corrective action)."""

    nl: str
    en: str
    retired: bool = False
    amount: bool = False
    follow_up: bool = False


class Vocabulary(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    version: str
    themes: dict[str, Term] = {}
    root_causes: dict[str, Term] = {}
    remedy_kinds: dict[str, Term] = {}

    @property
    def version_id(self) -> str:
        """What events record: the declared version and a hash of the content, so an edit
        without a new version number is still told apart."""
        return version_id(self.version, self)

    def terms(self, kind: Kind) -> dict[str, Term]:
        return getattr(self, kind)

    def offered(self, kind: Kind) -> list[str]:
        """The codes that may be chosen now, in the file's order."""
        return [code for code, term in self.terms(kind).items() if not term.retired]

    def word(self, kind: Kind, code: str, lang: str) -> str:
        """The code in words (Dutch unless English); a code this file does not know is shown
        as it was recorded."""
        term = self.terms(kind).get(code)
        if term is None:
            return code
        return term.en if lang == "en" else term.nl


@dataclass(frozen=True)
class RemedyGiven:
    """A remedy as a handler states it: the code, and what its kind needs."""

    kind: str
    amount_cents: int | None = None
    owner: str | None = None
    due: date | None = None
    description: str = ""


def _codes_refusal(
    codes: Sequence[str], vocabulary: Vocabulary, kind: Kind, field: str
) -> Refusal | None:
    if not codes:
        return Refusal(f"{kind}_empty", ISO_10002, field)
    offered = set(vocabulary.offered(kind))
    unknown = [c for c in codes if c not in offered]
    if unknown:
        values = {"codes": ", ".join(unknown), "version": vocabulary.version}
        return Refusal(f"{kind}_unknown", VOCABULARY, field, values)
    if len(set(codes)) != len(codes):
        return Refusal("codes_repeated", VOCABULARY, field)
    return None


def classification_refusal(themes: Sequence[str], vocabulary: Vocabulary) -> Refusal | None:
    """At least one theme, each offered by the vocabulary in force, none twice."""
    return _codes_refusal(themes, vocabulary, "themes", "themes")


def root_causes_refusal(codes: Sequence[str], vocabulary: Vocabulary) -> Refusal | None:
    """At least one root cause, each offered by the vocabulary in force, none twice."""
    return _codes_refusal(codes, vocabulary, "root_causes", "root_causes")


def remedies_refusal(
    remedies: Sequence[RemedyGiven], vocabulary: Vocabulary, today: date
) -> Refusal | None:
    """Each remedy a kind the vocabulary offers; an amount where the kind needs one
    (compensation: more than nothing, in euro cents), an owner and a due date not in the past
    where the kind is followed up (a corrective action). ``today``: on the policy's calendar."""
    if not remedies:
        return Refusal("remedies_empty", ISO_10002, "remedies")
    kinds = vocabulary.remedy_kinds
    for i, r in enumerate(remedies):
        field = f"remedies[{i}]"
        term = kinds.get(r.kind)
        if term is None or term.retired:
            values = {"codes": r.kind, "version": vocabulary.version}
            return Refusal("remedy_kinds_unknown", VOCABULARY, f"{field}.kind", values)
        if r.amount_cents is not None and not 0 < r.amount_cents <= MAX_CENTS:
            return Refusal("remedy_amount_out_of_range", ISO_10002, f"{field}.amount_cents")
        if term.amount and r.amount_cents is None:
            word = {"kind_nl": term.nl.lower(), "kind_en": term.en.lower()}
            return Refusal("remedy_amount_missing", ISO_10002, f"{field}.amount_cents", word)
        if term.follow_up:
            word = {"kind_nl": term.nl.lower(), "kind_en": term.en.lower()}
            if not (r.owner and r.owner.strip()):
                return Refusal("remedy_owner_missing", ISO_10002, f"{field}.owner", word)
            if r.due is None:
                return Refusal("remedy_due_missing", ISO_10002, f"{field}.due", word)
            if r.due < today:
                return Refusal("remedy_due_in_past", ISO_10002, f"{field}.due", word)
            if not r.description.strip():
                return Refusal("remedy_action_undescribed", ISO_10002, f"{field}.description")
    return None


def staff_categories(vocabulary: Vocabulary, policy: Policy) -> list[dict[str, str]]:
    """The categories staff may choose, at registration and when correcting: the vocabulary's
    themes, then the policy's own (a category with its own statutory rule or norm), each once,
    with words in Dutch and English (a policy category without a theme is said as its code)."""
    themes = vocabulary.terms("themes")
    found = {code: {"code": code, "nl": themes[code].nl, "en": themes[code].en}
             for code in vocabulary.offered("themes")}  # fmt: skip
    for code in (*policy.statutory.categories, *policy.norms.category):
        found.setdefault(code, {"code": code, "nl": code, "en": code})
    return list(found.values())

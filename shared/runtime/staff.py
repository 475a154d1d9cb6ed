"""Staff identity, one place for every service: the roles, what each may do, the bearer tokens
from configuration (``KLACHTEN_STAFF_TOKEN``, ``KLACHTEN_STAFF_TOKENS``) and who a token is. A
person signed in with OpenID Connect is a `StaffMember` too, named and given roles by their
access token (shared/runtime/oidc.py).

A token entry naming a role that does not exist is refused at start-up, naming the role: a
mistyped ``hander`` must not quietly leave a case handler without rights in one service and
with them in another. Tokens are compared in constant time, every one of them.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Literal

# klachtenfunctionaris: the Wkkgz complaints officer (art. 15), who helps and mediates.
ROLES = ("handler", "supervisor", "privacy", "reader", "klachtenfunctionaris")
Action = Literal[
    "read", "register", "respond", "escalate", "extend", "close", "handle", "reopen", "pause",
    "assign", "take", "investigate", "resolve", "decline", "refer", "mediate", "note",
    "case_file",
]  # fmt: skip
ALLOWED: dict[str, frozenset[str]] = {
    "read": frozenset({"reader", "handler", "supervisor", "privacy", "klachtenfunctionaris"}),
    "register": frozenset({"handler"}),
    # A supervisor answers at the escalation levels (Awb 9:11 applies to their answer too).
    "respond": frozenset({"handler", "supervisor"}),
    "escalate": frozenset({"handler", "supervisor"}),
    "extend": frozenset({"handler", "supervisor"}),
    "close": frozenset({"handler", "supervisor"}),
    # Reading a complainant's message and marking it handled, or reopening after closure:
    # the people who answer complaints (a reader only looks).
    "handle": frozenset({"handler", "supervisor"}),
    "reopen": frozenset({"handler", "supervisor"}),
    # Waiting for the complainant (and resuming) moves the internal clock: who answers.
    "pause": frozenset({"handler", "supervisor"}),
    # The procedure steps (docs/procedure.md). Who handles a complaint, and handing it to
    # someone else, is the supervisor's call; a handler takes one from their team's queue.
    "assign": frozenset({"supervisor"}),
    "take": frozenset({"handler", "supervisor"}),
    # The person complained about, their reaction, the hearing: who handles the complaint.
    "investigate": frozenset({"handler", "supervisor"}),
    "resolve": frozenset({"handler", "supervisor"}),
    "decline": frozenset({"handler", "supervisor"}),
    # Referring to the advisory committee (Awb 9.1.3) is the handler's, as the policy says;
    # the committee's hearing and advice are recorded as "investigate" (its secretary's work).
    "refer": frozenset({"handler", "supervisor"}),
    # Support and mediation under the Wkkgz: the complaints officer's alone (Wkkgz art. 15).
    "mediate": frozenset({"klachtenfunctionaris"}),
    # Internal notes (issue 17): whoever works on complaints, not who only reads them.
    "note": frozenset({"handler", "supervisor", "klachtenfunctionaris"}),
    # The case file (every stored event, sealed, with the proof): for who handles or
    # oversees complaints and the privacy officer; a reader sees reports, not evidence.
    "case_file": frozenset({"handler", "supervisor", "privacy", "klachtenfunctionaris"}),
}
ALL_ROLES_NAME = "staff"  # the name of KLACHTEN_STAFF_TOKEN's holder in actors and pages

# What a refused staff member reads (HTTP 403), in Dutch and English: the act, who may.
ROLE_WORDS = {
    "handler": {"nl": "behandelaar", "en": "handler"},
    "supervisor": {"nl": "leidinggevende", "en": "supervisor"},
    "privacy": {"nl": "privacyfunctionaris", "en": "privacy officer"},
    "reader": {"nl": "lezer", "en": "reader"},
    "klachtenfunctionaris": {"nl": "klachtenfunctionaris", "en": "complaints officer"},
}
ACT_WORDS = {
    "read": {"nl": "klachten inzien", "en": "reading complaints"},
    "register": {"nl": "klachten registreren", "en": "registering complaints"},
    "respond": {"nl": "klachten beantwoorden", "en": "answering complaints"},
    "escalate": {"nl": "een klacht voorleggen aan het volgende niveau",
                 "en": "escalating a complaint"},
    "extend": {"nl": "de termijn verdagen", "en": "extending the term"},
    "close": {"nl": "klachten afsluiten", "en": "closing complaints"},
    "handle": {"nl": "berichten van klagers afhandelen", "en": "handling complainants' messages"},
    "reopen": {"nl": "afgesloten klachten heropenen", "en": "reopening closed complaints"},
    "pause": {"nl": "wachten op de klager en hervatten",
              "en": "waiting for the complainant and resuming"},
    "assign": {"nl": "klachten toewijzen", "en": "assigning complaints"},
    "take": {"nl": "klachten uit de wachtrij oppakken", "en": "taking complaints from the queue"},
    "investigate": {"nl": "vastleggen over wie de klacht gaat, diens reactie en het horen",
                    "en": "recording the person complained about, their reaction and the hearing"},
    "resolve": {"nl": "klachten informeel oplossen", "en": "resolving complaints informally"},
    "decline": {"nl": "klachten niet in behandeling nemen", "en": "declining complaints"},
    "refer": {"nl": "klachten voorleggen aan de klachtadviescommissie",
              "en": "referring complaints to the advisory committee"},
    "mediate": {"nl": "bemiddeling vastleggen", "en": "recording mediation"},
    "note": {"nl": "interne notities schrijven", "en": "writing internal notes"},
    "case_file": {"nl": "het klachtdossier downloaden", "en": "downloading the case file"},
    "documents": {"nl": "de stukken van een klacht inzien",
                  "en": "seeing a complaint's documents"},
    "search": {"nl": "zoeken op naam, e-mailadres en tekst",
               "en": "searching by name, e-mail address and text"},
}  # fmt: skip
FORBIDDEN = {
    "nl": "{act} mag alleen met de rol {allowed}. Uw {rol}: {roles}.",
    "en": "{act} needs the role {allowed}. Your {rol}: {roles}.",
}


@dataclass(frozen=True)
class StaffMember:
    name: str
    roles: frozenset[str]

    def may(self, action: Action) -> bool:
        return bool(self.roles & ALLOWED[action])


def forbidden(
    member: StaffMember, act: str, lang: str, allowed: frozenset[str] | None = None
) -> str:
    """Why `member` may not do `act` (an Action, or "documents" with the roles that may), in
    the staff member's language (Dutch unless English is asked for)."""
    lang = "en" if lang == "en" else "nl"
    may = sorted(ALLOWED[act] if allowed is None else allowed, key=ROLES.index)
    has = sorted(member.roles, key=ROLES.index)
    names = [ROLE_WORDS[r][lang] for r in may]
    either = {"nl": " of ", "en": " or "}[lang]
    rol = {"nl": ("rol", "rollen"), "en": ("role", "roles")}[lang][len(has) > 1]
    text = FORBIDDEN[lang].format(
        act=ACT_WORDS[act][lang],
        allowed=either.join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else names[0],
        rol=rol,
        roles=", ".join(ROLE_WORDS[r][lang] for r in has),
    )
    return text[0].upper() + text[1:]


Tokens = dict[str, StaffMember]


def parse_tokens(all_roles_token: str, tokens: str) -> Tokens:
    """``name:token:role+role;…`` plus one token with every role; raises ValueError naming the
    entry (never its token) and, for an unknown role, the role."""
    found: Tokens = {}
    if all_roles_token:
        found[all_roles_token] = StaffMember(ALL_ROLES_NAME, frozenset(ROLES))
    for entry in filter(None, (e.strip() for e in tokens.split(";"))):
        parts = entry.split(":")
        if len(parts) != 3 or not parts[0] or len(parts[1]) < 16:
            raise ValueError(f"staff token entry {parts[0]!r}: expected name:token(16+):roles")
        roles = frozenset(r for r in parts[2].split("+") if r)
        unknown = sorted(roles - set(ROLES))
        if unknown:
            raise ValueError(
                f"staff token {parts[0]!r}: unknown role {', '.join(map(repr, unknown))}"
                f" (roles: {', '.join(ROLES)})"
            )
        if not roles:
            raise ValueError(f"staff token {parts[0]!r}: no roles (roles: {', '.join(ROLES)})")
        found[parts[1]] = StaffMember(parts[0], roles)
    return found


def member_of(token: str, tokens: Tokens) -> StaffMember | None:
    """The staff member holding ``token``, comparing every known token in constant time."""
    token = token.strip()
    member = None
    for known, who in tokens.items():
        if token and hmac.compare_digest(known.encode(), token.encode()):
            member = who
    return member


def authenticate(header: str | None, tokens: Tokens) -> StaffMember | None:
    """The staff member of an ``Authorization: Bearer <token>`` header, or None."""
    scheme, _, token = (header or "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return member_of(token, tokens)

"""Intake's JSON request bodies as msgspec Structs: the one description of each body, read by
services/intake/reading.py and published in the OpenAPI document (services/intake/openapi.py
generates the schemas from these classes).

What msgspec checks is in the annotations: types, choices, whole-number ranges, lengths,
required and unknown fields. ``Meta.extra`` says how the reader treats a field: ``text``
(``line`` or ``lines``: its characters are checked and CR LF reads as LF before the length
counts) and ``invalid`` (the problem key when its value is refused). What msgspec cannot say
(staff-only fields, a receipt time in the past, the policy's priorities, a reason for
declining) is decided in services/intake/domain.py and stated in the descriptions here.

Above 300 lines because every body of the API is described here, the procedure steps' too
(ownership, the person complained about, the hearing, informal resolution, declining: issue
16, and the committee and Wkkgz route of its items 6-7): one place to read what a client may
send.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar, Literal, get_args

import msgspec
from msgspec import Meta

from services.intake.characters import NOT_BLANK, UNSAFE_MULTI_LINE, UNSAFE_SINGLE_LINE
from shared.contract import events as ev

CHANNELS: tuple[str, ...] = get_args(ev.Channel)
PUBLIC_CHANNELS = ("web", "api")
RESOLUTIONS: tuple[str, ...] = get_args(ev.Resolution)
OUTCOMES: tuple[str, ...] = get_args(ev.Outcome)
ESCALATION_REASONS = ("complainant_request", "staff_decision")
HEARING_MODES: tuple[str, ...] = get_args(ev.HearingMode)
WAIVER_GROUNDS: tuple[str, ...] = get_args(ev.HearingWaiverGround)
INFORMAL_MEANS: tuple[str, ...] = get_args(ev.InformalMeans)
CONFIRMATIONS: tuple[str, ...] = get_args(ev.Confirmation)
DECLINE_GROUNDS: tuple[str, ...] = get_args(ev.DeclineGround)
MEDIATION_KINDS: tuple[str, ...] = get_args(ev.MediationKind)
# Also patterns of the OpenAPI document, so written to mean the same in ECMA-262: no needless
# escapes, and the spaces Python's \s has beyond ECMA's spelt out.
EMAIL = re.compile(
    r'^[^@\s\x1c-\x1f\x85<>(),;:"\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$'
)
PHONE = re.compile(r"^\+?[0-9 ()./-]{6,20}$")
UUID_TEXT = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)
# The longest texts a complaint may carry, in characters; the form states them up front.
TEXT_LIMITS = {"description": 20_000, "desired_outcome": 5_000}


def Text(
    max_len: int,
    *,
    required: bool = False,
    lines: bool = False,
    description: str | None = None,
    schema: dict[str, Any] | None = None,
) -> Any:
    """A text of at most ``max_len`` characters without unsafe ones (characters.py); a
    required one holds more than blanks. ``schema``: more the document says of it."""
    unsafe = UNSAFE_MULTI_LINE if lines else UNSAFE_SINGLE_LINE
    meta = Meta(
        max_length=max_len,
        pattern=NOT_BLANK if required else None,
        description=description,
        extra_json_schema={"not": {"type": "string", "pattern": unsafe}} | (schema or {}),
        extra={"text": "lines" if lines else "line"},
    )
    return Annotated[str, meta]


def Choice(values: tuple[str, ...], description: str | None = None) -> Any:
    """One of ``values``; the refusal names them in this order."""
    return Annotated[Literal[values], Meta(description=description, extra={"choices": values})]


Name = Text(200, required=True)
Email = Annotated[
    str,
    Meta(
        max_length=254,
        # The documented ASCII form; an internationalised address (RFC 6531) is accepted too.
        extra_json_schema={
            "pattern": EMAIL.pattern,
            "not": {"type": "string", "pattern": UNSAFE_SINGLE_LINE},
        },
        extra={"text": "line", "invalid": "email"},
    ),
]
Phone = Annotated[
    str,
    Meta(
        max_length=40,
        # checked after stripping, so the document refuses the spaces around it
        extra_json_schema={"pattern": PHONE.pattern, "not": {"type": "string", "pattern": "^ | $"}},
        extra={"text": "line", "invalid": "phone"},
    ),
]
Language = Annotated[
    Literal["nl", "en"],
    Meta(
        description="language of the letters; default: the request's Accept-Language",
        extra={"choices": ("nl", "en")},
    ),
]
MessageId = Annotated[
    str,
    Meta(
        pattern=UUID_TEXT.pattern,
        description="the event id of one of the complainant's messages on this complaint",
        extra={"invalid": "uuid"},
    ),
]
Weeks = Annotated[int, Meta(ge=1, le=52)]
# A staff id, team or department of the organisation file (shared/config/organisation.py).
StaffId = Text(100, description="a member's staff id in the organisation file")
Unit = Text(100, description="a team or department of the organisation file")


def Moment(description: str) -> Any:
    """A time in RFC 3339 with an offset (checked in domain.py: msgspec reads it as text)."""
    meta = Meta(
        description=description,
        extra_json_schema={"format": "date-time"},
        extra={"invalid": "datetime"},
    )
    return Annotated[str, meta]


class Body(msgspec.Struct, forbid_unknown_fields=True):
    """A request body; ``schema_extra``: what the document says of the body as a whole (rules
    across fields, checked in domain.py)."""

    schema_extra: ClassVar[dict[str, Any]] = {}


class ComplainantBody(Body):
    name: Name
    email: Email | None = None
    phone: Phone | None = None
    address: Text(500, lines=True, description="postal address") | None = None
    language: Language | None = None


class RepresentativeBody(Body):
    """Who complains on the complainant's behalf; the letters go to them (issue 25)."""

    name: Name
    relation: Text(100, required=True, description="e.g. daughter, lawyer, carer")
    email: Email | None = None
    phone: Phone | None = None
    address: Text(500, lines=True, description="postal address") | None = None


# Awb 9:4 asks for name and address: an e-mail or a postal address will do (issue 25).
REACHABLE = {
    "anyOf": [
        {"required": ["email"], "properties": {"email": {"type": "string"}}},
        {
            "required": ["address"],
            "properties": {"address": {"type": "string", "pattern": NOT_BLANK}},
        },
    ]
}


class SubmissionBody(Body):
    schema_extra: ClassVar[dict[str, Any]] = {
        "allOf": [
            {"properties": {"complainant": REACHABLE}},
            {"properties": {"representative": {"anyOf": [{"type": "null"}, REACHABLE]}}},
        ]
    }
    channel: Choice(
        CHANNELS,
        f"the public may use {' and '.join(PUBLIC_CHANNELS)}; "
        "other channels are registered by staff",
    )
    complainant: ComplainantBody
    subject: Text(200, required=True)
    description: Text(TEXT_LIMITS["description"], required=True, lines=True)
    category: Text(100) | None = None
    desired_outcome: Text(TEXT_LIMITS["desired_outcome"], lines=True) | None = None
    representative: RepresentativeBody | None = None
    event_date: (
        Annotated[
            str,
            Meta(
                description="the day the matter happened (YYYY-MM-DD), not in the future",
                extra_json_schema={"format": "date"},
                extra={"invalid": "date"},
            ),
        ]
        | None
    ) = None
    department: Unit | None = None  # the department involved (organisation file)
    received_at: (
        Annotated[
            str,
            Meta(
                description="staff only (phone calls and letters): when it was received, "
                "RFC 3339 with an offset, from 2000 until now; the legal clock runs from it",
                extra_json_schema={"format": "date-time"},
                extra={"invalid": "datetime"},
            ),
        ]
        | None
    ) = None
    # The document lists the shipped policy's priorities (services/intake/openapi.py).
    priority: (
        Annotated[
            str,
            Meta(
                description="staff only: a priority of the complaints policy (its "
                "norms.priority keys; these are the shipped policy's); it selects the policy's "
                "internal norms"
            ),
        ]
        | None
    ) = None


class AnswerBody(Body):
    text: Text(50_000, required=True, lines=True, description="the answer to the complainant")
    resolution: Choice(RESOLUTIONS)
    # After an advisory committee's advice (Awb 9.1.3): whether the answer departs from it,
    # required then, and why when it does (Awb 9:16); else 422 naming the rule.
    departs_from_advice: (
        Annotated[
            bool,
            Meta(
                description="after the committee's advice: whether the answer departs from "
                "it (required then; refused without an advice), Awb 9:16"
            ),
        ]
        | None
    ) = None
    departure_reasons: (
        Text(20_000, lines=True, description="why the answer departs from the advice (sealed)")
        | None
    ) = None


class EscalationBody(Body):
    schema_extra: ClassVar[dict[str, Any]] = {
        "if": {
            "properties": {"reaction_event_id": {"type": "string"}},
            "required": ["reaction_event_id"],
        },
        # no "then": with a reaction to escalate on, any reason (or none) will do
        "else": {
            "properties": {"reason": {"enum": list(ESCALATION_REASONS)}},
            "required": ["reason"],
        },
    }
    reason: (
        Choice(
            ESCALATION_REASONS,
            "required unless reaction_event_id is given; from a message the default is "
            "complainant_request (staff_decision when the message is unverified)",
        )
        | None
    ) = None
    reaction_event_id: (
        Annotated[
            MessageId,
            Meta(description="escalate from this message: it is marked handled in the same save"),
        ]
        | None
    ) = None
    level: (
        Annotated[
            int,
            Meta(ge=1, le=10, description="default: one level up; an integer literal (2, not 2.0)"),
        ]
        | None
    ) = None
    target: Text(100, description="default: the ladder's handler of that level") | None = None
    text: Text(20_000, lines=True) | None = None


class ExtensionBody(Body):
    weeks: Annotated[
        Weeks,
        Meta(
            description="at most the complaints policy's max_extension_weeks for the "
            "complaint's regime (the law: 4, Awb 9:11 lid 2), once, before the term ends and "
            "before the answer; more only with the complainant's consent; an integer literal "
            "(2, not 2.0). Refusals name the rule (422 for the weeks, else 409)"
        ),
    ]
    reason: Text(5_000, required=True, lines=True)
    with_consent: bool = False


class ClosureBody(Body):
    schema_extra: ClassVar[dict[str, Any]] = {
        "if": {"properties": {"outcome": {"const": "not_handled"}}, "required": ["outcome"]},
        "then": {
            "properties": {"note": {"type": "string", "pattern": NOT_BLANK}},
            "required": ["note"],
        },
    }
    outcome: Choice(OUTCOMES)
    note: (
        Text(
            20_000,
            lines=True,
            description="required when not_handled (Awb 9:8: the reason); not_handled only "
            "within four weeks of receipt (Awb 9:8 lid 3), else 409 naming the rule",
        )
        | None
    ) = None


class PauseBody(Body):
    reason: Text(
        5_000,
        required=True,
        lines=True,
        description="what the complaint waits for from the complainant; the policy's "
        "[pausing] clocks stand still until /resume, the statutory term never does",
    )


class ResumptionBody(Body):
    """Resuming the clock says nothing more (no body is fine, unknown fields are not)."""


class HandlingBody(Body):
    """Marking a complainant's message handled: an optional note (no body is no note)."""

    note: (
        Text(5_000, lines=True, description="what was done with the message (kept, not sent)")
        | None
    ) = None


class NoteBody(Body):
    """An internal note on the complaint (issue 17, services/intake/notes.py)."""

    text: Text(
        10_000,
        required=True,
        lines=True,
        description="the note, for colleagues only: never in a letter, on the status page or "
        "in a report",
    )


class ReopeningBody(Body):
    reason: Text(5_000, required=True, lines=True, description="why the complaint is handled again")
    reaction_event_id: (
        Annotated[
            MessageId,
            Meta(description="reopened because of this message: it is marked handled too"),
        ]
        | None
    ) = None


# --- the procedure steps (issue 16, docs/procedure.md) --------------------------------------


class AssignmentBody(Body):
    schema_extra: ClassVar[dict[str, Any]] = {
        "anyOf": [{"required": ["handler"]}, {"required": ["team"]}]
    }
    handler: (
        Annotated[
            StaffId,
            Meta(
                description="who handles it (a member's staff id); leave out to put the "
                "complaint in the team's queue. Not the person complained about (Awb 9:7, 422)"
            ),
        ]
        | None
    ) = None
    team: (
        Annotated[
            Text(100),
            Meta(
                description="a team of the organisation file; default: the complaint's team "
                "when the handler is a member of it, else the handler's first team"
            ),
        ]
        | None
    ) = None
    department: (
        Annotated[
            Text(100),
            Meta(description="default: the team's department, else the handler's"),
        ]
        | None
    ) = None
    reason: (
        Text(
            5_000,
            lines=True,
            description="required to give the complaint to someone else or another team "
            "(a reassignment; 422 without); kept in the history",
        )
        | None
    ) = None


class TakingBody(Body):
    """Taking a complaint from one's team's queue ("pak op") says nothing more."""


class ConductSubjectBody(Body):
    schema_extra: ClassVar[dict[str, Any]] = {
        "anyOf": [{"required": ["employee"]}, {"required": ["unit"]}]
    }
    employee: (
        Annotated[
            StaffId,
            Meta(
                description="the employee whose conduct it is about (Awb 9:1), by staff id; "
                "not the complaint's handler (Awb 9:7: reassign first). Sealed like the "
                "complainant's data"
            ),
        ]
        | None
    ) = None
    unit: (
        Annotated[
            Unit,
            Meta(description="the unit it is about; default: the employee's team, else department"),
        ]
        | None
    ) = None
    name: Text(200, description="default: the employee's name in the organisation file") | None = (
        None
    )
    email: Annotated[Email, Meta(description="for the copy of the complaint (Awb 9:9)")] | None = (
        None
    )
    role: Text(200, description="their role in what happened") | None = None


class ConductReactionBody(Body):
    text: Text(20_000, required=True, lines=True, description="their side of it (sealed)")


class HearingInvitationBody(Body):
    schema_extra: ClassVar[dict[str, Any]] = {
        "if": {"properties": {"mode": {"const": "in_person"}}, "required": ["mode"]},
        "then": {
            "properties": {"place": {"type": "string", "pattern": NOT_BLANK}},
            "required": ["place"],
        },
    }
    at: Moment("when the hearing is, RFC 3339 with an offset; not in the past")
    mode: Choice(HEARING_MODES)
    place: (
        Text(500, lines=True, description="required in person: the address (or the number or link)")
        | None
    ) = None
    note: Text(5_000, lines=True, description="for the invitation letter") | None = None
    conduct_subject_invited: bool = False


class HearingReportBody(Body):
    held_at: Moment("when the hearing took place, RFC 3339 with an offset; not in the future")
    mode: Choice(HEARING_MODES)
    report: Text(
        50_000,
        required=True,
        lines=True,
        description="the report (verslag) of the hearing, Awb 9:10 lid 3 (sealed)",
    )
    conduct_subject_heard: bool = False


class HearingWaiverBody(Body):
    schema_extra: ClassVar[dict[str, Any]] = {
        "if": {"properties": {"ground": {"const": "manifestly_unfounded"}}, "required": ["ground"]},
        "then": {
            "properties": {"explanation": {"type": "string", "pattern": NOT_BLANK}},
            "required": ["explanation"],
        },
    }
    ground: Choice(
        WAIVER_GROUNDS,
        "Awb 9:10 lid 2 a (an explanation needed), b, c (only after an invitation), or heard "
        "at another level of this complaint (lid 1); else 422 naming the rule",
    )
    explanation: Text(20_000, lines=True, description="why (sealed)") | None = None


class InformalResolutionBody(Body):
    means: Choice(INFORMAL_MEANS, "how it was resolved (Awb 9:5)")
    confirmed_by: Choice(CONFIRMATIONS, "how the complainant confirmed they are satisfied")
    confirmed_at: Moment("when they confirmed it, RFC 3339 with an offset; not in the future")
    text: Text(20_000, required=True, lines=True, description="what was done or agreed (sealed)")


class DecliningBody(Body):
    grounds: Annotated[
        list[Choice(DECLINE_GROUNDS)],
        Meta(
            description="at least one ground of Awb 9:8 (422 naming the rule without); only "
            "within four weeks of receipt and before the answer (409 naming Awb 9:8 lid 3)",
            extra={"choices": DECLINE_GROUNDS},
        ),
    ]
    explanation: Text(
        20_000, required=True, lines=True, description="why, for the letter to the complainant"
    )


class CommitteeReferralBody(Body):
    note: Text(5_000, lines=True, description="for the committee (sealed)") | None = None


class CommitteeHearingBody(Body):
    held_at: Moment("when the committee heard, RFC 3339 with an offset; not in the future")
    mode: Choice(HEARING_MODES)
    report: Text(
        50_000, required=True, lines=True, description="the report of the hearing (sealed)"
    )
    conduct_subject_heard: bool = False


class CommitteeAdviceBody(Body):
    advice: Choice(RESOLUTIONS, "the committee's judgement of the complaint")
    advised_at: Moment("when the report reached us, RFC 3339 with an offset; not in the future")
    text: Text(
        50_000,
        required=True,
        lines=True,
        description="its findings, advice and recommendations, Awb 9:15 lid 4 (sealed)",
    )


class MediationBody(Body):
    kind: Choice(MEDIATION_KINDS, "support to the complainant, or mediation (Wkkgz art. 15)")
    held_at: Moment("when, RFC 3339 with an offset; not in the future")
    text: Text(20_000, required=True, lines=True, description="what was done (sealed)")
    agreed: (
        Annotated[bool, Meta(description="a mediation ended in agreement (mediation only)")] | None
    ) = None


class MeasureBody(Body):
    description: Text(2_000, required=True, lines=True, description="the measure (sealed)")
    due: Annotated[
        str,
        Meta(
            description="the day it is realised by (YYYY-MM-DD), not before today",
            extra_json_schema={"format": "date"},
            extra={"invalid": "date"},
        ),
    ]


class MeasuresBody(Body):
    measures: Annotated[
        list[MeasureBody],
        Meta(
            min_length=1,
            description="the judgement's measures and their days (Wkkgz art. 17); only on a "
            "care complaint, before the answer at its level",
        ),
    ]


# Learning from complaints (issue 18): codes of the managed vocabulary (config/vocabularies.toml).
Code = Text(60, required=True, description="a code of the vocabulary in force")


def Codes(description: str) -> Any:
    return Annotated[list[Code], Meta(min_length=1, max_length=20, description=description)]


class ClassificationBody(Body):
    themes: Codes("the complaint's themes (replacing an earlier classification)")


class RootCausesBody(Body):
    root_causes: Codes("why it happened (replacing an earlier record)")
    note: Text(20_000, lines=True, description="the handler's explanation (sealed)") | None = None


class RemedyBody(Body):
    kind: Code
    amount_cents: (
        Annotated[int, Meta(ge=1, le=100_000_000, description="in euro cents (compensation)")]
        | None
    ) = None
    owner: StaffId | None = None  # a member, team or department (a corrective action)
    due: (
        Annotated[
            str,
            Meta(
                description="the day it is done by (YYYY-MM-DD), not before today "
                "(a corrective action)",
                extra_json_schema={"format": "date"},
                extra={"invalid": "date"},
            ),
        ]
        | None
    ) = None
    description: Text(2_000, lines=True, description="what is done (sealed)") | None = None


class RemediesBody(Body):
    remedies: Annotated[
        list[RemedyBody],
        Meta(min_length=1, max_length=20, description="the remedies given, added to earlier ones"),
    ]


class QuestionBody(Body):
    """A handler's question to the complainant (issue 25): the notifier sends it with the link
    to the status page, where the complainant answers it."""

    text: Text(5000, required=True, lines=True, description="the question (sealed)")


class StatusLookupBody(msgspec.Struct):
    """Unknown fields are tolerated here: the lookup answers alike for anything."""

    schema_extra: ClassVar[dict[str, Any]] = {}
    reference: Annotated[str, Meta(examples=["KL-2026-000042"])]
    email: Annotated[str, Meta(description="the complainant's e-mail address")]


# The name of each body in the document's components/schemas.
BODIES: dict[str, type[Any]] = {
    "Submission": SubmissionBody,
    "Answer": AnswerBody,
    "Escalation": EscalationBody,
    "Extension": ExtensionBody,
    "Closure": ClosureBody,
    "Pause": PauseBody,
    "Resumption": ResumptionBody,
    "Handling": HandlingBody,
    "Reopening": ReopeningBody,
    "Assignment": AssignmentBody,
    "Taking": TakingBody,
    "ConductSubject": ConductSubjectBody,
    "ConductReaction": ConductReactionBody,
    "HearingInvitation": HearingInvitationBody,
    "HearingReport": HearingReportBody,
    "HearingWaiver": HearingWaiverBody,
    "InformalResolution": InformalResolutionBody,
    "Declining": DecliningBody,
    "CommitteeReferral": CommitteeReferralBody,
    "CommitteeHearing": CommitteeHearingBody,
    "CommitteeAdvice": CommitteeAdviceBody,
    "Mediation": MediationBody,
    "Measures": MeasuresBody,
    "Classification": ClassificationBody,
    "RootCauses": RootCausesBody,
    "Remedies": RemediesBody,
    "Question": QuestionBody,
    "Note": NoteBody,
    "StatusLookup": StatusLookupBody,
}


# Corrections of a case (issue 17, services/intake/corrections.py).
class RecategorisationBody(Body):
    """The category and priority set right; the dates they decide are decided again."""

    reason: Text(2_000, required=True, lines=True, description="why (kept, sealed)")
    category: Text(100, description="the category (a theme or the policy's); empty: none") = ""
    priority: Text(60, description="the policy's priority (norms.priority); empty: none") = ""


class DuplicateBody(Body):
    """This complaint is the same as another one: it is closed as its duplicate, no letter."""

    primary: Text(100, required=True, description="the other complaint's reference or id")
    reason: Text(2_000, required=True, lines=True, description="why they are the same (sealed)")


class FollowUpBody(Body):
    """An answer to the complainant's message after the response (no new procedure)."""

    reaction_event_id: MessageId
    text: Text(20_000, required=True, lines=True, description="the answer (sent as a letter)")


BODIES.update(
    {
        "Recategorisation": RecategorisationBody,
        "Duplicate": DuplicateBody,
        "FollowUp": FollowUpBody,
    }
)

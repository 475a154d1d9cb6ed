"""THE event contract of klachten: one tagged msgspec union, encoded as self-describing JSON.

(Above 300 lines on purpose: the contract is read, reviewed and versioned as one document.)

Every message on ``complaints.<complaint_id>.<version>.<event_type>`` carries exactly one of
these structs as its body. ``type`` names the event (``complaint.submitted``), and the
subject's ``<event_type>`` token is the part after ``complaint.``.

Personal data lives only in the ``personal`` member of an event. The persistence layer seals it
(per-complainant authenticated encryption, see docs/privacy.md) into ``sealed``; after erasure
``personal`` decodes as ``None`` and ``erased`` is true, while every other field stays readable
for analysts and the yearly figures.

Schema evolution rules (the stream is immutable; old events are read forever):
1. Never remove or rename a field, never change a field's type or meaning, never reuse a tag.
2. New fields are optional with a default, so old events still decode.
3. A change that cannot follow rule 1-2 gets a new tag (``complaint.responded.v2``) and a new
   struct; readers handle both.
4. Unknown fields are ignored by readers (msgspec's default), so producers may run ahead.
5. ``docs/events.schema.json`` and ``tests/shared/golden/*.json`` are the published form: a
   change there is a contract change and needs a note in docs/events.md.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

import msgspec

Channel = Literal["web", "email", "phone", "letter", "api"]
Language = Literal["nl", "en"]
Resolution = Literal["well_founded", "partly_well_founded", "unfounded", "no_judgement"]
EscalationReason = Literal["deadline_missed", "complainant_request", "staff_decision"]
Clock = Literal["acknowledge", "respond", "statutory"]
# Awb 9:8 lets an organisation decline to handle a complaint; withdrawal ends it too.
# "duplicate" (new in 2.1): the same complaint as another one (``linked_as_duplicate``).
Outcome = Literal["resolved", "not_handled", "withdrawn", "referred", "duplicate"]
LetterKind = Literal[
    "acknowledgement",
    "extension_notice",
    "response",
    "escalation_notice",
    "closure",
    "reaction_receipt",
    "status_link",
    # The procedure's letters (issue 16): to the complainant, and to the person complained
    # about (a copy of the complaint, Awb 9:9; the extension notice, Awb 9:11 lid 2).
    "hearing_invitation",
    "informal_resolution",
    "declining",
    "conduct_subject_copy",
    "conduct_subject_extension_notice",
    # A handler's question to the complainant, with the link to answer it (issue 25).
    "question",
    # The advisory committee and the Wkkgz route (issue 16, new in 2.1): the referral to the
    # complainant and to the person complained about (Awb 9:14), the klachtenfunctionaris's
    # mediation (Wkkgz art. 15) and the measures promised with their dates (Wkkgz art. 17).
    "committee_referral",
    "conduct_subject_committee_referral",
    "mediation",
    "measures",
    # A handler's answer to the complainant's message after the response (issue 17, 2.1).
    "follow_up_answer",
]
# Why a file that came with a complaint was not kept (named in the acknowledgement).
RefusalReason = Literal["type_not_accepted", "too_large", "unreadable"]
# How a reaction proved it comes from the complainant (None: it did not, see ``verified``).
Verification = Literal["reply_address", "thread", "dmarc", "status_link", "staff"]
# The procedure steps of issue 16 (docs/procedure.md); the rules are in shared/rules/procedure.py.
AssignmentKind = Literal["assign", "reassign", "take"]
HearingMode = Literal["in_person", "phone", "video"]
# Awb 9:10 lid 2 a-c, and "already heard at another level of this complaint" (lid 1 fulfilled).
HearingWaiverGround = Literal[
    "manifestly_unfounded", "complainant_waived", "no_reaction_in_time", "heard_at_another_level"
]
InformalMeans = Literal["phone_call", "conversation", "apology", "fix", "explanation", "other"]
Confirmation = Literal["phone", "email", "letter", "in_person", "status_page"]
# Awb 9:8 lid 1 a-f and lid 2: why an organisation need not handle a complaint.
DeclineGround = Literal[
    "already_handled",
    "older_than_a_year",
    "objection_possible",
    "appeal_possible",
    "before_another_court",
    "criminal_investigation",
    "insufficient_interest",
]
# The Wkkgz route (issue 16 item 7): what the klachtenfunctionaris (Wkkgz art. 15) did.
MediationKind = Literal["support", "mediation"]
# What a reminder of a passed due date is about (``measure_overdue``, new in 2.1).
OverdueSource = Literal["measure", "remedy", "improvement_action"]
# An improvement action's state (issue 18 item 3, ISO 10002 §8.7-9; new in 2.1).
ImprovementStatus = Literal["open", "in_progress", "done", "dropped"]


class Struct(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=False):
    """Base for every contract struct: immutable, keyword-only."""


# --- value objects --------------------------------------------------------------------------


class Complainant(Struct, kw_only=True):
    name: str
    email: str  # "" when the complainant gave only a postal address (issue 25)
    phone: str | None = None
    address: str | None = None


class Representative(Struct, kw_only=True):
    """Who complains on the complainant's behalf (a gemachtigde, parent, carer: issue 25),
    and how to reach them; at least an e-mail or a postal address."""

    name: str
    relation: str  # in their own words: "dochter", "advocaat", "mentor"
    email: str | None = None
    phone: str | None = None
    address: str | None = None


class AttachmentRef(Struct, kw_only=True):
    """An attachment in the ATTACHMENTS object store; events carry references, never bytes."""

    object_name: str
    filename: str
    content_type: str
    size: int
    sha256: str
    # The object's own AES-256-GCM key (base64): the bytes are sealed in the store and this
    # key lives only inside the sealed personal part, so destroying the complainant's key
    # shreds the document too. None: stored in plaintext before sealing (still readable).
    key: str | None = None


class RefusedAttachment(Struct, kw_only=True):
    """A file that came with a complaint and was not kept; the acknowledgement names it."""

    filename: str
    declared_type: str
    detected_type: str | None = None  # from the bytes (magic numbers), when recognised
    size: int
    reason: RefusalReason


class LetterRecord(Struct, kw_only=True):
    """Proof of one letter sent: what, to whom (by reference), when and with what content."""

    kind: LetterKind
    template: str
    template_version: str
    language: Language
    content_sha256: str
    message_id: str
    sent_at: datetime
    # How it went (issue 16 item 8): "email" handed to the relay at ``sent_at``; "post" a
    # print-ready PDF put in the post room at ``sent_at`` (docs/post-room.md), whose SHA-256
    # is ``document_sha256`` (also its name in the post room).
    delivery: Literal["email", "post"] = "email"
    document_sha256: str | None = None
    # The subject line as sent (issue 25: the status page lists every letter). Only fixed
    # words and the reference, never personal data; None in records made before 2027-01.
    subject: str | None = None


class Terms(Struct, kw_only=True):
    """The dates in force after the event that records them, decided once by the writer with
    the policy in force (shared/rules/terms.py) and read by every letter, page and monitor.

    Each date is the first instant late (local midnight after the due day); ``None``: that
    clock has no date now (paused, done, or the level has no term). ``capped``: an escalation
    level's own term would have ended after the statutory term and was cut to it (the handler
    is prompted to extend). ``registered_late``: the internal dates had passed when the
    complaint was registered (a late paper letter); letters then promise the statutory date.
    ``committee``: the name of the advisory committee the policy sent the complaint to at
    registration (its category's, Awb 9:15 lid 1); its statutory term is then ten weeks.
    """

    acknowledge_by: datetime | None = None
    respond_by: datetime | None = None
    statutory_by: datetime
    policy_version: str
    calendar_version: str
    capped: bool = False
    registered_late: bool = False
    committee: str | None = None  # the advisory committee that will advise (Awb 9:11 lid 1)


class Sealed(Struct, kw_only=True):
    """Personal data encrypted with the complainant's key (AES-256-GCM)."""

    key_id: str
    nonce: str
    ciphertext: str


# --- personal parts ------------------------------------------------------------------------


class SubmittedPersonal(Struct, kw_only=True):
    complainant: Complainant
    subject: str
    description: str
    desired_outcome: str | None = None
    attachments: list[AttachmentRef] = []
    refused_attachments: list[RefusedAttachment] = []
    representative: Representative | None = None  # new in contract 2026-12 (issue 25)


class TextPersonal(Struct, kw_only=True):
    """Free text written by or about the complainant (response, reason, note, reaction)."""

    text: str


class ResponsePersonal(TextPersonal, kw_only=True, omit_defaults=True):
    """The answer's text, and after an advisory committee's advice the reasons for departing
    from it (Awb 9:16); a superset of TextPersonal (older answers decode as before)."""

    departure_reasons: str | None = None


class MeasuresPersonal(Struct, kw_only=True):
    """What each promised measure is (Wkkgz art. 17), in the order of ``measures``."""

    descriptions: list[str]


class ReactionPersonal(TextPersonal, kw_only=True):
    """A message from (or claiming to be from) the complainant; a superset of TextPersonal."""

    sender: str | None = None  # the From address, kept for unverified messages
    attachments: list[AttachmentRef] = []


class ConductSubjectPersonal(Struct, kw_only=True):
    """The person whose conduct the complaint is about (Awb 9:1): a reference to the employee
    (their staff id in configuration or the identity provider), and what the letters of 9:9
    and 9:11 lid 2 need when the reference alone does not say it."""

    employee: str | None = None
    name: str | None = None
    email: str | None = None
    role: str | None = None


class Measure(Struct, kw_only=True):
    """One measure of a Wkkgz judgement: its number in the list and when it is to be done
    (the first instant late, as every date here; its words are sealed in MeasuresPersonal)."""

    item: int
    due_by: datetime


class Remedy(Struct, kw_only=True):
    """One remedy given (issue 18): its ``kind`` is a code of the remedy kinds of the managed
    vocabulary (config/vocabularies.toml); compensation carries its amount in euro cents, a
    corrective action its owner (a staff id, team or department) and when it is due (the first
    instant late). What it is, in words, is sealed in RemediesPersonal."""

    kind: str
    amount_cents: int | None = None
    owner: str | None = None
    due_by: datetime | None = None


class RemediesPersonal(Struct, kw_only=True):
    """What each remedy is, in the order of ``remedies`` ("" where nothing was said)."""

    descriptions: list[str]


class HearingPlace(Struct, kw_only=True):
    """Where the hearing is: an address, or the phone number or video link to use."""

    place: str | None = None
    note: str | None = None


# --- events --------------------------------------------------------------------------------


class Event(Struct, kw_only=True, tag_field="type"):
    event_id: UUID
    complaint_id: UUID
    version: int
    occurred_at: datetime
    actor: str
    correlation_id: UUID | None = None
    causation_id: UUID | None = None
    # Set by the persistence layer when the personal part is encrypted / destroyed.
    sealed: Sealed | None = None
    erased: bool = False


class Submitted(Event, kw_only=True, tag="complaint.submitted"):
    """A complaint was received through a channel and registered."""

    reference: str
    channel: Channel
    language: Language
    received_at: datetime
    category: str | None = None
    priority: str | None = None
    subject_key: str | None = None  # complainant pseudonym: HMAC of the e-mail, for erasure
    idempotency_key: str | None = None
    terms: Terms | None = None  # the dates after this event (new in contract 2026-11)
    # The procedure the complaint is handled under (shared/rules/procedure.py); None: recorded
    # before issue 16, when answering needed no hearing (old histories replay as they were).
    procedure: str | None = None
    # What the complainant said of the matter (issue 25; both optional): the day it happened,
    # and the department of the organisation file (shared/config/organisation.py) involved.
    event_date: date | None = None
    department_involved: str | None = None
    personal: SubmittedPersonal | None = None


class Acknowledged(Event, kw_only=True, tag="complaint.acknowledged"):
    """The acknowledgement letter was sent, stating the deadlines."""

    letter: LetterRecord
    acknowledge_by: datetime | None = None
    respond_by: datetime
    statutory_by: datetime
    terms: Terms | None = None  # copied from the recorded terms (the notifier computes none)


class LetterSent(Event, kw_only=True, tag="complaint.letter_sent"):
    """Every letter other than the acknowledgement, recorded after it was sent."""

    letter: LetterRecord
    cause_event_id: UUID


class Responded(Event, kw_only=True, tag="complaint.responded"):
    """The organisation answered the complaint (at the current escalation level).
    ``departs_from_advice``: after an advisory committee's advice at this level, whether the
    answer departs from it (the reasons then in ``personal``, Awb 9:16); None: no advice."""

    resolution: Resolution
    level: int = 0
    personal: ResponsePersonal | None = None
    departs_from_advice: bool | None = None


class ReactionReceived(Event, kw_only=True, tag="complaint.reaction_received"):
    """A message about the complaint arrived (a reply to a letter, the status page, a call).

    ``disagrees`` is true only for an explicit request for review (a link, a button, a
    handler's reading), never guessed from words. ``verified`` is false for a message that did
    not prove it comes from the complainant: it is kept for a handler to triage, never acts and
    is never quoted in a letter. An auto-reply (RFC 3834) is recorded as such and needs no one.
    Until a ``reaction_handled`` names it, a reaction that is not an auto-reply is "new".
    """

    channel: Channel
    disagrees: bool
    message_id: str | None = None
    verified: bool = True  # reactions before this field were checked against the address
    verified_by: Verification | None = None
    auto_reply: bool = False
    personal: ReactionPersonal | None = None


class ReactionHandled(Event, kw_only=True, tag="complaint.reaction_handled"):
    """A handler read a reaction and dealt with it (it leaves the "new reply" list)."""

    reaction_event_id: UUID
    personal: TextPersonal | None = None


class Reopened(Event, kw_only=True, tag="complaint.reopened"):
    """A closed complaint is handled again (after a reply); its statutory term is unchanged."""

    status: Literal["submitted", "acknowledged", "responded", "escalated"]
    reaction_event_id: UUID | None = None
    personal: TextPersonal | None = None
    terms: Terms | None = None


class Escalated(Event, kw_only=True, tag="complaint.escalated"):
    """The complaint moved up the ladder (missed deadline, request, or staff decision)."""

    level: int
    target: str
    reason: EscalationReason
    clock: Clock | None = None
    deadline_missed: datetime | None = None
    breach_id: str | None = None
    policy_version: str | None = None
    respond_by: datetime | None = None
    personal: TextPersonal | None = None
    terms: Terms | None = None  # the new level's respond_by, capped at the statutory end


class Extended(Event, kw_only=True, tag="complaint.extended"):
    """Statutory deadline extended with notice (Awb 9:11 lid 2)."""

    weeks: int
    previous_statutory_by: datetime
    statutory_by: datetime
    with_consent: bool = False
    personal: TextPersonal | None = None
    terms: Terms | None = None  # statutory_by per the ATW from receipt, as ``statutory_by``


class Paused(Event, kw_only=True, tag="complaint.paused"):
    """The internal clock waits for the complainant (the statutory term never pauses)."""

    personal: TextPersonal | None = None
    terms: Terms | None = None


class Resumed(Event, kw_only=True, tag="complaint.resumed"):
    """The internal clock runs again."""

    terms: Terms | None = None  # respond_by moved by the business days paused


class Closed(Event, kw_only=True, tag="complaint.closed"):
    """Handling ended: resolved, not handled (Awb 9:8), withdrawn or referred."""

    outcome: Outcome
    personal: TextPersonal | None = None


class Erased(Event, kw_only=True, tag="complaint.erased"):
    """The complainant's key was destroyed (GDPR art. 17); records who, when and why."""

    key_id: str
    legal_basis: str


class StatusLinkRequested(Event, kw_only=True, tag="complaint.status_link_requested"):
    """Someone who knew the reference and the complainant's address asked for the status link:
    the notifier sends a fresh one to the address on file (never to the asker)."""


class Assigned(Event, kw_only=True, tag="complaint.assigned"):
    """Who handles the complaint: a handler and/or a team (a team alone: its queue), and the
    department it counts for; ``actor`` is who made the assignment (for ``take``: the handler).
    Every change of ownership is one of these, so the history lists every assignment."""

    kind: AssignmentKind
    handler: str | None = None  # staff id; None: in the team's queue
    team: str | None = None
    department: str | None = None
    previous_handler: str | None = None
    personal: TextPersonal | None = None  # the reason (required for a reassignment)


class ConductSubjectRecorded(Event, kw_only=True, tag="complaint.conduct_subject_recorded"):
    """Whose conduct the complaint is about (Awb 9:1): an employee (by reference, sealed as
    personal data) and/or an organisational unit (plain: it is no person)."""

    unit: str | None = None
    employee_named: bool = False
    personal: ConductSubjectPersonal | None = None


class ConductSubjectReacted(Event, kw_only=True, tag="complaint.conduct_subject_reacted"):
    """The person complained about gave their side (Awb 9:10 lid 1 hears them too)."""

    subject_event_id: UUID  # the conduct_subject_recorded it answers
    personal: TextPersonal | None = None


class HearingInvited(Event, kw_only=True, tag="complaint.hearing_invited"):
    """The complainant (and, if so, the person complained about) is invited to be heard
    (Awb 9:10 lid 1); the statutory term keeps running."""

    at: datetime
    mode: HearingMode
    level: int = 0
    conduct_subject_invited: bool = False
    personal: HearingPlace | None = None


class HearingHeld(Event, kw_only=True, tag="complaint.hearing_held"):
    """The hearing took place; its report (verslag, Awb 9:10 lid 3) is sealed text."""

    held_at: datetime
    mode: HearingMode
    level: int = 0
    conduct_subject_heard: bool = False
    personal: TextPersonal | None = None


class HearingWaived(Event, kw_only=True, tag="complaint.hearing_waived"):
    """No hearing, on a ground of Awb 9:10 lid 2 (or already heard at another level)."""

    ground: HearingWaiverGround
    level: int = 0
    personal: TextPersonal | None = None  # the explanation


class ResolvedInformally(Event, kw_only=True, tag="complaint.resolved_informally"):
    """Resolved to the complainant's satisfaction (Awb 9:5): the formal procedure stops; the
    complainant may still ask for it (a reopening)."""

    means: InformalMeans
    confirmed_by: Confirmation
    confirmed_at: datetime
    personal: TextPersonal | None = None  # what was done or agreed


class Declined(Event, kw_only=True, tag="complaint.declined"):
    """The complaint is not handled (Awb 9:8) on the grounds listed, told within four weeks of
    receipt; ``notice_by`` is the end of those four weeks as decided when declining."""

    grounds: list[DeclineGround]
    notice_by: datetime
    personal: TextPersonal | None = None  # the explanation for the letter


class ReferredToCommittee(Event, kw_only=True, tag="complaint.referred_to_committee"):
    """The complaint goes to the advisory committee the policy names (Awb afdeling 9.1.3, art.
    9:14): the term of Awb 9:11 lid 1 is then ten weeks from receipt. ``statutory_by`` is that
    end as decided when referring (never earlier than the end in force); ``terms`` records it
    for every reader (shared/rules/terms.py). The term does not pause for the committee."""

    committee: str
    level: int = 0
    statutory_by: datetime
    terms: Terms | None = None
    personal: TextPersonal | None = None  # a note for the committee


class CommitteeHearingHeld(Event, kw_only=True, tag="complaint.committee_hearing_held"):
    """The committee heard the complainant (and, if so, the person complained about) (Awb
    9:15); its report is sealed. It is the hearing of Awb 9:10 at this level."""

    held_at: datetime
    mode: HearingMode
    level: int = 0
    conduct_subject_heard: bool = False
    personal: TextPersonal | None = None


class CommitteeAdvised(Event, kw_only=True, tag="complaint.committee_advised"):
    """The committee's report reached the organisation (Awb 9:15 lid 4): its judgement in
    ``advice``; findings, advice and recommendations as sealed text."""

    advice: Resolution
    advised_at: datetime
    level: int = 0
    personal: TextPersonal | None = None


class MediationRecorded(Event, kw_only=True, tag="complaint.mediation_recorded"):
    """The klachtenfunctionaris (Wkkgz art. 15) helped the complainant or mediated; ``agreed``:
    a mediation ended in agreement (None: not said, or support only). What happened: sealed."""

    kind: MediationKind
    held_at: datetime
    agreed: bool | None = None
    personal: TextPersonal | None = None


class MeasuresPromised(Event, kw_only=True, tag="complaint.measures_promised"):
    """The measures the judgement promises and by when each is done (Wkkgz art. 17); what each
    is: sealed. The due dates are plain, for the reports and a future reminder."""

    measures: list[Measure]
    level: int = 0
    personal: MeasuresPersonal | None = None


class MeasureOverdue(Event, kw_only=True, tag="complaint.measure_overdue"):
    """A recorded due date passed: of a measure the judgement promised (Wkkgz art. 17,
    ``measures_promised``) or of a remedy with a follow-up, such as a corrective action
    (``remedies_recorded``). The SLA monitor appends it once per measure or remedy, as a
    reminder for staff; nothing in it is personal. ``promised_event_id`` is the event that
    recorded the due date, ``item`` the measure's number there or the remedy's place in its
    list (from 1), ``due_by`` the recorded date (the first instant late), ``owner`` the
    remedy's owner (a staff id, team or department; None for a measure). New in 2.1."""

    source: OverdueSource
    promised_event_id: UUID
    item: int
    due_by: datetime
    owner: str | None = None


class Classified(Event, kw_only=True, tag="complaint.classified"):
    """Staff classified the complaint by ``themes``: codes of the managed vocabulary
    (config/vocabularies.toml) of version ``vocabulary_version``. A later classification
    replaces an earlier one; a changed vocabulary changes no recorded code. New in 2027-01."""

    themes: list[str]
    vocabulary_version: str


class RootCausesRecorded(Event, kw_only=True, tag="complaint.root_causes_recorded"):
    """A handler recorded why the matter happened: root-cause codes of the vocabulary of
    version ``vocabulary_version``; a later record replaces an earlier one. The handler's
    explanation is sealed. New in 2027-01."""

    root_causes: list[str]
    vocabulary_version: str
    level: int = 0
    personal: TextPersonal | None = None


class RemediesRecorded(Event, kw_only=True, tag="complaint.remedies_recorded"):
    """A handler recorded remedies given (apology, explanation, correction, compensation,
    goodwill gesture, corrective action, …: kinds of the vocabulary of version
    ``vocabulary_version``); each record adds to those before. New in 2027-01."""

    remedies: list[Remedy]
    vocabulary_version: str
    level: int = 0
    personal: RemediesPersonal | None = None


class SatisfactionRecorded(Event, kw_only=True, tag="complaint.satisfaction_recorded"):
    """The complainant answered the short survey after closure (issue 18 item 4), through the
    link in the closure letter: a score from 1 (poor) to 5 (good) on how the complaint was
    handled and on its outcome. Their own words are sealed. At most one per complaint; none
    after erasure. New in 2027-01."""

    handling: int
    outcome: int
    personal: TextPersonal | None = None


class QuestionAsked(Event, kw_only=True, tag="complaint.question_asked"):
    """A handler asked the complainant a question (issue 25). The complainant gets it in a
    letter with the link to their status page and answers it there. The question is sealed;
    who asked and when are ``actor`` and ``occurred_at``. New in 2027-01."""

    personal: TextPersonal | None = None


class QuestionAnswered(ReactionReceived, kw_only=True, tag="complaint.question_answered"):
    """The complainant answered a handler's question (issue 25) on their status page. It is a
    reaction (a message from the complainant, verified by the status link): every reader of
    reactions counts it as new until a ``reaction_handled`` names it. ``question_event_id``:
    the ``question_asked`` it answers. The answer is sealed. New in 2027-01."""

    question_event_id: UUID
    channel: Channel = "web"
    disagrees: bool = False
    verified_by: Verification | None = "status_link"


class NoteAdded(Event, kw_only=True, tag="complaint.note_added"):
    """A staff member's internal note on the complaint (issue 17): for colleagues only. Never
    in a letter, on the complainant's status page or in a report; sealed like all personal
    text (``personal.text``); who wrote it and when are ``actor`` and ``occurred_at``. New in
    2027-01."""

    personal: TextPersonal | None = None


class Recategorised(Event, kw_only=True, tag="complaint.recategorised"):
    """Staff corrected the complaint's category and/or priority (issue 17). The dates the
    category and priority decide (the norms, a category's own statutory term) were decided
    again and are recorded in ``terms``; readers read them there. ``previous_*``: what it was
    before. The reason is sealed. New in 2.1."""

    previous_category: str | None = None
    category: str | None = None
    previous_priority: str | None = None
    priority: str | None = None
    personal: TextPersonal | None = None
    terms: Terms | None = None


class LinkedAsDuplicate(Event, kw_only=True, tag="complaint.linked_as_duplicate"):
    """This complaint is the same as ``primary_complaint_id`` (the same person by form and by
    mail, issue 17): it is handled there. A ``closed`` with the outcome ``duplicate`` follows
    at once; no letter is sent for it. The reason is sealed. New in 2.1."""

    primary_complaint_id: UUID
    primary_reference: str
    personal: TextPersonal | None = None


class FollowUpAnswered(Event, kw_only=True, tag="complaint.follow_up_answered"):
    """A handler answered the complainant's message (``reaction_event_id``) after the response,
    without reopening the procedure (issue 17); the letter ``follow_up_answer`` carries the
    sealed text, and a ``reaction_handled`` for the message follows at once. New in 2.1."""

    reaction_event_id: UUID
    personal: TextPersonal | None = None


class ImprovementOpened(Event, kw_only=True, tag="complaint.improvement_opened"):
    """Staff opened an improvement action (issue 18 item 3, ISO 10002 §8.7-9) on this
    complaint, its lead: a systemic issue to put right, which other complaints join by
    ``improvement_linked``. ``action_id`` names it; ``owner`` is a staff id, team or department
    of the organisation file; ``due_by`` the first instant late (the end of the due day in the
    organisation's time zone); ``theme`` a theme code of the vocabulary of
    ``vocabulary_version``, if given. Its status is ``open``. The title is staff text about the
    organisation, never about a person (the form says so): it is plain, so management lists
    and reports can read it and it stays after the complainant's data is erased. New in 2.1."""

    action_id: UUID
    title: str
    owner: str
    due_by: datetime
    theme: str | None = None
    vocabulary_version: str | None = None


class ImprovementUpdated(Event, kw_only=True, tag="complaint.improvement_updated"):
    """A change to the improvement action ``action_id`` opened on this complaint: the action as
    it is after the change (title, owner, due date, status, outcome, theme), ``changed`` the
    fields that changed. ``outcome``: what was done or why it was dropped, staff text about the
    organisation like the title, plain. New in 2.1."""

    action_id: UUID
    title: str
    owner: str
    due_by: datetime
    status: ImprovementStatus
    changed: list[str]
    outcome: str | None = None
    theme: str | None = None
    vocabulary_version: str | None = None


class ImprovementLinked(Event, kw_only=True, tag="complaint.improvement_linked"):
    """This complaint is part of the improvement action ``action_id`` opened on
    ``lead_complaint_id`` (the same systemic issue). New in 2.1."""

    action_id: UUID
    lead_complaint_id: UUID


class ImprovementUnlinked(Event, kw_only=True, tag="complaint.improvement_unlinked"):
    """This complaint is no longer part of the improvement action ``action_id`` opened on
    ``lead_complaint_id`` (it was joined by mistake, or turned out to be another issue); it
    may join again later. Appended on the complaint that had joined it. New in 2.1."""

    action_id: UUID
    lead_complaint_id: UUID


ComplaintEvent = (
    Submitted
    | Acknowledged
    | LetterSent
    | Responded
    | ReactionReceived
    | ReactionHandled
    | Reopened
    | Escalated
    | Extended
    | Paused
    | Resumed
    | Closed
    | Erased
    | StatusLinkRequested
    | Assigned
    | ConductSubjectRecorded
    | ConductSubjectReacted
    | HearingInvited
    | HearingHeld
    | HearingWaived
    | ResolvedInformally
    | Declined
    | ReferredToCommittee
    | CommitteeHearingHeld
    | CommitteeAdvised
    | MediationRecorded
    | MeasuresPromised
    | Classified
    | RootCausesRecorded
    | RemediesRecorded
    | SatisfactionRecorded
    | QuestionAsked
    | QuestionAnswered
    | NoteAdded
    | Recategorised
    | LinkedAsDuplicate
    | FollowUpAnswered
    | MeasureOverdue
    | ImprovementOpened
    | ImprovementUpdated
    | ImprovementLinked
    | ImprovementUnlinked
)

EVENT_TYPES: tuple[type[Event], ...] = ComplaintEvent.__args__  # type: ignore[attr-defined]

_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(ComplaintEvent)


def tag_of(cls: type[Event]) -> str:
    return cls.__struct_config__.tag  # type: ignore[return-value]


def subject_token(cls: type[Event]) -> str:
    """``complaint.letter_sent`` → ``letter_sent`` (the subject's event_type token)."""
    return tag_of(cls).removeprefix("complaint.")


def encode(event: Event) -> bytes:
    return _encoder.encode(event)


def decode(data: bytes) -> Event:
    """Decode one event; raises ``msgspec.ValidationError`` naming the path on bad input."""
    try:
        return _decoder.decode(data)
    except UnicodeDecodeError as e:  # msgspec lets invalid UTF-8 inside a string through
        raise msgspec.DecodeError(f"invalid UTF-8 at byte {e.start}") from e


def json_schema() -> dict:
    return msgspec.json.schema(ComplaintEvent)

"""Which letters there are and what each must say: the kinds (`LetterKind`), what a letter may
say (`LetterContext`), the fields each kind requires and the dates it states (recorded with
the letter as proof). Plain data; letters.py renders them."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Literal

import msgspec

from services.notifier.letter_words import ExternalRoute


class LetterKind(StrEnum):
    ACKNOWLEDGEMENT = "acknowledgement"
    EXTENSION_NOTICE = "extension_notice"
    RESPONSE = "response"
    ESCALATION_NOTICE = "escalation_notice"
    CLOSURE = "closure"
    REACTION_RECEIPT = "reaction_receipt"
    STATUS_LINK = "status_link"
    HEARING_INVITATION = "hearing_invitation"
    INFORMAL_RESOLUTION = "informal_resolution"
    DECLINING = "declining"
    # To the person complained about, not the complainant (Awb 9:9 and 9:11 lid 2).
    CONDUCT_SUBJECT_COPY = "conduct_subject_copy"
    CONDUCT_SUBJECT_EXTENSION_NOTICE = "conduct_subject_extension_notice"
    QUESTION = "question"  # a handler's question, answered on the status page (issue 25)
    FOLLOW_UP_ANSWER = "follow_up_answer"  # a message after the answer, answered (issue 17)
    # The advisory committee (Awb 9.1.3) and the Wkkgz route (issue 16 items 6 and 7).
    COMMITTEE_REFERRAL = "committee_referral"
    CONDUCT_SUBJECT_COMMITTEE_REFERRAL = "conduct_subject_committee_referral"
    MEDIATION = "mediation"
    MEASURES = "measures"


# Letters to the person complained about: no private link of the complainant's in them.
TO_CONDUCT_SUBJECT = (
    LetterKind.CONDUCT_SUBJECT_COPY,
    LetterKind.CONDUCT_SUBJECT_EXTENSION_NOTICE,
    LetterKind.CONDUCT_SUBJECT_COMMITTEE_REFERRAL,
)


class RefusedFile(msgspec.Struct, frozen=True, kw_only=True):
    """A file that came with the complaint and was not kept, as the acknowledgement names it."""

    filename: str
    reason: Literal["type_not_accepted", "too_large", "unreadable"]
    max_mb: int  # the limit a too large file broke


class MeasureLine(msgspec.Struct, frozen=True, kw_only=True):
    """One measure of a Wkkgz judgement as the letter states it: what, and the day it is done
    by (the recorded due moment's day in the organisation's zone)."""

    description: str
    due: date


class LetterContext(msgspec.Struct, frozen=True, kw_only=True):
    """What a letter may say. Dates are calendar days as stated in the letter; a `datetime`
    passed instead is converted to the policy's time zone before its day is taken."""

    complaint_id: str
    reference: str
    language: str
    complainant_name: str
    complainant_email: str
    subject: str
    received_at: datetime
    organisation_name: str
    acknowledge_by: date | None = None
    respond_by: date | None = None
    statutory_by: date | None = None
    response_text: str | None = None
    extension_weeks: int | None = None
    extension_reason: str | None = None
    new_statutory_by: date | None = None
    escalation_level: int | None = None
    escalation_target: str | None = None
    escalation_reason: str | None = None
    escalation_respond_by: date | None = None
    # Words from the policy's ladder and codes from the event, said in words by the templates.
    escalation_description: str | None = None
    escalation_cause: str | None = None  # the event's reason: deadline_missed, ...
    resolution: str | None = None  # the answer's recorded judgement: well_founded, ...
    closure_reason: str | None = None
    closure_outcome: str | None = None  # Closed.outcome: resolved, withdrawn, ...
    external_route: ExternalRoute | None = None
    status_url: str | None = None
    # The complainant's own "I want this reviewed" link (intake serves it).
    review_url: str | None = None
    # The satisfaction survey (closure letters only; shared/privacy/surveylink.py).
    survey_url: str | None = None
    refused_files: list[RefusedFile] = []
    # The person complained about, when the letter is to them (else it is to the complainant).
    recipient_name: str | None = None
    recipient_email: str | None = None
    recipient_role: str | None = None
    # The privacy statement, for letters without the complainant's review link to derive it.
    privacy_url: str | None = None
    # The complaint as it came in, for the copy the person complained about receives.
    complaint_description: str | None = None
    desired_outcome: str | None = None
    attachment_names: list[str] = []
    # The hearing (Awb 9:10): the moment, in person / phone / video, where or which number.
    hearing_at: datetime | None = None
    hearing_mode: str | None = None
    hearing_place: str | None = None
    hearing_note: str | None = None
    conduct_subject_invited: bool = False
    # Informal resolution (Awb 9:5): what was done or agreed, and how and when confirmed.
    informal_text: str | None = None
    confirmed_by: str | None = None
    confirmed_at: datetime | None = None
    # Declining (Awb 9:8): the grounds (codes, said in words with their article) and why.
    decline_grounds: list[str] = []
    decline_explanation: str | None = None
    # A complainant without e-mail gets letters by post (issue 16 item 8): their postal
    # address as given (lines), and the organisation's, which the letters name for replies.
    complainant_address: str | None = None
    organisation_address: str | None = None
    # Who complains on the complainant's behalf (issue 25): the complainant's letters go to
    # them (e-mail, else post), addressed to them and naming the complainant. Set only when
    # they can be reached and the letter is the complainant's.
    representative_name: str | None = None
    representative_email: str | None = None
    representative_address: str | None = None
    # A handler's question (issue 25), answered through the status link in ``status_url``.
    question_text: str | None = None
    # The advisory committee (Awb 9.1.3): its name in the letter's language; after its advice,
    # whether the answer departs from it, why, and the advice itself (sent along when it does).
    committee_name: str | None = None
    # The acknowledgement: the recorded terms name the committee that will advise (Awb 9:15 lid 1).
    committee_advises: bool = False
    departs_from_advice: bool | None = None
    departure_reasons: str | None = None
    committee_advice: str | None = None
    # The Wkkgz route: the klachtenfunctionaris's help or mediation (Wkkgz art. 15): support or
    # mediation, when, whether it ended in agreement, who the officer is and how to reach them;
    # the judgement's measures and the day each is done by (Wkkgz art. 17).
    mediation_kind: str | None = None
    mediation_held_at: datetime | None = None
    mediation_agreed: bool | None = None
    complaints_officer: str | None = None
    measures: list[MeasureLine] = []
    # No judgement at the current level yet (the mediation and measures letters promise it).
    awaiting_judgement: bool = False

    @property
    def withdrawn(self) -> bool:
        """The complainant withdrew: the closure letter confirms it, and invites nothing."""
        return self.closure_outcome == "withdrawn"

    @property
    def form_url(self) -> str | None:
        """The complaint form in the letter's language (the public root the private links
        hang from): where a complainant can complain again."""
        if not self.review_url:
            return None
        return f"{self.review_url.split('/status/')[0]}/?lang={self.language}"

    @property
    def to_representative(self) -> bool:
        return bool(self.representative_name) and not self.recipient_email

    @property
    def on_behalf_of(self) -> str | None:
        """The complainant, named in a letter to their representative ("namens …")."""
        return self.complainant_name if self.to_representative else None

    @property
    def addressee_name(self) -> str:
        """Whom the letter is to: the person complained about, the representative, or the
        complainant."""
        if self.recipient_email:
            return self.recipient_name or ""
        return (self.representative_name if self.to_representative else None) or (
            self.complainant_name
        )

    @property
    def addressee_email(self) -> str:
        if self.recipient_email:
            return self.recipient_email
        if self.to_representative:
            return (self.representative_email or "").strip()
        return self.complainant_email.strip()

    @property
    def addressee_address(self) -> str:
        if self.recipient_email:
            return ""
        own = self.representative_address if self.to_representative else self.complainant_address
        return (own or "").strip()

    @property
    def by_post(self) -> bool:
        """The letter goes on paper: its addressee has no e-mail address, a postal one."""
        return not self.addressee_email and bool(self.addressee_address)


# Every letter but the receipt offers the review link: the letters promise it (issue #14).
REQUIRED_FIELDS: dict[LetterKind, tuple[str, ...]] = {
    LetterKind.ACKNOWLEDGEMENT: ("statutory_by", "review_url"),
    LetterKind.EXTENSION_NOTICE: (
        "statutory_by",
        "extension_weeks",
        "extension_reason",
        "new_statutory_by",
        "review_url",
    ),
    LetterKind.RESPONSE: ("response_text", "review_url"),
    LetterKind.ESCALATION_NOTICE: ("escalation_level", "escalation_target", "review_url"),
    LetterKind.CLOSURE: ("review_url",),
    LetterKind.REACTION_RECEIPT: (),
    LetterKind.STATUS_LINK: ("status_url",),
    LetterKind.HEARING_INVITATION: ("hearing_at", "hearing_mode", "review_url"),
    LetterKind.INFORMAL_RESOLUTION: ("informal_text", "confirmed_at", "review_url"),
    LetterKind.DECLINING: ("decline_grounds", "decline_explanation", "review_url"),
    LetterKind.CONDUCT_SUBJECT_COPY: ("recipient_email", "complaint_description"),
    LetterKind.CONDUCT_SUBJECT_EXTENSION_NOTICE: (
        "recipient_email",
        "statutory_by",
        "extension_weeks",
        "new_statutory_by",
    ),
    LetterKind.QUESTION: ("question_text", "status_url"),
    LetterKind.FOLLOW_UP_ANSWER: ("response_text", "review_url"),
    LetterKind.COMMITTEE_REFERRAL: ("committee_name", "statutory_by", "review_url"),
    LetterKind.CONDUCT_SUBJECT_COMMITTEE_REFERRAL: (
        "recipient_email",
        "committee_name",
        "statutory_by",
    ),
    LetterKind.MEDIATION: ("mediation_kind", "mediation_held_at", "review_url"),
    LetterKind.MEASURES: ("measures", "review_url"),
}

# The dates each kind of letter promises the complainant: recorded with the letter as proof.
STATED_DATES: dict[LetterKind, tuple[str, ...]] = {
    LetterKind.ACKNOWLEDGEMENT: ("respond_by", "statutory_by"),
    LetterKind.EXTENSION_NOTICE: ("statutory_by", "new_statutory_by"),
    LetterKind.RESPONSE: ("external_route_deadline",),
    LetterKind.ESCALATION_NOTICE: ("escalation_respond_by", "statutory_by"),
    LetterKind.CLOSURE: ("external_route_deadline",),
    LetterKind.REACTION_RECEIPT: (),
    LetterKind.STATUS_LINK: (),
    LetterKind.HEARING_INVITATION: ("hearing_at", "statutory_by"),
    LetterKind.INFORMAL_RESOLUTION: (),
    LetterKind.DECLINING: ("external_route_deadline",),
    LetterKind.CONDUCT_SUBJECT_COPY: ("statutory_by",),
    LetterKind.CONDUCT_SUBJECT_EXTENSION_NOTICE: ("statutory_by", "new_statutory_by"),
    LetterKind.QUESTION: (),
    LetterKind.FOLLOW_UP_ANSWER: ("external_route_deadline",),
    LetterKind.COMMITTEE_REFERRAL: ("statutory_by",),
    LetterKind.CONDUCT_SUBJECT_COMMITTEE_REFERRAL: ("statutory_by",),
    LetterKind.MEDIATION: ("statutory_by",),
    LetterKind.MEASURES: ("statutory_by",),  # and each measure's day (letters.py)
}

DATE_FIELDS = (
    "acknowledge_by",
    "respond_by",
    "statutory_by",
    "new_statutory_by",
    "escalation_respond_by",
)

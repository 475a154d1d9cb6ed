"""The contract: every event round-trips and keeps its type; golden JSON per event type and the
published JSON Schema make an accidental schema change a failing diff.

Regenerate deliberately with ``UPDATE_GOLDEN=1 bin/test tests/shared/test_events_contract.py``
(and ``klachten schema``), then explain the change in docs/events.md.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from uuid import UUID

import msgspec
import pytest
from jsonschema import Draft202012Validator

from services.intake.domain import format_reference
from shared.contract import catalogue
from shared.contract import events as ev

GOLDEN = Path(__file__).parent / "golden"
SCHEMA = Path(__file__).parents[2] / "docs" / "events.schema.json"
T = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
META = {
    "event_id": UUID("00000000-0000-4000-8000-000000000001"),
    "complaint_id": UUID("00000000-0000-4000-8000-0000000000aa"),
    "version": 2,
    "occurred_at": T,
    "actor": "staff:handler-1",
    "correlation_id": UUID("00000000-0000-4000-8000-000000000002"),
    "causation_id": UUID("00000000-0000-4000-8000-000000000003"),
}
LETTER = ev.LetterRecord(
    kind="acknowledgement",
    template="acknowledgement",
    template_version="3f2a",
    language="nl",
    content_sha256="ab" * 32,
    message_id="<acknowledgement.x@klachten.local>",
    sent_at=T,
)
TEXT = ev.TextPersonal(text="Uw klacht is gegrond.")
SAMPLES: list[ev.Event] = [
    ev.Submitted(
        **{**META, "version": 1},
        reference="KL-2026-000042",
        channel="web",
        language="nl",
        received_at=T,
        category="service",
        priority="normal",
        subject_key="k1",
        idempotency_key="idem-1",
        procedure="awb-9.1/2026-12",
        personal=ev.SubmittedPersonal(
            complainant=ev.Complainant(
                name="Jan Jansen", email="jan@example.nl", phone="+31 6 12345678"
            ),
            subject="Pakket niet bezorgd",
            description="Mijn pakket kwam nooit aan.",
            desired_outcome="Geld terug",
            attachments=[
                ev.AttachmentRef(
                    object_name="a/1",
                    filename="bon.pdf",
                    content_type="application/pdf",
                    size=1234,
                    sha256="cd" * 32,
                )
            ],
            refused_attachments=[
                ev.RefusedAttachment(
                    filename="foto.heic",
                    declared_type="image/heic",
                    detected_type="image/heic",
                    size=2_400_000,
                    reason="type_not_accepted",
                )
            ],
            representative=ev.Representative(
                name="Els Jansen", relation="dochter", email="els@example.nl"
            ),
        ),
        event_date=date(2026, 2, 27),
        department_involved="publiekszaken",
    ),
    ev.Acknowledged(**META, letter=LETTER, acknowledge_by=T, respond_by=T, statutory_by=T),
    ev.LetterSent(**META, letter=LETTER, cause_event_id=META["event_id"]),
    ev.Responded(
        **META,
        resolution="partly_well_founded",
        level=1,
        departs_from_advice=True,
        personal=ev.ResponsePersonal(
            text="Uw klacht is deels gegrond.", departure_reasons="De commissie woog X niet mee."
        ),
    ),
    ev.ReactionReceived(
        **META,
        channel="email",
        disagrees=True,
        message_id="<m@x>",
        verified=True,
        verified_by="reply_address",
        personal=ev.ReactionPersonal(text="Ik wil dat dit opnieuw bekeken wordt."),
    ),
    ev.ReactionHandled(**META, reaction_event_id=META["causation_id"], personal=TEXT),
    ev.Reopened(**META, status="responded", reaction_event_id=META["causation_id"], personal=TEXT),
    ev.Escalated(
        **META,
        level=1,
        target="supervisor",
        reason="deadline_missed",
        clock="respond",
        deadline_missed=T,
        breach_id="b",
        policy_version="p1",
        respond_by=T,
    ),
    ev.Extended(**META, weeks=4, previous_statutory_by=T, statutory_by=T, personal=TEXT),
    ev.Paused(**META, personal=TEXT),
    ev.Resumed(**META),
    ev.Closed(**META, outcome="resolved", personal=TEXT),
    ev.Erased(**META, key_id="key-1", legal_basis="GDPR art. 17"),
    ev.StatusLinkRequested(**META),
    ev.Assigned(
        **META,
        kind="reassign",
        handler="staff:alice",
        team="klantcontact",
        department="dienstverlening",
        previous_handler="staff:bob",
        personal=ev.TextPersonal(text="Bob is met verlof."),
    ),
    ev.ConductSubjectRecorded(
        **META,
        unit="balie",
        employee_named=True,
        personal=ev.ConductSubjectPersonal(
            employee="staff:bob", name="Bob de Vries", role="baliemedewerker"
        ),
    ),
    ev.ConductSubjectReacted(
        **META, subject_event_id=META["causation_id"], personal=ev.TextPersonal(text="Mijn kant.")
    ),
    ev.HearingInvited(
        **META,
        at=T,
        mode="in_person",
        level=0,
        conduct_subject_invited=True,
        personal=ev.HearingPlace(place="Stadhuis, kamer 2", note="Neem de brief mee."),
    ),
    ev.HearingHeld(**META, held_at=T, mode="phone", personal=ev.TextPersonal(text="Verslag: ...")),
    ev.HearingWaived(
        **META, ground="manifestly_unfounded", personal=ev.TextPersonal(text="Zie dossier.")
    ),
    ev.ResolvedInformally(
        **META,
        means="apology",
        confirmed_by="phone",
        confirmed_at=T,
        personal=ev.TextPersonal(text="Excuses aangeboden; klager tevreden."),
    ),
    ev.Declined(
        **META,
        grounds=["older_than_a_year", "appeal_possible"],
        notice_by=T,
        personal=ev.TextPersonal(text="De gedraging was in 2019."),
    ),
    ev.ReferredToCommittee(
        **META,
        committee="de Commissie klachtadvisering",
        level=1,
        statutory_by=datetime(2026, 5, 12, 22, 0, tzinfo=UTC),
        terms=ev.Terms(
            statutory_by=datetime(2026, 5, 12, 22, 0, tzinfo=UTC),
            policy_version="2026.1#abc",
            calendar_version="nl-2026.1#def",
        ),
        personal=ev.TextPersonal(text="Graag advies over de bejegening."),
    ),
    ev.CommitteeHearingHeld(
        **META,
        held_at=T,
        mode="in_person",
        level=1,
        conduct_subject_heard=True,
        personal=ev.TextPersonal(text="Verslag van de hoorzitting."),
    ),
    ev.CommitteeAdvised(
        **META,
        advice="well_founded",
        advised_at=T,
        level=1,
        personal=ev.TextPersonal(text="Bevindingen, advies en aanbevelingen."),
    ),
    ev.MediationRecorded(
        **META,
        kind="mediation",
        held_at=T,
        agreed=False,
        personal=ev.TextPersonal(text="Gesprek met klager en afdeling; geen overeenstemming."),
    ),
    ev.MeasuresPromised(
        **META,
        measures=[ev.Measure(item=1, due_by=datetime(2026, 4, 1, 22, 0, tzinfo=UTC))],
        personal=ev.MeasuresPersonal(descriptions=["Werkinstructie medicatie aangepast."]),
    ),
    ev.Classified(**META, themes=["bejegening", "informatie"], vocabulary_version="2027-1"),
    ev.RootCausesRecorded(
        **META,
        root_causes=["communicatie"],
        vocabulary_version="2027-1",
        personal=ev.TextPersonal(text="De brief noemde de verkeerde termijn."),
    ),
    ev.RemediesRecorded(
        **META,
        remedies=[
            ev.Remedy(kind="apology"),
            ev.Remedy(kind="compensation", amount_cents=2500),
            ev.Remedy(
                kind="corrective_action",
                owner="klachten",
                due_by=datetime(2026, 4, 1, 22, 0, tzinfo=UTC),
            ),
        ],
        vocabulary_version="2027-1",
        personal=ev.RemediesPersonal(descriptions=["", "", "Standaardbrief aanpassen."]),
    ),
    ev.SatisfactionRecorded(
        **META, handling=4, outcome=2, personal=ev.TextPersonal(text="Vriendelijk, maar traag.")
    ),
    ev.QuestionAsked(**META, personal=ev.TextPersonal(text="Op welk loket was u die dag?")),
    ev.QuestionAnswered(
        **{**META, "actor": "complainant:web"},
        question_event_id=UUID("00000000-0000-4000-8000-000000000004"),
        personal=ev.ReactionPersonal(text="Aan het loket in het stadhuis."),
    ),
    ev.NoteAdded(**META, personal=ev.TextPersonal(text="Teruggebeld; komt vrijdag langs.")),
    ev.Recategorised(
        **META,
        previous_category="dienstverlening",
        category="zorg",
        previous_priority=None,
        priority="urgent",
        personal=ev.TextPersonal(text="Gaat over de thuiszorg."),
        terms=ev.Terms(
            acknowledge_by=T + timedelta(days=1),
            respond_by=T + timedelta(days=3),
            statutory_by=T + timedelta(weeks=6),
            policy_version="p-1",
            calendar_version="c-1",
        ),
    ),
    ev.LinkedAsDuplicate(
        **META,
        primary_complaint_id=UUID("00000000-0000-4000-8000-0000000000bb"),
        primary_reference="KL-2026-000041",
        personal=ev.TextPersonal(text="Zelfde klacht, ook per e-mail gestuurd."),
    ),
    ev.FollowUpAnswered(
        **META,
        reaction_event_id=UUID("00000000-0000-4000-8000-000000000004"),
        personal=ev.TextPersonal(text="De brief van de gemeente stuur ik u nog toe."),
    ),
    ev.MeasureOverdue(
        **{**META, "actor": "system:sla_monitor"},
        source="remedy",
        promised_event_id=UUID("00000000-0000-4000-8000-000000000005"),
        item=3,
        due_by=datetime(2027, 1, 15, 23, 0, tzinfo=UTC),
        owner="klachten",
    ),
    ev.ImprovementOpened(
        **META,
        action_id=UUID("00000000-0000-4000-8000-000000000006"),
        title="Brieven over de parkeervergunning in begrijpelijke taal",
        owner="klachten",
        due_by=datetime(2027, 3, 31, 22, 0, tzinfo=UTC),
        theme="informatie",
        vocabulary_version="2027-1#e944d473b8ac",
    ),
    ev.ImprovementUpdated(
        **META,
        action_id=UUID("00000000-0000-4000-8000-000000000006"),
        title="Brieven over de parkeervergunning in begrijpelijke taal",
        owner="klachten",
        due_by=datetime(2027, 3, 31, 22, 0, tzinfo=UTC),
        status="done",
        changed=["status", "outcome"],
        outcome="De standaardbrief is herschreven en getest met inwoners.",
        theme="informatie",
        vocabulary_version="2027-1#e944d473b8ac",
    ),
    ev.ImprovementLinked(
        **META,
        action_id=UUID("00000000-0000-4000-8000-000000000006"),
        lead_complaint_id=UUID("00000000-0000-4000-8000-000000000007"),
    ),
    ev.ImprovementUnlinked(
        **META,
        action_id=UUID("00000000-0000-4000-8000-000000000006"),
        lead_complaint_id=UUID("00000000-0000-4000-8000-000000000007"),
    ),
]


def test_every_event_type_has_a_sample() -> None:
    assert {type(s) for s in SAMPLES} == set(ev.EVENT_TYPES)


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: ev.tag_of(type(s)))
def test_round_trip_and_golden(sample: ev.Event) -> None:
    data = ev.encode(sample)
    assert ev.decode(data) == sample
    assert json.loads(data)["type"] == ev.tag_of(type(sample))
    path = GOLDEN / f"{ev.subject_token(type(sample))}.json"
    pretty = json.dumps(json.loads(data), indent=2, ensure_ascii=False) + "\n"
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(pretty, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == pretty, f"{path.name} changed: a contract change?"
    assert ev.decode(path.read_bytes()) == sample


@pytest.mark.parametrize("path", sorted((GOLDEN / "legacy").glob("*.json")), ids=lambda p: p.stem)
def test_events_written_before_a_field_was_added_still_decode(path: Path) -> None:
    """Golden files of an earlier contract version decode, the new fields at their defaults."""
    event = ev.decode(path.read_bytes())
    if isinstance(event, ev.ReactionReceived):
        assert event.verified and not event.auto_reply and event.verified_by is None
        assert event.personal is not None and event.personal.attachments == []
    if isinstance(event, ev.Submitted):
        assert event.personal is not None and event.personal.refused_attachments == []
        assert event.procedure is None  # before issue 16: answered without the hearing rule


def test_old_events_with_unknown_fields_still_decode() -> None:
    data = json.loads(ev.encode(SAMPLES[-1]))
    data["added_in_a_later_version"] = 1
    assert ev.decode(json.dumps(data).encode()) == SAMPLES[-1]


def test_errors_name_the_path() -> None:
    data = json.loads(ev.encode(SAMPLES[0]))
    data["personal"]["complainant"]["email"] = 5
    with pytest.raises(msgspec.ValidationError, match=r"\$\.personal\.complainant\.email"):
        ev.decode(json.dumps(data).encode())


def test_published_schema_is_current() -> None:
    expected = json.dumps(catalogue.json_schema(), indent=2, sort_keys=True) + "\n"
    assert SCHEMA.read_text(encoding="utf-8") == expected, "run `klachten schema` and commit"


def test_published_catalogue_is_current() -> None:
    catalogue_file = SCHEMA.parent / "events.md"
    assert catalogue_file.read_text(encoding="utf-8") == catalogue.markdown(), (
        "run `klachten schema`"
    )


# --- the published schema, read by an independent validator (issue #21) ---------------------

VALIDATOR = Draft202012Validator(
    json.loads(SCHEMA.read_text(encoding="utf-8")),
    format_checker=Draft202012Validator.FORMAT_CHECKER,
)
SUBMITTED = json.loads((GOLDEN / "submitted.json").read_text(encoding="utf-8"))
SEALED = {"key_id": "key-1", "nonce": "bm9uY2U=", "ciphertext": "Y2lwaGVy"}


def test_the_schema_is_json_schema_2020_12_with_an_id() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].startswith("https://") and schema["$id"].endswith("events.schema.json")
    Draft202012Validator.check_schema(schema)
    props = schema["$defs"]["Submitted"]["properties"]
    assert props["occurred_at"]["format"] == "date-time" and props["event_id"]["format"] == "uuid"


@pytest.mark.parametrize(
    "path", sorted(GOLDEN.glob("*.json")) + sorted((GOLDEN / "legacy").glob("*.json")),
    ids=lambda p: p.relative_to(GOLDEN).as_posix(),
)  # fmt: skip
def test_every_golden_event_is_valid(path: Path) -> None:
    errors = [e.message for e in VALIDATOR.iter_errors(json.loads(path.read_bytes()))]
    assert errors == []


def test_a_sealed_event_and_a_written_reference_are_valid() -> None:
    sealed = {**SUBMITTED, "personal": None, "sealed": SEALED}
    assert VALIDATOR.is_valid(sealed)
    assert ev.decode(json.dumps(sealed).encode()).sealed is not None
    assert VALIDATOR.is_valid({**SUBMITTED, "reference": format_reference(2027, 1234567)})


@pytest.mark.parametrize(
    "change",
    [
        {"occurred_at": "yesterday-ish"},
        {"received_at": "2026-03-02 09:30"},
        {"version": -3},
        {"version": 0},
        {"reference": "\N{SLIGHTLY SMILING FACE}"},
        {"reference": "KL-2026-42"},
        {"event_id": "not-a-uuid"},
        {"sealed": SEALED},  # and the personal part in the clear
    ],
    ids=lambda c: next(iter(c)),
)
def test_the_schema_refuses_what_the_issue_found_accepted(change: dict) -> None:
    assert VALIDATOR.is_valid(SUBMITTED)
    assert not VALIDATOR.is_valid({**SUBMITTED, **change}), change

"""Learning from complaints (issue 18 items 1 and 2): classification, root causes and remedies,
given events → when command → then events (or the refusal naming its rule); the vocabulary
file's checks."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import uuid4

import msgspec
import pytest

from shared.config import CONFIG_DIR
from shared.config.policy_file import build_calendar, load_policy
from shared.config.vocabularies import (
    DEFAULT_VOCABULARIES_FILE,
    VocabularyError,
    load_vocabulary,
    parse_vocabulary,
)
from shared.contract import events as ev
from shared.integrity import redecide
from shared.rules import procedure
from shared.rules.complaint import AlreadyDone, Cause, Complaint, InvalidCommand
from shared.rules.learning import RemedyGiven
from shared.rules.refusals import words
from tests.support.domain import NOW, personal

VOCABULARY = load_vocabulary(DEFAULT_VOCABULARIES_FILE)
CAL = build_calendar(load_policy(CONFIG_DIR / "policy.toml").calendar)
STAFF = Cause("staff:alice")
TODAY = CAL.local_date(NOW)


def complaint() -> Complaint:
    return Complaint.submit(
        complaint_id=uuid4(), reference="KL-2026-000001", channel="web", language="nl",
        personal=personal(), received_at=NOW, now=NOW, cause=Cause("complainant"),
        procedure=procedure.CURRENT, category="bejegening",
    )  # fmt: skip


def new(c: Complaint) -> list[ev.Event]:
    return [e.fact for e in c.collect_events() if not isinstance(e.fact, ev.Submitted)]


def refused(raised: pytest.ExceptionInfo[Exception]) -> str:
    refusal = raised.value.refusal  # type: ignore[attr-defined]
    assert refusal is not None
    nl, en = words(refusal, "nl"), words(refusal, "en")
    assert refusal.rule in nl and refusal.rule in en and nl != en
    return f"{refusal.code} @ {refusal.field}"


def changed(**tables: object) -> dict:
    data = msgspec.to_builtins(VOCABULARY)
    return {**data, **tables}


# --- classification ---------------------------------------------------------------------------


def test_staff_classify_by_themes_and_the_vocabulary_version_is_recorded() -> None:
    c = complaint()
    c.classify(themes=["bejegening", "tijdigheid"], vocabulary=VOCABULARY, now=NOW, cause=STAFF)
    [fact] = new(c)
    assert isinstance(fact, ev.Classified)
    assert fact.themes == ["bejegening", "tijdigheid"] and fact.actor == "staff:alice"
    assert fact.vocabulary_version == VOCABULARY.version_id
    assert fact.vocabulary_version.startswith("2027-1#")
    assert c.themes == ("bejegening", "tijdigheid")


def test_the_same_classification_again_is_already_done_and_another_replaces_it() -> None:
    c = complaint()
    c.classify(themes=["informatie"], vocabulary=VOCABULARY, now=NOW, cause=STAFF)
    with pytest.raises(AlreadyDone):
        c.classify(themes=["informatie"], vocabulary=VOCABULARY, now=NOW, cause=STAFF)
    c.classify(themes=["besluit"], vocabulary=VOCABULARY, now=NOW, cause=STAFF)
    assert c.themes == ("besluit",)


@pytest.mark.parametrize(
    ("themes", "code"),
    [
        ([], "themes_empty @ themes"),
        (['=HYPERLINK("x")'], "themes_unknown @ themes"),
        (["informatie", "informatie"], "codes_repeated @ themes"),
    ],
)
def test_a_classification_outside_the_vocabulary_is_refused(themes: list[str], code: str) -> None:
    with pytest.raises(InvalidCommand) as raised:
        complaint().classify(themes=themes, vocabulary=VOCABULARY, now=NOW, cause=STAFF)
    assert refused(raised) == code


def test_a_retired_code_keeps_its_words_but_is_not_chosen_anew_and_old_events_keep_theirs() -> None:
    c = complaint()
    c.classify(themes=["bereikbaarheid"], vocabulary=VOCABULARY, now=NOW, cause=STAFF)
    old = new(c)[0]
    themes = msgspec.to_builtins(VOCABULARY.themes)
    themes["bereikbaarheid"]["retired"] = True
    later = parse_vocabulary(changed(version="2027-2", themes=themes))
    with pytest.raises(InvalidCommand) as raised:
        complaint().classify(themes=["bereikbaarheid"], vocabulary=later, now=NOW, cause=STAFF)
    assert refused(raised) == "themes_unknown @ themes"
    assert later.word("themes", "bereikbaarheid", "en") == "Accessibility"
    assert old.vocabulary_version != later.version_id  # the old event names its own list
    assert old.themes == ["bereikbaarheid"]


def test_a_classification_after_closure_is_allowed() -> None:
    c = complaint()
    c.close(outcome="withdrawn", now=NOW, cause=STAFF)
    c.classify(themes=["dienstverlening"], vocabulary=VOCABULARY, now=NOW, cause=STAFF)
    assert isinstance(new(c)[-1], ev.Classified)


# --- root causes ------------------------------------------------------------------------------


def test_root_causes_are_recorded_with_the_note_sealed_and_replaced_by_a_later_record() -> None:
    c = complaint()
    c.record_root_causes(root_causes=["communicatie"], vocabulary=VOCABULARY, now=NOW,
                         cause=STAFF, note="De brief noemde de verkeerde datum.")  # fmt: skip
    with pytest.raises(AlreadyDone):
        c.record_root_causes(root_causes=["communicatie"], vocabulary=VOCABULARY, now=NOW,
                             cause=STAFF)  # fmt: skip
    c.record_root_causes(root_causes=["systeem", "werkwijze"], vocabulary=VOCABULARY, now=NOW,
                         cause=STAFF)  # fmt: skip
    first, second = new(c)
    assert isinstance(first, ev.RootCausesRecorded) and first.root_causes == ["communicatie"]
    assert first.personal == ev.TextPersonal(text="De brief noemde de verkeerde datum.")
    assert second.root_causes == ["systeem", "werkwijze"] and second.personal is None
    assert c.root_causes == ("systeem", "werkwijze")


@pytest.mark.parametrize(
    ("codes", "code"),
    [([], "root_causes_empty @ root_causes"), (["pech"], "root_causes_unknown @ root_causes")],
)
def test_root_causes_outside_the_vocabulary_are_refused(codes: list[str], code: str) -> None:
    with pytest.raises(InvalidCommand) as raised:
        complaint().record_root_causes(root_causes=codes, vocabulary=VOCABULARY, now=NOW,
                                       cause=STAFF)  # fmt: skip
    assert refused(raised) == code


# --- remedies ---------------------------------------------------------------------------------


def test_remedies_are_recorded_with_amounts_owners_and_the_due_moment_decided() -> None:
    c = complaint()
    due = TODAY + timedelta(days=30)
    c.record_remedies(
        remedies=[
            RemedyGiven("apology"),
            RemedyGiven("compensation", amount_cents=4950),
            RemedyGiven("corrective_action", owner="klachten", due=due,
                        description="Standaardbrief herschrijven."),
        ],
        vocabulary=VOCABULARY, calendar=CAL, now=NOW, cause=STAFF,
    )  # fmt: skip
    [fact] = new(c)
    assert isinstance(fact, ev.RemediesRecorded)
    assert [r.kind for r in fact.remedies] == ["apology", "compensation", "corrective_action"]
    assert fact.remedies[1].amount_cents == 4950
    action = fact.remedies[2]
    assert action.owner == "klachten" and action.due_by == CAL.end_of_day(due)
    assert fact.personal == ev.RemediesPersonal(
        descriptions=["", "", "Standaardbrief herschrijven."]
    )
    assert fact.vocabulary_version == VOCABULARY.version_id


@pytest.mark.parametrize(
    ("remedy", "code"),
    [
        (RemedyGiven("bloemen"), "remedy_kinds_unknown @ remedies[0].kind"),
        (RemedyGiven("compensation"), "remedy_amount_missing @ remedies[0].amount_cents"),
        (RemedyGiven("compensation", amount_cents=0),
         "remedy_amount_out_of_range @ remedies[0].amount_cents"),
        (RemedyGiven("corrective_action", due=date(2099, 1, 1), description="x"),
         "remedy_owner_missing @ remedies[0].owner"),
        (RemedyGiven("corrective_action", owner="klachten", description="x"),
         "remedy_due_missing @ remedies[0].due"),
        (RemedyGiven("corrective_action", owner="klachten", due=date(2000, 1, 1),
                     description="x"), "remedy_due_in_past @ remedies[0].due"),
        (RemedyGiven("corrective_action", owner="klachten", due=date(2099, 1, 1)),
         "remedy_action_undescribed @ remedies[0].description"),
    ],
)  # fmt: skip
def test_a_remedy_without_what_its_kind_needs_is_refused(remedy: RemedyGiven, code: str) -> None:
    with pytest.raises(InvalidCommand) as raised:
        complaint().record_remedies(remedies=[remedy], vocabulary=VOCABULARY, calendar=CAL,
                                    now=NOW, cause=STAFF)  # fmt: skip
    assert refused(raised) == code


def test_no_remedies_is_refused_and_a_due_day_of_today_is_accepted() -> None:
    c = complaint()
    with pytest.raises(InvalidCommand) as raised:
        c.record_remedies(remedies=[], vocabulary=VOCABULARY, now=NOW, cause=STAFF, calendar=CAL)
    assert refused(raised) == "remedies_empty @ remedies"
    action = RemedyGiven("corrective_action", owner="anna", due=TODAY, description="Bellen.")
    c.record_remedies(remedies=[action], vocabulary=VOCABULARY, now=NOW, cause=STAFF, calendar=CAL)
    assert new(c)[0].remedies[0].due_by == CAL.end_of_day(TODAY)  # type: ignore[attr-defined]


# --- the vocabulary file ----------------------------------------------------------------------


def test_the_shipped_vocabulary_has_the_issues_themes_and_remedy_kinds() -> None:
    assert {"bejegening", "informatie", "tijdigheid", "besluit", "dienstverlening"} <= set(
        VOCABULARY.offered("themes")
    )
    kinds = VOCABULARY.remedy_kinds
    assert set(kinds) >= {"apology", "explanation", "correction", "compensation",
                          "goodwill_gesture", "corrective_action"}  # fmt: skip
    assert kinds["compensation"].amount and kinds["corrective_action"].follow_up


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('version = ""\n', "version"),
        ('version = "1"\n[themes."Bad Code"]\nnl = "a"\nen = "b"\n', "themes.Bad Code"),
        ('version = "1"\n[themes.a]\nnl = "a"\n', "themes.a"),
        ('version = "1"\n[themes.a]\nnl = "a"\nen = "b"\namount = true\n', "themes.a.amount"),
        ('version = "1"\n[themes.a]\nnl = "a"\nen = "b"\ncolour = 1\n', "themes.a.colour"),
        ('version = "1"\n[themes.a]\nnl = "a"\nen = "b"\nretired = true\n', "themes"),
    ],
)
def test_a_broken_vocabulary_file_names_its_key_and_line(text: str, key: str, tmp_path) -> None:
    path = tmp_path / "vocabularies.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(VocabularyError) as raised:
        load_vocabulary(path)
    assert raised.value.key == key and str(path) in str(raised.value)


def test_an_edit_without_a_new_version_number_is_still_told_apart() -> None:
    themes = msgspec.to_builtins(VOCABULARY.themes)
    themes["informatie"]["en"] = "Information"
    edited = parse_vocabulary(changed(themes=themes))
    assert edited.version == VOCABULARY.version and edited.version_id != VOCABULARY.version_id


# --- re-deciding the log ----------------------------------------------------------------------


def test_a_replay_re_decides_learning_events_and_finds_a_compensation_without_an_amount() -> None:
    c = complaint()
    c.classify(themes=["informatie"], vocabulary=VOCABULARY, now=NOW, cause=STAFF)
    c.record_root_causes(root_causes=["communicatie"], vocabulary=VOCABULARY, now=NOW,
                         cause=STAFF, note="Onduidelijke brief.")  # fmt: skip
    action = RemedyGiven("corrective_action", owner="klachten", due=TODAY, description="Brief.")
    c.record_remedies(remedies=[RemedyGiven("compensation", amount_cents=1000), action],
                      vocabulary=VOCABULARY, now=NOW, cause=STAFF, calendar=CAL)  # fmt: skip
    facts = [e.fact for e in c.collect_events()]
    replay = redecide.Replay()
    assert [replay.feed(f) for f in facts[:-1]] == [None] * (len(facts) - 1)
    last = facts[-1]
    sealed = msgspec.structs.replace(last, personal=None)
    assert redecide.refusal(replay.states[str(c.id)], sealed) is None
    forged = msgspec.structs.replace(last, remedies=[ev.Remedy(kind="compensation")])
    assert "amount" in (redecide.refusal(replay.states[str(c.id)], forged) or "")
    assert replay.feed(last) is None

"""Issue 25 on a real nats-server, a running intake, the notifier in process and a real SMTP
server (the mail sink): a handler asks a question through intake's staff API; the complainant
gets it in a letter with the link to their status page; the page lists the letters sent and
shows the open question with a form; the answer is recorded (question_answered, verified by
the status link) and is a new message for the handler. Refused in words (nl/en) when empty,
already answered, closed, or after erasure."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import httpx
import nats
import pytest

from klachten.stack.natsserver import EmbeddedNats
from services.intake.server import BackgroundIntake
from services.notifier.app import bootstrap
from services.notifier.mailsink import MailSink, load_message
from shared.contract import events as ev
from shared.eventstore.buckets import provision_buckets
from shared.privacy import statuslink
from shared.privacy.shredding import PrivateComplaints, execute_erasure, plan_erasure
from tests.support.intake import STAFF, complaint_body, intake_settings, start_intake
from tests.support.notifier import events_of, mails_by_complaint, notifier_settings
from tests.support.polling import wait_until

QUESTION = {"nl": "Aan welk loket was u die dag?", "en": "At which desk were you that day?"}
ANSWER = {"nl": "Aan loket 3 in het stadhuis.", "en": "At desk 3 in the town hall."}


@pytest.fixture
async def sink(tmp_path: Path) -> AsyncIterator[MailSink]:
    async with MailSink(tmp_path / "mail", port=0) as running:
        yield running


@pytest.fixture
async def stack(
    provisioned_nats: EmbeddedNats, sink: MailSink
) -> AsyncIterator[tuple[BackgroundIntake, httpx.AsyncClient]]:
    """Intake and the notifier, sharing the data folder (the status link's secret) and the
    notifier's links pointing at this intake."""
    nc = await nats.connect(provisioned_nats.url)
    try:
        await provision_buckets(nc)
    finally:
        await nc.close()
    intake = start_intake(intake_settings(provisioned_nats))
    data = Path(intake.settings.data_dir)
    settings = notifier_settings(provisioned_nats.url, sink.port, data, public_url=intake.url)
    try:
        async with bootstrap(settings), httpx.AsyncClient(base_url=intake.url, timeout=20) as c:
            yield intake, c
    finally:
        intake.stop()


async def _complaint(client: httpx.AsyncClient, lang: str, key: str) -> str:
    body = complaint_body()
    body["complainant"]["language"] = lang
    made = await client.post("/api/complaints", json=body, headers={"Idempotency-Key": key})
    assert made.status_code == 201, made.text
    return str(made.json()["complaint_id"])


async def _letters(nc: nats.NATS, complaint_id: str, kind: str) -> list[ev.LetterRecord]:
    history = await events_of(nc, UUID(complaint_id))
    return [
        e.letter
        for e in history
        if isinstance(e, ev.Acknowledged | ev.LetterSent) and e.letter.kind == kind
    ]


async def _ask(client: httpx.AsyncClient, complaint_id: str, lang: str) -> httpx.Response:
    headers = {**STAFF, "Accept-Language": lang}
    return await client.post(
        f"/api/complaints/{complaint_id}/questions", json={"text": QUESTION[lang]}, headers=headers
    )


@pytest.mark.parametrize("lang", ["nl", "en"])
async def test_ask_letter_answer_through_the_link_recorded_for_the_handler(
    stack: tuple[BackgroundIntake, httpx.AsyncClient], sink: MailSink, nc: nats.NATS, lang: str
) -> None:
    _, client = stack
    complaint_id = await _complaint(client, lang, f"q-{lang}")
    await wait_until(lambda: _letters(nc, complaint_id, "acknowledgement"), timeout=20)
    asked = await _ask(client, complaint_id, lang)
    assert asked.status_code == 201, asked.text
    question_id = asked.json()["question_event_id"]
    await wait_until(lambda: _letters(nc, complaint_id, "question"), timeout=20)
    [record] = await _letters(nc, complaint_id, "question")
    subject = "Een vraag over uw klacht" if lang == "nl" else "A question about your complaint"
    assert record.subject and record.subject.startswith(subject)

    # The letter in the mail sink: the question and the personal link to answer it.
    [mail] = [
        m for m in mails_by_complaint(sink.maildir)[complaint_id] if m.letter_kind == "question"
    ]
    message = load_message(sink.maildir, mail.message_id or "")
    assert message is not None and str(message["Subject"]).startswith(subject)
    text = message.get_body(("plain",)).get_content()
    assert QUESTION[lang] in text
    link = re.search(r"(/status/[0-9a-f-]{36}/[0-9a-f]+)\s", text)
    assert link, text

    # The status page: every letter sent (kind, subject) and the open question with a form.
    page = await client.get(link.group(1))
    assert page.status_code == 200
    kinds = re.findall(r'<tr data-kind="([a-z_]+)">', page.text)
    assert kinds == ["acknowledgement", "question"]
    assert html.escape(record.subject) in page.text
    assert QUESTION[lang] in page.text and f"/answers/{question_id}" in page.text
    title = "Uw klachtbehandelaar heeft een vraag" if lang == "nl" else "has a question"
    assert title in page.text

    # Nothing typed: refused on the field, in the page's language.
    empty = await client.post(
        f"{link.group(1)}/answers/{question_id}", data={"lang": lang, "text": " "}
    )
    required = "Schrijf uw antwoord" if lang == "nl" else "Write your answer"
    assert empty.status_code == 422 and required in empty.text
    assert f'href="#f-answer-{question_id}"' in empty.text

    form = {"lang": lang, "key": "k-1", "text": ANSWER[lang]}
    answered = await client.post(f"{link.group(1)}/answers/{question_id}", data=form)
    assert answered.status_code == 303
    again = await client.post(f"{link.group(1)}/answers/{question_id}", data=form)  # twice
    assert again.status_code == 303
    after = await client.get(answered.headers["location"])
    done = "Uw antwoord is bij uw klacht gevoegd" if lang == "nl" else "Your answer is with"
    assert done in after.text and f"/answers/{question_id}" not in after.text
    assert ANSWER[lang] in after.text  # on the timeline, under the question

    history = await events_of(nc, UUID(complaint_id))
    [recorded] = [e for e in history if isinstance(e, ev.QuestionAnswered)]
    assert (recorded.question_event_id, recorded.verified_by) == (UUID(question_id), "status_link")
    assert recorded.actor == "complainant:web"
    # The handler sees the answer among the new messages (the replies-waiting count).
    found = await client.get(f"/api/complaints/{complaint_id}/messages", headers=STAFF)
    [message_] = found.json()["messages"]
    assert message_["new"] and message_["text"] == ANSWER[lang]

    # A question already answered: refused in words.
    other = await client.post(f"{link.group(1)}/answers/{question_id}", data={**form, "key": "k2"})
    refused = "al beantwoord" if lang == "nl" else "already been answered"
    assert other.status_code == 409 and refused in other.text


@pytest.mark.parametrize(
    ("lang", "words"),
    [("nl", "De klacht is afgesloten"), ("en", "The complaint is closed")],
)
async def test_no_question_once_closed_and_no_answer_after_closure(
    stack: tuple[BackgroundIntake, httpx.AsyncClient], lang: str, words: str
) -> None:
    intake, client = stack
    complaint_id = await _complaint(client, lang, f"closed-{lang}")
    question_id = (await _ask(client, complaint_id, lang)).json()["question_event_id"]
    path = _link(intake, complaint_id)
    withdrawn = await client.post(f"{path}/withdrawal", data={"lang": lang, "confirm": "yes"})
    assert withdrawn.status_code == 303
    refused = await _ask(client, complaint_id, lang)
    assert refused.status_code == 409 and words in refused.json()["message"]
    page = await client.get(path)
    assert "/answers/" not in page.text  # no open question is offered once closed
    late = await client.post(f"{path}/answers/{question_id}", data={"lang": lang, "text": "Ja"})
    ended = "al afgesloten" if lang == "nl" else "already closed"
    assert late.status_code == 409 and ended in late.text


def _link(intake: BackgroundIntake, complaint_id: str) -> str:
    """The personal link as the letters give it (issued today)."""
    secret = statuslink.link_secret(Path(intake.settings.data_dir))
    return statuslink.status_path(secret, UUID(complaint_id), datetime.now(UTC))


async def test_after_erasure_no_question_is_asked_or_answered(
    stack: tuple[BackgroundIntake, httpx.AsyncClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    intake, client = stack
    complaint_id = await _complaint(client, "nl", "erased")
    question_id = (await _ask(client, complaint_id, "nl")).json()["question_event_id"]
    reference = (await client.get(f"/api/complaints/{complaint_id}", headers=STAFF)).json()
    monkeypatch.setenv("KLACHTEN_DATA_DIR", str(Path(intake.settings.data_dir)))
    app = PrivateComplaints(env={"NATS_URL": intake.settings.nats_url})
    try:
        link_ = app.factory.link  # type: ignore[attr-defined]
        plan = plan_erasure(link_, app.keystore, reference["reference"])  # type: ignore[arg-type]
        now = datetime.now(UTC)
        execute_erasure(plan, app, actor="staff:privacy", legal_basis="AVG art. 17", now=now)
    finally:
        app.close()
    path = _link(intake, complaint_id)
    for lang, words in (("nl", "zijn verwijderd"), ("en", "data was erased")):
        asked = await _ask(client, complaint_id, lang)
        assert asked.status_code == 409 and words in asked.json()["message"]
        form = {"lang": lang, "text": "Ja"}
        late = await client.post(f"{path}/answers/{question_id}", data=form)
        assert late.status_code == 409 and words in late.text
        assert "/answers/" not in late.text  # an erased question is not offered

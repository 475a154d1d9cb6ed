"""Issue 25: a complainant without e-mail gets a fresh status link by post. The lookup takes the
reference with the postcode and house number of the address on file instead of an e-mail
address, answers every input with the same page (no oracle), records one request per window,
and the notifier prints the status-link letter for the post room (no e-mail), whose link opens
the status page. Real intake, nats-server, notifier, post room and SMTP sink."""

from __future__ import annotations

import re
from pathlib import Path
from uuid import UUID

import httpx
import nats
import pytest

from klachten.stack.natsserver import EmbeddedNats
from services.intake.postallookup import same_postal_address
from services.intake.server import BackgroundIntake
from services.notifier.app import bootstrap as notifier
from services.notifier.mailsink import MailSink, read_maildir
from services.notifier.postroom import PostRoom
from shared.contract import events as ev
from shared.eventstore.buckets import provision_buckets
from tests.services.notifier.test_postal_pdf import pdftotext
from tests.support.intake import STAFF
from tests.support.notifier import events_of, notifier_settings
from tests.support.polling import wait_until

ADDRESS = "Dorpsstraat 12a\n1234 AB  Ons Dorp"


async def _submit_by_post(client: httpx.AsyncClient) -> tuple[str, str]:
    form = {"lang": "nl", "idempotency_key": "postal-1", "name": "Els Jansen",
            "address": ADDRESS, "subject": "Stoep kapot",
            "description": "De stoep voor mijn huis is al maanden kapot."}  # fmt: skip
    page = await client.post("/", data=form)
    assert page.status_code == 200, page.text
    reference = re.search(r'id="reference">([^<]+)<', page.text)
    link = re.search(r'id="status-link" href="/status/([^/]+)/', page.text)
    assert reference and link
    return reference.group(1), link.group(1)


async def _requests(client: httpx.AsyncClient, complaint_id: str) -> int:
    timeline = await client.get(f"/api/complaints/{complaint_id}/timeline", headers=STAFF)
    return [e["type"] for e in timeline.json()["events"]].count("status_link_requested")


def _lookup(reference: str, postcode: str, number: str) -> dict[str, str]:
    return {"lang": "nl", "reference": reference, "postcode": postcode, "house_number": number}


async def test_postcode_and_house_number_send_a_fresh_link_by_post(
    client: httpx.AsyncClient, intake: BackgroundIntake, provisioned_nats: EmbeddedNats,
    tmp_path: Path,
) -> None:  # fmt: skip
    reference, complaint_id = await _submit_by_post(client)
    strangers = [
        _lookup(reference, "9999 ZZ", "12"),  # another postcode
        _lookup(reference, "1234 AB", "13"),  # another number
        _lookup(reference, "1234 AB", "1234"),  # the postcode's digits are no house number
        _lookup("KL-2000-999999", "1234 AB", "12"),  # no such reference
        {"lang": "nl", "reference": reference, "email": "els@example.nl"},  # no e-mail on file
    ]
    pages = [await client.post("/status", data=form) for form in strangers]
    assert {p.status_code for p in pages} == {200}
    assert await _requests(client, complaint_id) == 0
    right = await client.post("/status", data=_lookup(reference, "1234ab", "12"))
    assert right.status_code == 200 and {p.text for p in pages} == {right.text}
    assert "per post" in right.text and "Stoep kapot" not in right.text
    assert "/status/" + complaint_id not in right.text
    assert await _requests(client, complaint_id) == 1
    again = await client.post("/status", data=_lookup(reference, "1234 AB", "12 a"))
    assert again.text == right.text
    assert await _requests(client, complaint_id) == 1  # one letter per window

    # The notifier prints the status-link letter for the post room: no e-mail address on file.
    # Its data folder is intake's: the same status-link secret, so the printed link opens.
    cid = UUID(complaint_id)
    async with MailSink(tmp_path / "mail", port=0) as sink:
        settings = notifier_settings(
            provisioned_nats.url, sink.port, intake.settings.data_dir, public_url=intake.url,
            organisation_address="Postbus 12, 1000 AA Amsterdam",
        )  # fmt: skip
        nc = await nats.connect(provisioned_nats.url)
        try:
            await provision_buckets(nc)  # the notifier's outbox, as `klachten up` makes it

            async def sent() -> list[ev.LetterRecord]:
                return [
                    e.letter for e in await events_of(nc, cid)
                    if isinstance(e, ev.LetterSent) and e.letter.kind == "status_link"
                ]  # fmt: skip

            async with notifier(settings):
                await wait_until(sent, timeout=30, message="the status-link letter recorded")
            [letter] = await sent()
        finally:
            await nc.close()
        assert letter.delivery == "post"
        assert read_maildir(sink.maildir) == []
    room = PostRoom(settings.post_room)
    [entry] = [e for e in room.entries() if e.kind == "status_link"]
    text = "".join(pdftotext(room.pdf_path(entry).read_bytes(), tmp_path).split())
    link = re.search(r"/status/" + complaint_id + r"/([0-9a-f]+)", text)
    assert link, text
    page = await client.get(f"/status/{complaint_id}/{link.group(1)}")
    assert page.status_code == 200 and reference in page.text


async def test_the_lookup_asks_for_what_is_missing(client: httpx.AsyncClient) -> None:
    only_code = await client.post("/status", data=_lookup("KL-2026-000001", "1234 AB", ""))
    assert only_code.status_code == 422 and 'href="#f-house-number"' in only_code.text
    nothing = await client.post("/status", data={"lang": "en", "reference": "KL-2026-000001"})
    assert nothing.status_code == 422 and "or your postcode and house number" in nothing.text


@pytest.mark.parametrize(
    ("postcode", "number", "address", "same"),
    [
        ("1234ab", "12", "Dorpsstraat 12\n1234 AB Ons Dorp", True),
        ("1234 AB", "12-2", "Dorpsstraat 12 II, 1234AB Ons Dorp", True),
        ("1234 AB", "012", "Dorpsstraat 12\n1234 AB Ons Dorp", True),
        ("1234 AB", "1", "Dorpsstraat 12\n1234 AB Ons Dorp", False),
        ("1234 AB", "1234", "Dorpsstraat 12\n1234 AB Ons Dorp", False),
        ("1234 A", "12", "Dorpsstraat 12\n1234 AB Ons Dorp", False),
        ("234 AB", "12", "Dorpsstraat 12\n1234 AB Ons Dorp", False),
        ("AB", "12", "Dorpsstraat 12\n1234 AB Ons Dorp", False),
        ("1234 AB", "", "Dorpsstraat 12\n1234 AB Ons Dorp", False),
        ("1234 AB", "12", "", False),
    ],
)
def test_same_postal_address(postcode: str, number: str, address: str, same: bool) -> None:
    assert same_postal_address(postcode, number, address) is same

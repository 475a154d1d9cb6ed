"""The subscriptions file and the body of a delivery, without I/O (fast tier)."""

from __future__ import annotations

import json
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

from services.webhooks import domain
from services.webhooks.app import load_subscriptions
from services.webhooks.domain import SubscriptionError
from services.webhooks.settings import DEFAULT_WEBHOOKS_FILE, WebhooksSettings
from shared.contract import events as ev
from shared.runtime.verdicts import Hopeless

SECRET = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def entry(**kw: Any) -> dict[str, Any]:
    base = {"name": "crm", "url": "https://crm.example.org/h", "events": ["submitted"]}
    return {**base, "secret": "env:KLACHTEN_WEBHOOK_SECRET_CRM", **kw}


def parse(*entries: dict[str, Any]) -> tuple[domain.Subscription, ...]:
    return domain.subscriptions({"subscription": list(entries)}, lambda ref, where: SECRET)


def test_the_example_file_parses_and_enables_nothing() -> None:
    document = tomllib.loads(DEFAULT_WEBHOOKS_FILE.read_text(encoding="utf-8"))
    assert len(document["subscription"]) == 2
    assert load_subscriptions(DEFAULT_WEBHOOKS_FILE, {}) == ()
    enabled = [{**e, "enabled": True} for e in document["subscription"]]
    names = [s.name for s in parse(*enabled)]
    assert names == ["crm", "case_system"]


def test_no_file_no_subscriptions(tmp_path: Path) -> None:
    assert load_subscriptions(tmp_path / "absent.toml", {}) == ()
    assert WebhooksSettings().webhooks_path == DEFAULT_WEBHOOKS_FILE


def test_secrets_come_from_the_environment_or_a_file(tmp_path: Path) -> None:
    path = tmp_path / "webhooks.toml"
    (tmp_path / "s.whsec").write_text(SECRET + "\n")
    path.write_text(
        '[[subscription]]\nname = "a"\nurl = "http://h/x"\nevents = ["*"]\n'
        'secret = "env:KLACHTEN_WEBHOOK_SECRET_A"\n'
        '[[subscription]]\nname = "b"\nurl = "http://h/y"\nevents = ["closed"]\n'
        'secret = "file:s.whsec"\npersonal_data = true\n'
    )
    a, b = load_subscriptions(path, {"KLACHTEN_WEBHOOK_SECRET_A": SECRET})
    assert (a.secret, b.secret, b.personal_data, a.personal_data) == (SECRET, SECRET, True, False)
    assert a.filter_subjects == ["complaints.>"]
    assert b.filter_subjects == ["complaints.*.*.closed"] and b.durable == "webhooks_b"
    with pytest.raises(SubscriptionError, match="KLACHTEN_WEBHOOK_SECRET_A is not set"):
        load_subscriptions(path, {})
    assert SECRET not in repr(a)  # the secret never in a log line


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"name": "CRM!"}, "name"),
        ({"url": "ftp://x/y"}, "url"),
        ({"events": ["submited"]}, "unknown event type(s) submited"),
        ({"events": []}, "events"),
        ({"secret": "whsec_inline"}, "never the secret"),
        ({"personal_data": "yes"}, "personal_data"),
        ({"colour": "red"}, "unknown key(s): colour"),
    ],
)
def test_a_wrong_subscription_is_refused_with_its_key(change: dict[str, Any], words: str) -> None:
    with pytest.raises(SubscriptionError, match=words.replace("(", r"\(").replace(")", r"\)")):
        parse(entry(**change))


def test_a_name_used_twice_is_refused() -> None:
    with pytest.raises(SubscriptionError, match="used twice"):
        parse(entry(), entry())


def submitted(**kw: Any) -> ev.Submitted:
    return ev.Submitted(
        event_id=uuid4(), complaint_id=uuid4(), version=1, occurred_at=NOW, actor="complainant",
        reference="KL-2026-000001", channel="web", language="nl", received_at=NOW,
        subject_key="pseudonym", **kw,
    )  # fmt: skip


def test_the_body_leaves_personal_data_out_unless_allowed() -> None:
    personal = ev.SubmittedPersonal(
        complainant=ev.Complainant(name="Jan", email="jan@example.nl"), subject="s", description="d"
    )
    event = submitted(personal=personal)
    left_out = json.loads(domain.payload(event, personal_data=False))
    assert left_out["type"] == "complaint.submitted"
    assert left_out["timestamp"] == "2026-11-25T10:00:00Z"
    assert {"personal", "sealed", "subject_key"}.isdisjoint(left_out["data"])
    allowed = json.loads(domain.payload(event, personal_data=True))
    assert allowed["data"]["personal"]["complainant"]["email"] == "jan@example.nl"
    assert domain.webhook_id(event) == str(event.event_id)


def test_a_message_that_is_not_what_its_subject_says_is_hopeless() -> None:
    event = submitted()
    right = f"complaints.{event.complaint_id}.1.submitted"
    assert domain.read_event(right, ev.encode(event)) == event
    with pytest.raises(Hopeless, match="disagrees"):
        domain.read_event(f"complaints.{event.complaint_id}.2.submitted", ev.encode(event))
    with pytest.raises(Hopeless, match="not a contract event"):
        domain.read_event(right, b"garbage")


@pytest.mark.parametrize(("status", "ok"), [(200, True), (204, True), (301, False), (500, False)])
def test_only_a_2xx_is_delivered(status: int, ok: bool) -> None:
    assert (domain.failed(status) is None) is ok

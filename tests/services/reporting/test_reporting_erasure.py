"""Erasure leaves the yearly figures alone (Awb 9:12a): the same report before and after a
complainant's key is destroyed, rebuilt from the log each time, and no personal data of theirs
is readable in the log afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import pytest

from klachten.stack.natsserver import EmbeddedNats
from services.reporting import domain
from services.reporting import rebuild as rb
from services.reporting.view_backends import open_view
from shared.contract import events as ev
from shared.eventstore.link import JetStreamLink
from shared.integrity.audit import read_all, verify
from shared.privacy.shredding import PrivateComplaints, execute_erasure, plan_erasure
from tests.support.reporting_history import generate


@pytest.fixture
def app(
    provisioned_nats: EmbeddedNats, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[PrivateComplaints]:
    monkeypatch.setenv("KLACHTEN_DATA_DIR", str(tmp_path / "data"))
    application = PrivateComplaints(env={"NATS_URL": provisioned_nats.url})
    yield application
    application.close()


def yearly(link: JetStreamLink, db: Path, year: int) -> dict:
    view = open_view(str(db))
    result = rb.rebuild(link, view, None)
    assert not result.dead_letters and not result.chain_breaks
    return domain.annual(view.snapshot()[1], year)


def test_erasing_a_complainant_keeps_the_yearly_report(
    app: PrivateComplaints, provisioned_nats: EmbeddedNats, tmp_path: Path
) -> None:
    tally = generate(app, 120, seed=3)
    link = JetStreamLink(provisioned_nats.url)
    try:
        before = yearly(link, tmp_path / "before.sqlite3", 2025)
        assert app.keystore is not None
        plan = plan_erasure(link, app.keystore, "K-000007")
        assert [c.reference for c in plan.cases] == ["K-000007"]
        execute_erasure(
            plan, app, actor="staff:privacy", legal_basis="GDPR art. 17", now=datetime.now(UTC)
        )
        after = yearly(link, tmp_path / "after.sqlite3", 2025)
        assert after == before and before["received"] > 0

        erased = (
            [e for e in app.events.get(plan.cases[0].complaint_id_uuid)]
            if hasattr(plan.cases[0], "complaint_id_uuid")
            else None
        )
        del erased
        erased_id = UUID(plan.cases[0].complaint_id)
        erased_facts = [e.fact for e in app.events.get(erased_id)]
        assert all(getattr(f, "personal", None) is None for f in erased_facts)
        assert erased_facts[0].erased and isinstance(erased_facts[-1], ev.Erased)
        other = next(i for i in tally.ids if i != erased_id)
        kept = next(iter(app.events.get(other))).fact
        assert kept.personal is not None and kept.personal.complainant.name.startswith("Person")
        raw = [m.data for m in link.run(_collect(link))]
        assert not any(b"p7@example.org" in d or b'Person 7"' in d for d in raw)
        facts = [ev.decode(d) for d in raw]
        assert all(f.personal is None for f in facts if f.sealed is not None)
        assert link.run(verify(link)).ok
    finally:
        link.close()


async def _collect(link: JetStreamLink) -> list:
    return [m async for m in read_all(link) if m.subject.startswith("complaints.")]

"""Point in time on the command line (real nats-server): `klachten audit history` (and
`projections history`) with --as-of / --as-of-seq show what the log knew then."""

from __future__ import annotations

from pathlib import Path

import pytest
from eventsourcing.persistence import Tracking
from typer.testing import CliRunner

from klachten import cli
from klachten.stack.natsserver import EmbeddedNats
from services.reporting import log
from services.reporting.cli import app, audit_app
from services.reporting.complaints_log import SOURCE_NAME
from services.reporting.view_backends import open_view
from shared.eventstore.link import JetStreamLink
from tests.services.reporting.test_reporting_api import history  # noqa: F401


def run(cli_app: object, nats: EmbeddedNats, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli_app, args, env={"KLACHTEN_NATS_URL": nats.url})  # type: ignore[arg-type]
    return result.exit_code, " ".join(result.output.split())


@pytest.mark.parametrize("cli_app", [app, audit_app])
def test_history_as_of_a_position_or_a_moment(
    provisioned_nats: EmbeddedNats,
    history: dict,  # noqa: F811
    cli_app: object,
) -> None:
    cid = str(history["A"].id)
    code, everything = run(cli_app, provisioned_nats, "history", cid)
    assert code == 0 and "complaint.closed" in everything, everything
    # A: submitted (seq 1), acknowledged 2025-03-04 (seq 2), responded, closed
    for option in (["--as-of-seq", "2"], ["--as-of", "2025-03-04T09:00:00Z"]):
        code, then = run(cli_app, provisioned_nats, "history", cid, *option)
        assert code == 0, then
        assert "complaint.acknowledged" in then and "complaint.responded" not in then, option


def test_history_refuses_a_bad_moment(provisioned_nats: EmbeddedNats, history: dict) -> None:  # noqa: F811
    code, said = run(
        audit_app, provisioned_nats, "history", str(history["A"].id), "--as-of", "gisteren"
    )
    assert code == 2 and "RFC 3339" in said, said


def test_the_yearly_report_as_of_from_a_snapshot_equals_the_full_replays(
    provisioned_nats: EmbeddedNats,
    history: dict,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`klachten yearly-report --as-of-seq` starts from the view's nearest snapshot (here one
    every two events) and gives the bytes the full replay gives (no view in that data folder)."""
    monkeypatch.setenv("KLACHTEN_NATS_URL", provisioned_nats.url)
    folded, empty = tmp_path / "folded", tmp_path / "empty"
    folded.mkdir()
    empty.mkdir()
    link = JetStreamLink(provisioned_nats.url, name="test-cli-as-of")
    try:
        last = log.last_sequence(link)
        view = open_view(str(folded / "reporting.sqlite3"))
        view.snapshot_every, view.snapshot_marks = 2, 1
        view.create_table()
        for msg in log.messages(link):
            item = log.item_of(msg)
            view.apply_batch([item] if item else [], Tracking(SOURCE_NAME, msg.seq))
    finally:
        link.close()
    pages = []
    for data in (folded, empty):
        monkeypatch.setenv("KLACHTEN_DATA_DIR", str(data))
        out = data / "report.html"
        args = ["yearly-report", "2025", "--out", str(out), "--as-of-seq", str(last - 1)]
        result = CliRunner().invoke(cli.app, args)
        assert result.exit_code == 0, result.output
        pages.append(out.read_bytes())
    assert not (empty / "reporting.sqlite3").exists()
    assert pages[0] == pages[1]

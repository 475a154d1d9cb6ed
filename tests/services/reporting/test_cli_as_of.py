"""Point in time on the command line (real nats-server): `klachten audit history` (and
`projections history`) with --as-of / --as-of-seq show what the log knew then."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from klachten.stack.natsserver import EmbeddedNats
from services.reporting.cli import app, audit_app
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

"""`klachten schema`: write the published documents (event contract, OpenAPI, AsyncAPI), and
the configuration reference of docs/operations.md that a test keeps current."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from shared.config.settings import Settings, settings_reference
from shared.contract import catalogue

DOCS = Path(__file__).parents[2] / "docs"


def schema(
    docs: Path = typer.Option(DOCS, help="Folder for the published documents."),
) -> None:
    """Write the event contract's JSON Schema and catalogue (shared/contract/events.py) and the
    OpenAPI and AsyncAPI documents (klachten/apidocs.py)."""
    from klachten import apidocs  # imports every service's app: only for this command

    (docs / "events.schema.json").write_text(
        json.dumps(catalogue.json_schema(), indent=2, sort_keys=True) + "\n"
    )
    (docs / "events.md").write_text(catalogue.markdown())
    written = ["events.schema.json", "events.md"]
    for name, document in apidocs.documents().items():
        (docs / name).write_text(apidocs.dumps(document), encoding="utf-8")
        written.append(name)
    typer.echo(f"wrote {', '.join(written)} in {docs}")


def settings_reference_markdown() -> str:
    """The configuration reference of docs/operations.md (every settings dataclass)."""
    from services.intake.settings import IntakeSettings
    from services.notifier.settings import NotifierSettings
    from services.reporting.settings import ReportingSettings
    from services.sla_monitor.settings import SlaSettings
    from services.webhooks.settings import WebhooksSettings

    classes: dict[str, type[Settings]] = {
        "all": Settings,
        "intake": IntakeSettings,
        "notifier": NotifierSettings,
        "sla_monitor": SlaSettings,
        "reporting": ReportingSettings,
        "webhooks": WebhooksSettings,
    }
    return settings_reference(classes)

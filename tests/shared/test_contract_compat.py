"""The contract cannot break silently: the JSON Schema generated from shared/contract/events.py
(shared/contract/catalogue.py `json_schema`) is compared with the last released one,
tests/shared/golden/released/events.schema.<version>.json (the highest version there). A
breaking change (a removed event type or field, a changed type, a new required field, a
narrowed enum or bound, unknown fields refused) fails unless docs/contract-changelog.md
introduces a new major version above the released one: evolution rule 3 (a new tag and struct
for what cannot be additive) with the release note readers need. Additive changes pass.

Releasing: add the version's section to the changelog, then store the schema as released with
``UPDATE_RELEASED=1 pytest tests/shared/test_contract_compat.py``.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from shared.contract import catalogue

ROOT = Path(__file__).parents[2]
RELEASED = Path(__file__).parent / "golden" / "released"
CHANGELOG = ROOT / "docs" / "contract-changelog.md"
VERSION_HEADING = re.compile(r"^## (\d+)\.(\d+)\b", re.M)
Version = tuple[int, int]
Schema = dict[str, Any]

# --- what counts as breaking -------------------------------------------------------------------


def breaking_changes(old: Schema, new: Schema) -> list[str]:
    """Every way a reader or validator built on `old` would fail on events valid under `new`,
    or a producer following `old` would write events `new` refuses; [] when only additive."""
    problems: list[str] = []
    old_tags = old.get("discriminator", {}).get("mapping", {})
    new_tags = new.get("discriminator", {}).get("mapping", {})
    for tag, ref in old_tags.items():
        if tag not in new_tags:
            problems.append(f"event type {tag} removed")
        elif new_tags[tag] != ref:
            problems.append(f"event type {tag} now means {new_tags[tag]} (was {ref})")
    _DEFS[:] = [old.get("$defs", {}), new.get("$defs", {})]
    for name, definition in _DEFS[0].items():
        if name not in _DEFS[1]:
            problems.append(f"{name}: removed")
            continue
        problems += _object_changes(name, definition, _DEFS[1][name])
    return problems


# The definitions of the two schemas being compared (old, new): a field's struct may become a
# superset struct under another name (TextPersonal → ReactionPersonal), which is additive.
_DEFS: list[dict[str, Schema]] = [{}, {}]


def _object_changes(where: str, old: Schema, new: Schema) -> list[str]:
    problems: list[str] = []
    old_props, new_props = old.get("properties", {}), new.get("properties", {})
    for field, prop in old_props.items():
        if field not in new_props:
            problems.append(f"{where}.{field}: removed")
        else:
            problems += _narrowed(f"{where}.{field}", prop, new_props[field])
    old_required, new_required = set(old.get("required", [])), set(new.get("required", []))
    for field in sorted(new_required - old_required):
        problems.append(f"{where}.{field}: new required field")
    for field in sorted(old_required - new_required):  # readers count on it being there
        problems.append(f"{where}.{field}: no longer required")
    if (
        old.get("additionalProperties", True) is not False
        and new.get("additionalProperties") is False
    ):
        problems.append(f"{where}: unknown fields now refused (evolution rule 4)")
    return problems


def _branches(prop: Schema) -> list[Schema]:
    return prop["anyOf"] if "anyOf" in prop else [prop]


def _narrowed(where: str, old: Schema, new: Schema) -> list[str]:
    """Each branch of the old property must still be accepted by some branch of the new."""
    problems: list[str] = []
    for branch in _branches(old):
        verdicts = [_branch_problems(where, branch, b) for b in _branches(new)]
        if not any(v == [] for v in verdicts):
            close = [v for v in verdicts if v and not v[0].endswith("changed type")]
            problems += close[0] if close else [f"{where}: {_kind(branch)} changed type"]
    return problems


def _kind(branch: Schema) -> str:
    if "$ref" in branch:
        return branch["$ref"].rsplit("/", 1)[-1]
    if "enum" in branch:
        return "enum"
    return str(branch.get("type", "any"))


def _branch_problems(where: str, old: Schema, new: Schema) -> list[str]:
    """[] when `new` accepts everything `old` does (as far as this contract's schemas go)."""
    if "$ref" in old:  # the same definition is compared by name; another one here, as a whole
        if new.get("$ref") == old["$ref"]:
            return []
        name, other = old["$ref"].rsplit("/", 1)[-1], new.get("$ref", "").rsplit("/", 1)[-1]
        if other not in _DEFS[1] or name not in _DEFS[0]:
            return [f"{where}: changed type"]
        return _object_changes(f"{where}<{other}>", _DEFS[0][name], _DEFS[1][other])
    if "enum" in old:
        if "enum" in new:
            lost = sorted(set(map(str, old["enum"])) - set(map(str, new["enum"])))
            return [f"{where}: enum narrowed, {', '.join(lost)} removed"] if lost else []
        fits = new.get("type") == "string" and not {"pattern", "format"} & set(new)
        return [] if fits else [f"{where}: changed type"]
    old_type, new_type = old.get("type"), new.get("type")
    if old_type != new_type and not (old_type == "integer" and new_type == "number"):
        return [f"{where}: changed type"]
    problems: list[str] = []
    for key in ("pattern", "format"):
        if key in new and new.get(key) != old.get(key):
            problems.append(f"{where}: {key} changed to {new[key]!r}")
    for key in ("minimum", "exclusiveMinimum", "minLength", "minItems"):
        if key in new and (key not in old or new[key] > old[key]):
            problems.append(f"{where}: {key} raised to {new[key]}")
    for key in ("maximum", "exclusiveMaximum", "maxLength", "maxItems"):
        if key in new and (key not in old or new[key] < old[key]):
            problems.append(f"{where}: {key} lowered to {new[key]}")
    if old_type == "array":
        problems += _narrowed(f"{where}[]", old.get("items", {}), new.get("items", {}))
    if old_type == "object" and "properties" in old:
        problems += _object_changes(where, old, new)
    return problems


# --- versions ----------------------------------------------------------------------------------


def changelog_versions(text: str) -> list[Version]:
    return [(int(a), int(b)) for a, b in VERSION_HEADING.findall(text)]


def released() -> tuple[Version, Path]:
    found = []
    for path in RELEASED.glob("events.schema.*.json"):
        major, minor = path.name.removeprefix("events.schema.").removesuffix(".json").split(".")
        found.append(((int(major), int(minor)), path))
    assert found, f"no released schema in {RELEASED}"
    return max(found)


def verdict(old: Schema, new: Schema, released_at: Version, newest: Version) -> list[str]:
    """What stops this contract from being merged: breaking changes, unless the changelog
    introduces a new major version above the released one."""
    problems = breaking_changes(old, new)
    if not problems or newest[0] > released_at[0]:
        return []
    return [
        *problems,
        f"breaking change(s) against released {released_at[0]}.{released_at[1]}: follow evolution "
        "rule 3 (a new tag and struct, the old one kept) or add a new major version to "
        "docs/contract-changelog.md saying what readers must change",
    ]


# --- the checks ------------------------------------------------------------------------------


def test_the_generated_contract_does_not_break_the_released_one() -> None:
    version, path = released()
    current = catalogue.json_schema()
    newest = max(changelog_versions(CHANGELOG.read_text(encoding="utf-8")))
    assert verdict(json.loads(path.read_text(encoding="utf-8")), current, version, newest) == []
    if os.environ.get("UPDATE_RELEASED"):  # a release: store the schema under its version
        target = RELEASED / f"events.schema.{newest[0]}.{newest[1]}.json"
        target.write_text(json.dumps(current, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def test_the_changelog_names_the_released_version_and_goes_up() -> None:
    versions = changelog_versions(CHANGELOG.read_text(encoding="utf-8"))
    assert versions == sorted(versions, reverse=True), "newest first, each version once"
    assert len(set(versions)) == len(versions)
    assert released()[0] in versions


# --- the checker itself, on made-up schemas ---------------------------------------------------

CHANNEL = {"enum": ["email", "web"]}
BASE: Schema = {
    "discriminator": {"propertyName": "type", "mapping": {"complaint.submitted": "#/$defs/S"}},
    "$defs": {
        "S": {
            "type": "object",
            "properties": {
                "version": {"type": "integer", "minimum": 1},
                "channel": CHANNEL,
                "category": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None},
                "grounds": {"type": "array", "items": CHANNEL},
            },
            "required": ["version", "channel"],
        },
        "Outer": {"type": "object", "properties": {"part": {"$ref": "#/$defs/S"}}},
    },
}


def changed(edit: Any) -> Schema:
    schema = json.loads(json.dumps(BASE))
    edit(schema, schema["$defs"]["S"]["properties"])
    return schema


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda s, p: p.pop("category"), "S.category: removed"),
        (lambda s, p: s["discriminator"]["mapping"].clear(), "complaint.submitted removed"),
        (lambda s, p: p.update(version={"type": "string"}), "S.version: integer changed type"),
        (lambda s, p: p.update(category={"type": "string"}), "S.category: null changed type"),
        (lambda s, p: s["$defs"]["S"]["required"].append("category"), "new required field"),
        (lambda s, p: p.update(channel={"enum": ["web"]}), "enum narrowed, email removed"),
        (lambda s, p: p["grounds"].update(items={"enum": ["web"]}), "S.grounds[]: enum narrowed"),
        (lambda s, p: p["version"].update(minimum=2), "S.version: minimum raised to 2"),
        (lambda s, p: s["$defs"]["S"].update(additionalProperties=False), "refused"),
        (lambda s, p: s["$defs"]["S"]["required"].remove("channel"), "no longer required"),
        (lambda s, p: narrower_struct(s), "Outer.part<Narrow>.grounds: removed"),
    ],
)
def test_a_made_up_breaking_change_fails(edit: Any, expected: str) -> None:
    problems = verdict(BASE, changed(edit), (1, 8), newest=(1, 9))
    assert any(expected in p for p in problems), problems
    assert "evolution rule 3" in problems[-1]
    assert verdict(BASE, changed(edit), (1, 8), newest=(2, 0)) == []  # a new major version


def narrower_struct(schema: Schema) -> None:
    narrow = json.loads(json.dumps(schema["$defs"]["S"]))
    del narrow["properties"]["grounds"]
    schema["$defs"]["Narrow"] = narrow
    schema["$defs"]["Outer"]["properties"]["part"] = {"$ref": "#/$defs/Narrow"}


def superset_struct(schema: Schema, props: Schema) -> None:
    """The field's struct replaced by a superset under another name (evolution rule 2)."""
    wider = json.loads(json.dumps(schema["$defs"]["S"]))
    wider["properties"]["sender"] = {"anyOf": [{"type": "string"}, {"type": "null"}]}
    schema["$defs"]["Wider"] = wider
    schema["$defs"]["Outer"]["properties"]["part"] = {"$ref": "#/$defs/Wider"}


@pytest.mark.parametrize(
    "edit",
    [
        lambda s, p: p.update(note={"anyOf": [{"type": "string"}, {"type": "null"}]}),
        lambda s, p: p.update(channel={"enum": ["email", "letter", "web"]}),
        lambda s, p: p.update(version={"type": "number"}),
        lambda s, p: s["discriminator"]["mapping"].update({"complaint.closed": "#/$defs/C"}),
        lambda s, p: p["version"].pop("minimum"),
        superset_struct,
    ],
)
def test_additive_changes_pass(edit: Any) -> None:
    assert breaking_changes(BASE, changed(edit)) == []


def test_the_contracts_own_history_reads_as_additive() -> None:
    """The released schema against itself, and a current one with a field taken away."""
    _, path = released()
    schema = json.loads(path.read_text(encoding="utf-8"))
    assert breaking_changes(schema, schema) == []
    shrunk = json.loads(path.read_text(encoding="utf-8"))
    del shrunk["$defs"]["Submitted"]["properties"]["reference"]
    assert breaking_changes(schema, shrunk) == ["Submitted.reference: removed"]

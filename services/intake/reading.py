"""Reading a JSON request body into its Struct (services/intake/bodies.py) with msgspec, with
every problem at once as ``[{field, message}]`` in the caller's language (nl or en).

msgspec stops at the first error, and a complainant who filled in a form wants to hear about
every field, so each field is converted on its own and msgspec's error is named by the kind
of field it concerns (a text too long, a choice not offered, a number out of range). Text
fields are read as people see them first: CR LF counts as one line break, and a character that
would show otherwise than it is stored is named before any length. ``Rules`` add what msgspec
cannot say (domain.py). Once every field is well, the cleaned body (texts stripped, blank
optional texts left out) is converted to the Struct in one go.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any, TypeVar

import msgspec
from msgspec import inspect as mi

from services.intake.characters import one_newline, unsafe_characters
from services.intake.problems import FieldError, Lang, field_error

S = TypeVar("S")
Problem = tuple[str, dict[str, Any]]  # a key of problems.MESSAGES and the values it names
Check = Callable[[Any, dict[str, Any]], Problem | None]  # (value, the object holding it)
MISSING: Any = object()


@dataclass(frozen=True)
class Rules:
    """What a body's fields must be beyond their types, by dotted field name: ``gates`` are
    asked first, also of an absent field (may it be given at all, or must it be), ``values``
    of a well-typed, cleaned value; ``whole`` reads the cleaned and the raw body together and
    names (field, problem) pairs across fields."""

    gates: Mapping[str, Check] = field(default_factory=dict)
    values: Mapping[str, Check] = field(default_factory=dict)
    whole: Callable[[dict[str, Any], dict[str, Any]], list[tuple[str, Problem]]] | None = None


@dataclass(frozen=True)
class _Field:
    name: str
    required: bool
    type: Any  # the annotation, for msgspec.convert
    kind: mi.Type  # what it is without None and metadata
    extra: dict[str, Any]
    nullable: bool


def read(
    body: type[S], data: Any, lang: Lang, rules: Rules | None = None
) -> tuple[S | None, list[FieldError]]:
    """The body as ``body``, or None and every problem."""
    if not isinstance(data, dict):
        return None, [field_error("body", "json_object", lang)]
    rules = rules or Rules()
    problems: list[tuple[str, Problem]] = []
    cleaned = _walk(body, data, "", rules, problems)
    if rules.whole is not None:
        problems += rules.whole(cleaned, data)
    if problems:
        return None, [field_error(path, key, lang, **values) for path, (key, values) in problems]
    return msgspec.convert(cleaned, body), []


def _walk(
    body: type, data: dict[str, Any], prefix: str, rules: Rules, out: list[tuple[str, Problem]]
) -> dict[str, Any]:
    fields = _fields(body)
    if body.__struct_config__.forbid_unknown_fields:  # type: ignore[attr-defined]
        known = {f.name for f in fields}
        out += [(prefix + name, ("unknown_field", {})) for name in data if name not in known]
    cleaned: dict[str, Any] = {}
    for f in fields:
        path = prefix + f.name
        value = data.get(f.name, MISSING)
        gate = rules.gates.get(path)
        problem = gate(None if value is MISSING else value, data) if gate else None
        if problem is None and isinstance(f.kind, mi.StructType) and isinstance(value, dict):
            cleaned[f.name] = _walk(f.kind.cls, value, path + ".", rules, out)
            continue
        if problem is None:
            problem, value = _one(f, value)
        check = rules.values.get(path)
        if problem is None and check is not None and value is not None:
            problem = check(value, data)
        if problem is not None:
            out.append((path, problem))
        elif value is not None and value is not MISSING:
            cleaned[f.name] = value
    return cleaned


def _one(f: _Field, value: Any) -> tuple[Problem | None, Any]:
    """The problem with one value of a field, or None and the value cleaned."""
    if value is MISSING or value is None:
        if f.required:
            return ("required", {}), None
        refused = value is None and not f.nullable  # e.g. a boolean sent as null
        return (_named(f, "got `null`") if refused else None), None
    lines = f.extra.get("text") == "lines"
    if "text" in f.extra and isinstance(value, str):
        value = one_newline(value) if lines else value
        unsafe = unsafe_characters(value, multiline=lines)
        if unsafe is not None:
            return (unsafe, {}), None
        if f.required and not value.strip():
            return ("empty", {}), None
    try:
        msgspec.convert(value, f.type)
    except msgspec.ValidationError as error:
        return _named(f, str(error)), None
    cleaned = (value.strip() or None) if isinstance(value, str) else value
    if cleaned is None and f.required:  # blank counts as absent, and absent is refused here
        return ("empty", {}), None
    return None, cleaned


def _named(f: _Field, error: str) -> Problem:
    """msgspec's error about a field, said as what is wrong with such a field."""
    kind = f.kind
    if "invalid" in f.extra:
        return f.extra["invalid"], {}
    if isinstance(kind, mi.LiteralType):
        choices = f.extra.get("choices", kind.values)
        return "choice", {"choices": ", ".join(choices)}
    if isinstance(kind, mi.IntType):
        if "got" in error:
            return "integer", {}
        return "range", {"min": kind.ge, "max": kind.le}
    if isinstance(kind, mi.BoolType):
        return "boolean", {}
    if isinstance(kind, mi.StructType):
        return "object", {}
    if isinstance(kind, mi.ListType):  # a list of choices (the grounds of declining)
        if error.startswith("Expected `array`"):
            return "list", {}
        return "choice", {"choices": ", ".join(f.extra.get("choices", ()))}
    if isinstance(kind, mi.StrType) and kind.max_length is not None and "length" in error:
        return "too_long", {"max": kind.max_length}
    return "string", {}


@cache
def _fields(body: type) -> tuple[_Field, ...]:
    info = mi.type_info(body)
    assert isinstance(info, mi.StructType), body
    annotations = {f.name: f.type for f in msgspec.structs.fields(body)}
    found = []
    for f in info.fields:
        kind, extra, nullable = f.type, {}, False
        if isinstance(kind, mi.UnionType):
            rest = [t for t in kind.types if not isinstance(t, mi.NoneType)]
            nullable, kind = len(rest) < len(kind.types), rest[0]
        if isinstance(kind, mi.Metadata):
            extra, kind = kind.extra or {}, kind.type
        found.append(_Field(f.name, f.required, annotations[f.name], kind, extra, nullable))
    return tuple(found)

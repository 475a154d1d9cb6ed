"""Every error of the aggregate that reaches staff has Dutch words (Dutch by default, English on
request): the rules' refusals have theirs (refusals.WORDS); the errors that name no rule are
found at their raise sites here, so a new English-only message fails this test."""

from __future__ import annotations

import ast
import re
import typing
from pathlib import Path

import shared.rules
from shared.rules.errors import IllegalTransition, InvalidCommand
from shared.rules.plainwords import ACTS, PLAIN, plain_words
from shared.runtime import staff
from tests.support.sources import parse

SHOWN = ("IllegalTransition", "InvalidCommand")  # AlreadyDone is success to every caller


def _template(node: ast.expr) -> str | None:
    """A raise site's message with each value as {}; None when it is not written there."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(p.value if isinstance(p, ast.Constant) else "{}" for p in node.values)
    return None


def _calls(path: Path) -> list[ast.Call]:
    tree = parse(path.read_text("utf-8"))
    return [n for n in ast.walk(tree) if isinstance(n, ast.Call)]


def test_every_message_without_a_rule_has_dutch_words() -> None:
    known = {re.sub(r"\{\w+\}", "{}", english) for english in PLAIN}
    raised, acts = set(), set()
    for path in sorted(Path(shared.rules.__file__).parent.glob("*.py")):  # every module of rules
        for call in _calls(path):
            name = getattr(call.func, "id", getattr(call.func, "attr", ""))
            if name in SHOWN and call.args:
                template = _template(call.args[0])
                assert template is not None, ast.unparse(call)  # words need a written message
                raised.add(template)
            if name == "_require_open":
                acts.add(typing.cast(ast.Constant, call.args[0]).value)
    assert len(raised) > 20 and len(acts) > 10  # the scan found the raise sites
    assert raised - known == set()
    assert acts - set(ACTS) == set()


def test_staff_read_them_in_dutch_unless_they_ask_for_english() -> None:
    closed = IllegalTransition("cannot respond: the complaint is closed")
    assert closed.words("nl") == "De klacht is afgesloten: beantwoorden kan niet meer."
    assert closed.words("en") == "cannot respond: the complaint is closed"
    ladder = IllegalTransition("the next escalation level is 2, not 3")
    assert ladder.words("nl") == "Het volgende escalatieniveau is 2, niet 3."
    assert InvalidCommand("the reaction is empty").words("de") == "De reactie is leeg."
    assert plain_words("something new", "nl") == "something new"  # never lost


def test_a_refused_role_reads_which_role_may_in_its_language() -> None:
    assert set(typing.get_args(staff.Action)) <= set(staff.ACT_WORDS)
    reader = staff.StaffMember("rita", frozenset({"reader"}))
    assert staff.forbidden(reader, "assign", "nl") == (
        "Klachten toewijzen mag alleen met de rol leidinggevende. Uw rol: lezer."
    )
    assert staff.forbidden(reader, "respond", "en") == (
        "Answering complaints needs the role handler or supervisor. Your role: reader."
    )

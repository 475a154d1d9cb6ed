"""Which characters a name, subject or text sent to intake may hold, and how text that arrived
from elsewhere (a mail's display name or subject) is made into a single clean line.

Refused: controls (C0, C1; a CR LF in a name breaks the letter's headers), bidi overrides and
isolates (text that reads otherwise than it is stored) and zero-width characters (hidden in
names and references). Multi-line texts keep \\t, \\n and \\r (read as \\n). The patterns are
written for ECMA-262 too: the OpenAPI document states them (services/intake/bodies.py).
"""

from __future__ import annotations

import re

_SHOWN_WRONG = r"\u202a-\u202e\u2066-\u2069\u200b-\u200d\u2060\ufeff"
UNSAFE_SINGLE_LINE = rf"[\x00-\x1f\x7f-\x9f\u2028\u2029{_SHOWN_WRONG}]"
UNSAFE_MULTI_LINE = rf"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_SHOWN_WRONG}]"
# Not only blanks, by Python's str.strip(): ECMA-262's \s lacks \x1c-\x1f and \x85.
NOT_BLANK = r"[^\s\x1c-\x1f\x85]"
_UNSAFE = {True: re.compile(UNSAFE_MULTI_LINE), False: re.compile(UNSAFE_SINGLE_LINE)}
_LINE_BREAK = re.compile("[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
_INVISIBLE = re.compile("[\u200b-\u200d\u2060\ufeff]")


def one_newline(text: str) -> str:
    """CR LF and CR read as LF: a textarea sends CR LF, and a limit counts what one sees."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def unsafe_characters(text: str, *, multiline: bool = False) -> str | None:
    """The problem key (services/intake/problems.py) for a kind of character the text may not
    hold, or None."""
    if not _UNSAFE[multiline].search(text):
        return None
    if not multiline and _LINE_BREAK.search(text):
        return "line_break"
    if _BIDI.search(text):
        return "bidi_char"
    return "invisible_char" if _INVISIBLE.search(text) else "control_char"


def clean_single_line(text: str) -> str:
    """A single line from text that arrived from elsewhere (a mail's display name or subject):
    line breaks and other controls become spaces, bidi and zero-width characters go, runs of
    space collapse. What is left passes ``unsafe_characters``."""
    text = _CONTROL.sub(" ", _BIDI.sub("", _INVISIBLE.sub("", text)))
    return " ".join(_LINE_BREAK.sub(" ", text).split())

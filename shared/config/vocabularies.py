"""The managed vocabularies (themes, root causes, remedy kinds: issue 18) from
config/vocabularies.toml, or the file ``KLACHTEN_VOCABULARIES_FILE`` names, checked at start.

The model and its rules are shared/rules/learning.py; this module reads the file and says
what is wrong with it: a `VocabularyError` names the file, the key (``remedy_kinds.x.amount``),
its line when it can be found, and why, as the organisation file's errors do. Intake reads it
at start (a change takes a restart); readers that only need words (reporting) use `words_of`,
which falls back to the shipped file and then to the codes themselves.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

import msgspec

from shared.config import CONFIG_DIR
from shared.config.organisation import FileError, _split, read_toml
from shared.config.policy_file import locate_key
from shared.rules.learning import Term, Vocabulary

DEFAULT_VOCABULARIES_FILE = CONFIG_DIR / "vocabularies.toml"
CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")
KINDS = ("themes", "root_causes", "remedy_kinds")


class VocabularyError(FileError):
    """An unusable vocabularies file: which file, which key (and line, when found), and why."""


def vocabularies_file(configured: str | Path = "") -> Path:
    """The file the setting names (``KLACHTEN_VOCABULARIES_FILE``), else the shipped one."""
    return Path(configured) if configured else DEFAULT_VOCABULARIES_FILE


def load_vocabulary(path: str | Path) -> Vocabulary:
    """Read and check a vocabularies file; `VocabularyError` on the first problem."""
    path = Path(path)
    data, text = read_toml(path, VocabularyError)
    return parse_vocabulary(data, source=str(path), text=text)


def parse_vocabulary(
    data: dict[str, Any], *, source: str = "<vocabularies>", text: str = ""
) -> Vocabulary:
    problem = _problem(data)
    if problem is None:
        return msgspec.convert(data, Vocabulary)
    key, reason = problem
    raise VocabularyError(source, key, reason, locate_key(text, key))


@functools.cache
def words_of(configured: str = "") -> Vocabulary | None:
    """The vocabulary for words only (cached per path): None when no file can be read, so a
    reader shows the recorded codes instead of stopping."""
    for path in dict.fromkeys((vocabularies_file(configured), DEFAULT_VOCABULARIES_FILE)):
        try:
            return load_vocabulary(path)
        except VocabularyError:
            continue
    return None


def _problem(data: dict[str, Any]) -> tuple[str, str] | None:
    """Entry by entry, so that a problem names its key; then what the types cannot say."""
    unknown = sorted(set(data) - {"version", *KINDS})
    if unknown:
        return unknown[0], "not a key of this file (version, themes, root_causes, remedy_kinds)"
    version = data.get("version")
    if not isinstance(version, str) or not version.strip():
        return "version", 'give the vocabulary a version (text), e.g. "2027-1"'
    for kind in KINDS:
        entries = data.get(kind, {})
        if not isinstance(entries, dict):
            return kind, "expected a table"
        for code, entry in entries.items():
            if not CODE.match(code):
                return f"{kind}.{code}", "use lower-case letters, digits, _ and - only (a code)"
            try:
                term = msgspec.convert(entry, Term)
            except msgspec.ValidationError as error:
                key, reason = _split(str(error))
                return f"{kind}.{code}{'.' + key if key else ''}", reason
            if not (term.nl.strip() and term.en.strip()):
                return f"{kind}.{code}", "give Dutch (nl) and English (en) words"
            for flag in ("amount", "follow_up"):
                if getattr(term, flag) and kind != "remedy_kinds":
                    return f"{kind}.{code}.{flag}", "only a remedy kind needs this"
        if not any(not msgspec.convert(e, Term).retired for e in entries.values()):
            return kind, "offer at least one code that is not retired"
    return None

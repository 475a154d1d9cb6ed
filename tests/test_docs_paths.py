"""Every file, folder and module the docs name exists, so "to change X, open Y" stays true.

Read: README.md, docs/*.md and the services' READMEs. Checked:
- in a service's README, its own files named bare (`app.py`, `templates/nl/`);
- links to files (`[x](operations.md#dead-letters)`, relative to the document; web links not);
- repo paths anywhere in the text, backticked or not (`shared/rules/terms.py`,
  `services/notifier/templates/`); `<name>`, `{id}`, `*` and `…` are wildcards that must match
  something; `path.name` (a module and a name in it, `shared/rules/terms.current_terms`) must
  name a module that mentions that name;
- links to a heading (`operations.md#dead-letters`): the heading is there;
- dotted module names (`shared.eventstore.persistence`, `klachten.stack.provisioning.provision`):
  every segment a package, a module or a name that module mentions.
A renamed function is caught only by name; what it does is for a reader to check.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

DOCUMENTS = sorted(
    [REPO / "README.md", *(REPO / "docs").glob("*.md"), *(REPO / "services").glob("*/README.md")]
)

# The first folder of a repo path; anything else (./data, $KLACHTEN_DATA_DIR/mail,
# nats/nats-server.lock, /api/…) is not a file of the checkout.
ROOTS = (
    "shared",
    "services",
    "klachten",
    "tests",
    "docs",
    "config",
    "bench",
    "bin",
    "tools",
    ".ci",
)
PACKAGES = ("shared", "services", "klachten", "tests", "bench", "tools")

# Written like a path or a module but meant as something else, on purpose (and what starts so).
NOT_PATHS = {
    "klachten/event/v1": "the domain-separation tag a writer signs, not a file",
    "klachten/signer/": "the signer folder under $XDG_CONFIG_HOME, outside the repo",
    "shared.complaint": "the module name inside every stored topic, kept for the hash chains",
}

_PATH = re.compile(
    rf"(?<![\w./$~-])((?:{'|'.join(re.escape(r) for r in ROOTS)})/[^\s`'\"()\[\],;|\\]*)"
)
_LINK = re.compile(r"\]\(([^)\s]+)\)")
_DOTTED = re.compile(rf"(?<![\w./$@-])((?:{'|'.join(PACKAGES)})(?:\.\w+)+)(?![\w/-])")
_WILDCARD = re.compile(r"<[^>]*>|\{[^}]*\}|…")


def named_paths(text: str) -> Iterator[str]:
    """Repo paths written in a document, as written (trailing punctuation and anchors off)."""
    for match in _PATH.finditer(text):
        path = match.group(1).split("#")[0].split("::")[0].rstrip(".:*")
        if path and not any(path.startswith(not_path) for not_path in NOT_PATHS):
            yield path


def linked_files(text: str) -> Iterator[str]:
    """Link targets that are files of the repo, relative to the document."""
    for target in _LINK.findall(text):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue
        if target := target.split("#")[0]:
            yield target


def service_files(text: str) -> Iterator[str]:
    """In a service's README, its own files named bare (`app.py`, `templates/nl/`)."""
    for span in code_spans(text):
        for name in re.split(r"[\s,]+", span.strip()):
            first = name.split("/")[0]
            if re.fullmatch(r"[\w.-]+\.py|[\w-]+/[\w./-]*", name) and first not in ROOTS:
                yield name


def anchors_of(markdown: Path) -> set[str]:
    """The anchors GitHub gives a document's headings (lower case, punctuation dropped, spaces
    as hyphens)."""
    headings = re.findall(r"^#+\s+(.+?)\s*$", markdown.read_text(encoding="utf-8"), flags=re.M)
    return {re.sub(r"[^\w\- ]", "", h.lower()).replace(" ", "-") for h in headings}


def broken_anchors(text: str, document: Path) -> Iterator[str]:
    """Links to a heading (`operations.md#dead-letters`, `#disk-full`) that no heading has."""
    for target in _LINK.findall(text):
        file, hash_, anchor = target.partition("#")
        if not hash_ or re.match(r"[a-z]+:", target):
            continue
        markdown = (document.parent / file) if file else document
        if markdown.suffix == ".md" and markdown.is_file() and anchor not in anchors_of(markdown):
            yield target


def dotted_names(text: str) -> Iterator[str]:
    """Dotted module names in code spans (`python -m services.intake`, `shared.x.y.name`)."""
    for span in code_spans(text):
        for match in _DOTTED.finditer(span):
            name = match.group(1)
            if name not in NOT_PATHS and not _file_like(name):
                yield name


def code_spans(text: str) -> Iterator[str]:
    """Fenced blocks, then the inline spans of the text around them (a fence's three backticks
    would pair with the wrong ones)."""
    yield from re.findall(r"```(.*?)```", text, flags=re.S)
    yield from re.findall(r"`([^`\n]+)`", re.sub(r"```.*?```", "", text, flags=re.S))


def _file_like(name: str) -> bool:
    """`klachten.lock`, `klachten.local`: a file name or a mail domain, not a module of klachten."""
    first, second = name.split(".")[:2]
    return first == "klachten" and not _module(REPO / first / second)


def _module(base: Path) -> Path | None:
    """The source of a module or package at `base` (without .py), if there is one."""
    if (base / "__init__.py").is_file():
        return base / "__init__.py"
    if base.with_suffix(".py").is_file():
        return base.with_suffix(".py")
    return None


def _mentions(source: Path, names: list[str]) -> bool:
    text = source.read_text(encoding="utf-8")
    return all(re.search(rf"\b{re.escape(name)}\b", text) for name in names)


def path_exists(path: str, base: Path = REPO) -> bool:
    """True when `path` names something in the repo (wildcards must match at least one)."""
    pattern = _WILDCARD.sub("*", path)
    if "*" in pattern:
        return any(base.glob(pattern.rstrip("/")))
    if (base / path).exists():
        return True
    folder, _, leaf = path.rpartition("/")
    module, dot, name = leaf.partition(".")
    if dot and not (base / folder / leaf).suffix == ".py":
        source = _module(base / folder / module)
        return source is not None and _mentions(source, name.split("."))
    return False


def module_exists(dotted: str) -> bool:
    """Every segment is a package or module, then names its module mentions."""
    parts = dotted.split(".")
    source = None
    for index in range(len(parts), 0, -1):
        source = _module(REPO.joinpath(*parts[:index]))
        if source is not None:
            return _mentions(source, parts[index:]) if parts[index:] else True
    return False


def missing_in(document: Path) -> list[str]:
    text = document.read_text(encoding="utf-8")
    missing = [f"path {p}" for p in named_paths(text) if not path_exists(p)]
    missing += [f"link {t}" for t in linked_files(text) if not path_exists(t, base=document.parent)]
    missing += [f"module {m}" for m in dotted_names(text) if not module_exists(m)]
    missing += [f"heading {t}" for t in broken_anchors(text, document)]
    if document.parent.parent == REPO / "services":
        missing += [f"file {f}" for f in service_files(text) if not path_exists(f, document.parent)]
    return sorted(set(missing))


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda d: str(d.relative_to(REPO)))
def test_every_path_the_docs_name_exists(document: Path) -> None:
    missing = missing_in(document)
    assert not missing, f"{document.relative_to(REPO)} names what is not there:\n" + "\n".join(
        missing
    )


def test_the_check_finds_what_is_gone_and_accepts_what_is_there() -> None:
    text = (
        "open `shared/rules/terms.py` or shared/rules/terms.current_terms; "
        "[ops](operations.md#dead-letters), `services/<name>/app.py`, "
        "`python -m services.intake`, `shared.eventstore.persistence`, `klachten.lock`, "
        "`$KLACHTEN_DATA_DIR/mail`, ~/.config holds klachten/signer/<stack>, "
        "[web](https://example.org/x.md). Gone: `shared/jsclient.py`, "
        "`shared/rules/terms.no_such_name`, `shared.jsclient.broker_connect`, [x](nowhere.md)."
    )
    document = REPO / "docs" / "example.md"
    assert [p for p in named_paths(text) if not path_exists(p)] == [
        "shared/jsclient.py",
        "shared/rules/terms.no_such_name",
    ]
    assert [t for t in linked_files(text) if not path_exists(t, document.parent)] == ["nowhere.md"]
    assert [m for m in dotted_names(text) if not module_exists(m)] == [
        "shared.jsclient.broker_connect"
    ]
    assert list(broken_anchors(text + " [y](operations.md#no-such-part)", document)) == [
        "operations.md#no-such-part"
    ]
    readme = "`app.py`, `templates/nl/`, `gone.py`, `python -m services.intake`, `x.y`"
    assert [f for f in service_files(readme) if not path_exists(f, REPO / "services/notifier")] == [
        "gone.py"
    ]
    assert len(list(named_paths(text))) == 5
    assert DOCUMENTS and REPO / "docs" / "architecture.md" in DOCUMENTS

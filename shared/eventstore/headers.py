"""The NATS client the persistence module connects with: nats-py's, with a cheaper header parser.

Reading a page of stored messages, nats-py spent most of its time testing every character of
every header name for whitespace in a generator (a direct get's reply carries nine headers).
The parser here gives the same result for every input (tests/shared/test_link.py compares the
two on generated blocks); it decodes an all-ASCII block once instead of twice per line.
"""

from __future__ import annotations

from nats.aio.client import Client


class HeaderClient(Client):
    """nats-py's client; only `_parse_header_lines` differs, and only in speed."""

    @staticmethod
    def _parse_header_lines(raw: bytes) -> dict[str, str]:
        try:
            text = raw.decode("ascii")  # nearly always: then one decode for the whole block
        except UnicodeDecodeError:
            return _header_lines_by_line(raw)
        out: dict[str, str] = {}
        for line in text.split("\r\n"):
            name, sep, value = line.partition(":")
            if not sep:
                continue
            key = name.strip(_BYTES_WHITESPACE)
            if key and key.split() != [key]:  # whitespace in a name: not a header (as nats-py)
                continue
            out[key] = value.strip(_BYTES_WHITESPACE)
        return out


# What bytes.strip() strips; str.strip() would also strip \x1c-\x1f.
_BYTES_WHITESPACE = " \t\n\r\x0b\x0c"


def _header_lines_by_line(raw: bytes) -> dict[str, str]:
    """nats-py's rules for a block that is not all ASCII: a name that is not ASCII is skipped,
    a value is UTF-8 with replacement characters."""
    out: dict[str, str] = {}
    for line in raw.split(b"\r\n"):
        name, sep, value = line.partition(b":")
        if not sep:
            continue
        try:
            key = name.strip().decode("ascii")
        except UnicodeDecodeError:
            continue
        if key and key.split() != [key]:
            continue
        out[key] = value.strip().decode("utf-8", "replace")
    return out

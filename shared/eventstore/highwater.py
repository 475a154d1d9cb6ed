"""Fail-stop on a shrinking log: the highest sequence each process has seen, kept outside it.

Every service records the last sequence of COMPLAINTS it has seen in
``$KLACHTEN_DATA_DIR/highwater/<service>`` (written atomically, only ever raised). When the
stream's last sequence falls below the highest record (a corrupted block file that nats-server
truncated on start, a restore of an older backup), the check answers a problem: readiness
fails, intake refuses appends (503), and a marker file ``highwater/SHRUNK`` names what
happened, so `klachten up` refuses to start until an operator restores the log and runs
`klachten recover --accept-shrunken-log` (docs/operations.md).
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from pathlib import Path

FOLDER = "highwater"
MARKER = "SHRUNK"


def regression(recorded: int, first_seq: int, last_seq: int, messages: int) -> str | None:
    """Pure: why the log is shorter than the system knows it was, or None. The log of record
    never deletes (deny_delete, no limits), so missing sequences inside it are lost too."""
    missing = last_seq - first_seq + 1 - messages if last_seq else 0
    if missing > 0 or first_seq > 1:
        return (
            f"the event log lost messages: COMPLAINTS holds {messages} of sequences "
            f"{first_seq}..{last_seq} (a damaged store); the log never deletes, so "
            "nothing is appended until it is restored and an operator runs "
            "`klachten recover --accept-shrunken-log`"
        )
    if last_seq >= recorded:
        return None
    return (
        f"the event log shrank: COMPLAINTS ends at sequence {last_seq} (first {first_seq}), "
        f"but this system had already seen sequence {recorded}. Events were lost (a damaged "
        "store or an older backup); nothing is appended until the log is restored and an "
        "operator runs `klachten recover --accept-shrunken-log`"
    )


def recorded(data_dir: Path | str) -> int:
    """The highest sequence any process recorded (0 when none did)."""
    found = 0
    for path in (Path(data_dir) / FOLDER).glob("*.seq"):
        try:
            found = max(found, int(path.read_text().strip() or 0))
        except (OSError, ValueError):
            continue
    return found


def record(data_dir: Path | str, who: str, last_seq: int) -> None:
    folder = Path(data_dir) / FOLDER
    path = folder / f"{who}.seq"
    try:
        if int(path.read_text().strip() or 0) >= last_seq:
            return
    except (OSError, ValueError):
        pass
    folder.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(str(last_seq))
    os.replace(tmp, path)


def shrunk(data_dir: Path | str) -> str | None:
    """The recorded regression that stops `klachten up`, or None."""
    try:
        return (Path(data_dir) / FOLDER / MARKER).read_text()
    except FileNotFoundError:
        return None


def observe(
    data_dir: Path | str,
    who: str,
    first_seq: int,
    last_seq: int,
    messages: int,
    known: int | None = None,
) -> str | None:
    """Compare with the records (`known`: read before the bounds were asked for); on
    regression leave the marker, else raise our record."""
    known = recorded(data_dir) if known is None else known
    found = regression(known, first_seq, last_seq, messages)
    problem = shrunk(data_dir) or found
    if problem is None:
        record(data_dir, who, last_seq)
        return None
    marker = Path(data_dir) / FOLDER / MARKER
    if not marker.exists():
        marker.write_text(problem)
    return problem


def accept(data_dir: Path | str) -> list[Path]:
    """The operator's recovery: forget the records and the marker (after a restore)."""
    folder = Path(data_dir) / FOLDER
    removed = [p for p in folder.glob("*") if p.is_file()]
    for path in removed:
        path.unlink()
    return removed


def check(
    data_dir: Path | str, who: str, bounds: Callable[[], Awaitable[tuple[int, int, int]]]
) -> Callable[[], Awaitable[str | None]]:
    """A LogWatch check over `bounds()` = (first, last, messages) of COMPLAINTS."""

    async def run() -> str | None:
        # The records first: another process of this folder may record a newer end while the
        # server answers us, and that is not a shrink. What was recorded before we asked must
        # still be there.
        known = recorded(data_dir)
        return observe(data_dir, who, *await bounds(), known=known)

    return run

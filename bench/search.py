"""The staff search (services/intake/search.py) at 100k indexed complaints: each query's time
as intake answers it (every word a prefix, joined to the complaint ids, newest first, at
most 1001), beside a plain FTS5 query of the same word (no prefix, no rank, no join); then the
worklist's page when it filters the read model by the 1000 ids found (workspace_lists, the
search hook), and what erasing one complainant costs (delete + merge of the segments, so the
name leaves the file). Printed, not asserted.

    .venv/bin/python -m bench.search [--complaints 100000] [--repeat 20]

The index is a throw-away file filled straight with synthetic submitted facts (names from a
small list of Dutch surnames, so a common one matches ~1 in 25 complaints); in a running
intake the follower's rate is bounded by reading the log and the keys, not by this insert.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from rich.console import Console
from rich.table import Table

from bench.common import ms
from bench.workspace_lists import NOW, timed
from bench.workspace_lists import seed as seed_read_model
from services.intake.search import SearchIndex
from services.reporting.view_backends import open_view
from services.reporting.workspace_lists import SEARCH_LIMIT, ListQuery, list_page
from shared.contract import events as ev

FIRST = ("Anna", "Bram", "Cor", "Daan", "Eva", "Fatima", "Gert", "Hanna", "Ivo", "Joke", "Kees",
         "Lotte", "Mohamed", "Noor", "Olga", "Piet", "Roos", "Sanne", "Tom", "Yara")  # fmt: skip
LAST = ("Jansen", "de Vries", "van den Berg", "Bakker", "Visser", "Smit", "Meijer", "de Boer",
        "Mulder", "de Groot", "Bos", "Vos", "Peters", "Hendriks", "van Leeuwen", "Dekker",
        "Brouwer", "de Wit", "Dijkstra", "Smits", "de Graaf", "van der Meer", "Kok", "Jacobs",
        "el Amrani")  # fmt: skip
SUBJECTS = ("Parkeervergunning niet ontvangen", "Container niet geleegd", "Lange wachttijd",
            "Factuur te hoog", "Onvriendelijke medewerker", "Geen reactie op mijn brief",
            "Lantaarnpaal kapot", "Bezwaar WOZ-waarde", "Paspoort te laat klaar")  # fmt: skip
WORDS = ("gebeld", "balie", "brief", "factuur", "aanmaning", "wachten", "afspraak", "buurman",
         "straat", "vergunning", "melding", "betaald", "website", "formulier", "loket")  # fmt: skip
MOMENT = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


def fact(i: int, rng: random.Random) -> ev.Submitted:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    email = f"{first.lower()}.{last.replace(' ', '').lower()}{i}@voorbeeld.nl"
    description = " ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 120)))
    return ev.Submitted(
        event_id=uuid4(),
        complaint_id=UUID(f"00000000-0000-4000-8000-{i:012d}"),  # the read model's ids
        version=1,
        occurred_at=MOMENT,
        actor="complainant",
        reference=f"KL-2026-{i:06d}",
        channel="web",
        language="nl",
        received_at=MOMENT,
        personal=ev.SubmittedPersonal(
            complainant=ev.Complainant(name=f"{first} {last}", email=email),
            subject=rng.choice(SUBJECTS),
            description=description,
        ),
    )


def fill(index: SearchIndex, n: int) -> float:
    rng = random.Random(17)
    started = time.perf_counter()
    for start in range(0, n, 5000):
        with index.transaction() as db:
            for i in range(start, min(n, start + 5000)):
                SearchIndex.add(db, fact(i, rng))
    return time.perf_counter() - started


def plain(index: SearchIndex, word: str) -> Any:
    """The baseline: one bare FTS5 MATCH of the word, rowids only."""
    with index._lock:
        return index._db.execute(
            "SELECT rowid FROM found WHERE found MATCH ? LIMIT 1001", (f'"{word}"',)
        ).fetchall()


def erase_one(index: SearchIndex, i: int) -> None:
    with index.transaction() as db:
        SearchIndex.erase(db, f"00000000-0000-4000-8000-{i:012d}")
        SearchIndex.forget_deleted(db)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--complaints", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    n = args.complaints
    with tempfile.TemporaryDirectory() as tmp:
        index = SearchIndex(Path(tmp) / "search.sqlite3")
        took = fill(index, n)
        size = index.path.stat().st_size / 1e6
        table = Table(
            title=f"staff search · {n:,} complaints indexed in {took:.1f} s "
            f"({n / took:,.0f}/s), file {size:.0f} MB"
        )
        for column in ("query", "found (≤1001)", "ours: intake's search", "plain FTS5 baseline"):
            table.add_column(column)

        def one(column: str) -> str:
            with index._lock:
                sql = f"SELECT {column} FROM found WHERE rowid = ?"
                return str(index._db.execute(sql, (n // 2,)).fetchone()[0])

        queries = {
            "one complainant's e-mail": (one("email"), one("email").split(".")[0]),
            "one complainant's name": (one("name"), one("name").split()[-1].lower()),
            "a common surname": ("jansen", "jansen"),
            "first name + surname": ("piet de vries", "piet"),
            "a prefix (3 letters)": ("dij", "dijkstra"),
            "a word of the subject": ("parkeervergunning", "parkeervergunning"),
            "a word of most descriptions": ("balie", "balie"),
            "a reference": ("KL-2026-004242", "004242"),
        }
        for name, (typed, word) in queries.items():
            found = len(index.search(typed, 1001))
            ours = ms(timed(lambda t=typed: index.search(t, 1001), args.repeat))
            base = ms(timed(lambda w=word: plain(index, w), args.repeat))
            table.add_row(name, f"{found:,}", ours, base)
        Console().print(table)

        view = open_view(str(Path(tmp) / "reporting.sqlite3"))
        view.create_table()
        seed_read_model(view, n)
        ids = tuple(f["complaint_id"] for f in index.search("jansen", SEARCH_LIMIT))
        q = ListQuery(q="jansen", found=ids)
        shown = list_page(view, q, NOW, "anna", ()).total
        page = ms(timed(lambda: list_page(view, q, NOW, "anna", ()), args.repeat))
        bare = ms(timed(lambda: list_page(view, ListQuery(), NOW, "anna", ()), args.repeat))
        lists = Table(title="the worklist filtered by the ids found (one page + count)")
        for column in ("list", "matching", "ours", "baseline: the same list, no search"):
            lists.add_column(column)
        lists.add_row(f"'jansen', {len(ids)} ids", f"{shown:,}", page, bare)
        Console().print(lists)

        samples = []
        for i in range(min(args.repeat, 5)):
            started = time.perf_counter()
            erase_one(index, i * 997)
            samples.append(time.perf_counter() - started)
        Console().print(
            f"erasing one complainant (delete + optimize, secure_delete): "
            f"{', '.join(f'{s * 1000:.0f} ms' for s in samples)}"
        )
        index.close()


if __name__ == "__main__":
    main()

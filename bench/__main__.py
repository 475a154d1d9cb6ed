"""The benchmark suite in one command; prints one table, every figure beside its baseline.

    .venv/bin/python -m bench [--size small|full] [--markdown FILE]
                              [--only intake,pipeline,capacity,persistence,rebuild]

`small` (about 4 minutes) checks that everything runs; `full` (about 31 minutes) gives the
figures of docs/benchmarks.md: logs of 100k and 1M events, so the growth is visible. Run it on
a quiet machine: every figure shares two cores with the server and the load generator.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench import capacity, intake, persistence, pipeline, rebuild
from bench.common import Row, load_average, machine

console = Console(width=None if sys.stdout.isatty() else 200)
SIZES: dict[str, dict[str, Any]] = {
    "small": {
        "intake": (500, 32, 50, 5),
        "pipeline": [(20, 5)],
        # first rate, seconds per step, seconds at 80 and 150 %, doublings, halvings
        "capacity": (60, 2, 2, 1, 0),
        "persistence": ([10_000, 50_000], 500, 200),
        "rebuild": [10_000, 50_000],
    },
    "full": {
        "intake": (2000, 32, 100, 10),
        "pipeline": [(50, 20), (20, 20)],
        "capacity": (20, 10, 30, 6, 2),
        "persistence": ([100_000, 1_000_000], 2000, 1000),
        "rebuild": [100_000, 1_000_000],
    },
}


def suite(size: str) -> dict[str, Callable[[], list[Any]]]:
    s = SIZES[size]
    return {
        "intake": lambda: intake.run(*s["intake"]),
        "pipeline": lambda: [row for r, sec in s["pipeline"] for row in pipeline.run(r, sec)],
        "capacity": lambda: capacity.run(*s["capacity"]),
        "persistence": lambda: persistence.run(*s["persistence"]),
        "rebuild": lambda: rebuild.run(s["rebuild"]),
    }


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument("--size", choices=sorted(SIZES), default="small")
    p.add_argument("--only", default="", help="comma separated: " + ",".join(SIZES["small"]))
    p.add_argument("--markdown", type=Path, help="also write the table as Markdown")
    a = p.parse_args()
    wanted = [w for w in a.only.split(",") if w] or list(SIZES["small"])
    header = f"machine: {machine()}; load average before: {load_average()}"
    console.print(header)
    rows: list[Row] = []
    timings: list[str] = []
    for name, bench in suite(a.size).items():
        if name not in wanted:
            continue
        began = time.monotonic()
        console.print(f"[bold]{name}[/] …")
        try:
            found = bench()
        except Exception as error:  # one part failing keeps the others' figures
            console.print_exception()
            found = [Row(name, "failed", f"{type(error).__name__}: {error}", "")]
        rows += found
        timings.append(f"{name} {time.monotonic() - began:.0f} s")
        if a.markdown:  # written after each part: a later failure or stop keeps these
            _write(a.markdown, header, rows, "(so far)")
    footer = f"load average after: {load_average()}; took {', '.join(timings)}"
    table = Table(title=f"klachten benchmarks ({a.size})")
    for column in ("part", "measure", "klachten", "baseline"):
        table.add_column(column)
    for row in rows:
        table.add_row(row.group, row.what, row.ours, row.baseline)
    console.print(table)
    console.print(footer)
    if a.markdown:
        _write(a.markdown, header, rows, footer)


def _write(path: Path, header: str, rows: list[Row], footer: str) -> None:
    lines = ["| part | measure | klachten | baseline |", "|---|---|---|---|"]
    lines += [f"| {r.group} | {r.what} | {r.ours} | {r.baseline} |" for r in rows]
    path.write_text(f"{header}\n\n" + "\n".join(lines) + f"\n\n{footer}\n")


if __name__ == "__main__":
    main()

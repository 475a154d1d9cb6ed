"""References handed out in blocks: one counter request reserves several numbers of a year.

The counter (ADR-49, ``counters.references.<year>``) is persisted by the server, so a number it
handed out is never handed out again, whatever happens to this process: no reference is reused
after a crash. A process reserves a block with one ``Nats-Incr: +n`` and hands out its numbers
in order; a submission that loses its idempotency claim gives its number back to the block.

The block grows only under load: it starts at 1 (a quiet process asks per reference, so a
restart leaves no gap) and doubles, up to `BLOCK_MAX`, while the previous block was used up
within `BUSY_SECONDS`. So numbers are gapless unless a process stops with numbers left in its
block (a crash, or a stop after a burst): the gap then lies in a block its log names
("references reserved: KL-2026-000101 to KL-2026-000116"). As before blocks, a process killed
between taking a number and claiming it leaves that one number unused.
With several intake processes, references are unique but need not follow arrival order.
"""

from __future__ import annotations

import asyncio
import bisect
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from nats.aio.client import Client as NATS

from services.intake import domain
from shared.contract import subjects

log = logging.getLogger("klachten.intake.references")
BLOCK_MAX = 32
BUSY_SECONDS = 1.0


@dataclass
class _Block:
    free: list[int] = field(default_factory=list)  # reserved, not handed out; ascending
    size: int = 0
    reserved_at: float = 0.0


class ReferenceBlocks:
    """This process's reserved reference numbers, per year of receipt."""

    def __init__(self, nc: NATS, clock: Callable[[], float] = time.monotonic) -> None:
        self.nc, self.clock = nc, clock
        self._blocks: dict[int, _Block] = {}
        self._lock = asyncio.Lock()

    async def take(self, year: int) -> int:
        """The next number of `year`; reserves a block when none is left."""
        async with self._lock:
            block = self._blocks.setdefault(year, _Block())
            if not block.free:
                await self._reserve(year, block)
            return block.free.pop(0)

    def give_back(self, year: int, number: int) -> None:
        """A number taken but never used (its claim was lost): the next submission takes it."""
        bisect.insort(self._blocks.setdefault(year, _Block()).free, number)

    def left(self) -> dict[int, list[int]]:
        """The numbers reserved and not handed out (what a stop now leaves as a gap)."""
        return {year: list(b.free) for year, b in self._blocks.items() if b.free}

    async def _reserve(self, year: int, block: _Block) -> None:
        now = self.clock()
        busy = block.size and now - block.reserved_at < BUSY_SECONDS
        size = min(BLOCK_MAX, block.size * 2) if busy else 1
        reply = await self.nc.request(
            subjects.reference_counter_subject(year),
            b"",
            timeout=5,
            headers={"Nats-Incr": f"+{size}"},
        )
        ack = json.loads(reply.data)
        if "error" in ack:
            raise RuntimeError(f"reference counter for {year}: {ack['error']}")
        last = int(ack["val"])
        block.free = list(range(last - size + 1, last + 1))
        block.size, block.reserved_at = size, now
        if size > 1:
            first, final = (domain.format_reference(year, n) for n in (block.free[0], last))
            log.info("references reserved: %s to %s", first, final)

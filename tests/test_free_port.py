"""free_port never hands out a port a browser refuses to open (a browser test drew 10080 once
and failed with ERR_UNSAFE_PORT)."""

from __future__ import annotations

import random

from tests.support import ports


def test_free_port_skips_ports_browsers_refuse(monkeypatch) -> None:
    draw = random.randint
    unsafe_first = iter([10080, 10080])
    drawn: list[int] = []

    def randint(low: int, high: int) -> int:
        drawn.append(next(unsafe_first, None) or draw(low, high))
        return drawn[-1]

    monkeypatch.setattr(random, "randint", randint)
    port = ports.free_port()
    assert drawn[:2] == [10080, 10080]
    assert port != 10080

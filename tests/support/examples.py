"""How many examples a property test tries: the full number in the full run, fewer in the fast
tier (`pytest -m unit` loads the hypothesis profile ``unit``; tests/conftest.py)."""

from __future__ import annotations

from hypothesis import settings


def examples(full: int) -> int:
    """`full` under the default profile (max_examples 100), in proportion under a lighter one
    (``unit``: a fifth), never fewer than ten."""
    return max(10, full * settings().max_examples // 100)

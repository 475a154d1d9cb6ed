"""What the complaints teach (issue 18 items 1-3), counted from the read model: per theme and
per root cause (each complaint once per code), the remedy kinds given, the compensation paid
and the corrective actions promised.

Pure and shared by domain.summary (rows) and reads.summary (SQL groups): a row counts once, a
group of ``n`` counts n times, and a group's ``compensation_cents`` is already its sum. Codes
are counted as recorded; words for them come from the vocabulary (shared/config/vocabularies.py).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from typing import Any

# What reads.py groups by; the sums it takes beside the count.
GROUPED = ("themes", "root_causes", "remedy_kinds")
SUMMED = ("compensation_cents", "corrective_actions")


def figures(groups: Iterable[dict[str, Any]]) -> dict[str, Any]:
    per: dict[str, Counter[str]] = {k: Counter() for k in GROUPED}
    classified = compensation = actions = 0
    for g in groups:
        n = g.get("n", 1)
        for key in GROUPED:
            for code in json.loads(g[key] or "[]"):
                per[key][code] += n
        classified += n if g["themes"] else 0
        compensation += g["compensation_cents"] or 0
        actions += g["corrective_actions"] or 0
    return {
        "classified": classified,
        "per_theme": dict(sorted(per["themes"].items())),
        "per_root_cause": dict(sorted(per["root_causes"].items())),
        "per_remedy_kind": dict(sorted(per["remedy_kinds"].items())),
        "compensation_cents": compensation,
        "corrective_actions": actions,
    }

"""A fresh status link for a complainant without e-mail (issue 25): the lookup's reference with
a postcode and house number instead of an e-mail address (services/intake/web.py).

As with an e-mail address, the page never shows the case: when the postcode and house number
are those of the postal address on file (the complainant's, or their representative's, where
the letters go), the complaint records ``status_link_requested``, and the notifier sends the
status-link letter with a fresh link, on paper when there is no e-mail address (the post
room). Every input gets the same page; at most one letter per window (the aggregate's rule).

Matching is pure (``same_postal_address``): the address is free text (``Dorpsstraat 12\\n1234 AB
Ons Dorp``), so the postcode must appear in it, spaces and case aside, and the house number as a
number of its own in what is left; a suffix (``12a``, ``12-2``) is not needed to match.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from datetime import datetime

from services.intake.application import Intake
from shared.contract import events as ev
from shared.eventstore.application import ComplaintNotFound
from shared.rules.complaint import AlreadyDone, Cause, Complaint, IllegalTransition

MIN_POSTCODE = 4  # characters without spaces: shorter says too little about an address
_NUMBER = re.compile(r"\d+")


def _compact(text: str) -> str:
    return "".join(text.split()).upper()


def same_postal_address(postcode: str, house_number: str, stored: str | None) -> bool:
    """Do this postcode and house number belong to the stored postal address?"""
    code, number = _compact(postcode), _NUMBER.match(house_number.strip())
    if not stored or len(code) < MIN_POSTCODE or number is None:
        return False
    # The postcode as it is written there, whatever its spaces: "1234 AB", "1234AB".
    pattern = r"\s*".join(re.escape(c) for c in code)
    found = re.search(rf"(?<![0-9A-Za-z]){pattern}(?![0-9A-Za-z])", stored, re.IGNORECASE)
    if found is None:
        return False
    rest = stored[: found.start()] + " " + stored[found.end() :]
    wanted = number.group().lstrip("0") or "0"
    return any(n.lstrip("0") == wanted for n in _NUMBER.findall(rest))


def postal_addresses(personal: ev.SubmittedPersonal | None) -> list[str]:
    """Where the complaint's letters can go by post: the complainant's address and, when they
    have one, the representative's (the letters then go there)."""
    if personal is None:
        return []
    found = [personal.complainant.address or ""]
    if personal.representative is not None:
        found.append(personal.representative.address or "")
    return [a for a in found if a.strip()]


async def request_status_link_by_post(
    intake: Intake, reference: str, postcode: str, house_number: str
) -> None:
    """Record a request for a fresh link when reference, postcode and house number belong
    together; nothing otherwise, and nothing within the window. The caller learns nothing."""
    complaint_id = await intake.by_reference(reference)
    if complaint_id is None:
        same_postal_address(postcode, house_number, "0000 XX 0")  # the same work either way
        return
    try:
        _, facts = await asyncio.to_thread(intake._load, complaint_id)
    except ComplaintNotFound:
        return
    personal = getattr(facts[0], "personal", None)
    matches = [same_postal_address(postcode, house_number, a) for a in postal_addresses(personal)]
    if not any(matches):
        return

    def decide(c: Complaint, now: datetime) -> None:
        c.request_status_link(now=now, cause=Cause(actor="complainant:web"))

    with contextlib.suppress(AlreadyDone, IllegalTransition):
        await intake.act(complaint_id, decide)

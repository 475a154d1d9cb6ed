"""Does a stored event say the same thing everywhere, and did a writer allowed to write it?

Pure checks on one message of COMPLAINTS, for `klachten audit verify`:
- claims: the subject's complaint id, version and type token, the topic header's event type
  and the body's ``type``, ``complaint_id`` and ``version`` all agree;
- authorship (with a keyring, shared/integrity/signing.py): the signature opens with a key of the
  keyring, that key's principal may append this type (its NATS allow-list), and an actor only
  intake authenticates (``staff:…``, ``complainant…``) was written by intake.
Each problem is a sentence naming the claimed writer where there is one.
"""

from __future__ import annotations

from shared.contract import events as ev
from shared.contract import subjects
from shared.eventstore.layout import HASH_HEADER, TOPIC_HEADER, event_type_token
from shared.eventstore.link import RawMsg
from shared.integrity import signing


def claim_problems(msg: RawMsg) -> tuple[ev.Event | None, list[str]]:
    """The decoded body (None if it is not a contract event) and where the claims disagree."""
    try:
        fact = ev.decode(msg.data)
    except Exception as e:
        return None, [f"has a body that is not a complaint event ({e})"]
    expected = subjects.event_subject(fact.complaint_id, fact.version, ev.subject_token(type(fact)))
    found = []
    if msg.subject != expected:
        stored, body = msg.subject.removeprefix("complaints."), expected.removeprefix("complaints.")
        found.append(f"is stored as {stored} but its body is {body}")
    topic = event_type_token(msg.headers.get(TOPIC_HEADER, ""))
    kind = subjects.claimed_type(msg.subject)
    if topic != kind:
        found.append(f"has topic type {topic!r} but subject type {kind!r}")
    return fact, found


def author_problems(msg: RawMsg, fact: ev.Event | None, keyring: signing.Keyring) -> list[str]:
    header = msg.headers.get(signing.SIGNATURE_HEADER)
    try:
        principal = signing.author(keyring, msg.subject, msg.headers.get(HASH_HEADER, ""), header)
    except ValueError as e:
        return [str(e)]
    found = []
    kind = subjects.claimed_type(msg.subject) if fact is None else ev.subject_token(type(fact))
    if kind not in signing.allowed_types(principal):
        found.append(f"is a {kind!r} event, which its writer {principal} may not append")
    if fact is not None:
        attested = signing.attestation_problem(fact.actor, principal)
        if attested:
            found.append(f"{attested} (written by {principal})")
    return found


def event_problems(msg: RawMsg, keyring: signing.Keyring | None) -> list[str]:
    fact, found = claim_problems(msg)
    if keyring is not None:
        found += author_problems(msg, fact, keyring)
    return found

"""The reply address: made for one complaint, refused when forged or moved to another."""

from __future__ import annotations

from uuid import UUID, uuid4

from shared.privacy.replyaddress import complaint_of_reply_address, reply_address

SECRET = b"s" * 32


def test_an_address_names_its_complaint_and_fits_a_local_part() -> None:
    complaint_id = uuid4()
    address = reply_address(SECRET, complaint_id, "klachten", "gemeente.example")
    assert complaint_of_reply_address(SECRET, address) == complaint_id
    assert complaint_of_reply_address(SECRET, f"Klachten <{address.upper()}>".split()[1]) == (
        complaint_id
    )
    assert len(address.split("@")[0]) <= 64


def test_a_forged_or_moved_address_is_refused() -> None:
    complaint_id, other = uuid4(), uuid4()
    address = reply_address(SECRET, complaint_id, "klachten", "x.example")
    moved = address.replace(complaint_id.hex, other.hex)
    assert complaint_of_reply_address(SECRET, moved) is None
    assert complaint_of_reply_address(b"t" * 32, address) is None
    assert complaint_of_reply_address(SECRET, "klachten@x.example") is None
    assert complaint_of_reply_address(SECRET, f"klachten+{UUID(int=0).hex}.aaaa@x") is None

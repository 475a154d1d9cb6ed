#!/usr/bin/env python3
"""Check a klachten case file on your own: only hashlib, json and `cryptography` (Ed25519).

    python tools/verify_casefile.py CASE.json KEYRING.json   (or the signer's PUBLIC.pem)

Written from docs/verification.md, not from klachten's code. Exit 0 and "OK …" when the case's
events chain, the checkpoint is signed by a key of the keyring and the Merkle proof leads from
the complaint's chain head to the signed root; else exit 1 and the first problem.
"""

import base64
import hashlib
import json
import sys

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def key_id(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()[:16]


def load_keys(path: str) -> dict:
    data = open(path, "rb").read()
    if data.lstrip().startswith(b"-----BEGIN"):
        key = load_pem_public_key(data)
        return {key_id(key.public_bytes_raw()): key}
    ring = json.loads(data)
    assert ring["format"] == "klachten.keyring/1", "not a klachten.keyring/1 file"
    keys, previous = {}, None
    for entry in ring["keys"]:
        raw = base64.b64decode(entry["public_key"])
        assert key_id(raw) == entry["key_id"], f"key {entry['key_id']}: id does not match"
        if previous is not None:  # a rotation is signed by the key before it
            record = f"klachten.key-rotation/1\n{previous[0]}\n{entry['key_id']}\n{entry['since']}"
            previous[1].verify(base64.b64decode(entry["rotation_signature"]), record.encode())
        key = Ed25519PublicKey.from_public_bytes(raw)
        keys[entry["key_id"]] = key
        previous = (entry["key_id"], key)
    return keys


def check(case: dict, keys: dict) -> str:
    assert case["format"] == "klachten.case/2", "not a klachten.case/2 file"
    payload = case["checkpoint"]["payload"]
    cp = json.loads(payload)
    key = keys.get(cp["key_id"])
    assert key is not None, f"checkpoint signed by unknown key {cp['key_id']}"
    key.verify(base64.b64decode(case["checkpoint"]["signature"]), payload.encode("utf-8"))
    cid, prev, covered = case["complaint_id"], "", None
    for n, e in enumerate(case["events"], start=1):
        _, event_cid, version, _ = e["subject"].split(".", 3)
        assert (event_cid, version) == (cid, str(n)), f"event {n}: not version {n} of {cid}"
        body = f"{e['prev_hash']}\n{e['subject']}\n{e['topic']}\n".encode() + e["data"].encode()
        assert hashlib.sha256(body).hexdigest() == e["hash"], f"event {n}: altered"
        assert e["prev_hash"] == prev, f"event {n}: does not link to event {n - 1}"
        prev = e["hash"]
        if e["seq"] <= cp["seq"]:
            covered = e
    assert covered is not None and covered["hash"] == case["proof"]["head"], "head not covered"
    node = sha256(b"\x00" + f"{cid}:{covered['hash']}".encode())
    for side, sibling in case["proof"]["path"]:
        other = bytes.fromhex(sibling)
        node = sha256(b"\x01" + other + node) if side == "L" else sha256(b"\x01" + node + other)
    assert node.hex() == cp["heads_root"], "the Merkle proof does not lead to the signed root"
    return f"{len(case['events'])} events of {cid}; checkpoint {cp['number']} at {cp['seq']}"


def main(argv: list) -> int:
    try:
        summary = check(json.load(open(argv[1], encoding="utf-8")), load_keys(argv[2]))
    except Exception as e:  # every failure is a verdict: name it
        print(f"FAILED {type(e).__name__}: {e}")
        return 1
    print(f"OK {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

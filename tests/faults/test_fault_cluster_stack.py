"""Fault tests of `klachten up --cluster` (3 nats-server nodes, R3 streams, 2 instances of each
service), driven from outside like a client:

- read-your-writes with no fault: many concurrent submissions over both intakes all succeed
  (a read that follows a write — the key store, the idempotency record, the complaint read
  back — once landed on a lagging replica: HTTP 500 "KeyMissing … older backup?"), and
  requests racing with one Idempotency-Key all get that one complaint (201 once, else 200);
- the first seed node down (killed and kept down): every instance of every service stays or
  becomes ready and both channels of both intakes keep accepting (HTTP 201, SMTP 250), where
  instance 1, seeded on that node alone with the password in its URL, was refused by the
  other nodes ("Authorization Violation") and answered mail with 451.
"""

from __future__ import annotations

import asyncio
import email.policy
import smtplib
import time
from collections import Counter
from collections.abc import Iterator
from email.message import EmailMessage

import httpx
import pytest

from services.notifier.mailsink import read_maildir
from tests.support.cluster import STAFF, ClusterStack
from tests.support.faults import SIZE_NOTE, percentile, sized
from tests.support.polling import wait_until_sync

SUBMISSIONS = sized(300, 3000)
CONCURRENCY = 16
RACES = sized(30, 300)  # keys, each sent RACERS times at once over both intakes
RACERS = 4


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClusterStack]:
    cluster = ClusterStack(tmp_path_factory.mktemp("cluster") / "data")
    try:
        began = time.monotonic()
        cluster.wait_up()
        print(f"\n[cluster stack] up in {time.monotonic() - began:.1f} s")
        yield cluster
    finally:
        assert cluster.stop() == 0, cluster.text()


def _body(n: int, prefix: str) -> dict:
    return {
        "channel": "api",
        "complainant": {"name": "Anna Kowalska", "email": f"{prefix}{n}@example.org"},
        "subject": "Nobody answers the phone",
        "description": "Five calls, no answer.",
    }


def _intakes(stack: ClusterStack) -> list[str]:
    return [f"http://127.0.0.1:{stack.ports['INTAKE'] + 100 * k}" for k in (0, 1)]


async def _post_all(requests: list[tuple[str, dict, str]]) -> list[tuple[int, dict, float]]:
    """POST each (url, body, key) with at most CONCURRENCY in flight: (status, json, seconds)."""
    gate = asyncio.Semaphore(CONCURRENCY)
    async with httpx.AsyncClient(timeout=60) as client:

        async def post(url: str, body: dict, key: str) -> tuple[int, dict, float]:
            async with gate:
                began = time.perf_counter()
                headers = STAFF | {"Idempotency-Key": key}
                r = await client.post(f"{url}/api/complaints", json=body, headers=headers)
                took = time.perf_counter() - began
                try:
                    return r.status_code, r.json(), took
                except ValueError:
                    return r.status_code, {"text": r.text}, took

        return await asyncio.gather(*(post(*request) for request in requests))


@pytest.mark.timeout(sized(420, 1800))
def test_reads_follow_writes_under_load_and_races_share_one_complaint(
    stack: ClusterStack,
) -> None:
    intakes = _intakes(stack)
    began = time.monotonic()
    answers = asyncio.run(
        _post_all([(intakes[n % 2], _body(n, "load"), f"load-{n}") for n in range(SUBMISSIONS)])
    )
    elapsed = time.monotonic() - began
    statuses = Counter(status for status, _, _ in answers)
    errors = [(s, body) for s, body, _ in answers if s != 201]
    p50, p99 = (percentile([took for _, _, took in answers], q) * 1000 for q in (0.5, 0.99))
    print(
        f"\n[read-your-writes] {SIZE_NOTE}: {SUBMISSIONS} submissions, {CONCURRENCY} at a time "
        f"over 2 intakes in {elapsed:.1f} s: {dict(statuses)}; latency p50 {p50:.0f} ms, "
        f"p99 {p99:.0f} ms"
    )
    assert not errors, f"{len(errors)} of {SUBMISSIONS} failed, e.g. {errors[:3]}"

    racing = [
        (intakes[r % 2], _body(k, "race"), f"race-{k}") for k in range(RACES) for r in range(RACERS)
    ]
    raced = asyncio.run(_post_all(racing))
    by_key: dict[str, list[tuple[int, str]]] = {}
    for (_, _, key), (status, body, _) in zip(racing, raced, strict=True):
        by_key.setdefault(key, []).append((status, body.get("complaint_id", repr(body))))
    statuses = Counter(status for status, _, _ in raced)
    print(f"[read-your-writes] {RACES} keys × {RACERS} racing requests: {dict(statuses)}")
    for key, results in by_key.items():
        assert sorted(s for s, _ in results) == [200] * (RACERS - 1) + [201], (key, results)
        assert len({cid for _, cid in results}) == 1, (key, results)

    # Letters exactly once in a healthy cluster: the notifier's record step re-read the
    # complaint from a lagging replica and sent the acknowledgement again (3 of 1,100).
    complaints = {body["complaint_id"] for status, body, _ in answers if status == 201}
    complaints |= {cid for results in by_key.values() for _, cid in results}

    def acknowledgements() -> Counter[str]:
        mails = read_maildir(stack.data_dir / "mail")
        return Counter(m.complaint_id for m in mails if m.letter_kind == "acknowledgement")

    wait_until_sync(
        lambda: complaints <= set(acknowledgements()),
        timeout=sized(120, 600),
        interval=1.0,
        message=f"{len(complaints)} acknowledgements",
    )
    doubled = {cid: n for cid, n in acknowledgements().items() if n > 1}
    print(f"[letters] {len(complaints)} complaints acknowledged; doubled letters: {doubled}")
    assert not doubled, f"{len(doubled)} complainants got the acknowledgement more than once"


def _mail(n: int, k: int) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = f"Jürgen Bäcker <seed{k}-{n}@example.nl>"
    msg["To"] = "klachten@gemeente.example"
    msg["Subject"] = "Stoep al weken opgebroken"
    msg["Message-ID"] = f"<seed-down-{k}-{n}@example.nl>"
    msg.set_content("De stoep voor nummer 12 ligt al weken open.", cte="quoted-printable")
    return msg


def _mail_accepted(port: int, msg: EmailMessage) -> bool:
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        smtp.ehlo()
        smtp.mail("sender@example.nl")
        smtp.rcpt("klachten@gemeente.example")
        code, reply = smtp.data(msg.as_bytes(policy=email.policy.SMTP))
    assert code in (250, 451), (code, reply)  # 451: the log is unavailable (try again)
    return code == 250


@pytest.mark.timeout(sized(300, 900))
def test_with_the_first_seed_down_every_instance_is_ready_and_every_channel_accepts(
    stack: ClusterStack,
) -> None:
    intakes = _intakes(stack)
    refusals: Counter[str] = Counter()
    with stack.node_held_down(1):
        down = time.monotonic()
        wait_until_sync(
            lambda: not stack.not_ready(), timeout=60, interval=0.5, message="all ready again"
        )
        recovered = time.monotonic() - down

        def accepted(n: int) -> bool:
            url, key = f"{intakes[n % 2]}/api/complaints", f"seed-down-{n}"
            r = httpx.post(url, json=_body(n, "seed"), headers=STAFF | {"Idempotency-Key": key})
            refusals["http"] += r.status_code == 503
            # 200: a retry of the same key whose earlier try answered 503 but had been stored
            # (the client could not know): the one complaint, never a second one.
            assert r.status_code in (200, 201, 503), r.text
            return r.status_code in (200, 201)

        def mailed(n: int, k: int) -> bool:
            ok = _mail_accepted(stack.ports["SMTP"] + 100 * k, _mail(n, k))
            refusals["smtp"] += not ok
            return ok

        for n in range(10):
            wait_until_sync(lambda n=n: accepted(n), timeout=30, interval=0.5, message=f"web {n}")
            for k in (0, 1):
                wait_until_sync(
                    lambda n=n, k=k: mailed(n, k), timeout=30, interval=0.5, message="mail"
                )

        def acknowledged() -> bool:
            mails = read_maildir(stack.data_dir / "mail")
            wanted = {f"seed{n}@example.org" for n in range(10)}
            wanted |= {f"seed{k}-{n}@example.nl" for n in range(10) for k in (0, 1)}
            return wanted <= {m.to[0] for m in mails if m.letter_kind == "acknowledgement"}

        wait_until_sync(acknowledged, timeout=90, interval=0.5, message="30 acknowledgements")
        still = stack.not_ready()
    print(
        f"\n[seed down] nats-1 killed and kept down: all 8 services ready {recovered:.1f} s "
        f"later; 10 web + 20 mail complaints accepted and acknowledged; refusals on the way "
        f"{dict(refusals)}; not ready at the end: {still or 'none'}"
    )
    assert not still
    logs = "".join(
        (stack.data_dir / "logs" / f"{s}-1.log").read_text(errors="replace")
        for s in ("intake", "notifier", "reporting", "sla_monitor")
    )
    assert "Authorization Violation" not in logs

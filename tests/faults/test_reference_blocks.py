"""References handed out in blocks survive SIGKILL (issue 23 item 2): intake is killed while
submissions are in flight, restarted, and every unanswered request is sent again with its
Idempotency-Key. Afterwards: one complaint per key (nothing lost, nothing doubled), no reference
used twice, every answer's reference the stored one, and every number never used either inside
a block a process's log names as reserved, or one of the few a killed request held (as before
blocks). Real intake processes, real nats-server.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from uuid import uuid4

import httpx
import nats

from klachten.stack.natsserver import EmbeddedNats
from shared.contract import events as ev
from tests.support.intake import STAFF, STAFF_TOKEN, complaint_body
from tests.support.polling import wait_until
from tests.support.ports import free_port
from tests.support.processes import ServiceProcess

KILLS = 3
WORKERS = 12
PER_ROUND = 60  # answered submissions before the kill: enough for the blocks to grow
RESERVED = re.compile(r"references reserved: KL-\d{4}-(\d+) to KL-\d{4}-(\d+)")


class Submitter:
    def __init__(self, base: str) -> None:
        self.base = base
        self.answers: dict[str, tuple[str, str]] = {}  # key: (complaint id, reference)
        self.unanswered: set[str] = set()

    async def send(self, client: httpx.AsyncClient, key: str) -> bool:
        try:
            r = await client.post(
                "/api/complaints", json=complaint_body(), headers={"Idempotency-Key": key}
            )
        except httpx.TransportError:
            self.unanswered.add(key)
            return False
        if r.status_code not in (200, 201):
            self.unanswered.add(key)
            return False
        self.unanswered.discard(key)
        self.answers[key] = (r.json()["complaint_id"], r.json()["reference"])
        return True

    async def until_killed(self, service: ServiceProcess, enough: int) -> None:
        """Submit with WORKERS at once; SIGKILL intake once `enough` more were answered."""
        target = len(self.answers) + enough
        async with httpx.AsyncClient(base_url=self.base, headers=STAFF, timeout=30) as client:

            async def worker() -> None:
                while await self.send(client, str(uuid4())):
                    pass

            workers = [asyncio.create_task(worker()) for _ in range(WORKERS)]
            await wait_until(lambda: len(self.answers) >= target, timeout=120)
            service.kill()  # requests in flight: some stored, some not, none answered
            await asyncio.gather(*workers)

    async def resend_unanswered(self) -> None:
        async with httpx.AsyncClient(base_url=self.base, headers=STAFF, timeout=30) as client:
            for key in sorted(self.unanswered):
                assert await self.send(client, key), key


async def _healthy(base: str) -> None:
    async def up() -> bool:
        try:
            async with httpx.AsyncClient(timeout=1) as client:
                return (await client.get(f"{base}/health")).status_code == 200
        except httpx.HTTPError:
            return False

    await wait_until(up, timeout=60)


async def _submitted(url: str) -> list[ev.Submitted]:
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        last = (await js.stream_info("COMPLAINTS")).state.last_seq
        found = []
        for seq in range(1, last + 1):
            msg = await js.get_msg("COMPLAINTS", seq)
            if msg.subject.endswith(".submitted"):
                fact = ev.decode(msg.data)
                assert isinstance(fact, ev.Submitted)
                found.append(fact)
        return found
    finally:
        await nc.close()


def _logs(folder: Path) -> str:
    return "".join(p.read_text() for p in sorted(folder.glob("intake.*.log")))


async def test_references_stay_unique_and_their_gaps_explained_across_kills(
    provisioned_nats: EmbeddedNats, tmp_path: Path
) -> None:
    port = free_port()
    env = {
        "KLACHTEN_NATS_URL": provisioned_nats.url,
        "KLACHTEN_DATA_DIR": str(tmp_path / "data"),
        "KLACHTEN_STAFF_TOKEN": STAFF_TOKEN,
        "KLACHTEN_INTAKE_PORT": str(port),
        "KLACHTEN_SMTP_PORT": str(free_port()),
        "KLACHTEN_SEARCH_INDEX": "off",
        "KLACHTEN_TRACES_DIR": str(tmp_path / "traces"),
    }
    base = f"http://127.0.0.1:{port}"
    service = ServiceProcess("intake", env, tmp_path)
    submitter = Submitter(base)
    # the pseudonym secret's file is made by the first submission (not concurrently)
    service.start()
    await _healthy(base)
    async with httpx.AsyncClient(base_url=base, headers=STAFF, timeout=30) as client:
        assert await submitter.send(client, "first")
    for _ in range(KILLS):
        await submitter.until_killed(service, PER_ROUND)
        service.start()
        await _healthy(base)
    await submitter.resend_unanswered()
    service.stop()

    stored = await _submitted(provisioned_nats.url)
    by_id = {str(s.complaint_id): s.reference for s in stored}
    assert len(stored) == len(by_id) == len(submitter.answers)  # nothing lost or doubled
    assert not submitter.unanswered
    references = [s.reference for s in stored]
    assert len(set(references)) == len(references)  # no number used twice
    for complaint_id, reference in submitter.answers.values():
        assert by_id[complaint_id] == reference

    numbers = {int(r.rsplit("-", 1)[1]) for r in references}
    unused = set(range(1, max(numbers) + 1)) - numbers
    logs = _logs(tmp_path)
    blocks = [(int(a), int(b)) for a, b in RESERVED.findall(logs)]
    assert any(b > a for a, b in blocks), "no block of more than one number was reserved"
    in_blocks = {n for a, b in blocks for n in range(a, b + 1)}
    # outside a named block: at most one number per request in flight at a kill
    assert len(unused - in_blocks) <= WORKERS * KILLS, sorted(unused - in_blocks)

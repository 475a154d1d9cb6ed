"""Catch-up reads of the log through an ephemeral ordered pull consumer (issue 23 item 3).

nats-server spends about 15 µs of CPU per message answering a batch direct get and 3 µs per
message delivering from a consumer, so a long read (a rebuild, a replay from the start) takes
its pages from a consumer of its own: created at the first sequence wanted (acknowledgements
none, in memory, one replica, gone 5 s after its last pull), pulled a page at a time with
``no_wait``. The consumer's own sequence must go up by one per message ("ordered"): a message
lost on the way stops the read loudly instead of leaving a hole. Interior deletes of the stream
are skipped by the server, as a direct get with ``next_by_subj`` skips them; the rebuild's
contiguity check sees both.

Names: the reporting user may create consumers under `permissions.LOG_READERS` only (a create
names the consumer it defines; the server-named form would redefine any consumer named in its
body, a service's durable too). A name another reader holds is refused ("already exists": each
reader's description is its own), the next is tried; when every name is busy, or the user may
not make consumers, `open` says so and the caller reads by direct gets.
Headers: the ones stored with the message; subject, sequence and time are the `RawMsg` fields
(a direct get's reply also carries them as ``Nats-*`` headers; nothing reads those).
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from shared.config import permissions
from shared.eventstore.link import JetStreamError, JetStreamLink, RawMsg, Unavailable

API = "$JS.API"
ALREADY_EXISTS = 10148
IDLE_NS = 5_000_000_000  # the server removes the consumer 5 s after its last pull


def may_use(link: JetStreamLink) -> bool:
    """Whether the link's user may make a log reader (the others read by direct gets)."""
    return permissions.may_read_by_consumer(link.nc.options.get("user"))


class LostMessage(Unavailable):
    """A message of the consumer did not arrive (its sequence skipped one): read again."""


class OrderedReader:
    """One ephemeral pull consumer on `stream` and the inbox its pages come to. Used on the
    link's loop (`JetStreamLink.run`)."""

    def __init__(self, link: JetStreamLink, stream: str) -> None:
        self.link, self.stream = link, stream
        self.name: str | None = None
        self._sub: Any = None
        self._page: list[RawMsg] = []
        self._want = 0
        self._seen = 0
        self._done: asyncio.Future[list[RawMsg]] | None = None
        self._cseq = 0  # the consumer sequence of the last message
        self._second = (-1, "")  # (epoch second, its text): messages come in time order

    async def open(self, start: int) -> bool:
        """A consumer delivering from stream sequence `start`; False when no name is free."""
        if self._sub is None:
            self._inbox = self.link.nc.new_inbox()
            self._sub = await self.link.nc.subscribe(self._inbox, cb=self._on_msg)
        names = list(permissions.LOG_READERS)
        first = random.randrange(len(names))
        for name in names[first:] + names[:first]:
            config = {
                "name": name,
                "description": f"reporting log reader {uuid4().hex}",
                "deliver_policy": "by_start_sequence",
                "opt_start_seq": max(start, 1),
                "ack_policy": "none",
                "max_deliver": 1,
                "replay_policy": "instant",
                "mem_storage": True,
                "num_replicas": 1,
                "inactive_threshold": IDLE_NS,
            }
            body = {"stream_name": self.stream, "action": "create", "config": config}
            try:
                await self.link.api(f"CONSUMER.CREATE.{self.stream}.{name}", body)
            except JetStreamError as e:
                if e.err_code == ALREADY_EXISTS:
                    continue
                raise
            self.name, self._cseq = name, 0
            return True
        return False

    async def close(self) -> None:
        """Stop listening; the consumer itself goes when idle (no service may delete one)."""
        if self._sub is not None:
            sub, self._sub = self._sub, None
            await sub.unsubscribe()

    async def page(self, want: int) -> list[RawMsg]:
        """The next messages, up to `want`: fewer only at the end of the stream."""
        loop = asyncio.get_running_loop()
        self._page, self._want, self._seen = [], want, 0
        self._done = done = loop.create_future()
        request = json.dumps({"batch": want, "no_wait": True}).encode()
        subject = f"{API}.CONSUMER.MSG.NEXT.{self.stream}.{self.name}"
        await self.link.nc.publish(subject, request, reply=self._inbox)
        seen = -1
        while seen < self._seen:  # gives up when nothing came for `timeout` seconds
            seen = self._seen
            try:
                return await asyncio.wait_for(asyncio.shield(done), self.link.timeout)
            except TimeoutError:
                continue
        done.cancel()
        raise Unavailable(f"no page from the log reader {self.name} on {self.stream}")

    async def _on_msg(self, msg: Any) -> None:
        done = self._done
        if done is None or done.done():
            return
        self._seen += 1
        reply = msg.reply
        if not reply:  # a status: the end of what there is, or trouble
            status = (msg.headers or {}).get("Status", "")
            if status in ("404", "408"):
                done.set_result(self._page)
            elif status == "503":
                done.set_exception(Unavailable(f"the log reader {self.name} is gone"))
            else:
                text = (msg.headers or {}).get("Description", "")
                done.set_exception(JetStreamError(int(status or 0), 0, text))
            return
        tokens = reply.split(".")
        at = 5 if len(tokens) == 9 else 7  # $JS.ACK[.<domain>.<account>].<stream>.<consumer>…
        if tokens[at - 2] != self.name:  # late, from a reader given up (`open` again)
            return
        cseq = int(tokens[at + 1])
        if cseq != self._cseq + 1:
            done.set_exception(LostMessage(f"{self.name}: message {self._cseq + 1} lost"))
            return
        self._cseq = cseq
        self._page.append(
            RawMsg(
                subject=msg.subject,
                seq=int(tokens[at]),
                headers=msg.headers or {},
                data=msg.data,
                time=self._time(int(tokens[at + 2])),
            )
        )
        if len(self._page) >= self._want:
            done.set_result(self._page)

    def _time(self, ns: int) -> str:
        """As a direct get's ``Nats-Time-Stamp`` (RFC 3339, UTC), every digit kept."""
        second, fraction = divmod(ns, 1_000_000_000)
        if second != self._second[0]:
            text = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S")
            self._second = (second, text)
        return f"{self._second[1]}.{fraction:09d}Z"


class CatchUp:
    """A notification recorder's page reads (``_fetch(seq, want)``) through an ordered reader
    while its follower is behind: the live projection catching up. A full page read by direct
    get means the follower is behind, so a reader is made at the next sequence; each page that
    follows on from the last comes from it; a short page (the end of the log: the follower is
    live) or any trouble drops it (it goes 5 s later), and reads are direct gets again."""

    def __init__(
        self,
        link: JetStreamLink,
        stream: str,
        direct: Callable[[int, int], Awaitable[list[RawMsg]]],
    ) -> None:
        self.reader = OrderedReader(link, stream)
        self.direct = direct
        self.next: int | None = None  # the reader's next sequence, None without a reader
        self.busy = False

    async def __call__(self, seq: int, want: int) -> list[RawMsg]:
        if self.busy or self.next != seq:
            page = await self.direct(seq, want)
            if len(page) == want and not self.busy:
                await self._open(page[-1].seq + 1)
            return page
        self.busy = True
        try:
            page = await self.reader.page(want)
        except Unavailable:
            self.next = None
            return await self.direct(seq, want)
        finally:
            self.busy = False
        self.next = page[-1].seq + 1 if len(page) == want else None
        return page

    async def _open(self, seq: int) -> None:
        self.busy = True
        try:
            self.next = seq if await self.reader.open(seq) else None
        except (Unavailable, JetStreamError):
            self.next = None
        finally:
            self.busy = False

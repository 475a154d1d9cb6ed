"""The minimal same-I/O pipeline: what klachten's pipeline would cost with none of its features.

    .venv/bin/python -m bench.baseline web|letters|timers|readmodel   (one process per role)

The same I/O with the same libraries, one process per klachten service it stands for:
- ``web`` (intake): FastAPI on uvicorn (uvloop, httptools), ``POST /api/complaints`` does one
  JetStream publish;
- ``letters`` (notifier with its mail sink): a durable pull consumer of ``submitted`` renders
  a jinja2 letter (text and HTML), builds it with ``email``, sends it with aiosmtplib (four
  kept connections) to the embedded mail sink (klachten's code, in the same process) and
  publishes ``acknowledged``;
- ``timers`` (sla_monitor): every event publishes one JetStream message schedule;
- ``readmodel`` (reporting): every event is one SQLite upsert, committed (WAL, synchronous
  NORMAL, as reporting).
No signatures, encryption, idempotency, OCC, aggregates, tracing or health. Settings come from
``BASE_NATS_URL``, ``BASE_PORT``, ``BASE_SMTP_PORT`` and ``BASE_DIR``.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any
from uuid import uuid4

import aiosmtplib
import jinja2
import nats
import uvicorn
from fastapi import FastAPI
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from pydantic import BaseModel

from shared.runtime.observability import run_service

STREAM = {
    "name": "BASELINE",
    "subjects": ["base.>"],
    "storage": "file",
    "duplicate_window": 86_400_000_000_000,
    "allow_msg_schedules": True,
    "allow_direct": True,
}
LETTER = jinja2.Environment(autoescape=True).from_string(
    "Beste {{ name }},\n\nWe hebben uw klacht '{{ subject }}' ontvangen op {{ day }}.\n"
    "U krijgt uiterlijk {{ due }} een antwoord.\n\nMet vriendelijke groet,\nKlachtenteam\n"
)


async def create_stream(url: str) -> None:
    nc = await nats.connect(url)
    answer = await nc.request("$JS.API.STREAM.CREATE.BASELINE", json.dumps(STREAM).encode(), 5)
    await nc.close()
    if "error" in json.loads(answer.data):
        raise RuntimeError(answer.data.decode())


class Complainant(BaseModel):
    name: str
    email: str
    language: str = "nl"


class Submission(BaseModel):
    channel: str
    complainant: Complainant
    subject: str
    description: str


def web() -> None:
    state: dict[str, Any] = {}

    async def lifespan(_: FastAPI) -> Any:
        state["nc"] = await nats.connect(os.environ["BASE_NATS_URL"])
        state["js"] = state["nc"].jetstream()
        yield
        await state["nc"].drain()

    app = FastAPI(lifespan=lifespan)

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/api/complaints", status_code=201)
    async def submit(body: Submission) -> dict[str, str]:
        cid = str(uuid4())
        event = {"type": "complaint.submitted", "complaint_id": cid, **body.model_dump()}
        ack = await state["js"].publish(
            f"base.ev.{cid}.submitted", json.dumps(event).encode(), headers={"Nats-Msg-Id": cid}
        )
        return {"complaint_id": cid, "reference": f"B-{ack.seq}", "status": "received"}

    uvicorn.run(app, host="127.0.0.1", port=int(os.environ["BASE_PORT"]), log_level="warning")


Handler = Callable[[JetStreamContext, dict[str, Any], str], Awaitable[None]]


async def consume(durable: str, subject: str, handle: Handler, *, together: bool = False) -> None:
    """Pull batches of up to 64; `together`: a batch's messages at once (as faststream does),
    else one after the other (a read model applies events in order)."""
    nc = await nats.connect(os.environ["BASE_NATS_URL"])
    js = nc.jetstream()
    sub = await js.pull_subscribe(subject, durable=durable, stream="BASELINE")
    while True:
        try:
            batch = await sub.fetch(64, timeout=1)
        except (TimeoutError, nats.errors.TimeoutError):
            continue

        async def one(msg: Msg) -> None:
            await handle(js, json.loads(msg.data), msg.subject)
            await msg.ack()

        if together:
            await asyncio.gather(*map(one, batch))
        else:
            for msg in batch:
                await one(msg)


async def send_letter(js: JetStreamContext, event: dict[str, Any], _: str) -> None:
    now = datetime.now(UTC)
    person = event["complainant"]
    text = LETTER.render(
        name=person["name"], subject=event["subject"], day=now.date(), due=now.date()
    )
    message = EmailMessage()
    message["From"] = "klachten@example.org"
    message["To"] = person["email"]
    message["Subject"] = "Ontvangstbevestiging"
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(domain="example.org")
    message.set_content(text)
    message.add_alternative(f"<html><body><pre>{text}</pre></body></html>", subtype="html")
    smtp = await SMTP_POOL.get()
    try:
        await smtp.send_message(message)
    finally:
        SMTP_POOL.put_nowait(smtp)
    cid = event["complaint_id"]
    ack = {"type": "complaint.acknowledged", "complaint_id": cid, "at": now.isoformat()}
    await js.publish(
        f"base.ev.{cid}.acknowledged", json.dumps(ack).encode(), headers={"Nats-Msg-Id": cid + "a"}
    )


SMTP_POOL: asyncio.Queue[aiosmtplib.SMTP] = asyncio.Queue()


async def letters() -> None:
    from services.notifier.mailsink import MailSink

    sink = MailSink(Path(os.environ["BASE_DIR"]) / "mail", port=int(os.environ["BASE_SMTP_PORT"]))
    async with sink:
        for _ in range(4):  # four connections kept open, as the notifier's pool
            smtp = aiosmtplib.SMTP(hostname="127.0.0.1", port=sink.port)
            await smtp.connect()
            SMTP_POOL.put_nowait(smtp)
        await consume("letters", "base.ev.*.submitted", send_letter, together=True)


async def schedule(js: JetStreamContext, event: dict[str, Any], _: str) -> None:
    due = (datetime.now(UTC) + timedelta(days=42)).strftime("%Y-%m-%dT%H:%M:%SZ")
    cid = event["complaint_id"]
    headers = {"Nats-Schedule": f"@at {due}", "Nats-Schedule-Target": f"base.fired.{cid}"}
    await js.publish(f"base.sched.{cid}", b"", headers=headers)


def readmodel_handler() -> Handler:
    db = sqlite3.connect(Path(os.environ["BASE_DIR"]) / "readmodel.sqlite3")
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("CREATE TABLE IF NOT EXISTS complaints (id TEXT PRIMARY KEY, status TEXT, n INT)")

    async def upsert(_: JetStreamContext, event: dict[str, Any], subject: str) -> None:
        with db:  # one commit per event, as the live projection
            db.execute(
                "INSERT INTO complaints VALUES (?, ?, 1) ON CONFLICT(id) "
                "DO UPDATE SET status = excluded.status, n = n + 1",
                (event["complaint_id"], subject.rsplit(".", 1)[1]),
            )

    return upsert


def main(role: str) -> None:
    if role == "web":
        web()
    elif role == "letters":
        run_service(letters())
    elif role == "timers":
        run_service(consume("timers", "base.ev.>", schedule, together=True))
    elif role == "readmodel":
        run_service(consume("readmodel", "base.ev.>", readmodel_handler()))
    else:
        raise SystemExit(f"unknown role {role!r}: web, letters, timers or readmodel")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "")

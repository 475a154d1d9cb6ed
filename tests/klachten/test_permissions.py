"""NATS permissions: every service credential is refused what it must not do (update, purge or
delete a stream, delete a message of the log, append events it does not own) and can do what
its service needs. Against a real nats-server with the users of config/nats-permissions.conf.
(About 590 lines: one file per spec, shared/config/permissions.py, so every principal's allows
and denies are proved side by side, bucket by bucket.)
"""

from __future__ import annotations

import asyncio
import json
import stat
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import nats
import pytest
from eventsourcing.persistence import StoredEvent
from nats.aio.client import Client
from nats.errors import NoServersError
from nats.js.api import ConsumerConfig

from klachten.stack import permissions as rendered
from klachten.stack.natsserver import EmbeddedNats
from services.intake.limits import SharedRateLimiter
from shared.config import permissions
from shared.config.settings import Settings, nats_connect_options
from shared.contract import subjects
from shared.eventstore.buckets import provision_buckets
from shared.eventstore.link import JetStreamLink
from shared.eventstore.persistence import JetStreamAggregateRecorder
from shared.eventstore.streams import provision
from shared.privacy import keystore
from shared.runtime.consumer import MAX_DELIVERIES_ADVISORY
from tests.support.polling import wait_until

SERVICES = ("intake", "notifier", "sla_monitor", "reporting", "privacy")
OWN_EVENT = {
    "intake": "submitted",
    "notifier": "acknowledged",
    "sla_monitor": "escalated",
    "privacy": "erased",
}
FORBIDDEN_API = (
    "STREAM.DELETE.COMPLAINTS",
    "STREAM.UPDATE.COMPLAINTS",
    "STREAM.PURGE.COMPLAINTS",
    "STREAM.MSG.DELETE.COMPLAINTS",
    "STREAM.CREATE.ROGUE",
    "STREAM.DELETE.TIMERS",
    "STREAM.DELETE.KV_KLACHTEN_KEYS",
    "CONSUMER.DELETE.COMPLAINTS.notifier",
)


@pytest.fixture
def secured(tmp_path: Path) -> Iterator[EmbeddedNats]:
    credentials, _ = permissions.ensure_credentials(tmp_path)
    server = EmbeddedNats(tmp_path / "nats", credentials=credentials).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def provisioned(secured: EmbeddedNats) -> AsyncIterator[EmbeddedNats]:
    nc = await nats.connect(secured.url_for("admin"))
    try:
        await provision(nc)
        await provision_buckets(nc)
    finally:
        await nc.close()
    yield secured


class Connection:
    """A client that keeps the server's asynchronous errors (permission violations)."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.nc: Client | None = None

    async def open(self, url: str) -> Client:
        async def on_error(error: Exception) -> None:
            self.errors.append(str(error))

        options = nats_connect_options(url)
        self.nc = await nats.connect(**options, error_cb=on_error, max_reconnect_attempts=0)
        return self.nc

    async def denied(self, subject: str, body: bytes = b"") -> bool:
        """The server refused the publish (its -ERR names the subject) and nobody answered."""
        assert self.nc is not None
        try:
            await self.nc.request(subject, body, timeout=0.5)
        except Exception:
            await self.nc.flush()
            return any(
                "permissions violation" in e.lower() and subject.lower() in e.lower()
                for e in self.errors
            )
        return False


async def _connect(server: EmbeddedNats, user: str) -> Client:
    """As the services connect: credentials and the user's own inbox prefix as options."""
    return await nats.connect(**nats_connect_options(server.url_for(user)))


def _append(link: JetStreamLink, complaint: str, version: int, event_type: str) -> None:
    recorder = JetStreamAggregateRecorder(link)
    event = StoredEvent(
        originator_id=complaint,
        originator_version=version,
        topic=f"tests.permissions:{event_type.title().replace('_', '')}",
        state=b"{}",
    )
    recorder.insert_events([event])


def test_the_committed_server_conf_is_generated_from_the_spec() -> None:
    assert rendered.CONFIG_FILE.read_text() == rendered.render_conf()
    assert permissions.KEYS_BUCKET == keystore.BUCKET


def test_credentials_are_made_once_and_only_the_owner_can_read_them(tmp_path: Path) -> None:
    first, made = permissions.ensure_credentials(tmp_path)
    again, made_again = permissions.ensure_credentials(tmp_path)
    path = permissions.credentials_path(tmp_path)
    assert made and not made_again and first == again
    assert set(first) == set(permissions.USERS)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_settings_take_their_own_user_from_the_data_dir(tmp_path: Path) -> None:
    from services.intake.settings import IntakeSettings
    from services.reporting.settings import ReportingSettings

    credentials, _ = permissions.ensure_credentials(tmp_path)
    env = {"KLACHTEN_DATA_DIR": str(tmp_path)}
    assert permissions.user_of(IntakeSettings.from_env(env).nats_url) == "intake"
    assert permissions.user_of(ReportingSettings.from_env(env).nats_url) == "reporting"
    assert permissions.user_of(Settings.from_env(env).nats_url) == "admin"
    explicit = {**env, "KLACHTEN_NATS_URL": "nats://someone:pw@nats-1:4222"}
    assert IntakeSettings.from_env(explicit).nats_url == explicit["KLACHTEN_NATS_URL"]
    url = IntakeSettings.from_env(env).nats_url
    assert credentials["intake"] in url
    assert credentials["intake"] not in permissions.mask(f"connecting to {url}")


async def test_without_credentials_nobody_gets_in(provisioned: EmbeddedNats) -> None:
    with pytest.raises((NoServersError, nats.errors.Error, OSError)):
        await nats.connect(provisioned.url, max_reconnect_attempts=0, allow_reconnect=False)
    wrong = permissions.with_credentials(provisioned.url, "intake", "not-the-password")
    with pytest.raises((NoServersError, nats.errors.Error, OSError)):
        await nats.connect(wrong, max_reconnect_attempts=0, allow_reconnect=False)


@pytest.mark.parametrize("user", SERVICES)
async def test_no_service_may_manage_or_shrink_a_stream(
    provisioned: EmbeddedNats, user: str
) -> None:
    connection = Connection()
    nc = await connection.open(provisioned.url_for(user))
    try:
        body = json.dumps({"seq": 1, "name": "ROGUE", "subjects": ["rogue.>"]}).encode()
        foreign = {"intake": "acknowledged", "notifier": "escalated", "sla_monitor": "closed"}
        foreign |= {"reporting": "submitted", "privacy": "submitted"}
        tries = [f"$JS.API.{api}" for api in FORBIDDEN_API]
        tries.append(subjects.event_subject(uuid4(), 1, foreign[user]))
        refused = await asyncio.gather(*(connection.denied(s, body) for s in tries))
        assert all(refused), [s for s, ok in zip(tries, refused, strict=True) if not ok]
    finally:
        await nc.close()
    admin = await _connect(provisioned, "admin")
    try:
        info = json.loads((await admin.request("$JS.API.STREAM.INFO.COMPLAINTS", b"")).data)
        assert info["config"]["max_age"] == 0 and "error" not in info
    finally:
        await admin.close()


@pytest.mark.parametrize("user", sorted(OWN_EVENT))
def test_each_writer_appends_its_own_events_through_the_persistence_module(
    provisioned: EmbeddedNats, user: str
) -> None:
    admin = JetStreamLink(provisioned.url_for("admin"))
    link = JetStreamLink(provisioned.url_for(user))
    try:
        complaint = str(uuid4())
        version = 1
        if user != "intake":
            _append(admin, complaint, 1, "submitted")
            version = 2
        _append(link, complaint, version, OWN_EVENT[user])
        head = link.run(
            link.direct_get("COMPLAINTS", {"last_by_subj": f"complaints.{complaint}.>"})
        )
        assert head is not None and head.subject.endswith(f".{version}.{OWN_EVENT[user]}")
    finally:
        link.close()
        admin.close()


async def _pull_one(nc: Client, stream: str, durable: str, filter_subject: str) -> Any:
    js = nc.jetstream()
    config = ConsumerConfig(durable_name=durable, filter_subjects=[filter_subject])
    sub = await js.pull_subscribe("", durable=durable, stream=stream, config=config)
    [msg] = await sub.fetch(1, timeout=5)
    await msg.ack_sync()
    return msg


async def test_what_each_service_needs_is_allowed(provisioned: EmbeddedNats) -> None:
    admin = await _connect(provisioned, "admin")
    cid = str(uuid4())
    await admin.jetstream().publish(subjects.event_subject(cid, 1, "submitted"), b"{}")
    await admin.jetstream().publish(subjects.timer_fired_subject(cid, "check"), b"{}")
    await admin.close()

    intake = await _connect(provisioned, "intake")
    js = intake.jetstream()
    await (await js.key_value(permissions.IDEMPOTENCY_BUCKET)).create("k1", b"v")
    await (await js.key_value(permissions.REFERENCES_BUCKET)).create("ref.K-1", b"v")
    await (await js.key_value(keystore.BUCKET)).create("complaint.x", b"k1")
    await (await js.object_store(subjects.ATTACHMENTS_BUCKET)).put("a-file", b"data")
    ack = await intake.request("counters.references.2026", b"", headers={"Nats-Incr": "+1"})
    assert json.loads(ack.data)["val"] == "1"
    await intake.close()

    notifier = await _connect(provisioned, "notifier")
    msg = await _pull_one(notifier, "COMPLAINTS", "notifier", "complaints.*.*.submitted")
    assert msg.subject.endswith(".submitted")
    assert (await (await notifier.jetstream().key_value(keystore.BUCKET)).get("complaint.x")).value
    await notifier.jetstream().publish(subjects.deadletter_subject("notifier"), b"x")
    await notifier.close()

    sla = await _connect(provisioned, "sla_monitor")
    await _pull_one(sla, "COMPLAINTS", "sla_monitor", subjects.COMPLAINTS_ALL)
    await _pull_one(sla, "TIMERS", "sla_timers", subjects.TIMERS_FIRED_ALL)
    schedule = subjects.timer_schedule_subject(cid, "check")
    await sla.jetstream().publish(
        schedule,
        b"{}",
        headers={
            "Nats-Schedule": "@at 2099-01-01T00:00:00Z",
            "Nats-Schedule-Target": subjects.timer_fired_subject(cid, "check"),
        },
    )
    await sla.jetstream().purge_stream("TIMERS", subject=schedule)
    await sla.close()

    # Max-deliveries advisories: a refused subscription would only show as an async error.
    for user, advised in (
        ("notifier", (("COMPLAINTS", "notifier"),)),
        ("sla_monitor", (("COMPLAINTS", "sla_monitor"), ("TIMERS", "sla_timers"))),
    ):
        client = Connection()
        nc = await client.open(provisioned.url_for(user))
        for stream, durable in advised:
            subject = MAX_DELIVERIES_ADVISORY.format(stream=stream, consumer=durable)
            await nc.subscribe(subject, queue=durable)
        await nc.flush()
        await asyncio.sleep(0.3)
        await nc.close()
        assert not [e for e in client.errors if "permissions violation" in e], (user, client.errors)

    reporting = await _connect(provisioned, "reporting")
    got = await reporting.jetstream().get_msg("COMPLAINTS", 1, direct=True)
    assert got.subject and got.subject.startswith("complaints.")
    await reporting.subscribe(subjects.COMPLAINTS_ALL)
    await reporting.jetstream().publish(subjects.deadletter_subject("reporting"), b"x")
    await reporting.close()

    privacy = await _connect(provisioned, "privacy")
    kv = await privacy.jetstream().key_value(keystore.BUCKET)
    entry = await kv.get("complaint.x")
    reply = await privacy.request(
        f"$JS.API.STREAM.MSG.DELETE.KV_{keystore.BUCKET}",
        json.dumps({"seq": entry.revision}).encode(),
    )
    assert json.loads(reply.data).get("success") is True
    await privacy.close()


# --- the key store: least privilege per credential ----------------------------------------------

KEY_RECORD = json.dumps({"key": "c2VjcmV0", "subject": None}).encode()


async def _key_entry(provisioned: EmbeddedNats, name: str) -> bytes | None:
    admin = await _connect(provisioned, "admin")
    try:
        kv = await admin.jetstream().key_value(keystore.BUCKET)
        return (await kv.get(name)).value
    except nats.js.errors.KeyNotFoundError:
        return None
    finally:
        await admin.close()


async def test_intake_creates_keys_but_can_never_overwrite_delete_or_purge_one(
    provisioned: EmbeddedNats,
) -> None:
    connection = Connection()
    nc = await connection.open(provisioned.url_for("intake"))
    try:
        kv = await nc.jetstream(timeout=2).key_value(keystore.BUCKET)
        await kv.create("key.k1", b'{"key": "secret"}')
        await kv.create("complaint.c1", b"k1")
        for attempt in (
            kv.put("key.k1", b"forged"),
            kv.delete("key.k1"),
            kv.purge("key.k1"),
            kv.create("erased.k1", b"{}"),  # a forged tombstone
        ):
            with pytest.raises(Exception):  # noqa: B017 - refused by the stream or the server
                await attempt
        seq = (await kv.get("key.k1")).revision
        body = json.dumps({"seq": seq}).encode()
        assert await connection.denied(f"$JS.API.STREAM.MSG.DELETE.KV_{keystore.BUCKET}", body)
        assert await connection.denied(f"$JS.API.STREAM.PURGE.KV_{keystore.BUCKET}")
    finally:
        await nc.close()
    assert await _key_entry(provisioned, "key.k1") == b'{"key": "secret"}'
    assert await _key_entry(provisioned, "erased.k1") is None


@pytest.mark.parametrize("user", ["sla_monitor", "reporting"])
async def test_services_that_never_show_personal_data_cannot_read_a_key(
    provisioned: EmbeddedNats, user: str
) -> None:
    intake = await _connect(provisioned, "intake")
    await (await intake.jetstream().key_value(keystore.BUCKET)).create("key.k2", b"secret")
    await intake.close()
    connection = Connection()
    await connection.open(provisioned.url_for(user))
    try:
        stream = f"KV_{keystore.BUCKET}"
        get = json.dumps({"last_by_subj": f"$KV.{keystore.BUCKET}.key.k2"}).encode()
        for subject in (
            f"$JS.API.DIRECT.GET.{stream}",
            f"$JS.API.DIRECT.GET.{stream}.$KV.{keystore.BUCKET}.key.k2",
            f"$JS.API.STREAM.MSG.GET.{stream}",
            f"$KV.{keystore.BUCKET}.key.k2",
        ):
            assert await connection.denied(subject, get), subject
    finally:
        assert connection.nc is not None
        await connection.nc.close()


async def test_reporting_reads_the_log_through_its_own_ephemeral_readers_only(
    provisioned: EmbeddedNats,
) -> None:
    """Issue 23 item 3: reporting's long reads pull from an ephemeral consumer of its own, under
    a name of `permissions.LOG_READERS`; no other consumer is made, redefined or pulled from, no
    durable under any other name, none on another stream, nothing deleted, purged, or read from
    the key store. (A create names its consumer in the subject; whether the body makes it
    durable the server does not show the permissions, so under a reader's own name it could:
    bounded to those names, which the analyst and webhooks are denied.)"""
    from services.reporting import log_consumer

    admin = await _connect(provisioned, "admin")
    cid = uuid4()
    await admin.jetstream().publish(subjects.event_subject(cid, 1, "submitted"), b"{}")
    await admin.close()
    link = JetStreamLink(provisioned.url_for("reporting"))
    try:
        assert log_consumer.may_use(link)
        reader = log_consumer.OrderedReader(link, subjects.COMPLAINTS_STREAM)
        assert link.run(reader.open(1)) is True
        (msg,) = link.run(reader.page(10))
        assert (msg.seq, msg.subject) == (1, subjects.event_subject(cid, 1, "submitted"))
        link.run(reader.close())
    finally:
        link.close()
    for user in ("notifier", "analyst", "webhooks", "intake"):
        assert not permissions.may_read_by_consumer(user), user
    assert permissions.may_read_by_consumer("admin") and permissions.may_read_by_consumer(None)

    c, keys, reader_name = subjects.COMPLAINTS_STREAM, f"KV_{keystore.BUCKET}", "reporting_read_0"

    def body(stream: str, **config: Any) -> bytes:
        return json.dumps(
            {"stream_name": stream, "config": {"ack_policy": "none", **config}}
        ).encode()

    refused = (
        # the server-named form: a name in the body redefines any consumer
        (f"$JS.API.CONSUMER.CREATE.{c}", body(c, name="notifier")),
        (f"$JS.API.CONSUMER.CREATE.{c}", body(c)),
        (f"$JS.API.CONSUMER.CREATE.{c}.rogue", body(c, durable_name="rogue")),
        (f"$JS.API.CONSUMER.CREATE.{c}.rogue", body(c, name="rogue")),
        (f"$JS.API.CONSUMER.DURABLE.CREATE.{c}.rogue", body(c, durable_name="rogue")),
        (f"$JS.API.CONSUMER.DURABLE.CREATE.{c}.{reader_name}", body(c, durable_name=reader_name)),
        (f"$JS.API.CONSUMER.CREATE.{c}.notifier", body(c, name="notifier")),
        (f"$JS.API.CONSUMER.MSG.NEXT.{c}.notifier", b'{"batch": 1, "no_wait": true}'),
        (f"$JS.API.CONSUMER.INFO.{c}.{reader_name}", b""),
        (f"$JS.ACK.{c}.notifier.1.1.1.1.0", b""),
        (f"$JS.API.CONSUMER.DELETE.{c}.{reader_name}", b""),
        (f"$JS.API.CONSUMER.CREATE.{subjects.TIMERS_STREAM}.{reader_name}", body("TIMERS")),
        (f"$JS.API.CONSUMER.CREATE.{subjects.DEADLETTER_STREAM}.{reader_name}", body("x")),
        (f"$JS.API.CONSUMER.CREATE.{keys}.{reader_name}", body(keys, name=reader_name)),
        (f"$JS.API.CONSUMER.MSG.NEXT.{keys}.{reader_name}", b'{"batch": 1}'),
        (f"$JS.API.DIRECT.GET.{keys}", b'{"seq": 1}'),
        (f"$JS.API.STREAM.PURGE.{c}", b""),
        (f"$JS.API.STREAM.DELETE.{c}", b""),
    )
    connection = Connection()
    await connection.open(provisioned.url_for("reporting"))
    try:
        for subject, payload in refused:
            assert await connection.denied(subject, payload), subject
    finally:
        assert connection.nc is not None
        await connection.nc.close()
    analyst = Connection()
    await analyst.open(provisioned.url_for("analyst"))
    try:  # nor may another principal take a reader's name
        create = f"$JS.API.CONSUMER.CREATE.{c}.{reader_name}"
        assert await analyst.denied(create, body(c, name=reader_name))
    finally:
        assert analyst.nc is not None
        await analyst.nc.close()


async def test_only_the_privacy_principal_destroys_a_key(provisioned: EmbeddedNats) -> None:
    intake = await _connect(provisioned, "intake")
    kv = await intake.jetstream().key_value(keystore.BUCKET)
    await kv.create("key.k3", KEY_RECORD)
    await intake.close()
    stream = f"KV_{keystore.BUCKET}"
    for user in ("notifier", "sla_monitor", "reporting"):
        connection = Connection()
        await connection.open(provisioned.url_for(user))
        try:
            for subject in (f"$KV.{keystore.BUCKET}.key.k3", f"$JS.API.STREAM.PURGE.{stream}"):
                assert await connection.denied(subject, b""), (user, subject)
            body = json.dumps({"seq": 1}).encode()
            assert await connection.denied(f"$JS.API.STREAM.MSG.DELETE.{stream}", body), user
        finally:
            assert connection.nc is not None
            await connection.nc.close()
    assert await _key_entry(provisioned, "key.k3") == KEY_RECORD
    link = JetStreamLink(provisioned.url_for("privacy"))
    try:
        store = keystore.KeyStore(link)
        at = datetime(2026, 1, 1, tzinfo=UTC)
        assert store.destroy("k3", actor="privacy:test", reason="request", at=at) is True
        tombstone = {"at": at.isoformat(), "actor": "privacy:test", "reason": "request"}
        assert store.erasure_of("k3") == tombstone
    finally:
        link.close()
    assert await _key_entry(provisioned, "key.k3") is None


@pytest.mark.parametrize("user", SERVICES)
async def test_each_service_reads_replies_in_its_own_inbox_only(
    provisioned: EmbeddedNats, user: str
) -> None:
    options = nats_connect_options(provisioned.url_for(user))
    assert options["inbox_prefix"] == f"_INBOX_{user}"
    connection = Connection()
    nc = await connection.open(provisioned.url_for(user))
    try:
        info = await nc.request(f"$JS.API.STREAM.INFO.{subjects.COMPLAINTS_STREAM}", b"")
        assert json.loads(info.data)["config"]["name"] == subjects.COMPLAINTS_STREAM
        other = "intake" if user != "intake" else "notifier"
        for foreign in ("_INBOX.>", f"_INBOX_{other}.>", ">"):
            await nc.subscribe(foreign)
        await nc.flush()
        await wait_until(lambda: len(connection.errors) >= 3, message="three refusals")
        refused = " ".join(connection.errors).lower()
        for foreign in ("_inbox.>", f"_inbox_{other}.>", '">"'):
            assert f"subscription to {foreign}" in refused or foreign in refused, (foreign, refused)
    finally:
        await nc.close()


async def test_the_checkpointer_reads_the_log_and_appends_checkpoints_only(
    provisioned: EmbeddedNats,
) -> None:
    """klachten/checkpointer.py's user: it reads COMPLAINTS and CHECKPOINTS and publishes a
    checkpoint; it writes no event, deletes or purges nothing, reads no key, makes no consumer."""
    admin = await _connect(provisioned, "admin")
    cid = uuid4()
    await admin.jetstream().publish(subjects.event_subject(cid, 1, "submitted"), b"{}")
    await admin.close()
    options = nats_connect_options(provisioned.url_for("checkpointer"))
    assert options["inbox_prefix"] == "_INBOX_checkpointer"
    connection = Connection()
    nc = await connection.open(provisioned.url_for("checkpointer"))
    try:
        js = nc.jetstream()
        assert (await js.stream_info(subjects.COMPLAINTS_STREAM)).state.messages == 1
        stored = await js.get_msg(subjects.COMPLAINTS_STREAM, 1, direct=True)
        assert stored.subject == subjects.event_subject(cid, 1, "submitted")
        ack = await js.publish(subjects.CHECKPOINTS_SUBJECT, b'{"test": true}')
        assert ack.stream == subjects.CHECKPOINTS_STREAM
        checkpoints = await js.stream_info(subjects.CHECKPOINTS_STREAM)
        assert checkpoints.state.messages == 1

        seq = json.dumps({"seq": 1}).encode()
        tries = [f"$JS.API.{api}" for api in FORBIDDEN_API] + [
            subjects.event_subject(cid, 2, "closed"),
            f"$JS.API.STREAM.DELETE.{subjects.CHECKPOINTS_STREAM}",
            f"$JS.API.STREAM.PURGE.{subjects.CHECKPOINTS_STREAM}",
            f"$JS.API.STREAM.MSG.DELETE.{subjects.CHECKPOINTS_STREAM}",
            f"$JS.API.STREAM.UPDATE.{subjects.CHECKPOINTS_STREAM}",
            f"$JS.API.DIRECT.GET.KV_{keystore.BUCKET}",
            f"$JS.API.CONSUMER.CREATE.{subjects.COMPLAINTS_STREAM}.checkpointer",
            f"$KV.{keystore.BUCKET}.key.k1",
        ]
        refused = await asyncio.gather(*(connection.denied(s, seq) for s in tries))
        assert all(refused), [s for s, ok in zip(tries, refused, strict=True) if not ok]
    finally:
        await nc.close()


# --- intake's shared rate limits: INTAKE_RATE is intake's alone ---------------------------------

RATE_STREAM = f"KV_{permissions.RATE_BUCKET}"


async def test_intake_counts_its_rate_limits_in_the_shared_bucket(
    provisioned: EmbeddedNats,
) -> None:
    """Two intake processes (two connections) share one window: the second process sees the
    first one's hit, so it reads and writes the bucket (with a compare-and-set)."""
    first = await _connect(provisioned, "intake")
    second = await _connect(provisioned, "intake")
    try:
        limiters = [SharedRateLimiter(1, 60, scope="permissions") for _ in range(2)]
        for limiter, nc in zip(limiters, (first, second), strict=True):
            await limiter.join(nc.jetstream())
            assert limiter.kv is not None  # joined the bucket, not this process's own window
        assert await limiters[0].hit("192.0.2.1") is None
        assert await limiters[1].hit("192.0.2.1") is not None  # the second process refuses
        kv = await first.jetstream().key_value(permissions.RATE_BUCKET)
        await kv.put("direct", b"[]")
        assert (await kv.get("direct")).value == b"[]"
        await kv.delete("direct")
    finally:
        await first.close()
        await second.close()


@pytest.mark.parametrize("user", ["notifier", "sla_monitor", "reporting", "analyst", "webhooks"])
async def test_no_other_principal_reads_or_writes_the_rate_limits(
    provisioned: EmbeddedNats, user: str
) -> None:
    intake = await _connect(provisioned, "intake")
    kv = await intake.jetstream().key_value(permissions.RATE_BUCKET)
    await kv.put("probe", b"[1]")
    await intake.close()
    connection = Connection()
    await connection.open(provisioned.url_for(user))
    try:
        key = f"$KV.{permissions.RATE_BUCKET}.probe"
        get = json.dumps({"last_by_subj": key}).encode()
        tries = (
            f"$JS.API.DIRECT.GET.{RATE_STREAM}",
            f"$JS.API.DIRECT.GET.{RATE_STREAM}.{key}",
            f"$JS.API.STREAM.MSG.GET.{RATE_STREAM}",
            f"$JS.API.STREAM.INFO.{RATE_STREAM}",
            key,
            f"$JS.API.STREAM.PURGE.{RATE_STREAM}",
            f"$JS.API.STREAM.MSG.DELETE.{RATE_STREAM}",
            f"$JS.API.STREAM.DELETE.{RATE_STREAM}",
        )
        refused = await asyncio.gather(*(connection.denied(s, get) for s in tries))
        assert all(refused), [s for s, ok in zip(tries, refused, strict=True) if not ok]
    finally:
        assert connection.nc is not None
        await connection.nc.close()
    admin = await _connect(provisioned, "admin")
    try:
        entry = await (await admin.jetstream().key_value(permissions.RATE_BUCKET)).get("probe")
        assert entry.value == b"[1]"
    finally:
        await admin.close()


async def test_only_intake_asks_for_a_letter_preview_and_only_the_notifier_answers(
    provisioned: EmbeddedNats,
) -> None:
    """The draft of an answer travels unsealed on letters.preview (services/notifier/preview.py):
    intake asks, the notifier answers into intake's inbox, nobody else asks or listens."""
    notifier = await _connect(provisioned, "notifier")
    intake = await _connect(provisioned, "intake")
    stranger = Connection()
    await stranger.open(provisioned.url_for("reporting"))
    try:

        async def render(msg: Any) -> None:
            await msg.respond(b"the letter")

        await notifier.subscribe(subjects.LETTER_PREVIEW_SUBJECT, "notifier-preview", cb=render)
        await notifier.flush()
        reply = await intake.request(subjects.LETTER_PREVIEW_SUBJECT, b"draft", timeout=5)
        assert reply.data == b"the letter"
        assert await stranger.denied(subjects.LETTER_PREVIEW_SUBJECT, b"draft")
    finally:
        for nc in (notifier, intake):
            await nc.close()
        assert stranger.nc is not None
        await stranger.nc.close()

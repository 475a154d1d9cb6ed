"""eventsourcing's own recorder conformance suites, run against a real nats-server.

The base classes are reached through the module (``persistence.X``) so pytest does not collect
the abstract cases themselves. Each ``create_recorder()`` gets a freshly created COMPLAINTS
stream, as the suites expect an empty store; it is created only once the old one is gone.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from eventsourcing.persistence import InfrastructureFactory, TrackingRecorder
from eventsourcing.tests import persistence
from eventsourcing.utils import Environment

from klachten.stack.natsserver import EmbeddedNats
from shared.eventstore.link import JetStreamLink
from shared.eventstore.persistence import (
    JetStreamAggregateRecorder,
    JetStreamApplicationRecorder,
    JetStreamFactory,
    JetStreamProcessRecorder,
    JetStreamTrackingRecorder,
)
from shared.eventstore.streams import COMPLAINTS
from tests.support.polling import wait_until

STREAM_NOT_FOUND = 10059
STORE_NOT_READY = 10049  # "error creating store for stream": the deleted one's is still there


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    with EmbeddedNats(Path(tmp_path_factory.mktemp("conformance"))) as s:
        yield s


@pytest.fixture(autouse=True)
def _attach(request: pytest.FixtureRequest, server: EmbeddedNats):
    request.instance.nats_url = server.url
    request.instance.links = []
    yield
    for link in request.instance.links:
        link.close()


class _Fresh:
    nats_url: str
    links: list[JetStreamLink]

    def fresh_link(self) -> JetStreamLink:
        link = JetStreamLink(self.nats_url)
        self.links.append(link)
        name = COMPLAINTS.name

        async def recreate() -> None:
            await link.nc.request(f"$JS.API.STREAM.DELETE.{name}", b"", timeout=5)
            # The server answers the delete before its store is gone: a create right away can
            # fail under load with 10049 ("error creating store for stream"). Wait until the
            # stream is not found, then create it, asking again while the store is in the way.
            await wait_until(lambda: _gone(link, name), message=f"{name} deleted")
            await wait_until(lambda: _created(link, name), message=f"{name} created")

        link.run(recreate())
        return link


async def _api(link: JetStreamLink, request: str, body: bytes = b"") -> dict:
    return json.loads((await link.nc.request(f"$JS.API.{request}", body, timeout=5)).data)


async def _gone(link: JetStreamLink, name: str) -> bool:
    error = (await _api(link, f"STREAM.INFO.{name}")).get("error")
    return error is not None and error.get("err_code") == STREAM_NOT_FOUND


async def _created(link: JetStreamLink, name: str) -> bool:
    config = json.dumps(COMPLAINTS.config()).encode()
    error = (await _api(link, f"STREAM.CREATE.{name}", config)).get("error")
    if error is not None and error.get("err_code") == STORE_NOT_READY:
        return False
    assert error is None, error
    return True


class TestAggregateRecorder(_Fresh, persistence.AggregateRecorderTestCase):
    def create_recorder(self) -> JetStreamAggregateRecorder:
        return JetStreamAggregateRecorder(self.fresh_link())


class TestApplicationRecorder(_Fresh, persistence.ApplicationRecorderTestCase):
    def create_recorder(self) -> JetStreamApplicationRecorder:
        return JetStreamApplicationRecorder(self.fresh_link())

    def test_insert_subscribe(self) -> None:
        self.optional_test_insert_subscribe()


class TestTrackingRecorder(_Fresh, persistence.TrackingRecorderTestCase):
    def create_recorder(self) -> JetStreamTrackingRecorder:
        return JetStreamTrackingRecorder(self.fresh_link())


class TestProcessRecorder(_Fresh, persistence.ProcessRecorderTestCase):
    def create_recorder(self) -> JetStreamProcessRecorder:
        return JetStreamProcessRecorder(self.fresh_link())


class TestNonInterleavingNotificationIDs(
    _Fresh, persistence.NonInterleavingNotificationIDsBaseCase
):
    def create_recorder(self) -> JetStreamApplicationRecorder:
        return JetStreamApplicationRecorder(self.fresh_link())


class _TrackingSubclass(JetStreamTrackingRecorder):
    pass


class TestInfrastructureFactory(
    _Fresh, persistence.InfrastructureFactoryTestCase[JetStreamFactory]
):
    def setUp(self) -> None:
        self.fresh_link()
        self.env = Environment("TestCase")
        self.env[InfrastructureFactory.PERSISTENCE_MODULE] = "shared.eventstore.persistence"
        self.env[JetStreamFactory.NATS_URL] = self.nats_url
        super().setUp()

    def expected_factory_class(self) -> type[JetStreamFactory]:
        return JetStreamFactory

    def expected_aggregate_recorder_class(self) -> type[JetStreamAggregateRecorder]:
        return JetStreamAggregateRecorder

    def expected_application_recorder_class(self) -> type[JetStreamApplicationRecorder]:
        return JetStreamApplicationRecorder

    def expected_tracking_recorder_class(self) -> type[TrackingRecorder]:
        return JetStreamTrackingRecorder

    def tracking_recorder_subclass(self) -> type[TrackingRecorder]:
        return _TrackingSubclass

    def expected_process_recorder_class(self) -> type[JetStreamProcessRecorder]:
        return JetStreamProcessRecorder

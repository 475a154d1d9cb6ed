"""The subscription eventsourcing's projection runner and process applications follow."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Any

import nats.errors
from eventsourcing.persistence import (
    ApplicationRecorder,
    ListenNotifySubscription,
    OperationalError,
)

from shared.eventstore.link import JetStreamLink, Unavailable

logger = logging.getLogger(__name__)


class JetStreamSubscription(ListenNotifySubscription[ApplicationRecorder]):
    """Pulls from the stream in order; a core NATS subscription on the stream's subjects
    wakes it up, and a periodic tick covers anything missed during a reconnect.

    The recorder reads the notifications; `link` and `wake_on` (its subjects) are given
    separately, so this module needs no recorder class (and the recorder can import it)."""

    TICK = 1.0

    def __init__(
        self,
        recorder: ApplicationRecorder,
        link: JetStreamLink,
        wake_on: str,
        gt: int | None = None,
        topics: Sequence[str] = (),
    ) -> None:
        super().__init__(recorder=recorder, gt=gt, topics=topics)
        self._link = link
        self._sub = link.run(link.nc.subscribe(wake_on, cb=self._wake))
        self._ticker = threading.Thread(target=self._tick, daemon=True)
        self._ticker.start()

    async def _wake(self, _msg: Any) -> None:
        self._has_been_notified.set()

    def _pull(self) -> None:
        # The base class ends the subscription on any error; a server that is restarting or a
        # cluster that fails over is transient, so keep trying (the tick paces the retries).
        while not self._has_been_stopped:
            try:
                super()._pull()
                return
            except (Unavailable, OperationalError, nats.errors.Error, OSError, TimeoutError):
                logger.warning("subscription pull failed; retrying", exc_info=True)
                threading.Event().wait(self.TICK)

    def _tick(self) -> None:
        while not self._has_been_stopped:
            threading.Event().wait(self.TICK)
            self._has_been_notified.set()

    def stop(self) -> None:
        if not self._has_been_stopped:
            try:
                self._link.run(self._sub.unsubscribe(), timeout=5)
            except Exception:
                pass
        super().stop()

"""Runs the intake service: HTTP (uvicorn) and inbound SMTP (aiosmtpd) in one event loop.

The client address of a request is the socket's peer, unless that peer is a configured
trusted proxy (``KLACHTEN_TRUSTED_PROXIES``): then the right-most address of
``X-Forwarded-For`` that is not itself a trusted proxy. Inbound SMTP offers STARTTLS when a
certificate is configured (``KLACHTEN_SMTP_TLS_CERT`` / ``_KEY``). docs/security.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
import threading
from collections.abc import Callable

import uvicorn

from services.intake.app import bootstrap
from services.intake.settings import IntakeSettings
from shared.runtime.clock import Clock, utcnow
from shared.runtime.observability import header_deadline, mask_access_log

log = logging.getLogger("klachten.intake")


class IntakeServer:
    """One intake process; ``serve()`` until ``stop()`` (or a signal when ``signals``)."""

    def __init__(self, settings: IntakeSettings, clock: Clock = utcnow) -> None:
        self.settings = settings
        self.app = bootstrap(settings, clock=clock)
        config = uvicorn.Config(
            self.app,
            host=settings.intake_host,
            port=settings.intake_port,
            log_level="warning",
            lifespan="on",
            http=header_deadline(),  # half-open connections are closed, not held
            **proxy_options(settings.proxies),
        )
        self.http = uvicorn.Server(config)
        mask_access_log()  # no status-link token in an access line
        self.smtp: asyncio.Server | None = None

    @property
    def started(self) -> bool:
        return self.http.started and self.smtp is not None

    async def serve(self, on_started: Callable[[], None] | None = None) -> None:
        http = asyncio.create_task(self.http.serve())
        try:
            while not self.http.started:
                if http.done():
                    await http  # start-up failed: raise its error
                    return
                await asyncio.sleep(0.01)
            self.smtp = await self._start_smtp()
            log.info(
                "intake on http://%s:%d and smtp://%s:%d",
                self.settings.intake_host,
                self.settings.intake_port,
                self.settings.smtp_host,
                self.settings.smtp_port,
            )
            if on_started is not None:
                on_started()
            await http
        finally:
            if self.smtp is not None:
                self.smtp.close()
                await self.smtp.wait_closed()
            if not http.done():
                self.http.should_exit = True
                await http

    async def _start_smtp(self) -> asyncio.Server:
        from services.intake.mail import start_smtp

        tls = smtp_tls_context(self.settings)
        return await start_smtp(self.app.state.intake, self.app.state.nc, self.settings, tls)

    def stop(self) -> None:
        self.http.should_exit = True


def proxy_options(trusted: list[str]) -> dict[str, object]:
    """uvicorn's options for the client address: X-Forwarded-For only from `trusted` peers.

    uvicorn's default believes the header from 127.0.0.1, so anyone on the host (or a proxy
    that passes the header on) could pick the address the rate limits count. Its middleware
    takes the right-most untrusted address when the peer is trusted."""
    if not trusted:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": trusted}


def smtp_tls_context(settings: IntakeSettings) -> ssl.SSLContext | None:
    """The server side of STARTTLS, or None (no certificate configured: plain SMTP only)."""
    if not settings.smtp_tls_cert:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(settings.smtp_tls_cert, settings.smtp_tls_key or None)
    return context


class BackgroundIntake:
    """The intake service in a thread with its own event loop (tests, embedded use).

    ``start()`` returns once HTTP and SMTP accept connections; ``stop()`` shuts both down.
    """

    def __init__(self, settings: IntakeSettings, clock: Clock = utcnow) -> None:
        self.settings, self.clock = settings, clock
        self._thread: threading.Thread | None = None
        self._server: IntakeServer | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._error: BaseException | None = None

    @property
    def url(self) -> str:
        return f"http://{self.settings.intake_host}:{self.settings.intake_port}"

    def start(self, timeout: float = 20.0) -> BackgroundIntake:
        ready = threading.Event()

        def run() -> None:
            self._loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self._loop)
            self._server = IntakeServer(self.settings, self.clock)
            try:
                self._loop.run_until_complete(self._server.serve(ready.set))
            except BaseException as error:
                self._error = error
            finally:
                ready.set()
                _close_loop(self._loop)

        self._thread = threading.Thread(target=run, name="intake", daemon=True)
        self._thread.start()
        if not ready.wait(timeout) or self._error is not None or not self._thread.is_alive():
            self.stop()
            raise RuntimeError(f"intake did not start: {self._error!r}")
        return self

    def stop(self, timeout: float = 20.0) -> None:
        if self._server is not None and self._loop is not None and not self._loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                self._loop.call_soon_threadsafe(self._server.stop)
        if self._thread is not None:
            self._thread.join(timeout)


def _close_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel what is left (e.g. a NATS client's reconnect task), then close the loop."""

    async def cancel_rest() -> None:
        rest = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in rest:
            task.cancel()
        await asyncio.gather(*rest, return_exceptions=True)
        await loop.shutdown_asyncgens()

    loop.run_until_complete(cancel_rest())
    loop.close()

"""gunicorn's asyncio (ASGI) worker with a deadline on each connection's first request head.

`bipmkg serve` (the default server) runs `webapp.serving:create_asgi_app()` in this worker.
gunicorn's ASGI worker reads every connection on one event loop, so slow clients cost no thread,
and it keeps gunicorn's own refusals (a request line over 4,094 bytes: 414 "Request line is too
large"). It bounds the wait for a kept-alive connection's next request head by `--keep-alive`,
but not the first one: a socket that opened and trickled (or sent nothing) stayed open for ever.
Here the first head must be complete within `BIPMKG_HEADER_TIMEOUT_S`.
"""

from __future__ import annotations

import asyncio
from typing import Any

from gunicorn.asgi.protocol import ASGIProtocol  # type: ignore[import-untyped]
from gunicorn.workers import gasgi  # type: ignore[import-untyped]

from bipmkg import config


class HeaderDeadlineProtocol(ASGIProtocol):  # type: ignore[misc]
    """ASGIProtocol closing a connection whose first request head is late: 408 if part came."""

    header_timeout_s = config.HEADER_TIMEOUT_S

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._head_started = False
        self._head_timer: asyncio.TimerHandle | None = asyncio.get_running_loop().call_later(
            self.header_timeout_s, self._head_timed_out
        )
        super().connection_made(transport)

    def data_received(self, data: bytes) -> None:
        self._head_started = True
        super().data_received(data)

    def eof_received(self) -> bool | None:
        # A client that stops sending mid-body (it shut its socket for writing) still gets the
        # app's answer, a 400 saying the body is malformed (webapp.serving.Body): the body
        # ends as cut short, the connection stays open for the answer.
        receiver = self._body_receiver
        if receiver is not None and not receiver._complete:
            receiver.signal_disconnect()
            return True
        return None

    def _on_headers_complete(self) -> Any:
        self._cancel_head_timer()
        return super()._on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_timer()
        super().connection_lost(exc)

    def _cancel_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self._closed:
            return
        if self._head_started:
            self._send_error_response(
                408,
                "Request Timeout: the request line and headers did not arrive within "
                f"{self.header_timeout_s:g} s (BIPMKG_HEADER_TIMEOUT_S).\n",
            )
        # As gunicorn's own keep-alive timeout does: close, then wake the connection's task.
        self._close_transport()
        if self._request_ready is not None:
            self._request_ready.set()


class Worker(gasgi.ASGIWorker):  # type: ignore[misc]
    """gunicorn's ASGI worker serving its connections with HeaderDeadlineProtocol."""

    def init_process(self) -> None:
        HeaderDeadlineProtocol.header_timeout_s = config.header_timeout_s()
        # The worker builds its protocols by this module-level name (gunicorn 27 has no
        # setting for it); this process serves nothing else.
        gasgi.ASGIProtocol = HeaderDeadlineProtocol
        super().init_process()

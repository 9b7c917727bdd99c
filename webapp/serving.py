"""The web app behind an asynchronous front: slow clients cost a coroutine, never a thread.

`bipmkg serve` runs an asyncio (gunicorn's ASGI worker) or Rust (granian) HTTP server whose
connections are cheap, and hands it `create_asgi_app()`: the Flask app (AnswerReplay included)
behind `BufferedWSGI`. Before a request may take one of the `--threads` request threads, its whole
body has arrived, within `BIPMKG_BODY_TIMEOUT_S` (else 408 and the connection is closed) and
`MAX_BODY_BYTES` (a body past it is not read: the app answers 413). Answers go back from the event
loop, so a client that reads slowly does not hold a thread either. The servers close a connection
whose request line and headers take longer than `BIPMKG_HEADER_TIMEOUT_S`.

A WSGI server reading requests in its threads (gunicorn's gthread, granian's WSGI interface) let 8
or 50 sockets trickling bytes hold every thread, and every other request waited 30 s or more
(tests/test_slow_clients.py).
"""

from __future__ import annotations

import asyncio
import io
import sys
from collections.abc import Awaitable, Callable, Iterable, Iterator, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from bipmkg import config

from .params import CHUNKS_CHECKED

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

#: Answer bytes a request thread gathers before handing them to the event loop to send.
BATCH_BYTES = 65_536


@dataclass
class _Answer:
    """What a request thread got from the WSGI app so far."""

    result: Iterable[bytes]
    iterator: Iterator[bytes]
    status: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    written: list[bytes] = field(default_factory=list)
    done: bool = False


class BufferedWSGI:
    """An ASGI app that runs a WSGI app in a bounded thread pool on complete requests only."""

    def __init__(
        self,
        app: WSGIApp,
        *,
        threads: int,
        body_timeout_s: float,
        max_body_bytes: int,
    ) -> None:
        self.app = app
        self.body_timeout_s = body_timeout_s
        self.max_body_bytes = max_body_bytes
        self.pool = ThreadPoolExecutor(threads, thread_name_prefix="request")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            await self._http(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.pool.shutdown(wait=False, cancel_futures=True)
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = [
            (name.decode("latin-1"), value.decode("latin-1")) for name, value in scope["headers"]
        ]
        declared = _content_length(headers)
        if declared is not None and declared > self.max_body_bytes:
            # Not read at all: the app answers 413 from the declared length.
            body, whole = b"", True
        elif not declared and not any(name.lower() == "transfer-encoding" for name, _ in headers):
            body, whole = b"", True  # no body (most requests): nothing to wait for
        else:
            deadline = asyncio.get_running_loop().time() + self.body_timeout_s
            try:
                body, whole = await self._read_body(receive, deadline)
            except TimeoutError:
                await _timed_out(send, self.body_timeout_s)
                return
        environ = _environ(scope, headers, Body(body, whole=whole))
        loop = asyncio.get_running_loop()
        answer = await loop.run_in_executor(self.pool, self._start, environ)
        try:
            await send(
                {
                    "type": "http.response.start",
                    "status": int(answer.status.split(" ", 1)[0]),
                    "headers": [
                        (name.lower().encode("latin-1"), value.encode("latin-1"))
                        for name, value in answer.headers
                    ],
                }
            )
            while True:
                chunk = b"".join(answer.written)
                answer.written.clear()
                await send(
                    {"type": "http.response.body", "body": chunk, "more_body": not answer.done}
                )
                if answer.done:
                    return
                await loop.run_in_executor(self.pool, self._pull, answer)
        finally:
            if not answer.done:
                await loop.run_in_executor(self.pool, _close, answer.result)

    async def _read_body(self, receive: Receive, deadline: float) -> tuple[bytes, bool]:
        """The whole body (or its first MAX_BODY_BYTES + 1 bytes: the app answers 413), and
        whether it came whole: not when the client stopped sending before its end or its
        chunked framing was malformed (granian's receive raises then). TimeoutError once the
        loop's clock passes `deadline`.

        The deadline is checked before each receive, not left to one cancellation of the whole
        read: gunicorn's receive waits in its own `asyncio.wait_for`, which on Python 3.11
        swallows a cancellation that arrives in the same loop turn as a body byte (it returns
        the byte instead), so a read cancelled once at its deadline went on taking a body
        trickled a byte a second for as long as the client kept sending (in CI, 7 of 67 such
        sockets were still open 28 s after their 4 s timeout)."""
        loop = asyncio.get_running_loop()
        chunks: list[bytes] = []
        size = 0
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError
            try:
                message = await asyncio.wait_for(receive(), remaining)
            except TimeoutError:
                raise
            except Exception:
                return b"".join(chunks), False
            if message["type"] == "http.disconnect":
                return b"".join(chunks), False
            chunk = message.get("body", b"")
            chunks.append(chunk)
            size += len(chunk)
            if size > self.max_body_bytes or not message.get("more_body", False):
                return b"".join(chunks), True

    def _start(self, environ: dict[str, Any]) -> _Answer:
        """In a request thread: call the app and gather the first batch of its answer."""
        written: list[bytes] = []
        started: dict[str, Any] = {}

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[[bytes], None]:
            if exc_info is not None and started.get("sent"):
                raise exc_info[1].with_traceback(exc_info[2])
            started["status"], started["headers"] = status, headers
            return written.append

        result = self.app(environ, start_response)
        answer = _Answer(result, iter(result), written=written)
        try:
            self._pull(answer)  # a WSGI app may call start_response at its first chunk
            if "status" not in started:
                raise RuntimeError("the WSGI app returned without calling start_response")
        except BaseException:
            if not answer.done:
                _close(result)
            raise
        answer.status, answer.headers = started["status"], started["headers"]
        # Later calls with exc_info re-raise: the headers are about to be sent.
        started["sent"] = True
        return answer

    def _pull(self, answer: _Answer) -> None:
        """In a request thread: gather up to BATCH_BYTES more of the answer; close it at its end."""
        size = sum(len(chunk) for chunk in answer.written)
        for chunk in answer.iterator:
            if chunk:
                answer.written.append(chunk)
                size += len(chunk)
                if size >= BATCH_BYTES:
                    return
        answer.done = True
        _close(answer.result)


class Body(io.BytesIO):
    """`wsgi.input`: a body the server framed, read whole before the app was called.

    One that did not come whole raises werkzeug's ClientDisconnected past its last byte, so the
    app answers that the body is malformed (webapp.errors) instead of acting on part of it.
    """

    def __init__(self, data: bytes, *, whole: bool) -> None:
        super().__init__(data)
        self.whole = whole

    def read(self, size: int | None = -1) -> bytes:
        return self._checked(super().read(size), size)

    def readline(self, size: int | None = -1) -> bytes:
        return self._checked(super().readline(size), size)

    def readinto(self, buffer: Any) -> int:
        count = super().readinto(buffer)
        if count == 0:
            self._checked(b"", len(buffer))
        return count

    def _checked(self, data: bytes, size: int | None) -> bytes:
        if not data and size != 0 and not self.whole:
            from werkzeug.exceptions import ClientDisconnected

            raise ClientDisconnected()
        return data


def _content_length(headers: list[tuple[str, str]]) -> int | None:
    for name, value in headers:
        if name.lower() == "content-length" and value.strip().isdigit():
            return int(value)
    return None


def _environ(scope: Scope, headers: list[tuple[str, str]], body: Body) -> dict[str, Any]:
    """PEP 3333's environ for an ASGI HTTP scope and its (complete) body."""
    server = scope.get("server") or ("localhost", 80)
    client = scope.get("client") or ("", 0)
    environ: dict[str, Any] = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": scope.get("root_path", "").encode("utf-8").decode("latin-1"),
        "PATH_INFO": scope["path"].encode("utf-8").decode("latin-1"),
        "QUERY_STRING": scope.get("query_string", b"").decode("latin-1"),
        "SERVER_NAME": str(server[0]),
        "SERVER_PORT": str(server[1]),
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "REMOTE_ADDR": str(client[0]),
        "REMOTE_PORT": str(client[1]),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": body,
        "wsgi.input_terminated": True,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        # The server framed the body and it was read whole (else Body raises): a curator's
        # chunked change may be applied.
        CHUNKS_CHECKED: True,
    }
    for name, value in headers:
        key = name.upper().replace("-", "_")
        if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            environ[key] = value
            continue
        key = f"HTTP_{key}"
        environ[key] = f"{environ[key]},{value}" if key in environ else value
    return environ


async def _timed_out(send: Send, seconds: float) -> None:
    body = (
        f"Request Timeout: the request body did not arrive within {seconds:g} s "
        "(BIPMKG_BODY_TIMEOUT_S).\n"
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 408,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _close(result: Iterable[bytes]) -> None:
    close = getattr(result, "close", None)
    if close is not None:
        close()


def create_asgi_app() -> BufferedWSGI:
    """The ASGI app `bipmkg serve` runs: the Flask app with the timeouts of bipmkg.config."""
    from . import create_app

    app = create_app()
    return BufferedWSGI(
        app,
        threads=config.request_threads(),
        body_timeout_s=config.body_timeout_s(),
        max_body_bytes=int(app.config["MAX_BODY_BYTES"]),
    )

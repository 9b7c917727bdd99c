"""webapp.serving's body deadline against receive callables that behave as real servers' do.

The live tests (tests/test_slow_clients.py) trickle bodies at a real server; these drive
`BufferedWSGI` on an event loop with a receive that reproduces, every time, what gunicorn's does
only now and then under load: on Python 3.11 its inner `asyncio.wait_for` returns a body chunk
that arrived in the same loop turn as the cancellation meant to stop it, and the cancellation is
lost.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from werkzeug.exceptions import ClientDisconnected

from webapp.serving import BufferedWSGI

TIMEOUT_S = 0.3
#: Far past the deadline: a read that missed it is stopped here and the test fails.
GIVE_UP_S = 5.0


def _app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    try:
        body = environ["wsgi.input"].read()
    except ClientDisconnected:
        start_response("400 Bad Request", [("Content-Type", "text/plain")])
        return [b"cut short"]
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"read %d bytes" % len(body)]


def _serve(receive: Any) -> tuple[list[dict[str, Any]], float]:
    """Run one POST with a 10,000-byte declared body; the messages sent back and how long."""
    wsgi = BufferedWSGI(_app, threads=1, body_timeout_s=TIMEOUT_S, max_body_bytes=1_000_000)
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/sparql",
        "query_string": b"",
        "headers": [(b"content-type", b"application/sparql-query"), (b"content-length", b"10000")],
    }

    took: list[float] = []

    async def main() -> None:
        loop = asyncio.get_running_loop()
        started = loop.time()
        await wsgi(scope, receive, send)
        took.append(loop.time() - started)

    # In a thread of its own, so that a read that never ends fails the test instead of hanging
    # it (an asyncio timeout around it would be lost the same way).
    thread = threading.Thread(target=asyncio.run, args=(main(),), daemon=True)
    thread.start()
    thread.join(GIVE_UP_S)
    assert took, f"the request was still being read {GIVE_UP_S:g} s later; sent {sent}"
    wsgi.pool.shutdown(wait=True)
    return sent, took[0]


def test_a_body_trickled_past_the_deadline_gets_408_even_when_cancellations_are_lost() -> None:
    async def swallowing_receive() -> dict[str, Any]:
        # A byte every 50 ms; a cancellation that comes while waiting for it returns the byte,
        # as gunicorn's receive does when the byte and the cancellation meet.
        try:
            await asyncio.sleep(0.05)
        except asyncio.CancelledError:
            pass
        return {"type": "http.request", "body": b" ", "more_body": True}

    sent, took = _serve(swallowing_receive)
    assert sent[0]["type"] == "http.response.start" and sent[0]["status"] == 408, sent[:1]
    assert b"did not arrive within 0.3 s" in sent[1]["body"]
    assert (b"connection", b"close") in sent[0]["headers"]
    assert TIMEOUT_S <= took < TIMEOUT_S + 0.5, took


def test_a_body_that_arrives_in_time_reaches_the_app_whole() -> None:
    pieces = [b"x" * 5000, b"y" * 5000]

    async def receive() -> dict[str, Any]:
        await asyncio.sleep(0.01)
        piece = pieces.pop(0)
        return {"type": "http.request", "body": piece, "more_body": bool(pieces)}

    sent, _ = _serve(receive)
    assert sent[0]["status"] == 200
    assert b"".join(m.get("body", b"") for m in sent[1:]) == b"read 10000 bytes"


def test_a_body_that_stops_before_its_end_is_not_taken_for_whole() -> None:
    async def receive() -> dict[str, Any]:
        await asyncio.sleep(0.01)
        return {"type": "http.disconnect"}

    sent, _ = _serve(receive)
    # Reading past the bytes that came raises ClientDisconnected (webapp.errors answers 400).
    assert sent[0]["status"] == 400
    assert sent[1]["body"] == b"cut short"

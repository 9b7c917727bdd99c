"""Slow clients against a real `bipmkg serve`: they cost the server a timer, never its threads.

A red-team run found that 8 sockets sending their headers or their body one byte a second left
every `/healthz` and `/sparql` probe of gunicorn unanswered for 30 s (50 did the same to granian).
Here 8, 50 and 200 such sockets are held open on 127.0.0.1, a third of them trickling a request
line and headers, a third trickling a body under a complete set of headers, a third sending
nothing, while `/healthz` and a cheap `/sparql` GET are probed every 0.2 s. Asserted: every probe
is answered within PROBE_BOUND_S; each slow socket is closed by the server (EOF, or a 408 then
EOF) once its read timeout (`BIPMKG_HEADER_TIMEOUT_S`, `BIPMKG_BODY_TIMEOUT_S`, set short here)
has passed, not before; a client that is merely slow within those timeouts is answered. The run
under test is the one of BIPMKG_TEST_SERVER (gunicorn, or granian in the third run of `make test`).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from live import SERVER, LiveServer, build, http, start_server

# Run again against a remote store and under granian by make test (-m web).
pytestmark = pytest.mark.web

HEADER_TIMEOUT_S = 3.0
BODY_TIMEOUT_S = 4.0
#: Every probe answered within this, however many slow sockets are open.
PROBE_BOUND_S = 2.0
#: How late after its timeout a slow socket may still be open (timer granularity, a loaded box).
CLOSE_SLACK_S = 3.0
KINDS = ("headers", "body", "silent")
ASK = "/sparql?query=ASK%7B%7D"


@pytest.fixture(scope="module")
def slow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """Default server options, short read timeouts, no per-client limits (all from 127.0.0.1)."""
    base = tmp_path_factory.mktemp("slow")
    build(base / "store")
    live = start_server(
        base / "store",
        {
            "BIPMKG_HEADER_TIMEOUT_S": str(HEADER_TIMEOUT_S),
            "BIPMKG_BODY_TIMEOUT_S": str(BODY_TIMEOUT_S),
            "BIPMKG_CLIENT_MAX_CONCURRENT": "0",
            "BIPMKG_CLIENT_QUERY_SECONDS": "0",
        },
        base / "server.log",
    )
    yield live
    live.stop()


@dataclass
class SlowSocket:
    """One slow client: what it still has to send, and what the server did to it."""

    kind: str
    sock: socket.socket
    opened: float
    #: Bytes still to send, one a second; empty for a silent socket.
    pending: bytes
    received: bytes = b""
    closed_after: float | None = None

    @property
    def timeout_s(self) -> float:
        return BODY_TIMEOUT_S if self.kind == "body" else HEADER_TIMEOUT_S


def open_slow(url: str, kind: str) -> SlowSocket:
    host, port = url.removeprefix("http://").rsplit(":", 1)
    sock = socket.create_connection((host, int(port)), timeout=5)
    if kind == "headers":
        # A request line and headers that never end: one byte a second.
        pending = b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"X-Slow: " + b"a" * 200
    elif kind == "body":
        sock.sendall(
            b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
            b"Content-Length: 10000\r\n\r\n"
        )
        pending = b"ASK {}" + b" " * 9994
    else:
        pending = b""
    sock.setblocking(False)
    return SlowSocket(kind, sock, time.monotonic(), pending)


def poll(slow: SlowSocket, *, send: bool) -> None:
    """Send the next byte (if due) and read what the server sent; note when it closed."""
    if slow.closed_after is not None:
        return
    try:
        if send and slow.pending:
            slow.sock.send(slow.pending[:1])
            slow.pending = slow.pending[1:]
        while True:
            chunk = slow.sock.recv(65536)
            if not chunk:
                raise ConnectionResetError("EOF")
            slow.received += chunk
    except BlockingIOError:
        return
    except OSError:
        slow.closed_after = time.monotonic() - slow.opened
        slow.sock.close()


@dataclass
class Probes:
    """`/healthz` and `/sparql` probed one after the other every 0.2 s, from a thread."""

    url: str
    latencies: dict[str, list[float]] = field(default_factory=lambda: {"healthz": [], "sparql": []})
    failures: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        while not self.stop.is_set():
            for name, path in (("healthz", "/healthz"), ("sparql", ASK)):
                started = time.monotonic()
                try:
                    answer = http("GET", self.url + path, timeout=35)
                    if answer.status != 200:
                        self.failures.append(f"{name}: {answer.status}")
                except OSError as error:
                    self.failures.append(f"{name}: {error!r}")
                self.latencies[name].append(time.monotonic() - started)
            self.stop.wait(0.2)

    def worst(self) -> dict[str, float]:
        return {name: max(values, default=0.0) for name, values in self.latencies.items()}


def attack(server: LiveServer, count: int) -> tuple[list[SlowSocket], Probes]:
    """Hold `count` slow sockets open until each is closed (or long past its timeout)."""
    probes = Probes(server.url)
    thread = threading.Thread(target=probes.run, daemon=True)
    slow = [open_slow(server.url, KINDS[i % len(KINDS)]) for i in range(count)]
    thread.start()
    # Long past every timeout, so that a socket the server closes late is seen closed late (and
    # fails the bound below, with its figure) rather than counted as never closed.
    give_up = time.monotonic() + max(HEADER_TIMEOUT_S, BODY_TIMEOUT_S) + 8 * CLOSE_SLACK_S
    next_byte = time.monotonic()
    try:
        while time.monotonic() < give_up and any(s.closed_after is None for s in slow):
            due = time.monotonic() >= next_byte
            if due:
                next_byte += 1.0
            for each in slow:
                poll(each, send=due)
            time.sleep(0.05)
    finally:
        probes.stop.set()
        thread.join(40)
        for each in slow:
            if each.closed_after is None:
                each.sock.close()
    return slow, probes


@pytest.mark.parametrize("count", [8, 50, 200])
def test_slow_sockets_neither_stop_the_server_nor_stay_open(
    slow_server: LiveServer, count: int
) -> None:
    slow, probes = attack(slow_server, count)
    closed = {
        kind: sorted(round(s.closed_after, 1) for s in slow if s.kind == kind and s.closed_after)
        for kind in KINDS
    }
    still_open = [s.kind for s in slow if s.closed_after is None]
    worst = probes.worst()
    print(
        f"\n{SERVER}, {count} slow sockets: probes {len(probes.latencies['healthz'])}, worst "
        f"healthz {worst['healthz']:.2f} s, sparql {worst['sparql']:.2f} s; closed after (s) "
        f"{ {kind: (v[0], v[-1]) if v else None for kind, v in closed.items()} }; "
        f"still open {len(still_open)}"
    )
    assert not probes.failures, probes.failures[:5]
    assert worst["healthz"] < PROBE_BOUND_S and worst["sparql"] < PROBE_BOUND_S, worst
    assert not still_open, f"{len(still_open)} slow sockets never closed: {still_open[:10]}"
    for each in slow:
        assert each.closed_after is not None
        # Closed by its read timeout: not before it, and not long after.
        assert each.timeout_s - 0.5 <= each.closed_after <= each.timeout_s + CLOSE_SLACK_S, (
            each.kind,
            each.closed_after,
        )
        # EOF, or a 408 first: never an answer to a request that was not complete.
        assert each.received == b"" or each.received.startswith(b"HTTP/1.1 408"), (
            each.kind,
            each.received[:200],
        )
    assert slow_server.process.poll() is None


def test_a_client_slow_within_its_timeouts_is_answered(slow_server: LiveServer) -> None:
    """Headers in three pieces over a second, a body in three more: a 200 with the answer."""
    host, port = slow_server.url.removeprefix("http://").rsplit(":", 1)
    query = b"ASK {}"
    pieces = [
        b"POST /sparql HTTP/1.1\r\nHost: x\r\n",
        b"Accept: application/sparql-results+json\r\nConnection: close\r\n",
        b"Content-Type: application/sparql-query\r\nContent-Length: %d\r\n\r\n" % len(query),
        query[:2],
        query[2:4],
        query[4:],
    ]
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        for piece in pieces:
            sock.sendall(piece)
            time.sleep(0.4)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), answer[:300]
    assert json.loads(body)["boolean"] is True

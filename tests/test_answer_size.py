"""Answer size is bounded in bytes, not only in rows: a real server, a query built to be huge.

A red-team run made a 529-character query return 500 MB in 7 s (the row cap counts rows, and each
row was a long concatenation), and the web process grew from 153 to 1,063 MB. Here the byte cap
(RESULT_MAX_BYTES) is small; the same kind of query must come back cut within the cap, said so in
its headers as the row cap is, and the web process's peak resident memory must barely move.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterator

import psutil
import pytest
from live import LiveServer, build, http, start_server

from bipmkg.query.engine import encode_answer

# Run again against a remote store and under granian by make test (-m web).
pytestmark = pytest.mark.web

MAX_BYTES = 1_048_576
#: Each row doubles a string ten times: about 60 KB a row, 600 MB for the 10,000 rows of the
#: row cap. Without a byte cap the whole of it is built, sent and held.
DOUBLINGS = "".join(f"BIND(CONCAT(?x{i}, ?x{i}) AS ?x{i + 1}) " for i in range(10))  # ?x0 … ?x10
HUGE_SELECT = (
    "SELECT ?x10 WHERE { ?a ?b ?c . ?d ?e ?f BIND(CONCAT(STR(?a), STR(?c), STR(?f)) AS ?x0) "
    + DOUBLINGS
    + "}"
)
HUGE_CONSTRUCT = (
    "CONSTRUCT { ?a <urn:long> ?x10 } WHERE { ?a ?b ?c . ?d ?e ?f "
    "BIND(CONCAT(STR(?a), STR(?c), STR(?f)) AS ?x0) " + DOUBLINGS + "}"
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    base = tmp_path_factory.mktemp("answer-size")
    build(base / "store")
    live = start_server(
        base / "store",
        {
            "BIPMKG_RESULT_MAX_BYTES": str(MAX_BYTES),
            "BIPMKG_QUERY_TIMEOUT_S": "30",
            "BIPMKG_RESULT_CACHE_MB": "0",  # nothing kept: the memory measured is the answer's
        },
        base / "server.log",
    )
    yield live
    live.stop()


def web_processes(server: LiveServer) -> list[psutil.Process]:
    """The server's own processes (HTTP server and app), not its query workers."""
    root = psutil.Process(server.process.pid)
    return [
        p
        for p in [root, *root.children(recursive=True)]
        if not any("bipmkg.store.worker" in part or "oxigraph" in part for part in p.cmdline())
    ]


def peak_kb(process: psutil.Process) -> int:
    """The process's peak resident memory (VmHWM): a freed 500 MB answer still shows here."""
    with open(f"/proc/{process.pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise AssertionError("no VmHWM")


def post(server: LiveServer, query: str, accept: str) -> tuple[int, dict[str, str], bytes]:
    answer = http(
        "POST",
        f"{server.url}/sparql",
        data=urllib.parse.urlencode({"query": query}).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": accept},
        timeout=120,
    )
    return answer.status, answer.headers, answer.body


@pytest.mark.parametrize(
    ("query", "accept"),
    [
        (HUGE_SELECT, "application/sparql-results+json"),
        (HUGE_SELECT, "text/csv"),
        (HUGE_CONSTRUCT, "text/turtle"),
        (HUGE_CONSTRUCT, "application/n-triples"),
    ],
)
def test_a_huge_answer_is_cut_at_the_byte_cap_and_memory_stays_bounded(
    server: LiveServer, query: str, accept: str
) -> None:
    processes = web_processes(server)
    before = {p.pid: peak_kb(p) for p in processes}
    status, headers, body = post(server, query, accept)
    grown_mb = max(peak_kb(p) - before[p.pid] for p in processes) / 1024
    assert status == 200, body[:300]
    assert len(body) <= MAX_BYTES, len(body)
    assert headers["x-sparql-truncated"] == "true"
    assert headers["x-sparql-byte-cap"] == str(MAX_BYTES)
    assert "RESULT_MAX_BYTES" in headers["warning"]
    rows = int(headers["x-sparql-rows"])
    assert rows >= 1
    if "json" in accept:  # a cut answer is still a whole document
        assert len(json.loads(body)["results"]["bindings"]) == rows
    if "n-triples" in accept:
        assert body.count(b"\n") == rows
    # The answer is about 600 MB uncut; a few copies of the 1 MB cut are all the server holds.
    assert grown_mb < 48, grown_mb


def test_answers_under_the_cap_are_whole_and_say_nothing(server: LiveServer) -> None:
    status, headers, body = post(
        server, "SELECT ?s WHERE { ?s ?p ?o } LIMIT 5", "application/sparql-results+json"
    )
    assert status == 200 and headers["x-sparql-rows"] == "5"
    assert "x-sparql-truncated" not in headers and "x-sparql-byte-cap" not in headers


def test_a_cut_remote_reply_ends_at_the_last_whole_row() -> None:
    # What bipmkg.store.remote hands over when it stopped reading a reply at its bound.
    import pyoxigraph as ox

    rows = [{"s": {"type": "uri", "value": f"urn:row:{i}"}} for i in range(1000)]
    reply = json.dumps({"head": {"vars": ["s"]}, "results": {"bindings": rows}}).encode()
    half = reply[: len(reply) // 2]
    answer = ox.parse_query_results(half, format=ox.QueryResultsFormat.JSON)
    encoded = encode_answer(answer, "json", None, None, cut=True)
    assert encoded["truncated_by"] == "bytes"
    assert 400 <= len(json.loads(encoded["body"])["results"]["bindings"]) == encoded["rows"] <= 500
    with pytest.raises(SyntaxError):  # not cut: a broken reply is an error, not an answer
        encode_answer(ox.parse_query_results(half, format=ox.QueryResultsFormat.JSON), "json", None)

"""No query reaches the network or the file system; runaway queries stop at their deadline.

A real TCP listener on an ephemeral 127.0.0.1 port counts connections: every SERVICE, LOAD and
FROM aimed at it must be refused with 400 and leave it at 0 connections.
"""

from __future__ import annotations

import socket
import threading
import time
import urllib.parse
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import QUERY_TIMEOUT_S
from hypothesis import given, settings
from hypothesis import strategies as st
from live import Answer, LiveServer, build, http, start_server

from bipmkg.errors import QueryError
from bipmkg.safety import check_query

STORED = ("https://w3id.org/bipmkg/graph/events",)


class Listener:
    """Accepts and counts TCP connections on 127.0.0.1 until closed."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    probe = Listener()
    yield probe
    probe.close()


def ask(server: LiveServer, query: str, timeout: float = 30) -> Answer:
    qs = urllib.parse.urlencode({"query": query})
    return http("GET", f"{server.url}/sparql?{qs}", timeout=timeout)


FETCHING_QUERIES = [
    "SELECT * WHERE { SERVICE <{url}> { ?s ?p ?o } }",
    "SELECT * WHERE { SERVICE SILENT <{url}> { ?s ?p ?o } }",
    "SELECT * WHERE { BIND(<{url}> AS ?e) SERVICE ?e { ?s ?p ?o } }",
    "SELECT * WHERE { ?x ?y ?z OPTIONAL { SERVICE <{url}> { ?s ?p ?o } } } LIMIT 1",
    "SELECT * WHERE { { SELECT ?s WHERE { SERVICE <{url}> { ?s ?p ?o } } } }",
    "select * where { service <{url}> { ?s ?p ?o } }",
    "SELECT * WHERE {\n  SeRvIcE\n<{url}>\n{ ?s ?p ?o } }",
    "SELECT * FROM <{url}> WHERE { ?s ?p ?o }",
    "SELECT * FROM NAMED <{url}> WHERE { GRAPH ?g { ?s ?p ?o } }",
    "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }",
    "LOAD <{url}>",
    "CONSTRUCT { ?s ?p ?o } WHERE { SERVICE <{url}> { ?s ?p ?o } }",
    "ASK { SERVICE <{url}> { ?s ?p ?o } }",
]


@pytest.mark.parametrize("template", FETCHING_QUERIES)
def test_fetching_queries_are_refused_and_make_no_connection(
    server: LiveServer, listener: Listener, template: str
) -> None:
    url = f"http://127.0.0.1:{listener.port}/sparql"
    answer = ask(server, template.replace("{url}", url))
    assert answer.status == 400, answer.text
    time.sleep(0.3)
    assert listener.connections == 0


def test_dataset_parameters_naming_unstored_graphs_are_refused(
    server: LiveServer, listener: Listener
) -> None:
    url = f"http://127.0.0.1:{listener.port}/graph"
    for parameter in ("default-graph-uri", "named-graph-uri"):
        qs = urllib.parse.urlencode(
            {"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1", parameter: url}
        )
        answer = http("GET", f"{server.url}/sparql?{qs}")
        assert answer.status == 400 and "not a stored graph" in answer.text
    time.sleep(0.3)
    assert listener.connections == 0


def test_keywords_inside_strings_iris_and_comments_are_not_mistaken() -> None:
    harmless = [
        'SELECT * WHERE { ?s ?p "SERVICE <http://x/> LOAD" }',
        "SELECT * WHERE { ?s <http://example.org/SERVICE> ?o }",
        "SELECT * WHERE { ?s ?p ?o } # SERVICE <http://x/>",
        "PREFIX service: <http://example.org/> SELECT * WHERE { ?s service:load ?o }",
        "SELECT ?service WHERE { ?service ?p ?o }",
        "SELECT * WHERE { ?s ?p '''multi\nline SERVICE''' }",
    ]
    for query in harmless:
        assert check_query(query, stored_graphs=STORED).form == "SELECT", query


@settings(max_examples=200, deadline=None)
@given(prefix=st.text(max_size=30), suffix=st.text(max_size=30))
def test_service_is_found_wherever_it_stands(prefix: str, suffix: str) -> None:
    # Whatever comes before and after, a SERVICE keyword between separators is refused, unless
    # the surrounding text turned it into part of a string, IRI or comment: then it is inert.
    query = f"SELECT * WHERE {{ {prefix} \nSERVICE <http://127.0.0.1:1/> {{ ?s ?p ?o }} {suffix} }}"
    try:
        check_query(query, stored_graphs=STORED)
    except QueryError:
        return
    stripped = prefix.replace(" ", "")
    assert any(c in stripped for c in "'\"<#"), f"SERVICE slipped through after {prefix!r}"


RUNAWAY_QUERIES = {
    "cartesian product": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
    "star path": "SELECT (COUNT(*) AS ?n) WHERE { ?a (!<urn:q>)* ?b . ?c (!<urn:q>)* ?d }",
    "regex over a product": (
        "SELECT ?c ?f WHERE { ?a ?b ?c . ?d ?e ?f "
        'FILTER(REGEX(CONCAT(STR(?c), STR(?f)), "^(a|aa)+$")) }'
    ),
    "huge offset": "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } OFFSET 1000000000",
}


@pytest.mark.parametrize("name", sorted(RUNAWAY_QUERIES))
def test_runaway_query_gets_503_at_the_deadline_while_others_are_served(
    server: LiveServer, name: str
) -> None:
    simple = "ASK { <https://w3id.org/bipmkg/id/organisation/bipm> ?p ?o }"
    with ThreadPoolExecutor(max_workers=2) as pool:
        started = time.monotonic()
        runaway = pool.submit(ask, server, RUNAWAY_QUERIES[name], 60)
        time.sleep(0.5)
        quick_times = []
        while not runaway.done():
            t0 = time.monotonic()
            answer = ask(server, simple)
            quick_times.append(time.monotonic() - t0)
            assert answer.status == 200
            time.sleep(0.2)
        slow = runaway.result()
        elapsed = time.monotonic() - started
    assert slow.status == 503, slow.text
    assert "limit" in slow.text and "stopped" in slow.text
    assert slow.headers.get("retry-after")
    assert QUERY_TIMEOUT_S - 0.5 <= elapsed <= QUERY_TIMEOUT_S + 1.0, elapsed
    assert quick_times and max(quick_times) < 0.2, quick_times
    # The server keeps answering after the runaway worker was stopped.
    assert ask(server, simple).status == 200


def test_per_client_limits_answer_429_with_retry_after(tmp_path: Path) -> None:
    build(tmp_path / "store")
    live = start_server(
        tmp_path / "store",
        {
            "BIPMKG_QUERY_TIMEOUT_S": "2",
            "BIPMKG_CLIENT_MAX_CONCURRENT": "1",
            "BIPMKG_CLIENT_QUERY_SECONDS": "1.5",
        },
        tmp_path / "log",
    )
    try:
        with ThreadPoolExecutor(max_workers=1) as pool:
            runaway = pool.submit(ask, live, RUNAWAY_QUERIES["cartesian product"], 30)
            time.sleep(0.5)
            second = ask(live, "ASK { ?s ?p ?o }")
            assert second.status == 429 and "at once" in second.text
            assert second.headers["retry-after"] == "1"
            assert runaway.result().status == 503
        spent = ask(live, "ASK { ?s ?p ?o }")
        assert spent.status == 429 and "query time" in spent.text
        assert 1 <= int(spent.headers["retry-after"]) <= 60
    finally:
        live.stop()

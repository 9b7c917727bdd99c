"""No query reaches the network or the file system; runaway queries stop at their deadline.

A real TCP listener on an ephemeral 127.0.0.1 port counts connections: every SERVICE, LOAD and
FROM aimed at it must be refused with 400 and leave it at 0 connections.
"""

from __future__ import annotations

import shutil
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
from probes import Listener, OpenWatch
from spellings import load_corpus

from bipmkg.errors import QueryError
from bipmkg.query.safety import check_query

# Run again against a remote store and under granian by make test (-m web).
pytestmark = pytest.mark.web

ROOT = Path(__file__).resolve().parent.parent
STORED = ("https://w3id.org/bipmkg/graph/events",)


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


UPDATE_TOKEN = "ssrf-curator-token"
SENTINEL_TURTLE = (
    "<https://w3id.org/bipmkg/id/event/sentinel> "
    "<http://www.w3.org/2004/02/skos/core#prefLabel> 'read by the server'@en .\n"
)
#: An update whose WHERE is a three-way cross product of the curated graphs: hours in rdflib.
RUNAWAY = (
    "INSERT { GRAPH <https://w3id.org/bipmkg/graph/events> { ?a <urn:p> ?c } } "
    "WHERE { GRAPH ?g { ?a ?p ?b } GRAPH ?h { ?c ?q ?d } GRAPH ?i { ?e ?r ?f } }"
)


def test_the_generated_spellings_are_refused_live_and_reach_nothing(
    listener: Listener, tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    """The corpus of tests/spellings.py (escaped, cased, commented, nested SERVICE, LOAD and
    FROM) at /sparql (GET and POST) and /update: each 400, the listener at 0 connections, the
    sentinel never opened, the curated files unchanged; a runaway update stopped at its deadline."""
    path = tmp_path_factory.mktemp("elsewhere") / "sentinel.ttl"
    path.write_text(SENTINEL_TURTLE, encoding="utf-8")
    watch = OpenWatch(path)
    data = tmp_path / "graph_data"
    shutil.copytree(ROOT / "graph_data", data, ignore=shutil.ignore_patterns("*.md"))
    build(tmp_path / "store", data)
    before = {p.name: p.read_bytes() for p in sorted(data.glob("*.ttl"))}
    live = start_server(
        tmp_path / "store",
        {
            "BIPMKG_UPDATE_TOKEN": UPDATE_TOKEN,
            "BIPMKG_DATA_DIR": str(data),
            "BIPMKG_UPDATE_TIMEOUT_S": "3",
        },
        tmp_path / "server.log",
    )
    curator = {
        "Content-Type": "application/sparql-update",
        "Authorization": f"Bearer {UPDATE_TOKEN}",
    }
    try:
        for number, text in enumerate(load_corpus("query", listener=listener.url, sentinel=path)):
            if number % 2:
                answer = http(
                    "POST",
                    f"{live.url}/sparql",
                    data=text.encode(),
                    headers={"Content-Type": "application/sparql-query"},
                )
            else:
                answer = ask(live, text)
            assert answer.status == 400, (text, answer.status, answer.text)
        for text in load_corpus("update", listener=listener.url, sentinel=path):
            answer = http("POST", f"{live.url}/update", data=text.encode(), headers=curator)
            assert answer.status == 400, (text, answer.status, answer.text)
        runaway = http("POST", f"{live.url}/update", data=RUNAWAY.encode(), headers=curator)
        assert runaway.status == 503 and "did not finish within the 3 s limit" in runaway.text
        assert http("GET", f"{live.url}/healthz").status == 200
    finally:
        live.stop()
        time.sleep(0.3)
        opened = watch.opened()
        watch.close()
    assert listener.connections == 0
    assert not opened
    assert {p.name: p.read_bytes() for p in sorted(data.glob("*.ttl"))} == before

"""The SPARQL 1.1 Protocol endpoint, against a live gunicorn server on 127.0.0.1."""

from __future__ import annotations

import json
import urllib.parse
from pathlib import Path

import pytest
from conftest import ROW_CAP
from live import LiveServer, http
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, TSV, TURTLE, XML, SPARQLWrapper

# Run again against a remote store and under granian by make test (-m web).
pytestmark = pytest.mark.web

BKG = "https://w3id.org/bipmkg/ontology#"
PREFIXES = (
    "PREFIX bkg: <https://w3id.org/bipmkg/ontology#>\n"
    "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
)
IUPAC_MOU = "https://w3id.org/bipmkg/id/agreement/bipm-iupac-mou"
PARTIES = PREFIXES + f"SELECT ?party WHERE {{ <{IUPAC_MOU}> bkg:hasParty ?party }} ORDER BY ?party"
EXPECTED_PARTIES = [
    "https://w3id.org/bipmkg/id/organisation/bipm",
    "https://w3id.org/bipmkg/id/organisation/iupac",
]


def get(server: LiveServer, query: str, accept: str | None = None, **params: str):  # type: ignore[no-untyped-def]
    qs = urllib.parse.urlencode({"query": query, **params})
    return http("GET", f"{server.url}/sparql?{qs}", headers={"Accept": accept} if accept else {})


def bindings(body: bytes, var: str) -> list[str]:
    return [b[var]["value"] for b in json.loads(body)["results"]["bindings"]]


# -- Protocol: the three ways to send a query --------------------------------------------------


def test_get_post_form_and_post_body_give_the_same_answer(server: LiveServer) -> None:
    by_get = get(server, PARTIES)
    by_form = http(
        "POST",
        f"{server.url}/sparql",
        data=urllib.parse.urlencode({"query": PARTIES}).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    by_body = http(
        "POST",
        f"{server.url}/sparql",
        data=PARTIES.encode(),
        headers={"Content-Type": "application/sparql-query"},
    )
    for answer in (by_get, by_form, by_body):
        assert answer.status == 200, answer.text
        assert answer.headers["content-type"].startswith("application/sparql-results+json")
        assert bindings(answer.body, "party") == EXPECTED_PARTIES


def test_default_graph_uri_selects_a_stored_graph(server: LiveServer) -> None:
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    events = get(server, count, **{"default-graph-uri": "https://w3id.org/bipmkg/graph/events"})
    everything = get(server, count)
    n_events = int(bindings(events.body, "n")[0])
    n_all = int(bindings(everything.body, "n")[0])
    assert 0 < n_events < n_all
    expected = len(Graph().parse(Path(__file__).parent.parent / "graph_data" / "events.ttl"))
    assert n_events == expected


def test_named_graph_uri_and_from_named_select_stored_graphs(server: LiveServer) -> None:
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g"
    one = get(server, query, **{"named-graph-uri": "https://w3id.org/bipmkg/graph/people"})
    assert bindings(one.body, "g") == ["https://w3id.org/bipmkg/graph/people"]
    from_named = get(
        server,
        "SELECT DISTINCT ?g FROM NAMED <https://w3id.org/bipmkg/graph/places> "
        "WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g",
    )
    assert bindings(from_named.body, "g") == ["https://w3id.org/bipmkg/graph/places"]


# -- Result formats and content negotiation ----------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        ("application/sparql-results+json", "application/sparql-results+json"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
        ("*/*", "application/sparql-results+json"),
    ],
)
def test_select_formats_by_accept(server: LiveServer, accept: str, media_type: str) -> None:
    answer = get(server, PARTIES, accept)
    assert answer.status == 200
    assert answer.headers["content-type"].split(";")[0] == media_type
    assert "organisation/iupac" in answer.text


@pytest.mark.parametrize("name", ["json", "xml", "csv", "tsv"])
def test_select_formats_by_parameter(server: LiveServer, name: str) -> None:
    answer = get(server, PARTIES, "text/html", format=name)
    assert answer.status == 200
    assert "organisation/bipm" in answer.text


def test_csv_and_tsv_are_well_formed(server: LiveServer) -> None:
    csv_text = get(server, PARTIES, "text/csv").text
    assert csv_text.splitlines() == ["party", *EXPECTED_PARTIES]
    tsv_text = get(server, PARTIES, "text/tab-separated-values").text
    assert tsv_text.splitlines() == ["?party", *(f"<{p}>" for p in EXPECTED_PARTIES)]


def test_construct_formats_are_the_same_graph(server: LiveServer) -> None:
    construct = PREFIXES + f"CONSTRUCT {{ <{IUPAC_MOU}> ?p ?o }} WHERE {{ <{IUPAC_MOU}> ?p ?o }}"
    graphs = {}
    for accept, rdflib_format in [
        ("text/turtle", "turtle"),
        ("application/n-triples", "nt"),
        ("application/rdf+xml", "xml"),
        ("application/ld+json", "json-ld"),
        ("application/trig", "trig"),
        ("application/n-quads", "nquads"),
    ]:
        answer = get(server, construct, accept)
        assert answer.status == 200, (accept, answer.text)
        assert answer.headers["content-type"].split(";")[0] == accept
        graph = Graph()
        if rdflib_format in ("trig", "nquads"):
            from rdflib import Dataset

            dataset = Dataset()
            dataset.parse(data=answer.body, format=rdflib_format)
            for quad in dataset.quads((None, None, None, None)):
                graph.add(quad[:3])
        else:
            graph.parse(data=answer.body, format=rdflib_format)
        graphs[accept] = graph
    reference = graphs["text/turtle"]
    assert len(reference) >= 8
    for accept, graph in graphs.items():
        assert isomorphic(graph, reference), accept


def test_ask_answers_true_and_false(server: LiveServer) -> None:
    yes = get(server, PREFIXES + f"ASK {{ <{IUPAC_MOU}> bkg:dateSigned ?d }}")
    no = get(server, PREFIXES + f"ASK {{ <{IUPAC_MOU}> bkg:dateSigned '1900-01-01' }}")
    assert json.loads(yes.body)["boolean"] is True
    assert json.loads(no.body)["boolean"] is False


def test_unservable_accept_is_406(server: LiveServer) -> None:
    answer = get(server, PARTIES, "image/png")
    assert answer.status == 406
    assert "application/sparql-results+json" in answer.text


def test_format_that_cannot_express_the_result_is_400(server: LiveServer) -> None:
    answer = get(server, PARTIES, None, format="turtle")
    assert answer.status == 400 and "cannot express" in answer.text


# -- Without a query: the page or the service description --------------------------------------


def test_browser_gets_the_query_page(server: LiveServer) -> None:
    answer = http("GET", f"{server.url}/sparql", headers={"Accept": "text/html,*/*;q=0.8"})
    assert answer.status == 200
    assert answer.headers["content-type"].startswith("text/html")
    assert 'id="yasgui"' in answer.text


def test_others_get_the_service_description(server: LiveServer) -> None:
    answer = http("GET", f"{server.url}/sparql", headers={"Accept": "text/turtle"})
    assert answer.status == 200
    description = Graph().parse(data=answer.body, format="turtle")
    sd = "http://www.w3.org/ns/sparql-service-description#"
    endpoints = {str(o) for o in description.objects(None, URIRef(sd + "endpoint"))}
    assert endpoints == {f"{server.url}/sparql"}
    names = {str(o) for o in description.objects(None, URIRef(sd + "name"))}
    assert "https://w3id.org/bipmkg/graph/agreements" in names
    plain = http("GET", f"{server.url}/sparql")
    assert plain.headers["content-type"].startswith("text/turtle")


# -- Errors: always 4xx with a message, never a 500 --------------------------------------------


def test_malformed_query_is_400_with_the_parser_position(server: LiveServer) -> None:
    answer = get(server, "SELECT ?s WHERE { ?s ?p }")
    assert answer.status == 400
    assert "malformed query" in answer.text and "1:" in answer.text


@pytest.mark.parametrize(
    "update",
    [
        "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
        "DELETE WHERE { ?s ?p ?o }",
        "PREFIX x: <urn:x#> CLEAR ALL",
    ],
)
def test_update_at_the_query_endpoint_is_400(server: LiveServer, update: str) -> None:
    assert get(server, update).status == 400
    posted = http(
        "POST",
        f"{server.url}/sparql",
        data=update.encode(),
        headers={"Content-Type": "application/sparql-update"},
    )
    assert posted.status == 400 and "/update" in posted.text


def test_wrong_method_is_405(server: LiveServer) -> None:
    answer = http("DELETE", f"{server.url}/sparql")
    assert answer.status == 405
    assert "GET" in answer.headers["allow"] and "POST" in answer.headers["allow"]


def test_body_too_large_is_413(server: LiveServer) -> None:
    big = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 70_000
    answer = http(
        "POST",
        f"{server.url}/sparql",
        data=big.encode(),
        headers={"Content-Type": "application/sparql-query"},
    )
    assert answer.status == 413 and "MAX_BODY_BYTES" in answer.text


def test_unknown_content_type_is_415(server: LiveServer) -> None:
    answer = http(
        "POST", f"{server.url}/sparql", data=b"{}", headers={"Content-Type": "application/json"}
    )
    assert answer.status == 415


def test_invalid_utf8_body_is_400(server: LiveServer) -> None:
    answer = http(
        "POST",
        f"{server.url}/sparql",
        data=b"SELECT * WHERE { ?s ?p '\xff\xfe' }",
        headers={"Content-Type": "application/sparql-query"},
    )
    assert answer.status == 400 and "UTF-8" in answer.text


def test_cors_for_reads(server: LiveServer) -> None:
    answer = get(server, PARTIES)
    assert answer.headers["access-control-allow-origin"] == "*"
    preflight = http(
        "OPTIONS",
        f"{server.url}/sparql",
        headers={"Origin": "https://example.org", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status == 204
    assert "POST" in preflight.headers["access-control-allow-methods"]


def test_row_cap_is_reported_never_silent(server: LiveServer) -> None:
    # Unordered: sorting 120k triples takes longer than the test server's 3 s limit.
    answer = get(server, "SELECT ?s ?p ?o WHERE { ?s ?p ?o }")
    assert answer.status == 200
    assert len(json.loads(answer.body)["results"]["bindings"]) == ROW_CAP
    assert answer.headers["x-sparql-truncated"] == "true"
    assert answer.headers["x-sparql-row-cap"] == str(ROW_CAP)
    assert "truncated" in answer.headers["warning"]
    small = get(server, PARTIES)
    assert "x-sparql-truncated" not in small.headers
    assert small.headers["x-sparql-rows"] == "2"


# -- Real clients --------------------------------------------------------------------------------


@pytest.mark.parametrize("return_format", [JSON, XML, CSV, TSV])
def test_sparqlwrapper_select(server: LiveServer, return_format: str) -> None:
    client = SPARQLWrapper(f"{server.url}/sparql")
    client.setQuery(PARTIES)
    client.setReturnFormat(return_format)
    converted = client.query().convert()
    if return_format == JSON:
        assert [b["party"]["value"] for b in converted["results"]["bindings"]] == EXPECTED_PARTIES
    elif return_format == XML:
        uris = [n.firstChild.data for n in converted.getElementsByTagName("uri")]
        assert uris == EXPECTED_PARTIES
    else:
        text = converted.decode() if isinstance(converted, bytes) else converted
        assert all(p in text for p in EXPECTED_PARTIES)


def test_sparqlwrapper_construct(server: LiveServer) -> None:
    client = SPARQLWrapper(f"{server.url}/sparql")
    client.setQuery(PREFIXES + f"CONSTRUCT WHERE {{ <{IUPAC_MOU}> bkg:hasParty ?p }}")
    client.setReturnFormat(TURTLE)
    data = client.query().convert()
    graph = Graph().parse(data=data, format="turtle")
    assert len(graph) == 2


def test_rdflib_sparqlstore_reads_through_the_endpoint(server: LiveServer) -> None:
    store = SPARQLStore(f"{server.url}/sparql", returnFormat="json")
    graph = Graph(store=store)
    rows = list(graph.query(PARTIES))
    assert [str(r[0]) for r in rows] == EXPECTED_PARTIES


# -- Query page, examples and health -------------------------------------------------------------


def test_query_page_lists_examples_and_serves_yasgui_locally(server: LiveServer) -> None:
    page = http("GET", f"{server.url}/query")
    assert page.status == 200
    examples = json.loads(http("GET", f"{server.url}/api/queries").body)
    assert len(examples["queries"]) >= 40
    assert examples["prefixes"]["bkg"] == BKG
    for example in examples["queries"]:
        assert example["title"] in page.text.replace("&#39;", "'").replace("&amp;", "&")
    for asset, kind in [
        ("/static/vendor/yasgui/yasgui.min.js", "javascript"),
        ("/static/vendor/yasgui/yasgui.min.css", "css"),
        ("/static/query.js", "javascript"),
    ]:
        answer = http("GET", server.url + asset)
        assert answer.status == 200 and kind in answer.headers["content-type"], asset
    assert "cdn" not in page.text.lower() and "unpkg" not in page.text.lower()


def test_every_example_query_runs_through_the_endpoint(server: LiveServer) -> None:
    examples = json.loads(http("GET", f"{server.url}/api/queries").body)["queries"]
    for example in examples:
        answer = get(server, example["query"])
        assert answer.status == 200, (example["name"], answer.text)


def test_health_and_readiness(server: LiveServer) -> None:
    assert json.loads(http("GET", f"{server.url}/healthz").body)["status"] == "ok"
    ready = json.loads(http("GET", f"{server.url}/readyz").body)
    assert ready["status"] == "ready" and ready["graphs"] >= 10

"""The network JSON API and downloads, against a real `bipmkg serve` (the session's `server`)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any
from urllib.parse import quote

import networkx as nx
import pytest
from live import LiveServer, http

from bipmkg.network.projection import period_start

# Run again against a remote store and under granian by make test (-m web).
pytestmark = pytest.mark.web

ID = "https://w3id.org/bipmkg/id/"
BIPM = f"{ID}organisation/bipm"
CIPM = f"{ID}organisation/cipm"
# No fact links it to any other body yet (the graph's README, "Bodies without a link").
FORUM = f"{ID}network/forum-nmi-international-activities"
CGPM = f"{ID}organisation/cgpm"


def get_json(server: LiveServer, route: str) -> Any:
    answer = http("GET", f"{server.url}{route}")
    assert answer.status == 200, answer.text
    assert answer.headers["content-type"].startswith("application/json")
    return json.loads(answer.body)


def test_network_has_nodes_with_labels_kind_and_metrics_and_explained_edges(
    server: LiveServer,
) -> None:
    data = get_json(server, "/api/network")
    assert data["as_of"] is None and len(data["nodes"]) == data["bodies"] > 50
    assert len(data["edges"]) == data["links"]
    bipm = next(n for n in data["nodes"] if n["iri"] == BIPM)
    assert bipm["acronym"] == "BIPM" and bipm["kind"] == "IntergovernmentalOrganisation"
    assert bipm["label_en"] == "International Bureau of Weights and Measures"
    assert bipm["label_fr"] == "Bureau international des poids et mesures"
    assert bipm["metrics"]["rank"] == 3 and bipm["metrics"]["degree"] > 20
    iris = {n["iri"] for n in data["nodes"]}
    for edge in data["edges"]:
        assert {edge["from_body"], edge["to_body"]} <= iris
        assert edge["kind"] in data["link_kinds"] and edge["fact"].startswith(ID)
        assert edge["sources"] and edge["explanation"]
    mou = next(e for e in data["edges"] if e["fact"] == f"{ID}agreement/bipm-iupac-mou")
    assert (mou["kind"], mou["start"], mou["end"]) == ("co-party", "2019-10-17", None)


def test_network_as_of_a_date_holds_only_links_started_by_then(server: LiveServer) -> None:
    whole = get_json(server, "/api/network")
    before = get_json(server, "/api/network?as_of=2019-10-16")
    on = get_json(server, "/api/network?as_of=2019-10-17")
    assert before["as_of"] == "2019-10-16" and len(before["edges"]) < len(whole["edges"])
    mou = f"{ID}agreement/bipm-iupac-mou"
    assert mou not in {e["fact"] for e in before["edges"]}
    assert mou in {e["fact"] for e in on["edges"]}
    for edge in before["edges"]:
        start = period_start(edge["start"])
        assert start is not None and start.isoformat() <= "2019-10-16"


def test_analysis_reports_metrics_communities_cut_points_and_algorithms(server: LiveServer) -> None:
    data = get_json(server, "/api/analysis")
    assert [m["iri"] for m in data["metrics"][:3]] == [CIPM, CGPM, BIPM]
    assert 0 < data["modularity"] < 1 and len(data["communities"]) > 1
    assert BIPM in data["articulation_points"] and data["bridges"] and data["components"]
    algorithms = {a["metric"]: a["algorithm"] for a in data["algorithms"]}
    assert algorithms["betweenness"].startswith("exact")
    assert "Louvain" in algorithms["communities"] and "seed" in algorithms["communities"]
    years = {y["year"]: y for y in data["by_year"]}
    assert years[2019]["agreements"] >= 1 and years[2019]["events"] >= 1
    dated = get_json(server, "/api/analysis?as_of=2019-12-31")
    assert dated["as_of"] == "2019-12-31" and dated["bodies"] < data["bodies"]


def test_path_from_icsh_to_iupac_has_hops_with_facts_and_sources(server: LiveServer) -> None:
    data = get_json(server, "/api/path?from=ICSH&to=IUPAC")
    assert data["connected"] and data["length"] == 2
    assert data["source"]["name"] == "ICSH" and data["target"]["name"] == "IUPAC"
    via = next(p for p in data["paths"] if p["bodies"][1]["iri"] == BIPM)
    links = via["hops"][1]["links"]
    mou = next(link for link in links if link["fact"] == f"{ID}agreement/bipm-iupac-mou")
    assert "signed 2019-10-17" in mou["explanation"]
    assert f"{ID}source/report-2019--iupac" in mou["sources"]
    by_iri = get_json(server, f"/api/path?from={quote(f'{ID}organisation/icsh')}&to=iupac")
    assert by_iri["length"] == 2
    apart = get_json(server, f"/api/path?from={quote(FORUM)}&to=BIPM")
    assert apart["connected"] is False and apart["paths"] == []


def test_ego_network(server: LiveServer) -> None:
    data = get_json(server, "/api/ego?node=IUPAC&radius=1")
    assert data["center"]["acronym"] == "IUPAC" and data["radius"] == 1
    assert BIPM in {b["iri"] for b in data["bodies"]}
    wider = get_json(server, "/api/ego?node=IUPAC&radius=2")
    assert len(wider["bodies"]) > len(data["bodies"])
    assert get_json(server, "/api/ego?node=IUPAC")["radius"] == 1
    assert [b["acronym"] for b in get_json(server, "/api/ego?node=IUPAC&radius=0")["bodies"]] == [
        "IUPAC"
    ]


def test_downloads_open_as_graphs_and_tables(server: LiveServer) -> None:
    graphml = http("GET", f"{server.url}/download/network.graphml")
    assert graphml.status == 200
    assert graphml.headers["content-type"].startswith("application/graphml+xml")
    assert 'filename="network.graphml"' in graphml.headers["content-disposition"]
    network = nx.read_graphml(io.BytesIO(graphml.body))
    assert BIPM in network and network.nodes[BIPM]["label_fr"]
    gexf = http("GET", f"{server.url}/download/network.gexf?as_of=2019-12-31")
    assert gexf.status == 200 and gexf.headers["content-type"].startswith("application/gexf+xml")
    assert 'filename="network-2019-12-31.gexf"' in gexf.headers["content-disposition"]
    assert nx.read_gexf(io.BytesIO(gexf.body)).number_of_nodes() < network.number_of_nodes()
    nodes = http("GET", f"{server.url}/download/network-nodes.csv")
    edges = http("GET", f"{server.url}/download/network-edges.csv?as_of=2019-12-31")
    assert nodes.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(nodes.text)))
    assert len(rows) == network.number_of_nodes() and rows[0]["Id"].startswith(ID)
    assert 'filename="network-edges-2019-12-31.csv"' in edges.headers["content-disposition"]
    assert next(csv.reader(io.StringIO(edges.text)))[:3] == ["Source", "Target", "Type"]


@pytest.mark.parametrize(
    ("route", "message"),
    [
        ("/api/network?as_of=2019-13-01", "YYYY-MM-DD"),
        ("/api/network?as_of=2019", "YYYY-MM-DD"),
        ("/api/analysis?as_of=yesterday", "YYYY-MM-DD"),
        ("/api/path?from=ICSH", "to= is missing"),
        ("/api/path?to=ICSH", "from= is missing"),
        ("/api/path?from=ICSH&to=NOBODY", "no body is named 'NOBODY'"),
        ("/api/path?from=ICSH&to=IUPAC&as_of=2019-02-30", "YYYY-MM-DD"),
        ("/api/path?from=ICSH&to=IUPAC&limit=0", "limit must be a whole number"),
        ("/api/path?from=ICSH&to=IUPAC&limit=many", "limit must be a whole number"),
        ("/api/path?from=ICSH&to=IUPAC&as_of=1900-01-01", "no body is named 'ICSH'"),
        ("/api/ego", "node= is missing"),
        ("/api/ego?node=IUPAC&radius=6", "radius must be a whole number from 0 to 5"),
        ("/api/ego?node=IUPAC&radius=-1", "radius must be a whole number from 0 to 5"),
        ("/api/ego?node=IUPAC&radius=1.5", "radius must be a whole number from 0 to 5"),
        ("/api/ego?node=%3Cscript%3E", "no body is named"),
        ("/api/ego?node=%00", "no body is named"),
        ("/download/network.graphml?as_of=2019-1-1", "YYYY-MM-DD"),
        ("/download/network-edges.csv?as_of=%22%3E", "YYYY-MM-DD"),
    ],
)
def test_bad_parameters_answer_400_with_what_is_wrong(
    server: LiveServer, route: str, message: str
) -> None:
    answer = http("GET", f"{server.url}{route}")
    assert answer.status == 400, (route, answer.status, answer.text)
    assert message in answer.text


def test_the_api_answers_machines_from_anywhere(server: LiveServer) -> None:
    answer = http("GET", f"{server.url}/api/network?as_of=2000-01-01")
    assert answer.status == 200
    assert answer.headers["access-control-allow-origin"] == "*"

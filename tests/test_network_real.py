"""The real graph's cooperation network: connectivity, explained paths, exports, metrics, CLI."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import networkx as nx
import pytest
from networkx.algorithms.isomorphism import categorical_multiedge_match, categorical_node_match
from rdflib import Graph

from bipmkg.build import build_store
from bipmkg.network.analysis import analyse, path
from bipmkg.network.files import EDGE_FIELDS, file_graph, to_gexf, to_graphml
from bipmkg.network.metrics import METRICS_GRAPH
from bipmkg.network.projection import Projection, network_of, project
from bipmkg.store.adapters import StoreSelector
from bipmkg.store.manifest import read_manifest

ID = "https://w3id.org/bipmkg/id/"
BIPM = f"{ID}organisation/bipm"
#: The three most central bodies since the outcomes' mentions (bipm-data-outcomes) and the CGPM's
#: Member States and Associates (cur-states) are in the graph: the CIPM, the CGPM, the BIPM.
CIPM = f"{ID}organisation/cipm"
CGPM = f"{ID}organisation/cgpm"
SOURCE = f"{ID}source/"
ROOT = Path(__file__).resolve().parent.parent

# Named on the "International cooperation" page (its menu), but no fact in graph_data/ links
# them to anything the BIPM is linked to: the IERS is only "established by the IAU and the IUGG",
# the forum has no link at all. A curator who adds the link should remove it from this set.
# The IERS was unlinked until the outcomes' mentions (CCTF and CGPM texts name it).
KNOWN_UNLINKED = {f"{ID}network/forum-nmi-international-activities"}

NAMED_IN_SOURCES = f"""PREFIX bkg: <https://w3id.org/bipmkg/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT DISTINCT ?body WHERE {{
  VALUES ?document {{ <{SOURCE}report-2019> <{SOURCE}cooperation-page> }}
  ?body a ?class . ?class rdfs:subClassOf* bkg:Body .
  ?body dcterms:source ?cited .
  {{ ?cited dcterms:isPartOf ?document }} UNION {{ FILTER(?cited = ?document) }}
}} ORDER BY ?body"""

TOP_FIVE_2019 = f"""PREFIX bkg: <https://w3id.org/bipmkg/ontology#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
SELECT ?body ?rank ?pageRank WHERE {{
  GRAPH <{METRICS_GRAPH}> {{
    ?run a bkg:MetricsRun ; bkg:asOfDate ?day .
    FILTER(YEAR(?day) = 2019)
    ?metrics prov:wasGeneratedBy ?run ; bkg:measuredBody ?body ;
             bkg:centralityRank ?rank ; bkg:pageRank ?pageRank .
  }}
}} ORDER BY ?rank LIMIT 5"""


RUN_2019 = f"""PREFIX bkg: <https://w3id.org/bipmkg/ontology#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX schema: <https://schema.org/>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
SELECT ?algorithm ?parameters ?started ?version WHERE {{ GRAPH <{METRICS_GRAPH}> {{
  ?run a bkg:MetricsRun , prov:Activity ; bkg:asOfDate "2019-12-31"^^xsd:date ;
       bkg:algorithm ?algorithm ; bkg:parameters ?parameters ;
       prov:startedAtTime ?started ; prov:wasAssociatedWith ?agent .
  ?agent schema:name "bipmkg" ; schema:softwareVersion ?version .
}} }}"""


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_store(tmp_path_factory.mktemp("network") / "store").store_dir


@pytest.fixture(scope="module")
def projection(store: Path) -> Projection:
    return project(StoreSelector.open(store))


@pytest.fixture(scope="module")
def network(projection: Projection) -> nx.MultiGraph:
    return network_of(projection)


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bipmkg", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
    )


def test_bipm_is_connected_to_every_body_named_in_the_sources(
    store: Path, network: nx.MultiGraph
) -> None:
    named = {row["body"] for row in StoreSelector.open(store).select(NAMED_IN_SOURCES)}
    assert len(named) > 40 and BIPM in named
    reachable = nx.node_connected_component(network, BIPM)
    assert named <= set(network), "every named body is a node"
    assert named - reachable == KNOWN_UNLINKED


def test_the_store_and_the_turtle_give_the_same_network(
    projection: Projection, graph: Graph
) -> None:
    # The Turtle as `bipmkg network --turtle` reads it (rdflib parses, an in-memory Oxigraph
    # evaluates: rdflib's own SPARQL takes minutes on the grown graph's joins).
    assert project(StoreSelector.from_graph(graph)) == projection


def test_the_path_from_icsh_to_iupac_is_found_and_explained(network: nx.MultiGraph) -> None:
    result = path(network, "ICSH", "iupac")
    assert result.connected and result.length == 2
    through = {tuple(b.name for b in p.bodies) for p in result.paths}
    assert ("ICSH", "BIPM", "IUPAC") in through
    via_bipm = next(p for p in result.paths if p.bodies[1].iri == BIPM)
    first, second = via_bipm.hops
    # The ICSH is a party of the JCTLM declaration's 2019 revision, not of the declaration of 2002.
    assert f"{ID}revision/jctlm-declaration--2019" in {link.fact for link in first.links}
    assert f"{ID}agreement/jctlm-declaration" not in {link.fact for link in first.links}
    mou = next(link for link in second.links if link.fact == f"{ID}agreement/bipm-iupac-mou")
    assert mou.explanation == (
        "BIPM —party to the Memorandum of Understanding between the BIPM and IUPAC, "
        "signed 2019-10-17→ IUPAC"
    )
    assert f"{SOURCE}report-2019--iupac" in mou.sources
    for p in result.paths:
        for hop in p.hops:
            assert hop.links and all(link.sources for link in hop.links)


def test_every_link_cites_a_source_and_explains_itself(network: nx.MultiGraph) -> None:
    for u, v, data in network.edges(data=True):
        assert data["source"], (u, v, data["kind"], data["fact"])
        assert "—" in data["explanation"] and "→" in data["explanation"]


def test_the_analysis_is_deterministic(projection: Projection) -> None:
    first = analyse(network_of(projection))
    assert first == analyse(network_of(projection))
    assert [m.iri for m in first.metrics[:3]] == [CIPM, CGPM, BIPM]


NODE_MATCH = categorical_node_match(
    ["iri", "label", "label_en", "label_fr", "kind", "acronym", "rank", "degree"], [None] * 8
)


def test_graphml_reads_back_into_an_isomorphic_graph(network: nx.MultiGraph) -> None:
    analysis = analyse(network)
    expected = file_graph(network, analysis)
    read = nx.read_graphml(io.BytesIO(to_graphml(network, analysis)))
    assert read.is_multigraph() and not read.is_directed()
    assert set(read) == set(network)
    edge_match = categorical_multiedge_match(list(EDGE_FIELDS), [None] * len(EDGE_FIELDS))
    assert nx.is_isomorphic(read, expected, node_match=NODE_MATCH, edge_match=edge_match)
    some = next(iter(read.nodes(data=True)))[1]
    assert {"iri", "label_en", "kind"} <= set(some)


def test_gexf_reads_back_into_an_isomorphic_graph(network: nx.MultiGraph) -> None:
    analysis = analyse(network)
    expected = file_graph(network, analysis)
    for _, _, data in expected.edges(data=True):
        # GEXF carries whole-day intervals; the dates as written travel as *_given.
        for field in ("start", "end"):
            if field in data:
                data[f"{field}_given"] = data[field]
    read = nx.read_gexf(io.BytesIO(to_gexf(network, analysis)))
    assert set(read) == set(network)
    fields = ["kind", "fact", "fact_source", "role", "start_given", "end_given"]
    edge_match = categorical_multiedge_match(fields, [None] * len(fields))
    assert nx.is_isomorphic(read, expected, node_match=NODE_MATCH, edge_match=edge_match)
    partial = [d for _, _, d in read.edges(data=True) if d.get("start_given") == "2019-04"]
    assert all(d["start"] == "2019-04-01" for d in partial)


def test_the_metrics_graph_is_in_the_store_and_answers_the_top_five_of_2019(store: Path) -> None:
    manifest = read_manifest(store)
    assert manifest is not None
    graphs = [g["iri"] for g in manifest["graphs"]]  # type: ignore[union-attr, index]
    assert str(METRICS_GRAPH) in graphs
    selector = StoreSelector.open(store)
    rows = selector.select(TOP_FIVE_2019)
    assert [int(r["rank"]) for r in rows] == [1, 2, 3, 4, 5]
    assert [r["body"] for r in rows[:3]] == [CIPM, CGPM, BIPM]
    scores = [float(r["pageRank"]) for r in rows]
    assert scores == sorted(scores, reverse=True)
    run = selector.select(RUN_2019)
    assert any(r["algorithm"].startswith("betweenness: exact") for r in run)
    assert json.loads(run[0]["parameters"])["seed"]


# -- The command line -----------------------------------------------------------------------------


def test_cli_analyse_json_and_table(store: Path, network: nx.MultiGraph) -> None:
    answer = cli("analyse", "--json", "--store", str(store))
    assert answer.returncode == 0, answer.stderr
    payload = json.loads(answer.stdout)
    assert payload["bodies"] == network.number_of_nodes()
    assert len(payload["metrics"]) == network.number_of_nodes()
    top = [(m["iri"], m["rank"]) for m in payload["metrics"][:3]]
    assert top == [(CIPM, 1), (CGPM, 2), (BIPM, 3)]
    assert payload["modularity"] > 0 and payload["communities"]
    table = cli("analyse", "--top", "3", "--as-of", "2019-12-31", "--store", str(store))
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert "as of 2019-12-31" in lines[0]
    assert lines[2].split()[0] == "rank" and lines[4].split()[:2] == ["1", "CIPM"]
    assert lines[5].split()[:2] == ["2", "CGPM"] and lines[6].split()[:2] == ["3", "BIPM"]
    assert "betweenness: exact" in table.stdout


def test_cli_path_icsh_iupac(store: Path) -> None:
    answer = cli("path", "ICSH", "IUPAC", "--store", str(store))
    assert answer.returncode == 0, answer.stderr
    assert "ICSH → IUPAC: 2 hop(s)" in answer.stdout
    assert "Path 1: ICSH → BIPM → IUPAC" in answer.stdout
    assert "signed 2019-10-17→ IUPAC" in answer.stdout
    assert f"<{SOURCE}report-2019--iupac>" in answer.stdout
    data = json.loads(cli("path", "ICSH", "IUPAC", "--json", "--store", str(store)).stdout)
    assert data["length"] == 2 and data["paths"][0]["hops"][0]["links"]


def test_cli_network_export(store: Path, tmp_path: Path, network: nx.MultiGraph) -> None:
    graphml = cli("network-export", "--format", "graphml", "--store", str(store))
    assert graphml.returncode == 0, graphml.stderr
    assert set(nx.read_graphml(io.BytesIO(graphml.stdout.encode()))) == set(network)
    gexf = tmp_path / "out" / "network.gexf"
    done = cli(
        "network-export",
        "--format",
        "gexf",
        "--as-of",
        "2019-12-31",
        "--output",
        str(gexf),
        "--store",
        str(store),
    )
    assert done.returncode == 0, done.stderr
    assert 0 < nx.read_gexf(gexf).number_of_nodes() < network.number_of_nodes()
    folder = tmp_path / "csv"
    assert (
        cli(
            "network-export", "--format", "csv", "--output", str(folder), "--store", str(store)
        ).returncode
        == 0
    )
    nodes = list(csv.DictReader((folder / "nodes.csv").open(encoding="utf-8")))
    edges = list(csv.DictReader((folder / "edges.csv").open(encoding="utf-8")))
    assert len(nodes) == network.number_of_nodes() and len(edges) == network.number_of_edges()
    assert {"Id", "Label", "label_en", "label_fr", "kind", "acronym", "iri"} <= set(nodes[0])
    assert {"Source", "Target", "kind", "start", "end", "fact", "fact_source"} <= set(edges[0])
    archive = tmp_path / "network.zip"
    assert (
        cli(
            "network-export", "--format", "csv", "--output", str(archive), "--store", str(store)
        ).returncode
        == 0
    )
    assert sorted(zipfile.ZipFile(archive).namelist()) == ["edges.csv", "nodes.csv"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("path", "ICSH", "NOBODY"), "no body is named 'NOBODY'"),
        (("analyse", "--as-of", "2019-13-01"), "YYYY-MM-DD"),
        (("network-export", "--format", "csv", "--as-of", "12/31/2019"), "YYYY-MM-DD"),
        (("analyse", "--top", "-1"), "--top"),
        (("path", "ICSH", "IUPAC", "--limit", "0"), "--limit"),
    ],
)
def test_cli_bad_input_exits_2_with_a_message(
    store: Path, args: tuple[str, ...], message: str
) -> None:
    answer = cli(*args, "--store", str(store))
    assert answer.returncode == 2
    assert answer.stderr.startswith("bipmkg: error:") and message in answer.stderr


def test_cli_reads_turtle_and_says_when_there_is_no_path() -> None:
    fixtures = {"BIPMKG_DATA_DIR": str(ROOT / "tests" / "data" / "network")}
    found = cli("path", "EPS", "delta", "--turtle", env=fixtures)
    assert found.returncode == 0, found.stderr
    assert "EPS → ALPHA → BETA → GAMMA → DELTA" in found.stdout
    apart = cli("path", "HUB", "K1", "--turtle", env=fixtures)
    assert apart.returncode == 1 and "no path" in apart.stdout
    earlier = cli("path", "ALPHA", "BETA", "--as-of", "2019-10-16", "--turtle", env=fixtures)
    assert "Cooperation between Alpha and Beta" in earlier.stdout
    assert "Memorandum" not in earlier.stdout


def test_cli_without_a_store_says_how_to_build_one(tmp_path: Path) -> None:
    answer = cli("analyse", "--store", str(tmp_path / "none"))
    assert answer.returncode == 2 and "bipmkg build" in answer.stderr


def test_cli_export_network_is_the_same_as_network_export(store: Path, tmp_path: Path) -> None:
    first = cli(
        "export",
        "--network",
        "graphml",
        "--output",
        str(tmp_path / "a.graphml"),
        "--store",
        str(store),
    )
    second = cli(
        "network-export",
        "--format",
        "graphml",
        "--output",
        str(tmp_path / "b.graphml"),
        "--store",
        str(store),
    )
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    a = nx.read_graphml(tmp_path / "a.graphml")
    b = nx.read_graphml(tmp_path / "b.graphml")
    assert nx.utils.graphs_equal(a, b)

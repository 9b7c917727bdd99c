"""/update: token-guarded, validated on a copy, written back to graph_data/, kept after restart."""

from __future__ import annotations

import hashlib
import json
import shutil
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from live import Answer, LiveServer, build, http, start_server
from rdflib import Graph, Literal, URIRef

# Run again against a remote store and under granian by make test (-m web).
pytestmark = pytest.mark.web

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "curator-secret-token"
EVENTS = "https://w3id.org/bipmkg/graph/events"
AGREEMENTS = "https://w3id.org/bipmkg/graph/agreements"
PREFIXES = """PREFIX bkg: <https://w3id.org/bipmkg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX schema: <https://schema.org/>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""
NEW_EVENT = "https://w3id.org/bipmkg/id/event/test-curator-workshop-2019"
VALID = (
    PREFIXES
    + f"""INSERT DATA {{ GRAPH <{EVENTS}> {{
  <{NEW_EVENT}> a bkg:Workshop ;
    skos:prefLabel "Curator test workshop"@en ;
    schema:startDate "2019-12-02"^^xsd:date ;
    schema:location <https://w3id.org/bipmkg/id/place/paris> ;
    dcterms:source <https://w3id.org/bipmkg/id/source/report-2019--cbkt-overview> .
}} }}"""
)
INVALID = (
    PREFIXES
    + f"""INSERT DATA {{ GRAPH <{AGREEMENTS}> {{
  <https://w3id.org/bipmkg/id/agreement/test-one-party> a bkg:MemorandumOfUnderstanding ;
    skos:prefLabel "One-party memorandum"@en ;
    bkg:hasParty <https://w3id.org/bipmkg/id/organisation/bipm> ;
    dcterms:source <https://w3id.org/bipmkg/id/source/report-2019--iupac> .
}} }}"""
)


def digest(folder: Path) -> str:
    sha = hashlib.sha256()
    for path in sorted(folder.glob("*.ttl")):
        sha.update(path.name.encode() + path.read_bytes())
    return sha.hexdigest()


@pytest.fixture(scope="module")
def curated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, Path]]:
    base = tmp_path_factory.mktemp("update")
    data = base / "graph_data"
    shutil.copytree(ROOT / "graph_data", data, ignore=shutil.ignore_patterns("*.md"))
    build(base / "store", data)
    live = start_server(
        base / "store",
        {"BIPMKG_UPDATE_TOKEN": TOKEN, "BIPMKG_DATA_DIR": str(data)},
        base / "server.log",
    )
    yield live, data
    live.stop()


def send(server: LiveServer, update: str, token: str | None = TOKEN) -> Answer:
    headers = {"Content-Type": "application/sparql-update"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return http("POST", f"{server.url}/update", data=update.encode(), headers=headers)


def count_event(server: LiveServer) -> int:
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ <{NEW_EVENT}> ?p ?o }}"
    qs = urllib.parse.urlencode({"query": query})
    body = json.loads(http("GET", f"{server.url}/sparql?{qs}").body)
    return int(body["results"]["bindings"][0]["n"]["value"])


def test_without_token_401_and_nothing_changes(curated: tuple[LiveServer, Path]) -> None:
    server, data = curated
    before = digest(data)
    for token in (None, "wrong-token"):
        answer = send(server, VALID, token)
        assert answer.status == 401
        assert answer.headers["www-authenticate"].startswith("Bearer")
    assert digest(data) == before
    assert count_event(server) == 0


def test_invalid_change_422_with_report_and_nothing_changes(
    curated: tuple[LiveServer, Path],
) -> None:
    server, data = curated
    before = digest(data)
    answer = send(server, INVALID)
    assert answer.status == 422
    assert "Agreement party: an agreement names at least two parties" in answer.text
    assert digest(data) == before


@pytest.mark.parametrize(
    "update",
    [
        "LOAD <http://127.0.0.1:1/data.ttl>",
        "DROP ALL",
        "CLEAR ALL",
        "DROP SILENT ALL",
        f"INSERT {{ GRAPH <{EVENTS}> {{ ?s ?p ?o }} }} "
        "WHERE { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }",
        "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
        "INSERT DATA { GRAPH <https://example.org/elsewhere> { <urn:a> <urn:b> <urn:c> } }",
        "INSERT DATA { GRAPH <urn:g> { <urn:a> <urn:b> ",
    ],
)
def test_refused_updates_400_and_nothing_changes(
    curated: tuple[LiveServer, Path], update: str
) -> None:
    server, data = curated
    before = digest(data)
    answer = send(server, update)
    assert answer.status == 400, answer.text
    assert digest(data) == before


def test_valid_change_is_visible_persisted_and_survives_restart(
    curated: tuple[LiveServer, Path],
) -> None:
    server, data = curated
    answer = send(server, VALID)
    assert answer.status == 200, answer.text
    result = json.loads(answer.body)
    assert result["changed_files"] == ["events.ttl"] and result["triples_added"] == 5
    assert count_event(server) == 5
    written = Graph().parse(data / "events.ttl")
    assert (URIRef(NEW_EVENT), None, Literal("Curator test workshop", lang="en")) in written
    assert (data / "events.ttl").read_text(encoding="utf-8").startswith("# events.ttl")
    server.restart()
    assert count_event(server) == 5


def test_updates_are_off_without_a_configured_token(tmp_path: Path) -> None:
    build(tmp_path / "store")
    live = start_server(tmp_path / "store", {"BIPMKG_UPDATE_TOKEN": ""}, tmp_path / "log")
    try:
        answer = send(live, VALID)
        assert answer.status == 403 and "off" in answer.text
    finally:
        live.stop()

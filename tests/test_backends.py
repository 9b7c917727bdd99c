"""The three store backends behind one interface: embedded, memory and remote (`oxigraph serve`).

Each builds from the same files and must answer the same: example queries, exports, analysis.
The remote one is a real Oxigraph server on 127.0.0.1, reached over the SPARQL 1.1 Protocol and
the Graph Store Protocol; the whole web suite also runs against it (`make test`, second run).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from live import _REMOTES, REMOTE_TIMEOUT_S, http, oxigraph_server, start_server
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic
from rdflib.namespace import PROV

from bipmkg.build import build_store
from bipmkg.errors import RemoteError
from bipmkg.query.engine import EngineSettings
from bipmkg.query.examples import list_queries
from bipmkg.store.adapters import EngineSelector, StoreSelector
from bipmkg.store.backends import open_store
from bipmkg.store.endpoint import endpoint_from_env
from bipmkg.store.manifest import read_manifest
from bipmkg.store.remote import RemoteEngine, endpoint_of
from bipmkg.store.union import UNION_GRAPH, built_quads, has_union
from bipmkg.store.workers import QueryEngine

DATA = Path(__file__).parent / "data"
GRAPH_COUNTS = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"


def bipmkg(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bipmkg", *args],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture(scope="module")
def remote_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return oxigraph_server(tmp_path_factory.mktemp("oxigraph") / "db")


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory, remote_url: str) -> Iterator[dict[str, Path]]:
    base = tmp_path_factory.mktemp("backends")
    built = {
        "embedded": build_store(base / "embedded", backend="embedded").store_dir,
        "memory": build_store(base / "memory", backend="memory").store_dir,
    }
    os.environ["BIPMKG_REMOTE_URL"] = remote_url
    try:
        built["remote"] = build_store(base / "remote", backend="remote").store_dir
    finally:
        del os.environ["BIPMKG_REMOTE_URL"]
    yield built


def test_each_backend_is_recorded_and_the_remote_keeps_no_data_on_disk(
    stores: dict[str, Path], remote_url: str
) -> None:
    for backend, store in stores.items():
        assert read_manifest(store)["backend"] == backend  # type: ignore[index]
    assert sorted(p.name for p in stores["remote"].iterdir()) == ["bipmkg-manifest.json"]
    assert read_manifest(stores["remote"])["endpoint"] == {  # type: ignore[index]
        "query": f"{remote_url}/query",
        "update": f"{remote_url}/update",
        "store": f"{remote_url}/store",
    }
    # The memory store is a snapshot: the data files themselves are kept in the folder.
    assert (stores["memory"] / "graphs" / "metrics.nt").is_file()


def _engine(backend: str, store: Path) -> QueryEngine | RemoteEngine:
    if backend == "remote":
        manifest = read_manifest(store)
        assert manifest is not None and manifest["union"] == UNION_GRAPH
        graphs = [g["iri"] for g in manifest["graphs"]]  # type: ignore[attr-defined]
        return RemoteEngine(endpoint_of(store), graphs, timeout_s=30, union_graph=UNION_GRAPH)
    return QueryEngine(EngineSettings(store_dir=store, workers=1, timeout_s=30))


def test_every_example_query_gives_the_same_answer_on_every_backend(
    stores: dict[str, Path],
) -> None:
    answers: dict[str, dict[str, list[dict[str, str]]]] = {}
    for backend, store in stores.items():
        engine = _engine(backend, store)
        try:
            selector = EngineSelector(engine)
            answers[backend] = {
                q.name: sorted(selector.select(q.text), key=lambda r: sorted(r.items()))
                for q in list_queries()
                if q.text.lstrip().upper().find("SELECT") >= 0
            }
            answers[backend]["graphs"] = selector.select(GRAPH_COUNTS)
        finally:
            engine.close()
    assert len(answers["embedded"]) > 30
    assert answers["memory"] == answers["embedded"]
    assert answers["remote"] == answers["embedded"]


def test_the_default_graph_holds_each_triple_once_on_every_backend(
    stores: dict[str, Path],
) -> None:
    """SPARQL's default graph is the merge of the built graphs, a set: a triple two importers both
    state is one row there (Oxigraph's union of named graphs gave it once per graph), and the
    named graphs still hold it twice."""
    snapshot = "<https://w3id.org/bipmkg/id/source/snapshot-bipm-data-outcomes>"
    pattern = f"{snapshot} a <https://w3id.org/bipmkg/ontology#Snapshot>"
    every = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    counts = {}
    for backend, store in stores.items():
        engine = _engine(backend, store)
        try:
            selector = EngineSelector(engine)
            in_default = selector.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}")
            in_named = selector.select(
                f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ {pattern} }} }}"
            )
            graphs = selector.select("SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g {} }")
            counts[backend] = (in_default, in_named, graphs, selector.select(every))
        finally:
            engine.close()
    manifest = read_manifest(stores["embedded"])
    assert manifest is not None
    built = len(manifest["graphs"])  # type: ignore[arg-type]
    distinct = len({q.triple for q in built_quads(open_store(stores["embedded"]))})
    for backend, (in_default, in_named, graphs, total) in counts.items():
        assert in_default == [{"n": "1"}], backend
        assert int(in_named[0]["n"]) >= 2, backend
        assert graphs == [{"n": str(built)}], backend  # the union graph is not a named graph
        assert total == [{"n": str(distinct)}], backend


def test_exports_and_analysis_are_identical_on_every_backend(
    stores: dict[str, Path], remote_url: str
) -> None:
    datasets = {}
    for backend, store in stores.items():
        trig = bipmkg("export", "--format", "trig", "--store", str(store))
        assert trig.returncode == 0, trig.stderr
        datasets[backend] = Dataset().parse(data=trig.stdout, format="trig")
        analysed = bipmkg("analyse", "--json", "--top", "5", "--store", str(store))
        assert analysed.returncode == 0, analysed.stderr
        datasets[f"{backend}-analysis"] = json.loads(analysed.stdout)
    for backend in ("memory", "remote"):
        assert datasets[f"{backend}-analysis"] == datasets["embedded-analysis"]
        assert len(datasets[backend]) == len(datasets["embedded"])
        for graph in datasets["embedded"].graphs():
            other = datasets[backend].graph(graph.identifier)
            assert isomorphic(_untimed(graph), _untimed(other)), graph.identifier


def _untimed(graph: Graph) -> Graph:
    """The graph without the metrics runs' clock times, which differ from build to build."""
    kept = Graph()
    for triple in graph:
        if triple[1] not in (PROV.startedAtTime, PROV.endedAtTime):
            kept.add(triple)
    return kept


def test_a_rebuild_uploads_only_changed_graphs_and_swaps_them_in_at_once(
    tmp_path: Path, remote_url: str
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "minimal.ttl").write_bytes((DATA / "minimal.ttl").read_bytes())
    store = tmp_path / "store"
    env = {"BIPMKG_STORE": "remote", "BIPMKG_REMOTE_URL": remote_url}
    first = bipmkg("build", "--store", str(store), "--data", str(data / "minimal.ttl"), env=env)
    assert first.returncode == 0, first.stderr
    before = read_manifest(store)
    assert before is not None
    # Unchanged files: nothing to do; then one more triple in the curated file.
    again = bipmkg("build", "--store", str(store), "--data", str(data / "minimal.ttl"), env=env)
    assert "up to date" in again.stdout
    with open(data / "minimal.ttl", "a", encoding="utf-8") as handle:
        handle.write(
            "\n<https://w3id.org/bipmkg/id/place/paris> "
            '<http://www.w3.org/2004/02/skos/core#altLabel> "Lutetia"@en .\n'
        )
    third = bipmkg("build", "--store", str(store), "--data", str(data / "minimal.ttl"), env=env)
    assert third.returncode == 0, third.stderr
    after = read_manifest(store)
    assert after is not None
    hashes = {g["iri"]: g["sha256"] for g in before["graphs"]}  # type: ignore[attr-defined]
    changed = [g["iri"] for g in after["graphs"] if hashes[g["iri"]] != g["sha256"]]  # type: ignore[attr-defined]
    assert changed and "https://w3id.org/bipmkg/graph/ontology" not in changed
    query = 'ASK { GRAPH ?g { ?s <http://www.w3.org/2004/02/skos/core#altLabel> "Lutetia"@en } }'
    answer = http(
        "GET",
        f"{remote_url}/query?" + urllib.parse.urlencode({"query": query}),
        headers={"Accept": "application/sparql-results+json"},
    )
    assert json.loads(answer.body)["boolean"] is True
    # No staging graph is left on the server.
    listing = http(
        "GET",
        f"{remote_url}/query?"
        + urllib.parse.urlencode({"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g {} }"}),
        headers={"Accept": "application/sparql-results+json"},
    )
    names = [b["g"]["value"] for b in json.loads(listing.body)["results"]["bindings"]]
    assert not [n for n in names if n.startswith("urn:bipmkg:staging")]


def test_a_remote_server_that_lost_its_data_is_refilled_by_the_next_build(tmp_path: Path) -> None:
    location = tmp_path / "db"
    url = oxigraph_server(location)
    store = tmp_path / "store"
    env = {"BIPMKG_STORE": "remote", "BIPMKG_REMOTE_URL": url}
    minimal = str(DATA / "minimal.ttl")
    assert bipmkg("build", "--store", str(store), "--data", minimal, env=env).returncode == 0
    # Clear the server behind bipmkg's back: the manifest still says up to date.
    cleared = http(
        "POST",
        f"{url}/update",
        data=b"CLEAR ALL",
        headers={"Content-Type": "application/sparql-update"},
    )
    assert cleared.status in (200, 204)
    assert len(open_store(store)) == 0
    rebuilt = bipmkg("build", "--store", str(store), "--data", minimal, env=env)
    assert "Built" in rebuilt.stdout, rebuilt.stdout + rebuilt.stderr
    copied = open_store(
        store
    )  # a remote store opens as a copy fetched over the Graph Store Protocol
    manifest = read_manifest(store)
    assert manifest is not None
    built = sum(g["triples"] for g in manifest["graphs"])  # type: ignore[attr-defined]
    assert len(list(built_quads(copied))) == built
    # and their union, the default graph of its queries, once more beside them
    assert has_union(copied) and len(copied) > built


def test_remote_down_means_unready_with_the_reason_then_ready_again(tmp_path: Path) -> None:
    location = tmp_path / "db"
    url = oxigraph_server(location)
    store = tmp_path / "store"
    env = {"BIPMKG_STORE": "remote", "BIPMKG_REMOTE_URL": url}
    minimal = str(DATA / "minimal.ttl")
    assert bipmkg("build", "--store", str(store), "--data", minimal, env=env).returncode == 0
    live = start_server(store, {}, tmp_path / "server.log")
    try:
        assert http("GET", f"{live.url}/readyz").status == 200
        process, _ = _REMOTES.pop(location)
        process.terminate()
        process.wait(10)
        down = http("GET", f"{live.url}/readyz")
        assert down.status == 503 and "cannot be reached" in down.text
        assert http("GET", f"{live.url}/healthz").status == 200
        page = http("GET", f"{live.url}/id/place/paris")
        assert page.status == 503 and "cannot be reached" in page.text
        # Same port, same data on disk: the server comes back and so does bipmkg.
        port = urllib.parse.urlsplit(url).port
        restarted = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "oxigraph"),
                "serve",
                "--location",
                str(location),
                "--bind",
                f"127.0.0.1:{port}",
                "--timeout-s",
                str(REMOTE_TIMEOUT_S),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _REMOTES[location] = (restarted, url)
        for _ in range(100):
            if http("GET", f"{live.url}/readyz").status == 200:
                break
            time.sleep(0.1)
        assert http("GET", f"{live.url}/id/place/paris").status == 200
    finally:
        live.stop()


def test_remote_needs_its_endpoints_and_refuses_other_schemes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("URL", "QUERY_URL", "UPDATE_URL", "STORE_URL"):
        monkeypatch.delenv(f"BIPMKG_REMOTE_{name}", raising=False)
    with pytest.raises(RemoteError, match="BIPMKG_REMOTE_URL"):
        endpoint_from_env()
    monkeypatch.setenv("BIPMKG_REMOTE_URL", "file:///etc")
    with pytest.raises(RemoteError, match="not an http"):
        endpoint_from_env()
    monkeypatch.setenv("BIPMKG_REMOTE_URL", "http://127.0.0.1:1/ds")
    monkeypatch.setenv("BIPMKG_REMOTE_STORE_URL", "http://127.0.0.1:1/ds/data")
    endpoint = endpoint_from_env()
    assert endpoint.query_url == "http://127.0.0.1:1/ds/query"
    assert endpoint.store_url == "http://127.0.0.1:1/ds/data"
    unknown = bipmkg("build", "--store", "/nonexistent", env={"BIPMKG_STORE": "cloud"})
    assert unknown.returncode == 2 and "BIPMKG_STORE='cloud'" in unknown.stderr


def test_the_memory_store_is_loaded_by_each_worker_and_served(
    stores: dict[str, Path], tmp_path: Path
) -> None:
    live = start_server(stores["memory"], {}, tmp_path / "server.log")
    try:
        page = http("GET", f"{live.url}/id/organisation/bipm", headers={"Accept": "text/turtle"})
        assert page.status == 200 and "Bureau international des poids et mesures" in page.text
        store = open_store(stores["memory"])
        assert isinstance(store, ox.Store) and len(store) > 10_000
        assert StoreSelector(store).select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    finally:
        live.stop()


def test_a_query_the_remote_server_stops_mid_answer_is_a_timeout_not_an_unreadable_answer(
    tmp_path: Path,
) -> None:
    """`oxigraph serve --timeout-s` (whole seconds) sends 200, begins the answer, and at its
    deadline writes "The SPARQL operation has been cancelled" into it: bipmkg reports the
    deadline, as for its own, not a parse error (CI's loaded remote pass saw "Unexpected char:
    'T'")."""
    from bipmkg.errors import QueryAborted, QueryTimeout
    from bipmkg.query.request import QueryRequest

    graph = "urn:bipmkg:test:many"
    data = ox.Store(str(tmp_path / "db"))
    data.extend(
        ox.Quad(
            ox.NamedNode(f"urn:s{n}"),
            ox.NamedNode("urn:p"),
            ox.Literal(n % 50),
            ox.NamedNode(graph),
        )
        for n in range(3000)
    )
    del data  # RocksDB's lock goes before the server opens the folder
    url = oxigraph_server(tmp_path / "db", timeout_s=1)
    os.environ["BIPMKG_REMOTE_URL"] = url
    try:
        endpoint = endpoint_from_env()
    finally:
        del os.environ["BIPMKG_REMOTE_URL"]
    engine = RemoteEngine(endpoint, [graph], timeout_s=30, row_cap=10**9, max_bytes=None)
    # Every triple of subjects sharing an object: 10.8 million rows, streamed well past 1 s.
    join = "SELECT ?a ?b WHERE { ?a <urn:p> ?o . ?b <urn:p> ?o . ?c <urn:p> ?o }"
    with pytest.raises(QueryTimeout, match="remote SPARQL server's own time limit") as raised:
        engine.run(QueryRequest(join, fmt="json", row_cap=None, byte_cap=None))
    assert not isinstance(raised.value, QueryAborted)
    # A quick query on the same server is still answered.
    quick = engine.run(
        QueryRequest("ASK { ?s <urn:p> 1 }", fmt="json", row_cap=None, byte_cap=None)
    )
    assert b"true" in quick.body

"""Nothing a user sends makes the server fetch a URL or read a file, twice over (issue 21).

(1) The checks read what the parsers read: a generated corpus of escaped, cased, commented and
nested spellings of SERVICE, LOAD and FROM (tests/spellings.py, kept in tests/data/) is refused
with 400 at /sparql and /update. (2) The processes that evaluate queries and updates cannot reach
out whatever the text: the same corpus sent straight to the query workers and to the update
worker, past every check, leaves a real TCP listener at 0 connections and a sentinel file
unopened (inotify), and a probe process confined the same way fails at every way out that the
same process, unconfined, takes.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from live import BACKEND, build, http, oxigraph_server
from probes import Listener, OpenWatch
from spellings import CORPUS, load_corpus, render

from bipmkg.curation.update import UpdateLimits, check_update, evaluate_confined
from bipmkg.errors import BipmkgError, QueryError
from bipmkg.query.engine import EngineSettings
from bipmkg.query.request import QueryRequest
from bipmkg.query.safety import check_query
from bipmkg.rdf.files import graph_iri
from bipmkg.store.workers import QueryEngine

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "ssrf-curator-token"
EVENTS = "https://w3id.org/bipmkg/graph/events"
SENTINEL_TURTLE = (
    "<https://w3id.org/bipmkg/id/event/sentinel> "
    "<http://www.w3.org/2004/02/skos/core#prefLabel> 'read by the server'@en .\n"
)

#: An update whose WHERE is a three-way cross product of the whole graph: hours in rdflib.
RUNAWAY = (
    f"INSERT {{ GRAPH <{EVENTS}> {{ ?a <urn:p> ?c }} }} "
    "WHERE { GRAPH ?g { ?a ?p ?b } GRAPH ?h { ?c ?q ?d } GRAPH ?i { ?e ?r ?f } }"
)


@pytest.fixture
def listener() -> Iterator[Listener]:
    probe = Listener()
    yield probe
    probe.close()


@pytest.fixture
def sentinel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, OpenWatch]]:
    """A Turtle file any LOAD would take in, outside every folder the server is given."""
    path = tmp_path_factory.mktemp("elsewhere") / "sentinel.ttl"
    path.write_text(SENTINEL_TURTLE, encoding="utf-8")
    watch = OpenWatch(path)
    yield path, watch
    watch.close()


def digest(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.ttl"))}


def test_the_committed_corpus_is_the_generated_one() -> None:
    assert CORPUS.read_text(encoding="utf-8") == render(), "run python tests/spellings.py"
    kinds = [json.loads(line)["kind"] for line in CORPUS.read_text().splitlines()]
    assert kinds.count("query") >= 150 and kinds.count("update") >= 40


def test_the_checks_refuse_every_spelling(tmp_path: Path) -> None:
    sentinel = tmp_path / "sentinel.ttl"
    for text in load_corpus("query", listener="http://127.0.0.1:9999", sentinel=sentinel):
        with pytest.raises(QueryError):
            check_query(text, stored_graphs=[EVENTS])
    for text in load_corpus("update", listener="http://127.0.0.1:9999", sentinel=sentinel):
        with pytest.raises(QueryError):
            check_update(text)


def test_escapes_where_every_parser_agrees_are_still_accepted() -> None:
    for text in (
        'SELECT * WHERE { ?s ?p "caf\\u00e9" }',
        "SELECT * WHERE { ?s ?p <http://example.org/caf\\u00E9> }",
        "SELECT * WHERE { ?s ?p '\\U0001F600' } # \\u0053ERVICE in a comment is not read",
        'SELECT * WHERE { ?s ?p "a\\"b" }',
    ):
        check_query(text, stored_graphs=[])


@pytest.mark.skipif(BACKEND == "remote", reason="the query workers serve embedded stores")
def test_query_workers_reach_nothing_whatever_the_text(
    listener: Listener, sentinel: tuple[Path, OpenWatch], tmp_path: Path
) -> None:
    """Every query of the corpus straight to the workers, past every check: 0 connections."""
    path, watch = sentinel
    build(tmp_path / "store")
    engine = QueryEngine(EngineSettings(tmp_path / "store", workers=2, timeout_s=10))
    try:
        assert "seccomp" in engine.confinement and "Landlock" in engine.confinement
        for text in load_corpus("query", listener=listener.url, sentinel=path):
            try:
                engine.run(QueryRequest(text, fmt="json"))
            except BipmkgError:
                pass  # an error is fine; reaching out is not
    finally:
        engine.close()
    time.sleep(0.3)
    assert listener.connections == 0
    assert not watch.opened()


@pytest.mark.skipif(BACKEND == "remote", reason="the query workers serve embedded stores")
def test_an_unconfined_worker_does_reach_out(listener: Listener, tmp_path: Path) -> None:
    """The control: with WORKER_SANDBOX=0 the listener sees Oxigraph's SERVICE request, so the
    0 above is the sandbox's doing, not a probe that cannot see."""
    build(tmp_path / "store")
    engine = QueryEngine(EngineSettings(tmp_path / "store", workers=1, sandbox=False))
    try:
        assert engine.confinement == ""
        with pytest.raises(BipmkgError):
            engine.run(
                QueryRequest(
                    f"SELECT * WHERE {{ SERVICE <{listener.url}/sparql> {{ ?s ?p ?o }} }}",
                    fmt="json",
                )
            )
    finally:
        engine.close()
    time.sleep(0.3)
    assert listener.connections >= 1


def test_the_update_worker_reaches_nothing_whatever_the_text(
    listener: Listener, sentinel: tuple[Path, OpenWatch], tmp_path: Path
) -> None:
    """Every update of the corpus straight to the update worker, past check_update."""
    path, watch = sentinel
    data = tmp_path / "graph_data"
    shutil.copytree(ROOT / "graph_data", data, ignore=shutil.ignore_patterns("*.md"))
    files = {str(graph_iri(p)): p for p in sorted(data.glob("*.ttl"))}
    for text in load_corpus("update", listener=listener.url, sentinel=path):
        try:
            changed = evaluate_confined(text, files, UpdateLimits(timeout_s=20))
        except BipmkgError:
            continue
        assert "read by the server" not in "".join(changed.values()), text
    time.sleep(0.3)
    assert listener.connections == 0
    assert not watch.opened()


def probe(mode: str, listener: Listener, sentinel: Path, store: Path) -> dict[str, str]:
    command = [sys.executable, str(ROOT / "tests" / "confined_probe.py")]
    done = subprocess.run(
        [*command, mode, listener.url, str(sentinel), str(store)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    outcomes: dict[str, str] = json.loads(done.stdout)
    return outcomes


def test_a_confined_process_fails_at_every_way_out(
    listener: Listener, sentinel: tuple[Path, OpenWatch], tmp_path: Path
) -> None:
    path, watch = sentinel
    store = tmp_path / "store"
    store.mkdir()
    (store / "part").write_text("store file")
    outcomes = probe("confined", listener, path, store)
    for way in ("tcp connect", "udp", "ipv6", "open sentinel"):
        assert outcomes[way].startswith(("PermissionError", "OSError")), (way, outcomes[way])
    assert outcomes["unix socketpair"] == "done: 2"  # how workers talk to their parent
    assert outcomes["read store"] == "done: True"
    time.sleep(0.3)
    assert listener.connections == 0
    assert not watch.opened()


def test_the_same_process_unconfined_does_reach_out(
    listener: Listener, sentinel: tuple[Path, OpenWatch], tmp_path: Path
) -> None:
    """The control of the test above: the probes see every way out that is taken."""
    path, watch = sentinel
    outcomes = probe("open", listener, path, tmp_path)
    assert outcomes["open sentinel"].startswith("done")
    time.sleep(0.3)
    assert listener.connections >= 3  # Oxigraph's SERVICE, rdflib's LOAD and SERVICE, connect
    assert watch.opened()


def test_a_curators_large_insert_data_is_read_in_linear_time(tmp_path: Path) -> None:
    """About 1 MB of INSERT DATA (2,900 events): rdflib's reader took over 10 minutes of CPU;
    the update worker reads it with Oxigraph's TriG parser. Bounded by the update deadline."""
    data = tmp_path / "graph_data"
    shutil.copytree(ROOT / "graph_data", data, ignore=shutil.ignore_patterns("*.md"))
    files = {str(graph_iri(p)): p for p in sorted(data.glob("*.ttl"))}
    events = "".join(
        f"<https://w3id.org/bipmkg/id/event/bulk-{n}> a <https://w3id.org/bipmkg/ontology#Workshop>"
        f' ; <http://www.w3.org/2004/02/skos/core#prefLabel> "Bulk workshop {n} of a long '
        f'series, with a long enough label to weigh about one third of a kilobyte"@en ; '
        f"<https://schema.org/startDate> "
        f'"2019-12-02"^^<http://www.w3.org/2001/XMLSchema#date> .\n'
        for n in range(2_900)
    )
    text = f"INSERT DATA {{ GRAPH <{EVENTS}> {{\n{events}}} }}"
    assert len(text.encode()) > 900_000
    changed = evaluate_confined(text, files, UpdateLimits(timeout_s=60))
    assert list(changed) == [EVENTS]
    assert changed[EVENTS].count("bulk-2899>") == 3


def test_a_runaway_update_is_stopped_at_its_deadline(tmp_path: Path) -> None:
    data = tmp_path / "graph_data"
    shutil.copytree(ROOT / "graph_data", data, ignore=shutil.ignore_patterns("*.md"))
    files = {str(graph_iri(p)): p for p in sorted(data.glob("*.ttl"))}
    started = time.monotonic()
    with pytest.raises(BipmkgError, match="did not finish within the 2 s limit"):
        evaluate_confined(RUNAWAY, files, UpdateLimits(timeout_s=2))
    assert time.monotonic() - started < 15


@pytest.mark.parametrize("confined", [True, False])
def test_a_remote_server_under_confine_server_reaches_nothing(
    listener: Listener, tmp_path: Path, confined: bool
) -> None:
    """`oxigraph serve` evaluates a remote store's queries itself: started by `bipmkg
    confine-server` it still answers, but SERVICE to the listener opens no connection (the
    control, unconfined, does)."""
    url = oxigraph_server(tmp_path / "remote.oxigraph", confined=confined)
    assert http("GET", f"{url}/query?query=ASK%7B%7D").status == 200
    query = f"SELECT * WHERE {{ SERVICE <{listener.url}/sparql> {{ ?s ?p ?o }} }}"
    answer = http("GET", f"{url}/query?{urllib.parse.urlencode({'query': query})}")
    # Oxigraph streams: the 200 is sent before SERVICE runs, and the failure ends the body.
    assert ("Permission denied" in answer.text) is confined, answer.text
    time.sleep(0.3)
    assert (listener.connections == 0) is confined, answer.text

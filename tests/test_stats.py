"""`bipmkg stats` counts what the graph holds."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from rdflib import SKOS, Graph, Literal, URIRef

from bipmkg.linked_data.stats import compute_stats, format_stats
from bipmkg.rdf.files import load_graph
from bipmkg.rdf.namespaces import BKG

MINIMAL = Path(__file__).parent / "data" / "minimal.ttl"


def test_counts_on_the_minimal_graph() -> None:
    stats = compute_stats(load_graph([MINIMAL]))
    kinds = dict(stats.per_kind)
    assert kinds["organisation"] == 2
    assert kinds["agreement"] == 1
    assert kinds["statement"] == 2
    assert kinds["source"] == 2
    classes = {c.iri.rsplit("#", 1)[-1]: c.count for c in stats.per_class}
    assert classes["MemorandumOfUnderstanding"] == 1
    assert classes["IntergovernmentalOrganisation"] == 1
    # Named entities: 2 organisations, 1 committee, 1 programme, 1 agreement, 1 cooperation,
    # 2 events, 1 publication, 1 system, 1 person, 2 places = 13; French labels on alpha and
    # France; identifiers on alpha and France.
    assert (stats.with_french_label.count, stats.with_french_label.total) == (2, 13)
    assert (stats.with_external_id.count, stats.with_external_id.total) == (2, 13)
    assert stats.with_source.count == stats.with_source.total
    assert "With a French label:        2/13 (15.4 %)" in format_stats(stats)


def test_a_native_name_stands_in_for_a_french_label_only_in_its_own_share() -> None:
    graph = load_graph([MINIMAL])
    beta = URIRef("https://w3id.org/bipmkg/id/organisation/beta")
    gamma = URIRef("https://w3id.org/bipmkg/id/committee/gamma")
    assert (beta, SKOS.prefLabel, None) in graph and (gamma, SKOS.prefLabel, None) in graph
    # A label in another language is not a native name until the data says it is.
    graph.add((gamma, SKOS.prefLabel, Literal("Gamma-Verband", lang="de")))
    assert compute_stats(graph).with_french_or_native_name.count == 2
    graph.add((beta, BKG.nativeLabel, Literal("Beta Union", lang="en")))
    stats = compute_stats(graph)
    assert stats.with_french_label.count == 2  # alpha and France, as before
    assert stats.with_french_or_native_name.count == 3  # and beta's native (English) name
    assert "French or native name:      3/13 (23.1 %)" in format_stats(stats)


def test_real_graph_every_entity_has_a_source(graph: Graph) -> None:
    stats = compute_stats(graph)
    assert stats.entities > 100
    assert stats.with_source.count == stats.with_source.total


def test_cli_stats_json() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bipmkg", "stats", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert payload["entities"] > 100
    assert payload["with_source"]["percent"] == 100.0
    assert {"count", "total", "percent"} <= set(payload["with_french_label"])
    assert 0 < payload["with_french_or_native_name"]["percent"] <= 100


def test_a_reader_that_stops_early_gets_no_traceback() -> None:
    # `bipmkg queries | head`: the pipe's reader is gone before the listing is written.
    process = subprocess.Popen(
        [sys.executable, "-m", "bipmkg", "queries"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()
    errors = process.stderr.read().decode()
    assert process.wait(60) == 0, errors
    assert "Traceback" not in errors and "BrokenPipeError" not in errors, errors

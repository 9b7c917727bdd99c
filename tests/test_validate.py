"""The curated graph conforms, and `bipmkg validate` reports and exits as documented."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from rdflib import DCTERMS, RDF, Graph, URIRef

from bipmkg.rdf.namespaces import BKG
from bipmkg.validation.validate import ValidationReport

DATA = Path(__file__).parent / "data"
MINIMAL = DATA / "minimal.ttl"
SINGLE_PARTY = DATA / "invalid" / "Agreement-party--single-party.ttl"


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bipmkg", *args], capture_output=True, text=True, timeout=300
    )


def test_the_curated_graph_conforms(report: ValidationReport) -> None:
    assert report.conforms, report.as_text(show_warnings=False)


def test_every_entity_and_statement_cites_a_source(graph: Graph) -> None:
    # The shapes say so; this checks the shapes' targets really cover the data.
    sources = set(graph.subjects(RDF.type, BKG.SourceSection)) | set(
        graph.subjects(RDF.type, BKG.SourceDocument)
    )
    uncited = [
        s
        for s in set(graph.subjects(RDF.type, None))
        if isinstance(s, URIRef)
        and s.startswith("https://w3id.org/bipmkg/id/")
        and s not in sources
        and not set(graph.objects(s, DCTERMS.source)) & sources
    ]
    assert not uncited, sorted(uncited)[:10]


def test_cli_exit_0_when_the_graph_conforms() -> None:
    done = run_cli("validate", "--no-warnings", str(MINIMAL))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "conforms: 0 violation(s)" in done.stdout


def test_cli_exit_1_and_a_readable_report_when_it_does_not() -> None:
    done = run_cli("validate", str(MINIMAL), str(SINGLE_PARTY))
    assert done.returncode == 1, done.stdout + done.stderr
    out = done.stdout
    assert "Violation:" in out
    assert "property: party <https://w3id.org/bipmkg/ontology#hasParty>" in out
    assert "Agreement party: an agreement names at least two parties" in out
    assert "shape:    <https://w3id.org/bipmkg/shapes#Agreement-party>" in out
    assert "does not conform: 1 violation(s)" in out


def test_cli_json_report_lists_focus_label_property_value_and_shape() -> None:
    done = run_cli("validate", "--format", "json", "--no-warnings", str(MINIMAL), str(SINGLE_PARTY))
    assert done.returncode == 1
    payload = json.loads(done.stdout)
    assert payload["conforms"] is False and payload["violations"] == 1
    (result,) = payload["results"]
    assert result["shape"] == "https://w3id.org/bipmkg/shapes#Agreement-party"
    assert result["path_label"] == "party"
    assert result["focus_label"]


def test_cli_turtle_report_is_the_shacl_results_graph() -> None:
    done = run_cli(
        "validate", "--format", "turtle", "--no-warnings", str(MINIMAL), str(SINGLE_PARTY)
    )
    assert done.returncode == 1
    results = Graph().parse(data=done.stdout, format="turtle")
    shapes = set(results.objects(None, URIRef("http://www.w3.org/ns/shacl#sourceShape")))
    assert shapes == {URIRef("https://w3id.org/bipmkg/shapes#Agreement-party")}


def test_cli_exit_2_on_malformed_turtle(tmp_path: Path) -> None:
    broken = tmp_path / "broken.ttl"
    broken.write_text("<a> <b> ", encoding="utf-8")
    done = run_cli("validate", str(broken))
    assert done.returncode == 2
    assert "not valid Turtle" in done.stderr and "broken.ttl" in done.stderr


def test_cli_exit_2_on_missing_file(tmp_path: Path) -> None:
    done = run_cli("validate", str(tmp_path / "absent.ttl"))
    assert done.returncode == 2
    assert "no such file" in done.stderr


def test_every_instance_iri_follows_the_scheme(graph: Graph) -> None:
    from bipmkg.rdf.namespaces import ID_BASE, split_instance_iri

    bad = {
        str(term)
        for triple in graph
        for term in triple
        if str(term).startswith(ID_BASE) and split_instance_iri(str(term)) is None
    }
    assert not bad, f"IRIs outside /id/<kind>/<kebab-case-slug>: {sorted(bad)[:10]}"

"""pyshacl and pyrudof give the same results on every fixture and on the curated graph.

Same focus nodes, source shapes, severities, paths, values and messages. pyrudof does not
implement SHACL-AF SPARQL targets; `bipmkg.validation.engines` evaluates them first and hands the
selected nodes to pyrudof as `sh:targetNode`s, which the date-order fixtures check.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import SH, Graph

from bipmkg.cli.main import build_parser
from bipmkg.errors import EngineError
from bipmkg.validation import engines
from bipmkg.validation.engines import (
    ENGINE_ENV,
    ENGINES,
    choose_engine,
    materialise_sparql_targets,
    validation_view,
)
from bipmkg.validation.validate import ValidationReport, load_shapes, validate

DATA = Path(__file__).parent / "data"
MINIMAL = DATA / "minimal.ttl"
FIXTURES = sorted((DATA / "invalid").glob("*.ttl"))

needs_pyrudof = pytest.mark.skipif(
    importlib.util.find_spec("pyrudof") is None,
    reason="pyrudof is not installed (pip install pyrudof)",
)


def keys(report: ValidationReport) -> set[tuple[str, ...]]:
    return {
        (r.severity, r.focus_node, r.shape, r.path, r.value, r.message, r.focus_label)
        for r in report.results
    }


@needs_pyrudof
@pytest.mark.parametrize("fixture", [None, *FIXTURES], ids=lambda p: p.stem if p else "minimal")
def test_both_engines_give_the_same_results_on_every_fixture(fixture: Path | None) -> None:
    files = [MINIMAL] if fixture is None else [MINIMAL, fixture]
    reference = validate(files, engine="pyshacl")
    fast = validate(files, engine="pyrudof")
    assert keys(fast) == keys(reference)
    assert fast.conforms is reference.conforms
    assert fast.source_shapes() == reference.source_shapes()
    assert (fast.engine, reference.engine) == ("pyrudof", "pyshacl")


@needs_pyrudof
def test_both_engines_give_the_same_results_on_the_curated_graph(
    graph: Graph, report: ValidationReport
) -> None:
    fast = validate(graph, engine="pyrudof")
    assert keys(fast) == keys(report)
    assert fast.conforms is report.conforms


@needs_pyrudof
def test_pyrudof_reads_files_directly_and_refuses_malformed_turtle(tmp_path: Path) -> None:
    from bipmkg.errors import DataLoadError

    broken = tmp_path / "broken.ttl"
    broken.write_text("<a> <b> ", encoding="utf-8")
    with pytest.raises(DataLoadError, match="not valid Turtle"):
        validate([broken], engine="pyrudof")
    with pytest.raises(DataLoadError, match="no such file"):
        validate([tmp_path / "absent.ttl"], engine="pyrudof")


def test_sparql_targets_become_target_nodes() -> None:
    shapes = load_shapes()
    selected: list[str] = []

    def select(text: str) -> list[object]:
        selected.append(text)
        return []

    prepared = materialise_sparql_targets(shapes, select)
    assert len(selected) == 2  # PeriodOrderShape and RevisionOrderShape
    assert all("PREFIX bkg: <https://w3id.org/bipmkg/ontology#>" in t for t in selected)
    assert not list(prepared.objects(None, SH.target))
    assert len(prepared) == len(shapes) - 2


def test_the_engine_is_chosen_by_argument_then_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENGINE_ENV, raising=False)
    assert choose_engine() == ("pyrudof" if engines.pyrudof_available() else "pyshacl")
    monkeypatch.setattr(engines, "pyrudof_available", lambda: False)
    assert choose_engine() == "pyshacl"
    monkeypatch.setenv(ENGINE_ENV, "PyShacl")
    assert choose_engine() == "pyshacl"
    monkeypatch.setenv(ENGINE_ENV, "jena")
    with pytest.raises(EngineError, match="unknown SHACL engine"):
        choose_engine()
    assert choose_engine("pyshacl") == "pyshacl"


def test_the_cli_offers_exactly_the_engines() -> None:
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command")
    check = commands.choices["validate"]  # type: ignore[index]
    engine = next(a for a in check._actions if a.dest == "engine")
    assert tuple(engine.choices or ()) == ENGINES


@needs_pyrudof
def test_cli_validate_with_pyrudof_reports_and_exits_as_pyshacl() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bipmkg", "validate", "--engine", "pyrudof", "--no-warnings"]
        + [str(MINIMAL), str(DATA / "invalid" / "Agreement-party--single-party.ttl")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "shape:    <https://w3id.org/bipmkg/shapes#Agreement-party>" in done.stdout
    assert "property: party <https://w3id.org/bipmkg/ontology#hasParty>" in done.stdout


def test_pyshacl_validates_the_callers_graph_without_copying_it() -> None:
    graph = Graph().parse(MINIMAL)
    assert validation_view(graph).store is graph.store


def test_a_dataset_is_validated_as_the_union_of_its_graphs() -> None:
    from rdflib import Dataset, URIRef

    dataset = Dataset()
    dataset.graph(URIRef("urn:x-test:base")).parse(MINIMAL)
    dataset.graph(URIRef("urn:x-test:change")).parse(
        DATA / "invalid" / "Agreement-party--single-party.ttl"
    )
    report = validate(dataset, include_warnings=False)
    assert {r.shape for r in report.results} == {"https://w3id.org/bipmkg/shapes#Agreement-party"}

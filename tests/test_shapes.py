"""Each shape catches what it is meant to catch, and nothing else does.

Every constraint-bearing shape (named property shapes and node shapes with their own
constraints) has at least one fixture `tests/data/invalid/<Shape>--<case>.ttl`. A fixture adds one
broken resource to `tests/data/minimal.ttl`; the test reads `sh:sourceShape` from the results
graph and requires that the new results all come from that one shape.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import RDF, SH, Graph, URIRef

from bipmkg import config
from bipmkg.rdf.files import parse_file
from bipmkg.rdf.namespaces import BKGSH
from bipmkg.validation.validate import ValidationReport, load_shapes, validate

DATA = Path(__file__).parent / "data"
MINIMAL = DATA / "minimal.ttl"
FIXTURES = sorted((DATA / "invalid").glob("*.ttl"))

# Node shapes whose only constraints are their property shapes produce no results of their own.
_OWN_CONSTRAINTS = (SH.sparql, SH["or"], SH["class"], SH.datatype, SH.closed)


def constraint_shapes() -> list[URIRef]:
    shapes = load_shapes(include_warnings=True)
    found = set()
    for shape in shapes.subjects(RDF.type, SH.PropertyShape):
        found.add(shape)
    for shape in shapes.subjects(RDF.type, SH.NodeShape):
        if any(shapes.value(shape, p) is not None for p in _OWN_CONSTRAINTS):
            found.add(shape)
    return sorted(s for s in found if isinstance(s, URIRef) and s.startswith(str(BKGSH)))


def result_keys(report: ValidationReport) -> set[tuple[str, str, str, str]]:
    return {(r.focus_node, r.shape, r.path, r.value) for r in report.results}


@pytest.fixture(scope="module")
def base_report() -> ValidationReport:
    return validate([MINIMAL])


def test_minimal_graph_has_no_violation(base_report: ValidationReport) -> None:
    assert base_report.conforms, base_report.as_text()
    assert base_report.violations == ()


@pytest.mark.parametrize("shape", constraint_shapes(), ids=lambda s: s.split("#")[-1])
def test_every_shape_has_a_failing_fixture(shape: URIRef) -> None:
    name = shape.split("#")[-1]
    assert any(f.name.startswith(f"{name}--") for f in FIXTURES), (
        f"no fixture tests/data/invalid/{name}--<case>.ttl"
    )


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.stem)
def test_fixture_breaks_exactly_its_shape(fixture: Path, base_report: ValidationReport) -> None:
    expected = str(BKGSH[fixture.stem.split("--")[0]])
    report = validate([MINIMAL, fixture])
    new = result_keys(report) - result_keys(base_report)
    new_shapes = {shape for _focus, shape, _path, _value in new}
    assert new_shapes == {expected}, report.as_text()
    # Read straight from the results graph too, so the check does not rest on our own parsing.
    severity = "Warning" if "quality" in _shape_file(expected) else "Violation"
    assert expected in report.source_shapes(severity=severity) or expected in {
        r.shape for r in report.results
    }
    assert report.conforms is (severity == "Warning")


def test_each_fixture_parses_on_its_own() -> None:
    assert FIXTURES, "no fixtures found"
    for fixture in FIXTURES:
        assert len(parse_file(fixture)) > 0, fixture


def test_every_shape_has_bilingual_message_and_comment() -> None:
    shapes = Graph()
    for path in config.shapes_files(include_warnings=True):
        shapes += parse_file(path)
    for shape in constraint_shapes():
        owners = [shape, *shapes.objects(shape, SH.sparql)]
        languages = {m.language for o in owners for m in shapes.objects(o, SH.message)}  # type: ignore[attr-defined]
        assert {"en", "fr"} <= languages, f"{shape}: sh:message needs @en and @fr"
        assert shapes.value(shape, URIRef("http://www.w3.org/2000/01/rdf-schema#comment")), shape


def _shape_file(shape: str) -> str:
    for path in config.shapes_files(include_warnings=True):
        if (URIRef(shape), None, None) in parse_file(path):
            return path.name
    return ""

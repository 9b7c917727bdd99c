"""Incremental validation gives the whole-graph verdict on a change.

For a change, `validate_change` checks only the focus nodes whose results the change can alter
(`report.scope`). Two things are proved here: inside the scope its results are exactly the
whole-graph results, and outside the scope the whole-graph results did not change — so nothing
the change broke can be missed. First on every failing fixture applied as a change to the
conforming minimal graph, then on random small changes to a synthetic graph (Hypothesis, seeded).
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.term import Node

from bipmkg.rdf.files import parse_file
from bipmkg.rdf.namespaces import BKG, BKGSH
from bipmkg.rdf.synth import synthesise
from bipmkg.validation.neighbourhood import IN_READ, INBOUND, OUT_READ, Rule, analyse_shapes
from bipmkg.validation.validate import (
    Change,
    ValidationReport,
    load_shapes,
    validate,
    validate_change,
)

DATA = Path(__file__).parent / "data"
MINIMAL = DATA / "minimal.ttl"
FIXTURES = sorted((DATA / "invalid").glob("*.ttl"))
SCHEMA = "https://schema.org/"
SH = "http://www.w3.org/ns/shacl#"
ID = "https://w3id.org/bipmkg/id/"
XSD = "http://www.w3.org/2001/XMLSchema#"

Key = tuple[str, str, str, str, str]


def keys(report: ValidationReport) -> set[Key]:
    return {(r.focus_node, r.shape, r.severity, r.path, r.value) for r in report.results}


def assert_same_verdict(
    before: Graph,
    after: Graph,
    before_report: ValidationReport,
    incremental: ValidationReport | None = None,
) -> None:
    """validate_change == whole-graph validation inside its scope; nothing moved outside it."""
    if incremental is None:
        incremental = validate_change(after, Change.between(before, after))
    assert incremental.scope is not None, "the shapes should be bounded: no whole-graph fallback"
    whole = validate(after)
    inside = {k for k in keys(whole) if k[0] in incremental.scope}
    assert keys(incremental) == inside
    assert incremental.conforms is (not any(k[2] == "Violation" for k in inside))
    outside_before = {k for k in keys(before_report) if k[0] not in incremental.scope}
    outside_after = {k for k in keys(whole) if k[0] not in incremental.scope}
    assert outside_after == outside_before, "a result changed outside the checked scope"
    if before_report.conforms:
        assert incremental.conforms is whole.conforms


@pytest.fixture(scope="module")
def minimal() -> Graph:
    return parse_file(MINIMAL)


@pytest.fixture(scope="module")
def minimal_report(minimal: Graph) -> ValidationReport:
    report = validate(minimal)
    assert report.conforms
    return report


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.stem)
def test_each_fixture_as_a_change_is_caught_by_its_shape(
    fixture: Path, minimal: Graph, minimal_report: ValidationReport
) -> None:
    after = parse_file(MINIMAL)
    after += parse_file(fixture)
    report = validate_change(after, Change.between(minimal, after))
    expected = str(BKGSH[fixture.stem.split("--")[0]])
    new = keys(report) - keys(minimal_report)
    assert {shape for _focus, shape, *_ in new} == {expected}, report.as_text()
    assert report.conforms is (expected.split("#")[1] in _WARNING_SHAPES)
    assert_same_verdict(minimal, after, minimal_report, report)


_WARNING_SHAPES = {
    "FrenchLabel-present",
    "ExternalIdentifier-present",
    "AgreementDate-present",
    "StatementAssertedShape",
    "SignaturePartyShape",
}


def test_the_shapes_reads_are_bounded_and_include_the_cross_node_rules() -> None:
    locality = analyse_shapes(load_shapes())
    assert locality.bounded, locality.unsupported
    assert {
        Rule(INBOUND, BKG.hasRevision),  # RevisionOrderShape's `?agreement hasRevision $this`
        Rule(IN_READ, BKG.hasRevision, BKG.dateSigned),  # … and the agreement's signing date
        Rule(INBOUND, BKG.hasSignature),
        Rule(IN_READ, BKG.hasSignature, BKG.hasParty),  # SignaturePartyShape
        Rule(OUT_READ, RDF.subject, None),  # StatementAssertedShape reads the cited triple
        Rule(OUT_READ, BKG.hasParty, RDF.type),  # sh:class bkg:Body on the parties
    } <= locality.rules


def test_a_party_that_stops_being_a_body_is_caught_on_the_agreement(minimal: Graph) -> None:
    """The change is on the party; the violation is on the agreement that names it."""
    after = parse_file(MINIMAL)
    beta = URIRef(ID + "organisation/beta")
    after.remove((beta, RDF.type, None))
    after.add((beta, RDF.type, URIRef(SCHEMA + "Person")))
    report = validate_change(after, Change.between(minimal, after))
    assert not report.conforms
    assert (ID + "agreement/alpha-beta-mou", str(BKGSH["Agreement-party"])) in {
        (r.focus_node, r.shape) for r in report.violations
    }
    # Given only the changed subject, the referring agreement is found all the same.
    assert not validate_change(after, [beta]).conforms


def test_an_agreement_signed_after_its_revision_is_caught_on_the_revision(minimal: Graph) -> None:
    after = parse_file(MINIMAL)
    agreement = URIRef(ID + "agreement/alpha-beta-mou")
    after.set((agreement, BKG.dateSigned, Literal("2021-01-01", datatype=URIRef(XSD + "date"))))
    report = validate_change(after, Change.between(minimal, after))
    assert {(r.focus_node, r.shape) for r in report.violations} == {
        (ID + "revision/alpha-beta-mou--2020", str(BKGSH.RevisionOrderShape))
    }


def test_shapes_that_read_farther_fall_back_to_the_whole_graph(minimal: Graph) -> None:
    """A uniqueness rule joins on nodes no triple links to the focus: validate everything."""
    shapes = load_shapes()
    unique = Graph().parse(
        format="turtle",
        data=f"""
        @prefix sh: <{SH}> .
        @prefix bkg: <{BKG._NS}> .
        <{BKGSH}UniqueAcronymShape> a sh:NodeShape ; sh:targetClass bkg:Body ;
          sh:sparql [ sh:select '''SELECT $this WHERE {{ $this bkg:acronym ?a .
            ?other bkg:acronym ?a . FILTER (?other != $this) }}''' ;
            sh:prefixes <https://w3id.org/bipmkg/shapes> ] .
        """,
    )
    locality = analyse_shapes(shapes + unique)
    assert not locality.bounded
    assert any("UniqueAcronymShape" in reason for reason in locality.unsupported)
    after = parse_file(MINIMAL)
    after.add((URIRef(ID + "organisation/beta"), BKG.acronym, Literal("AO", lang="en")))
    report = validate_change(after, Change.between(minimal, after), shapes=shapes + unique)
    assert report.scope is None
    assert str(BKGSH.UniqueAcronymShape) in {r.shape for r in report.violations}


def test_a_change_to_the_class_hierarchy_validates_the_whole_graph(minimal: Graph) -> None:
    after = parse_file(MINIMAL)
    after.add((URIRef(SCHEMA + "Person"), RDFS.subClassOf, BKG.Body))
    assert validate_change(after, Change.between(minimal, after)).scope is None


def test_the_pyrudof_engine_gives_the_same_incremental_report(minimal: Graph) -> None:
    pytest.importorskip("pyrudof")
    after = parse_file(MINIMAL)
    after += parse_file(DATA / "invalid" / "RevisionOrderShape--revised-before-signing.ttl")
    change = Change.between(minimal, after)
    one = validate_change(after, change, engine="pyshacl")
    other = validate_change(after, change, engine="pyrudof")
    assert keys(one) == keys(other) and one.scope == other.scope and not one.conforms


# -- Random small changes on synthetic data ------------------------------------------------------


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> tuple[Graph, ValidationReport]:
    path = tmp_path_factory.mktemp("synth") / "small.ttl"
    synthesise(path, triples=1200, seed=3)
    graph = parse_file(path)
    # Signatures and a cited statement, which the synthetic data lacks, so that the
    # cross-node warning shapes have something to flip.
    agreement = next(iter(graph.subjects(BKG.hasParty, None)))
    party = graph.value(agreement, BKG.hasParty)
    source = graph.value(agreement, URIRef("http://purl.org/dc/terms/source"))
    assert party is not None and source is not None
    signature = URIRef(ID + "signature/synthetic--1")
    statement = URIRef(ID + "statement/synthetic--1")
    for triple in (
        (agreement, BKG.hasSignature, signature),
        (signature, RDF.type, BKG.Signature),
        (signature, BKG.signedFor, party),
        (signature, URIRef("http://purl.org/dc/terms/source"), source),
        (statement, RDF.type, RDF.Statement),
        (statement, RDF.subject, agreement),
        (statement, RDF.predicate, BKG.hasParty),
        (statement, RDF.object, party),
        (statement, URIRef("http://purl.org/dc/terms/source"), source),
    ):
        graph.add(triple)
    report = validate(graph)
    assert report.conforms, report.as_text(show_warnings=False)
    return graph, report


_CLASSES = [
    BKG.NationalMetrologyInstitute,
    BKG.MemorandumOfUnderstanding,
    BKG.Revision,
    BKG.Signature,
    BKG.SourceSection,
    BKG.Workshop,
    URIRef(SCHEMA + "City"),
    URIRef(SCHEMA + "Person"),
    RDF.Statement,
]
_LITERALS = [
    Literal("2019-05-02", datatype=URIRef(XSD + "date")),
    Literal("1990", datatype=URIRef(XSD + "gYear")),
    Literal("2030-01", datatype=URIRef(XSD + "gYearMonth")),
    Literal("May 2019"),
    Literal("-3", datatype=URIRef(XSD + "integer")),
    Literal("12", datatype=URIRef(XSD + "integer")),
    Literal("Nouveau nom", lang="fr"),
    Literal("New name", lang="en"),
    Literal("Neuer Name", lang="de"),
]


def _random_change(graph: Graph, seed: int) -> Graph:
    """A copy of the graph with 1–4 random edits of the kinds that can flip a shape."""
    rng = random.Random(seed)
    after = Graph()
    for triple in graph:
        after.add(triple)
    triples = sorted(graph, key=lambda t: tuple(x.n3() for x in t))
    nodes: list[Node] = sorted({s for s, _, _ in triples}, key=str)
    predicates = sorted({p for _, p, _ in triples}, key=str)
    revised = sorted(graph.subject_objects(BKG.hasRevision), key=str)
    signed = sorted(graph.subject_objects(BKG.hasSignature), key=str)
    for _ in range(rng.randint(1, 4)):
        kind = rng.choice(
            ["remove", "add", "retype", "statement", "revise", "resign", "relink", "unparty"]
        )
        node = rng.choice(nodes)
        if kind == "resign":  # the agreement's date moves: its revisions may now precede it
            agreement, _revision = rng.choice(revised)
            after.set((agreement, BKG.dateSigned, rng.choice(_LITERALS)))
        elif kind == "relink":  # an existing revision or signature listed by another node
            _agreement, linked = rng.choice(rng.choice([revised, signed]))
            after.add((node, rng.choice([BKG.hasRevision, BKG.hasSignature]), linked))
        elif kind == "unparty":  # the body signed for stops being a party
            agreement, _signature = rng.choice(signed)
            after.remove((agreement, BKG.hasParty, None))
        elif kind == "remove":
            after.remove(rng.choice(triples))
        elif kind == "add":
            obj = rng.choice([rng.choice(nodes), rng.choice(_LITERALS)])
            after.add((node, rng.choice(predicates), obj))
        elif kind == "retype":
            after.remove((node, RDF.type, None))
            after.add((node, RDF.type, rng.choice(_CLASSES)))
        elif kind == "statement":
            s, p, o = rng.choice(triples)
            statement = URIRef(f"{ID}statement/random-{seed}")
            after.add((statement, RDF.type, RDF.Statement))
            after.add((statement, RDF.subject, s))
            after.add((statement, RDF.predicate, p))
            after.add((statement, RDF.object, rng.choice([o, rng.choice(_LITERALS)])))
        else:
            revision = URIRef(f"{ID}revision/random-{seed}")
            after.add((node, BKG.hasRevision, revision))
            after.add((revision, RDF.type, BKG.Revision))
            after.add((revision, BKG.dateRevised, rng.choice(_LITERALS)))
    return after


@settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_random_small_changes_get_the_whole_graph_verdict(
    synthetic: tuple[Graph, ValidationReport], seed: int
) -> None:
    before, before_report = synthetic
    after = _random_change(before, seed)
    assert_same_verdict(before, after, before_report)

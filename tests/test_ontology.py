"""The ontology declares every term the project uses, in English and French."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import OWL, RDF, RDFS, SKOS, Graph, Literal, URIRef

from bipmkg import config
from bipmkg.rdf.files import parse_file
from bipmkg.rdf.namespaces import BKG

ROOT = config.PROJECT_ROOT
NS = str(BKG._NS)
_TERM = re.compile(r"(?:bkg:|<https://w3id\.org/bipmkg/ontology#)([A-Za-z][A-Za-z0-9_]*)")


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return parse_file(config.ontology_file())


def declared_terms(ontology: Graph) -> set[str]:
    return {str(s)[len(NS) :] for s in ontology.subjects(RDF.type, None) if str(s).startswith(NS)}


def used_terms() -> dict[str, set[str]]:
    """bkg: terms written anywhere in data, shapes, queries, tests' fixtures and Python."""
    used: dict[str, set[str]] = {}
    files = [
        *ROOT.glob("graph_data/*.ttl"),
        *ROOT.glob("ontology/*.ttl"),
        *ROOT.glob("bipmkg/*/queries/*.rq"),
        *ROOT.glob("webapp/queries/*.rq"),
        *ROOT.glob("tests/data/**/*.ttl"),
    ]
    for path in files:
        for term in _TERM.findall(path.read_text(encoding="utf-8")):
            used.setdefault(term, set()).add(str(path.relative_to(ROOT)))
    return used


def test_every_used_term_is_declared(ontology: Graph) -> None:
    declared = declared_terms(ontology)
    missing = {t: sorted(f) for t, f in used_terms().items() if t not in declared}
    assert not missing, f"bkg: terms used but not declared in ontology/bipmkg.ttl: {missing}"


def test_every_term_has_english_and_french_label_and_definition(ontology: Graph) -> None:
    for term in sorted(declared_terms(ontology)):
        iri = URIRef(NS + term)
        languages = {lbl.language for lbl in ontology.objects(iri, RDFS.label)}  # type: ignore[attr-defined]
        assert {"en", "fr"} <= languages, f"bkg:{term} needs rdfs:label @en and @fr"
        definitions = [d for d in ontology.objects(iri, SKOS.definition) if isinstance(d, Literal)]
        assert len(definitions) == 1 and definitions[0].language == "en", (
            f"bkg:{term} needs one English skos:definition"
        )
        assert (iri, RDFS.isDefinedBy, URIRef("https://w3id.org/bipmkg/ontology")) in ontology


def test_checked_namespace_matches_the_ontology(ontology: Graph) -> None:
    in_python = {name for name in BKG.__annotations__ if not name.startswith("_")}
    assert in_python == declared_terms(ontology)


def test_checked_namespace_refuses_typos() -> None:
    with pytest.raises(AttributeError):
        _ = BKG.hasParti  # type: ignore[attr-defined]


def test_ontology_header_and_kinds(ontology: Graph) -> None:
    header = URIRef("https://w3id.org/bipmkg/ontology")
    assert (header, RDF.type, OWL.Ontology) in ontology
    classes = set(ontology.subjects(RDF.type, OWL.Class))
    for kind in (
        "IntergovernmentalOrganisation",
        "UNAgency",
        "NationalMetrologyInstitute",
        "RegionalMetrologyOrganisation",
        "AccreditationBody",
        "StandardsBody",
        "ScientificUnion",
        "CouncilOrAssociation",
        "Network",
        "Partnership",
        "Programme",
        "MemorandumOfUnderstanding",
        "DeclarationOfCooperation",
        "Resolution",
        "JointDeclaration",
        "ObserverRelation",
        "Collaboration",
        "Workshop",
        "TrainingCourse",
        "School",
        "ThematicSession",
        "Celebration",
        "PublicationLaunch",
        "Signing",
    ):
        assert URIRef(NS + kind) in classes, kind


def test_python_never_spells_ontology_iris_by_hand() -> None:
    for path in Path(ROOT / "bipmkg").glob("*.py"):
        if path.name == "namespaces.py":
            continue
        assert "ontology#" not in path.read_text(encoding="utf-8"), path

"""The mention matcher (bipmkg.curation.importers.mentions): unit cases on a small graph, and its
precision and recall on the hand-checked sample (tests/data/mentions/gold.csv) against the
mentions committed in graph_data/imported/bipm-data-outcomes/.

The sample: 205 outcomes drawn with a fixed seed (65 CIPM, 65 JCRB, 35 CGPM, 40 of the
Consultative Committees), each read by hand for the bodies of the graph it names (rules in
tests/data/mentions/README.md), independently of the matcher.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import SKOS

from bipmkg import config
from bipmkg.curation.importers.mentions import AMBIGUOUS, Lexicon, read_lexicon
from bipmkg.rdf.files import parse_file
from bipmkg.rdf.namespaces import BKG

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "tests" / "data" / "mentions" / "gold.csv"
IMPORTED = ROOT / "graph_data" / "imported" / "bipm-data-outcomes"
ID = "https://w3id.org/bipmkg/id/"


def _body(graph: Graph, slug: str, acronym: str, *names: str, former: str = "") -> URIRef:
    iri = URIRef(f"{ID}{slug}")
    graph.add((iri, RDF.type, BKG.Committee if "committee" in slug else BKG.Organisation))
    graph.add((iri, BKG.acronym, Literal(acronym, lang="en")))
    for name in names:
        graph.add((iri, SKOS.prefLabel, Literal(name, lang="en")))
    if former:
        graph.add((iri, BKG.formerName, Literal(former, lang="en")))
    return iri


@pytest.fixture(scope="module")
def lexicon() -> tuple[Lexicon, dict[str, URIRef]]:
    graph = Graph()
    bodies = {
        "cct": _body(graph, "committee/cct", "CCT", "Consultative Committee for Thermometry"),
        "cctf": _body(graph, "committee/cctf", "CCTF", former="CCDS"),
        "cct-wg-kc": _body(graph, "committee/cct-wg-kc", "CCT-WG-KC"),
        "cipm": _body(graph, "organisation/cipm", "CIPM"),
        "ilac": _body(graph, "organisation/ilac", "ILAC"),
        "jrc": _body(graph, "organisation/jrc", "JRC"),
        "iso": _body(graph, "organisation/iso", "ISO"),
        "who": _body(graph, "organisation/who", "WHO", "World Health Organization"),
        "npl": _body(graph, "organisation/npl", "NPL", "National Physical Laboratory"),
        "npli": _body(graph, "organisation/npli", "NPLI", "National Physical Laboratory of India"),
    }
    return read_lexicon(graph, parse_file(config.ontology_file())), bodies


def _found(lexicon: tuple[Lexicon, dict[str, URIRef]], text: str, *adopted: str) -> list[str]:
    matcher, bodies = lexicon
    names = {iri: key for key, iri in bodies.items()}
    return [names[m.body] for m in matcher.find(text, [bodies[a] for a in adopted])]


def test_acronyms_are_whole_words_and_the_longer_match_wins(lexicon) -> None:  # type: ignore[no-untyped-def]
    assert _found(lexicon, "The CCTF and the CCT met.") == ["cctf", "cct"]
    assert _found(lexicon, "the CCT-WG-KC reported") == ["cct", "cct-wg-kc"]
    assert _found(lexicon, "the CCDS (now CCTF)") == ["cctf"]
    assert _found(lexicon, "a joint CIPM/ILAC group; the EU-JRC") == ["cipm", "ilac", "jrc"]
    assert _found(lexicon, "ACCT, CCTs, cct") == []
    assert _found(lexicon, "the National Physical Laboratory of India and the NPL") == [
        "npli",
        "npl",
    ]


def test_names_fold_case_and_space_but_acronyms_do_not(lexicon) -> None:  # type: ignore[no-untyped-def]
    assert _found(lexicon, "the consultative committee\nfor  thermometry") == ["cct"]
    assert _found(lexicon, "ilac and Cipm") == []


def test_ambiguous_acronyms_standards_and_the_adopting_body_are_not_mentions(lexicon) -> None:  # type: ignore[no-untyped-def]
    assert "WHO" in AMBIGUOUS
    assert _found(lexicon, "WHO IS RESPONSIBLE; the World Health Organization") == ["who"]
    assert _found(lexicon, "accredited to ISO/IEC 17025 or ISO 9001, as ISO says") == ["iso"]
    assert _found(lexicon, "see CIPM MRA-G-02") == []
    assert _found(lexicon, "The CIPM decided to invite ILAC", "cipm") == ["ilac"]


def _gold() -> dict[str, set[str]]:
    with GOLD.open(encoding="utf-8", newline="") as handle:
        return {row["outcome"]: set(row["bodies"].split()) for row in csv.DictReader(handle)}


def _predicted(outcomes: set[str]) -> dict[str, set[str]]:
    graph = Graph()
    for path in sorted(IMPORTED.glob("*.ttl")):
        graph.parse(path)
    return {o: {str(b) for b in graph.objects(URIRef(o), BKG.mentions)} for o in sorted(outcomes)}


@pytest.mark.skipif(not GOLD.is_file(), reason="no hand-checked sample")
def test_precision_and_recall_on_the_hand_checked_sample() -> None:
    gold = _gold()
    assert len(gold) >= 200
    predicted = _predicted(set(gold))
    hits = sum(len(predicted[o] & gold[o]) for o in gold)
    found = sum(len(predicted[o]) for o in gold)
    expected = sum(len(gold[o]) for o in gold)
    precision, recall = hits / found, hits / expected
    wrong = sorted((o, b) for o in gold for b in predicted[o] - gold[o])
    missed = sorted((o, b) for o in gold for b in gold[o] - predicted[o])
    print(
        f"\nmentions on {len(gold)} hand-checked outcomes: {expected} in the sample, "
        f"{found} found, {hits} right; precision {precision:.3f}, recall {recall:.3f}"
    )
    assert precision >= 0.95, wrong
    assert recall >= 0.80, missed

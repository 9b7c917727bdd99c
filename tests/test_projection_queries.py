"""The projection's queries and their Python side, on a hand-built graph and every selector.

The queries read facts by property codes, agreements and observer relations apart from their
properties, and a body's own sources only with its structure statements; these tests pin each of
those to what the facts say, so a faster query shape cannot change the network.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Mapping
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.plugins.sparql import prepareQuery

from bipmkg.network import projection as projection_module
from bipmkg.network.projection import Dated, Link, Projection, project
from bipmkg.query.selector import GraphSelector, Row
from bipmkg.rdf.files import load_graph
from bipmkg.store.adapters import StoreSelector

DATA = Path(__file__).parent / "data" / "network"
ONTOLOGY = Path(__file__).parent.parent / "ontology" / "bipmkg.ttl"
ID = "https://w3id.org/bipmkg/id/"
ALPHA, BETA = f"{ID}organisation/chain-alpha", f"{ID}organisation/chain-beta"
GAMMA, DELTA = f"{ID}committee/chain-gamma", f"{ID}organisation/chain-delta"
EPS = f"{ID}organisation/chain-eps"
S1, S2 = f"{ID}source/chain-doc--s1", f"{ID}source/chain-doc--s2"
BARE = f"{ID}agreement/extra-bare"
OBSERVER = f"{ID}agreement/extra-delta-observer"
LIAISON = f"{ID}membership/chain-gamma--eps"

# Added to the chain fixture: an agreement with nothing but its class, an observer relation, and
# structure statements citing their subject's own sources (two for DELTA) or a statement's.
EXTRA = f"""
@prefix bkg:     <https://w3id.org/bipmkg/ontology#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix org:     <http://www.w3.org/ns/org#> .
@prefix rdf:     <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix skos:    <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd:     <http://www.w3.org/2001/XMLSchema#> .

<{BARE}> a bkg:MemorandumOfUnderstanding .

<{OBSERVER}> a bkg:ObserverRelation ;
    skos:prefLabel "Observer status of Delta at Alpha"@en ;
    bkg:hasParty <{ALPHA}> , <{DELTA}> ;
    bkg:dateSigned "2001"^^xsd:gYear ;
    dcterms:source <{S1}> .

<{LIAISON}> a org:Membership ;
    org:member <{EPS}> ; org:organization <{GAMMA}> ; org:role bkg:LiaisonRole ;
    dcterms:source <{S2}> .

<{DELTA}> dcterms:source <{S1}> ; bkg:establishedBy <{ALPHA}> .
<{EPS}> org:subOrganizationOf <{BETA}> .
<{ID}statement/extra-eps-part-of-beta> a rdf:Statement ;
    rdf:subject <{EPS}> ; rdf:predicate org:subOrganizationOf ; rdf:object <{BETA}> ;
    dcterms:source <{S2}> .
"""


def _graph() -> Graph:
    graph = load_graph([DATA / "chain.ttl"])
    graph.parse(data=EXTRA, format="turtle")
    return graph


def _store() -> ox.Store:
    store = ox.Store()
    store.load(path=str(DATA / "chain.ttl"), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(ID))
    store.load(path=str(ONTOLOGY), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(f"{ID}o"))
    store.load(input=EXTRA.encode(), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(f"{ID}x"))
    return store


@pytest.fixture(scope="module", params=["rdflib", "oxigraph"])
def projection(request: pytest.FixtureRequest) -> Projection:
    if request.param == "rdflib":
        return project(GraphSelector(_graph()))
    return project(StoreSelector(_store()))


def _link(projection: Projection, kind: str, fact: str) -> Link:
    (found,) = [link for link in projection.links if link.kind == kind and link.fact == fact]
    return found


def test_the_same_projection_from_rdflib_and_oxigraph() -> None:
    assert project(GraphSelector(_graph())) == project(StoreSelector(_store()))


def test_an_agreement_without_any_property_is_still_an_agreement(projection: Projection) -> None:
    assert Dated(BARE, None) in projection.agreements
    assert not [link for link in projection.links if link.fact == BARE]


def test_an_observer_relation_links_its_parties_as_observers(projection: Projection) -> None:
    assert Dated(OBSERVER, "2001") in projection.agreements
    link = _link(projection, "observer", OBSERVER)
    assert (link.subject, link.object, link.start, link.sources) == (ALPHA, DELTA, "2001", (S1,))
    assert link.phrase == (
        "party to the Observer status of Delta at Alpha (observer status), signed 2001"
    )
    # An ordinary MoU of the fixture stays a co-party link.
    assert {link.kind for link in projection.links if link.fact.endswith("alpha-beta-mou")} == {
        "co-party"
    }


def test_a_liaison_membership_is_a_liaison_link_not_a_member_link(projection: Projection) -> None:
    link = _link(projection, "liaison", LIAISON)
    assert (link.subject, link.object, link.sources) == (EPS, GAMMA, (S2,))
    assert link.phrase == "in liaison with"
    assert not [x for x in projection.links if x.kind == "member" and x.fact == LIAISON]


def test_structure_links_cite_their_subjects_own_sources_or_a_statements(
    projection: Projection,
) -> None:
    established = _link(projection, "established-by", DELTA)
    assert (established.subject, established.object) == (DELTA, ALPHA)
    assert established.sources == (S1, S2)  # both of DELTA's own, sorted
    part = _link(projection, "sub-organisation", EPS)
    assert (part.subject, part.object) == (EPS, BETA)
    assert part.sources == (S2,)  # the statement's, not EPS's own (S1)


def test_bodies_keep_their_labels_and_founding_dates(projection: Projection) -> None:
    alpha = next(body for body in projection.bodies if body.iri == ALPHA)
    assert (alpha.label_en, alpha.label_fr, alpha.acronym) == (
        "Alpha Organisation",
        "Organisation européenne Alpha",
        "ALPHA",
    )


#: The queries for rows (fact, p, value, lang), each in its network/queries/<name>.rq.
FACTS_QUERIES = (
    "Q_BODY_NAMES",
    "Q_AGREEMENTS",
    "Q_MEMBERSHIPS",
    "Q_EVENTS",
    "Q_PROGRAMMES",
    "Q_COOPERATIONS",
)


def _values(node: object) -> list[dict[str, str]]:
    """The rows of every VALUES block of an rdflib algebra, variable → term as text."""
    found: list[dict[str, str]] = []
    if isinstance(node, dict):
        if getattr(node, "name", "") == "values":
            found += [{str(k): str(v) for k, v in row.items()} for row in node["res"]]
        for value in node.values():
            found += _values(value)
    elif isinstance(node, list | tuple):
        for item in node:
            found += _values(item)
    return found


@pytest.mark.parametrize("name", FACTS_QUERIES)
def test_each_code_stands_for_the_property_the_query_gives_it(name: str) -> None:
    """The codes read from the file's text are those rdflib parses from it: 0, 1, … in order,
    each one property, and the FILTER of a query for few facts names the same properties."""
    query = getattr(projection_module, name)
    parsed = [row for row in _values(prepareQuery(query.text).algebra) if "p" in row]
    assert {row["p"]: row["property"] for row in parsed} == dict(query.properties)
    assert list(query.properties) == [str(code) for code in range(len(query.properties))]
    assert len(set(query.properties.values())) == len(query.properties)
    if "FILTER(?property IN" in query.text:
        listed = query.text.split("FILTER(?property IN (", 1)[1].split("))", 1)[0]
        names = [prefixed.strip() for prefixed in listed.split(",")]
        codes = query.text.split("VALUES (?property ?p) {", 1)[1].split("}", 1)[0]
        assert names == [pair.split()[0] for pair in codes.replace(")", "").split("(")[1:]]


def test_store_rows_leave_unbound_variables_out_whatever_the_order() -> None:
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("http://a"), ox.NamedNode("http://p"), ox.Literal("x")))
    query = "SELECT ?z ?o ?s WHERE { ?s ?p ?o OPTIONAL { ?s <http://q> ?z } }"
    assert StoreSelector(store).select(query) == [{"o": "x", "s": "http://a"}]


class _Failing:
    def select(self, query: str, bindings: Mapping[str, str] | None = None) -> list[Row]:
        raise RuntimeError("engine down")


@pytest.fixture
def collector() -> Iterator[None]:
    enabled = gc.isenabled()
    yield
    (gc.enable if enabled else gc.disable)()


@pytest.mark.usefixtures("collector")
def test_the_garbage_collector_is_paused_only_while_projecting() -> None:
    gc.enable()
    with pytest.raises(RuntimeError):
        project(_Failing())
    assert gc.isenabled()
    gc.disable()
    project(GraphSelector(_graph()))
    assert not gc.isenabled()  # left as the caller had it


MENTIONS = f"""
@prefix bkg:     <https://w3id.org/bipmkg/ontology#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix schema:  <https://schema.org/> .
@prefix skos:    <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd:     <http://www.w3.org/2001/XMLSchema#> .

<{ID}event/chain-alpha-meeting-7> a bkg:Meeting ; bkg:meetingOf <{ALPHA}> ;
    schema:endDate "1999-10-14"^^xsd:date ; dcterms:source <{S1}> .
<{ID}outcome/chain-alpha-7-decision-3> a bkg:Decision ;
    skos:prefLabel "On Beta and Delta"@en ;
    bkg:adoptedAt <{ID}event/chain-alpha-meeting-7> ; bkg:adoptedBy <{ALPHA}> ;
    bkg:mentions <{BETA}> , <{DELTA}> , <{ALPHA}> ;
    dcterms:source <{S2}> .
"""


@pytest.mark.parametrize("engine", ["rdflib", "oxigraph"])
def test_an_outcome_links_the_bodies_it_names_to_its_adopter(engine: str) -> None:
    graph = _graph()
    graph.parse(data=MENTIONS, format="turtle")
    if engine == "rdflib":
        found = project(GraphSelector(graph))
    else:
        store = ox.Store()
        store.load(input=graph.serialize(format="nt").encode(), format=ox.RdfFormat.N_TRIPLES)
        found = project(StoreSelector(store))
    mentioned = sorted(
        (link.subject, link.object, link.start, link.sources, link.phrase)
        for link in found.links
        if link.kind == "mentioned"
    )
    # The adopter naming itself is no link; the meeting's only date (its last day) dates it.
    phrase = "named in On Beta and Delta (1999-10-14), adopted by"
    assert mentioned == [
        (BETA, ALPHA, "1999-10-14", (S2,), phrase),
        (DELTA, ALPHA, "1999-10-14", (S2,), phrase),
    ]

"""Checks over the curated data for the classes of error the audit of issue 15 found.

Each test states a rule the shapes cannot (it needs the network projection, or reads the sources'
excerpts), and would have caught one of the errors: a body linked to nothing, a party of a
revision shown as a party of the agreement before the revision, a year taken from a heading
without saying so, two working groups recorded as one, a revision dated with its decision's date.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from rdflib import RDF, Graph
from rdflib.namespace import DCTERMS

from bipmkg import config
from bipmkg.network.projection import Projection, network_of, project
from bipmkg.rdf.files import load_graph
from bipmkg.rdf.namespaces import BKG, SCHEMA
from bipmkg.store.adapters import StoreSelector

ID = "https://w3id.org/bipmkg/id/"
ICSH = f"{ID}organisation/icsh"

#: Bodies of the curated graph that no source links to anything, each with the reason.
UNLINKED = {
    # Source 003 names it only as a page of the BIPM's site ("Login (for authorized
    # participants)"); no stored page says who takes part in it or whom it belongs to.
    f"{ID}network/forum-nmi-international-activities",
    # ILAC's pages say the "BIPM-ILAC Working Group is responsible for the implementation of the
    # BIPM-ILAC MoU" and give its terms of reference, but list no members.
    f"{ID}committee/cipm-ilac-working-group",
    # States named only as the country of an AFRIMETS member (SON, MAGMET): bkg:country places
    # a body, it is not a cooperation link, and no page gives these States a membership.
    f"{ID}place/madagascar",
    f"{ID}place/nigeria",
}


@pytest.fixture(scope="module")
def curated() -> Graph:
    return load_graph(config.curated_files())


@pytest.fixture(scope="module")
def projection(curated: Graph) -> Projection:
    return project(StoreSelector.from_graph(curated))


def test_every_curated_body_is_linked_or_explained(projection: Projection) -> None:
    linked = {iri for link in projection.links for iri in (link.subject, link.object)}
    unlinked = {body.iri for body in projection.bodies} - linked
    assert unlinked == UNLINKED, (
        f"linked to nothing: {sorted(unlinked - UNLINKED)}; "
        f"no longer unlinked (remove from UNLINKED): {sorted(UNLINKED - unlinked)}"
    )


def test_a_party_of_a_revision_only_is_no_party_before_the_revision(
    projection: Projection,
) -> None:
    """The ICSH signed the JCTLM declaration's 2019 revision, not the declaration of 2002."""
    before = network_of(projection, as_of=date(2019, 11, 30))
    assert not [data for _, _, data in before.edges(ICSH, data=True) if data["kind"] == "co-party"]
    after = network_of(projection, as_of=date(2019, 12, 31))
    co_parties = {
        other
        for _, other, data in after.edges(ICSH, data=True)
        if data["kind"] == "co-party" and data["fact"] == f"{ID}revision/jctlm-declaration--2019"
    }
    assert {f"{ID}organisation/{b}" for b in ("cipm", "bipm", "ifcc", "ilac")} <= co_parties


def test_a_year_taken_from_a_heading_is_said(curated: Graph) -> None:
    """An event dated from a source section whose excerpt gives no year (the list under "Other
    CBKT activities in 2019") says where the year comes from (bkg:dateNote)."""
    silent = []
    for event, start in curated.subject_objects(SCHEMA.startDate):
        sources = list(curated.objects(event, DCTERMS.source))
        sections = [s for s in sources if (s, RDF.type, BKG.SourceSection) in curated]
        if not sections or len(sections) != len(sources):
            continue
        year = str(start)[:4]
        excerpts = " ".join(str(e) for s in sections for e in curated.objects(s, BKG.excerpt))
        titles = " ".join(str(t) for s in sections for t in curated.objects(s, DCTERMS.title))
        if year in excerpts or year not in titles:
            continue
        notes = " ".join(str(n) for n in curated.objects(event, BKG.dateNote))
        if "heading" not in notes:
            silent.append(str(event))
    assert silent == []


def test_a_body_is_one_body(curated: Graph) -> None:
    """A body's English name is singular: "its working groups for implementation and evaluation
    of international instruments" are two working groups, not one body named in the plural."""
    plural = re.compile(r"\b(working groups|committees|networks)\b", re.IGNORECASE)
    rows = curated.query(
        """PREFIX bkg: <https://w3id.org/bipmkg/ontology#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?body ?label WHERE {
          ?body a/rdfs:subClassOf* bkg:Body ; skos:prefLabel ?label .
          FILTER(LANG(?label) = "en")
        }"""
    )
    named = sorted((str(body), str(label)) for body, label in rows if plural.search(str(label)))
    assert named == []


def test_a_revision_a_decision_approved_names_the_decision(curated: Graph) -> None:
    """A revision citing a CIPM meeting's decisions names the decision (bkg:authorisedBy), so that
    the decision's date is not taken for the revision's (RevisionDecisionDateShape checks it)."""
    unnamed = [
        str(revision)
        for revision in curated.subjects(RDF.type, BKG.Revision)
        if any(
            "/source/bdo-cipm-meetings-" in str(s)
            for s in curated.objects(revision, DCTERMS.source)
        )
        and curated.value(revision, BKG.authorisedBy) is None
    ]
    assert unnamed == []

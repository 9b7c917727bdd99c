"""Namespaces of the graph: the ontology's terms, checked, and the instance IRI scheme.

Every other module takes its `bkg:` terms from here, so a misspelt term fails at import time
instead of minting a new IRI (the W3C ORG `org:subOrganzationOf` typo is the cautionary tale).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

from rdflib import Namespace, URIRef
from rdflib.namespace import DefinedNamespace

ONTOLOGY_IRI: Final = "https://w3id.org/bipmkg/ontology"
ID_BASE: Final = "https://w3id.org/bipmkg/id/"
GRAPH_BASE: Final = "https://w3id.org/bipmkg/graph/"

BKGSH = Namespace("https://w3id.org/bipmkg/shapes#")
ORG = Namespace("http://www.w3.org/ns/org#")
SCHEMA = Namespace("https://schema.org/")
WIKIDATA = Namespace("http://www.wikidata.org/entity/")
#: Vocabularies of the dataset's own descriptions (VoID/DCAT checksums, the service description),
#: not bound in the graph's serialisations; VOID, DCAT and FOAF come from rdflib.namespace.
SPDX = Namespace("http://spdx.org/rdf/terms#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")

#: Prefixes bound in every serialisation and declared in ontology/context.jsonld.
PREFIXES: Final = {
    "bkg": "https://w3id.org/bipmkg/ontology#",
    "id": "https://w3id.org/bipmkg/id/",
    "organisation": "https://w3id.org/bipmkg/id/organisation/",
    "committee": "https://w3id.org/bipmkg/id/committee/",
    "network": "https://w3id.org/bipmkg/id/network/",
    "programme": "https://w3id.org/bipmkg/id/programme/",
    "agreement": "https://w3id.org/bipmkg/id/agreement/",
    "event": "https://w3id.org/bipmkg/id/event/",
    "outcome": "https://w3id.org/bipmkg/id/outcome/",
    "comparison": "https://w3id.org/bipmkg/id/comparison/",
    "submission": "https://w3id.org/bipmkg/id/submission/",
    "publication": "https://w3id.org/bipmkg/id/publication/",
    "place": "https://w3id.org/bipmkg/id/place/",
    "person": "https://w3id.org/bipmkg/id/person/",
    "source": "https://w3id.org/bipmkg/id/source/",
    "statement": "https://w3id.org/bipmkg/id/statement/",
    "dcterms": "http://purl.org/dc/terms/",
    "org": "http://www.w3.org/ns/org#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "prov": "http://www.w3.org/ns/prov#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "schema": "https://schema.org/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "time": "http://www.w3.org/2006/time#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "void": "http://rdfs.org/ns/void#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "wd": "http://www.wikidata.org/entity/",
}


def sparql_prologue(*prefixes: str) -> str:
    """`PREFIX p: <…>` lines for these prefixes of PREFIXES (all of them if none is named)."""
    return "".join(f"PREFIX {p}: <{PREFIXES[p]}>\n" for p in prefixes or PREFIXES)


def turtle_prologue(*prefixes: str) -> str:
    """`@prefix p: <…> .` lines for these prefixes of PREFIXES (all of them if none is named)."""
    return "".join(f"@prefix {p}: <{PREFIXES[p]}> .\n" for p in prefixes or PREFIXES)


#: Instance kinds, in the order pages and statistics list them.
KINDS: Final = (
    "organisation",
    "committee",
    "network",
    "programme",
    "cycle",
    "agreement",
    "signature",
    "revision",
    "cooperation",
    "membership",
    "event",
    "outcome",
    "comparison",
    "submission",
    "publication",
    "system",
    "figure",
    "person",
    "post",
    "place",
    "source",
    "statement",
    "discrepancy",
)

# Matched whole (fullmatch): `$` would also accept a slug followed by a newline.
_SLUG = re.compile(r"[a-z0-9]+(?:-{1,2}[a-z0-9]+)*")


class BKG(DefinedNamespace):
    """The bipmkg ontology, https://w3id.org/bipmkg/ontology#."""

    _fail = True
    _NS = Namespace("https://w3id.org/bipmkg/ontology#")

    # Classes
    Body: URIRef
    Organisation: URIRef
    IntergovernmentalOrganisation: URIRef
    UNAgency: URIRef
    NationalMetrologyInstitute: URIRef
    RegionalMetrologyOrganisation: URIRef
    AccreditationBody: URIRef
    StandardsBody: URIRef
    ScientificUnion: URIRef
    CouncilOrAssociation: URIRef
    ResearchInstitute: URIRef
    GoverningOrgan: URIRef
    OrganisationalUnit: URIRef
    Committee: URIRef
    JointCommittee: URIRef
    Network: URIRef
    Partnership: URIRef
    Programme: URIRef
    Project: URIRef
    ProgrammeCycle: URIRef
    Agreement: URIRef
    MemorandumOfUnderstanding: URIRef
    DeclarationOfCooperation: URIRef
    FormalAgreement: URIRef
    Resolution: URIRef
    JointDeclaration: URIRef
    ObserverRelation: URIRef
    LiaisonRelation: URIRef
    Collaboration: URIRef
    # cur-states: States as parties to the Metre Convention and members of the CGPM
    State: URIRef
    MutualRecognitionArrangement: URIRef
    Signature: URIRef
    Revision: URIRef
    Cooperation: URIRef
    Event: URIRef
    Meeting: URIRef
    Workshop: URIRef
    TrainingCourse: URIRef
    School: URIRef
    Seminar: URIRef
    ThematicSession: URIRef
    Celebration: URIRef
    PublicationLaunch: URIRef
    Signing: URIRef
    LocationStatus: URIRef
    Publication: URIRef
    Study: URIRef
    Brochure: URIRef
    Poster: URIRef
    InformationSystem: URIRef
    ReportedFigure: URIRef
    SourceDocument: URIRef
    SourceSection: URIRef
    Discrepancy: URIRef
    Outcome: URIRef
    AdoptedResolution: URIRef
    Decision: URIRef
    Recommendation: URIRef
    Declaration: URIRef
    ActionItem: URIRef
    PositionStatement: URIRef
    WorkingGroup: URIRef
    KeyComparison: URIRef
    Submission: URIRef
    Renaming: URIRef
    Snapshot: URIRef

    # Individuals
    Online: URIRef
    Worldwide: URIRef
    LocationUnknown: URIRef
    MemberRole: URIRef
    FoundingMemberRole: URIRef
    ExecutiveMemberRole: URIRef
    AssociateMemberRole: URIRef
    PartnerRole: URIRef
    CoFocalPointRole: URIRef
    ObserverRole: URIRef
    LiaisonRole: URIRef
    ChairRole: URIRef
    SecretariatRole: URIRef

    # Properties
    acronym: URIRef
    nativeLabel: URIRef
    headquarters: URIRef
    country: URIRef
    foundingNote: URIRef
    organOf: URIRef
    supervises: URIRef
    actsOnBehalfOf: URIRef
    establishedBy: URIRef
    establishedUnder: URIRef
    succeeds: URIRef
    memberCountNote: URIRef
    memberCount: URIRef
    task: URIRef
    hasParty: URIRef
    onBehalfOf: URIRef
    dateSigned: URIRef
    dateNote: URIRef
    placeSigned: URIRef
    purpose: URIRef
    establishes: URIRef
    authorisedBy: URIRef
    hasSignature: URIRef
    signedFor: URIRef
    signatory: URIRef
    signatoryCapacity: URIRef
    signatoryCount: URIRef
    hasRevision: URIRef
    dateRevised: URIRef
    adoptedAt: URIRef
    adoptedBy: URIRef
    mentions: URIRef
    doi: URIRef
    venue: URIRef
    comparison: URIRef
    participant: URIRef
    pilot: URIRef
    reportedIn: URIRef
    renamedBody: URIRef
    formerName: URIRef
    submissionYear: URIRef
    repository: URIRef
    commit: URIRef
    dateResigned: URIRef
    partner: URIRef
    channel: URIRef
    basedOn: URIRef
    since: URIRef
    listedAsOf: URIRef
    locationStatus: URIRef
    coOrganizer: URIRef
    host: URIRef
    speaker: URIRef
    audience: URIRef
    participantCount: URIRef
    countryCount: URIRef
    participatingMemberCount: URIRef
    participantsFrom: URIRef
    theme: URIRef
    inProgramme: URIRef
    meetingOf: URIRef
    marks: URIRef
    ordinal: URIRef
    runBy: URIRef
    hasCycle: URIRef
    cycleYear: URIRef
    extendedTo: URIRef
    minimumDuration: URIRef
    maximumDuration: URIRef
    eligibility: URIRef
    publishedWithin: URIRef
    languageCountAbove: URIRef
    figureOf: URIRef
    measure: URIRef
    value: URIRef
    referenceYear: URIRef
    excerpt: URIRef
    localPath: URIRef
    confidence: URIRef
    concerns: URIRef
    conflictingStatement: URIRef

    # Network metrics (computed by `bipmkg build` into the metrics named graph)
    MetricsRun: URIRef
    BodyMetrics: URIRef
    asOfDate: URIRef
    algorithm: URIRef
    parameters: URIRef
    bodyCount: URIRef
    linkCount: URIRef
    componentCount: URIRef
    modularity: URIRef
    measuredBody: URIRef
    degree: URIRef
    weightedDegree: URIRef
    betweennessCentrality: URIRef
    closenessCentrality: URIRef
    pageRank: URIRef
    centralityRank: URIRef
    community: URIRef
    articulationPoint: URIRef


def instance_iri(kind: str, slug: str) -> URIRef:
    """Return the IRI of an instance, refusing kinds and slugs outside the scheme."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
    if not _SLUG.fullmatch(slug):
        raise ValueError(f"slug {slug!r} is not kebab-case (a-z, 0-9 and hyphens)")
    return URIRef(f"{ID_BASE}{kind}/{slug}")


def slugify(text: str) -> str:
    """A kebab-case slug of any text: accents dropped, every run of other characters one hyphen.

    `slugify("TÜBİTAK UME")` is `tubitak-ume`, `slugify("BIPM.RI(II)-K1.Co-60")` is
    `bipm-ri-ii-k1-co-60`. Raises ValueError for a text with no letter or digit.
    """
    folded = unicodedata.normalize("NFKD", text.replace("ı", "i").replace("ß", "ss"))
    ascii_only = "".join(c for c in folded if not unicodedata.combining(c)).lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_only).strip("-")
    if not slug:
        raise ValueError(f"{text!r} has no letter or digit to make a slug of")
    return slug


def split_instance_iri(iri: str) -> tuple[str, str] | None:
    """Return (kind, slug) for an instance IRI of this graph, or None for any other IRI."""
    if not iri.startswith(ID_BASE):
        return None
    kind, _, slug = iri[len(ID_BASE) :].partition("/")
    if kind in KINDS and _SLUG.fullmatch(slug):
        return kind, slug
    return None

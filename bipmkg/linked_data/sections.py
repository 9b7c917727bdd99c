"""The domain sections of entity pages: one SELECT per table, declared in one place.

An organisation's agreements, memberships, events and timeline; an agreement's signatures and
revisions; a committee's members, founding agreements and events. Each section is a query whose
rows become a table; an IRI column `x` may come with `xEn`/`xFr` labels. The entity is bound by
VALUES (see bipmkg.store.adapters), never written into the text.
"""

from __future__ import annotations

from dataclasses import dataclass

from bipmkg.linked_data.describe import PREFIXES, Term, checked_iri
from bipmkg.query.selector import Selector

_EVENT_LINKS = (
    "schema:organizer bkg:coOrganizer schema:sponsor bkg:host schema:attendee "
    "bkg:participantsFrom bkg:meetingOf"
)


@dataclass(frozen=True)
class Column:
    var: str
    en: str
    fr: str


@dataclass(frozen=True)
class SectionSpec:
    key: str
    en: str
    fr: str
    query: str
    columns: tuple[Column, ...]


@dataclass(frozen=True)
class Section:
    spec: SectionSpec
    rows: tuple[tuple[Term | None, ...], ...]


def _label(var: str) -> str:
    return f"""
  OPTIONAL {{ ?{var} skos:prefLabel|rdfs:label ?{var}En . FILTER(lang(?{var}En) = "en") }}
  OPTIONAL {{ ?{var} skos:prefLabel|rdfs:label ?{var}Fr . FILTER(lang(?{var}Fr) = "fr") }}"""


AGREEMENTS = SectionSpec(
    "agreements",
    "Agreements",
    "Accords",
    PREFIXES
    + f"""
SELECT ?agreement ?agreementEn ?agreementFr ?type ?typeEn ?typeFr ?signed
       (GROUP_CONCAT(DISTINCT STR(?otherName); separator=", ") AS ?counterparts)
       (GROUP_CONCAT(DISTINCT STR(?revised); separator=", ") AS ?revisions) WHERE {{
  {{ ?agreement bkg:hasParty ?e }} UNION {{ ?agreement bkg:onBehalfOf ?e }}
  ?agreement a ?type . ?type rdfs:subClassOf bkg:Agreement .
  OPTIONAL {{ ?agreement bkg:dateSigned ?signed }}
  OPTIONAL {{ ?agreement bkg:hasParty ?other . FILTER(?other != ?e)
             OPTIONAL {{ ?other bkg:acronym ?acronym . FILTER(lang(?acronym) = "en") }}
             OPTIONAL {{ ?other skos:prefLabel ?name . FILTER(lang(?name) = "en") }}
             BIND(COALESCE(?acronym, ?name) AS ?otherName) }}
  OPTIONAL {{ ?agreement bkg:hasRevision ?rev . ?rev bkg:dateRevised|bkg:dateResigned ?revised }}
  {_label("agreement")}{_label("type")}
}}
GROUP BY ?agreement ?agreementEn ?agreementFr ?type ?typeEn ?typeFr ?signed
ORDER BY ?signed ?agreementEn
""",
    (
        Column("agreement", "Agreement", "Accord"),
        Column("type", "Kind", "Type"),
        Column("counterparts", "Counterparts", "Autres parties"),
        Column("signed", "Signed", "Signé"),
        Column("revisions", "Revised or re-signed", "Révisé ou signé de nouveau"),
    ),
)

MEMBERSHIPS = SectionSpec(
    "memberships",
    "Memberships",
    "Appartenances",
    PREFIXES
    + f"""
SELECT ?body ?bodyEn ?bodyFr ?role ?roleEn ?roleFr ?start ?end WHERE {{
  ?m org:member ?e ; org:organization ?body ; org:role ?role .
  OPTIONAL {{ ?m schema:startDate ?start }}
  OPTIONAL {{ ?m schema:endDate ?end }}
  {_label("body")}{_label("role")}
}}
ORDER BY ?bodyEn ?start
""",
    (
        Column("body", "Committee or network", "Comité ou réseau"),
        Column("role", "Role", "Rôle"),
        Column("start", "From", "Depuis"),
        Column("end", "Until", "Jusqu'à"),
    ),
)

MEMBERS = SectionSpec(
    "members",
    "Members",
    "Membres",
    PREFIXES
    + f"""
SELECT ?member ?memberEn ?memberFr ?role ?roleEn ?roleFr ?start ?end WHERE {{
  ?m org:organization ?e ; org:member ?member ; org:role ?role .
  OPTIONAL {{ ?m schema:startDate ?start }}
  OPTIONAL {{ ?m schema:endDate ?end }}
  {_label("member")}{_label("role")}
}}
ORDER BY ?memberEn ?start
""",
    (
        Column("member", "Member", "Membre"),
        Column("role", "Role", "Rôle"),
        Column("start", "From", "Depuis"),
        Column("end", "Until", "Jusqu'à"),
    ),
)

EVENTS = SectionSpec(
    "events",
    "Events",
    "Événements",
    PREFIXES
    + f"""
SELECT ?event ?eventEn ?eventFr ?relation ?relationEn ?relationFr ?start ?end WHERE {{
  VALUES ?relation {{ {_EVENT_LINKS} }}
  ?event ?relation ?e .
  OPTIONAL {{ ?event schema:startDate ?start }}
  OPTIONAL {{ ?event schema:endDate ?end }}
  {_label("event")}{_label("relation")}
}}
ORDER BY ?start ?eventEn
""",
    (
        Column("event", "Event", "Événement"),
        Column("relation", "Role", "Rôle"),
        Column("start", "From", "Du"),
        Column("end", "To", "Au"),
    ),
)

FOUNDING = SectionSpec(
    "founding",
    "Founding agreements",
    "Accords constitutifs",
    PREFIXES
    + f"""
SELECT DISTINCT ?agreement ?agreementEn ?agreementFr ?signed WHERE {{
  {{ ?agreement bkg:establishes ?e }} UNION {{ ?e bkg:establishedUnder ?agreement }}
  OPTIONAL {{ ?agreement bkg:dateSigned ?signed }}
  {_label("agreement")}
}}
ORDER BY ?signed
""",
    (Column("agreement", "Agreement", "Accord"), Column("signed", "Signed", "Signé")),
)

SIGNATURES = SectionSpec(
    "signatures",
    "Signatures",
    "Signatures",
    PREFIXES
    + f"""
SELECT ?party ?partyEn ?partyFr ?person ?personEn ?personFr ?capacity ?date WHERE {{
  ?e bkg:hasSignature ?s .
  ?s bkg:signedFor ?party .
  OPTIONAL {{ ?s bkg:signatory ?person }}
  OPTIONAL {{ ?s bkg:signatoryCapacity ?capacity }}
  OPTIONAL {{ ?s bkg:dateSigned ?date }}
  {_label("party")}{_label("person")}
}}
ORDER BY ?partyEn ?personEn
""",
    (
        Column("party", "For", "Pour"),
        Column("person", "Signatory", "Signataire"),
        Column("capacity", "Capacity", "Qualité"),
        Column("date", "Date", "Date"),
    ),
)

REVISIONS = SectionSpec(
    "revisions",
    "Revisions and re-signings",
    "Révisions et nouvelles signatures",
    PREFIXES
    + """
SELECT ?revision ?revised ?resigned ?purpose WHERE {
  ?e bkg:hasRevision ?revision .
  OPTIONAL { ?revision bkg:dateRevised ?revised }
  OPTIONAL { ?revision bkg:dateResigned ?resigned }
  OPTIONAL { ?revision bkg:purpose|dcterms:description ?purpose . FILTER(lang(?purpose) = "en") }
}
ORDER BY ?revised ?resigned
""",
    (
        Column("revision", "Revision", "Révision"),
        Column("revised", "Revised", "Révisé"),
        Column("resigned", "Re-signed", "Signé de nouveau"),
        Column("purpose", "Purpose", "Objet"),
    ),
)

TIMELINE = SectionSpec(
    "timeline",
    "Timeline",
    "Chronologie",
    PREFIXES
    + f"""
SELECT ?date ?what ?whatEn ?whatFr ?change WHERE {{
  {{
    {{ ?what bkg:hasParty ?e }} UNION {{ ?what bkg:onBehalfOf ?e }}
    ?what bkg:dateSigned ?date . BIND("signed" AS ?change)
  }} UNION {{
    {{ ?what bkg:hasParty ?e }} UNION {{ ?what bkg:onBehalfOf ?e }}
    ?what bkg:hasRevision ?rev . ?rev bkg:dateRevised ?date . BIND("revised" AS ?change)
  }} UNION {{
    {{ ?what bkg:hasParty ?e }} UNION {{ ?what bkg:onBehalfOf ?e }}
    ?what bkg:hasRevision ?rev . ?rev bkg:dateResigned ?date . BIND("re-signed" AS ?change)
  }} UNION {{
    ?m org:member ?e ; org:organization ?what ; schema:startDate ?date .
    BIND("joined" AS ?change)
  }} UNION {{
    ?m org:member ?e ; org:organization ?what ; schema:endDate ?date .
    BIND("left" AS ?change)
  }} UNION {{
    VALUES ?relation {{ {_EVENT_LINKS} }}
    ?what ?relation ?e ; schema:startDate ?date . BIND("event" AS ?change)
  }}
  {_label("what")}
}}
ORDER BY STR(?date) ?whatEn
""",
    (
        Column("date", "Date", "Date"),
        Column("change", "What happened", "Quoi"),
        Column("what", "Agreement, body or event", "Accord, organisme ou événement"),
    ),
)

#: Which sections each kind of page shows, in order.
SECTIONS: dict[str, tuple[SectionSpec, ...]] = {
    "organisation": (AGREEMENTS, MEMBERSHIPS, EVENTS, TIMELINE),
    "programme": (AGREEMENTS, MEMBERSHIPS, EVENTS, TIMELINE),
    "committee": (MEMBERS, FOUNDING, MEMBERSHIPS, AGREEMENTS, EVENTS, TIMELINE),
    "network": (MEMBERS, FOUNDING, MEMBERSHIPS, AGREEMENTS, EVENTS, TIMELINE),
    "agreement": (SIGNATURES, REVISIONS),
    "person": (MEMBERSHIPS,),
}


def read_sections(selector: Selector, kind: str, iri: str) -> list[Section]:
    """The filled sections of a page; empty ones are left out."""
    entity = str(checked_iri(iri))
    filled = []
    for spec in SECTIONS.get(kind, ()):
        rows = []
        for row in selector.select(spec.query, {"e": entity}):
            cells: list[Term | None] = []
            for column in spec.columns:
                value = row.get(column.var)
                if value is None or value == "":
                    cells.append(None)
                    continue
                en, fr = row.get(column.var + "En"), row.get(column.var + "Fr")
                is_iri = value.startswith(("https://", "http://")) and (
                    en is not None or fr is not None or value.startswith("https://w3id.org/")
                )
                cells.append(Term(value, is_iri, en or "", fr or ""))
            rows.append(tuple(cells))
        if rows:
            filled.append(Section(spec, tuple(rows)))
    return filled

"""The domain sections of entity pages: one SELECT per table, declared in one place.

An organisation's agreements, memberships, events and timeline; an agreement's signatures and
revisions; a committee's members, founding agreements and events. Each section is a query whose
rows become a table; an IRI column `x` may come with `xEn`/`xFr` labels. Each section's
query is a file of `queries/`, its entity ?e bound by VALUES (see bipmkg.query.selector), never
written into the text.
"""

from __future__ import annotations

from dataclasses import dataclass

from bipmkg.linked_data.describe import Term, checked_iri
from bipmkg.query.files import load_query
from bipmkg.query.selector import Selector


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


AGREEMENTS = SectionSpec(
    "agreements",
    "Agreements",
    "Accords",
    load_query(__file__, "entity-agreements"),
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
    load_query(__file__, "entity-memberships"),
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
    load_query(__file__, "entity-members"),
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
    load_query(__file__, "entity-events"),
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
    load_query(__file__, "entity-founding-agreements"),
    (Column("agreement", "Agreement", "Accord"), Column("signed", "Signed", "Signé")),
)

SIGNATURES = SectionSpec(
    "signatures",
    "Signatures",
    "Signatures",
    load_query(__file__, "agreement-signatures"),
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
    load_query(__file__, "agreement-revisions"),
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
    load_query(__file__, "entity-timeline"),
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
                # A label in another language, for a body named only in its own (queries that
                # select `<var>Other`).
                other = row.get(column.var + "Other", "")
                other_language = row.get(column.var + "OtherLang", "")
                is_iri = value.startswith(("https://", "http://")) and (
                    en is not None or fr is not None or value.startswith("https://w3id.org/")
                )
                cells.append(Term(value, is_iri, en or "", fr or "", other, other_language))
            rows.append(tuple(cells))
        if rows:
            filled.append(Section(spec, tuple(rows)))
    return filled

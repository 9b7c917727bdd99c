"""Describe one resource of the graph: for machines (its RDF) and for people (its page data).

Sits after the store in the data flow. The RDF description of an entity is its concise bounded
description — its own triples and the reified statements that cite sources for them — plus the
labels of every resource it links to, so a client can show it without further requests. The page
data is read with SELECT projections through a Selector (any engine), the IRI bound by VALUES
after checking it belongs to the project's namespaces: user input never becomes SPARQL text.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from rdflib import URIRef

from bipmkg.errors import QueryError
from bipmkg.query.files import fill, load_query
from bipmkg.query.selector import Row, Selector
from bipmkg.rdf.namespaces import ID_BASE, ONTOLOGY_IRI, split_instance_iri

#: The description's CONSTRUCT, its entity a `$entity` placeholder (see `describe_query`).
_DESCRIBE = load_query(__file__, "entity-description")


def checked_iri(iri: str) -> URIRef:
    """An IRI of this graph (instance or ontology term), or QueryError."""
    if split_instance_iri(iri) is None and not (
        iri == ONTOLOGY_IRI or iri.startswith(ONTOLOGY_IRI + "#")
    ):
        raise QueryError(f"<{iri}> is not an IRI of this graph (under {ID_BASE})")
    if any(c in iri for c in '<>"{}|^`\\ \n\r\t'):
        raise QueryError(f"<{iri}> is not a valid IRI")
    return URIRef(iri)


def describe_query(iri: str) -> str:
    """The CONSTRUCT query of an entity's description, its IRI checked and written as a term.

    The term stands in each pattern (a `$entity` placeholder, filled) and the label properties
    are a FILTER: Oxigraph joined a `VALUES ?e` binding and a `VALUES ?lp` list only after
    matching the patterns over the whole graph, 30 to 170 ms an entity instead of under 10.
    """
    return fill(_DESCRIBE, entity=checked_iri(iri))


# -- Page data ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """A value as shown on a page: an IRI with its labels, or a literal."""

    value: str
    is_iri: bool
    label_en: str = ""
    label_fr: str = ""
    #: a name in another language (its native name where it has one, else a preferred label):
    #: shown where the page's language has none, the native name before the other language's
    label_other: str = ""
    other_language: str = ""
    other_is_native: bool = False
    language: str = ""
    datatype: str = ""
    kind: str = ""

    def label(self, lang: str) -> tuple[str, str]:
        """The label in `lang`, and the language it fell back to ("" when it did not): the
        native name first (CMI's Czech one on a French page), then English or French."""
        if not self.is_iri:
            return self.value, ""
        wanted = self.label_fr if lang == "fr" else self.label_en
        if wanted:
            return wanted, ""
        if self.label_other and self.other_is_native:
            return self.label_other, self.other_language
        for label, language in (
            (self.label_en, "en"),
            (self.label_fr, "fr"),
            (self.label_other, self.other_language or "und"),
        ):
            if label:
                return label, language
        local = self.value.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]
        return (local if self.value.startswith("https://w3id.org/") else self.value), ""


@dataclass(frozen=True)
class Source:
    iri: str
    title: str
    document: str = ""
    document_title: str = ""
    url: str = ""
    excerpt: str = ""


@dataclass(frozen=True)
class Fact:
    predicate: str
    value: Term
    sources: tuple[str, ...]  # IRIs of the sources stating this very fact


@dataclass(frozen=True)
class Incoming:
    subject: Term
    predicate: str


@dataclass(frozen=True)
class Description:
    iri: str
    kind: str
    types: tuple[Term, ...]
    label: Term
    facts: tuple[Fact, ...]
    incoming: tuple[Incoming, ...]
    sources: dict[str, Source] = field(default_factory=dict)
    entity_sources: tuple[str, ...] = ()

    @property
    def exists(self) -> bool:
        return bool(self.facts)


_FACTS = load_query(__file__, "entity-facts")

_INCOMING = load_query(__file__, "entity-incoming-links")

_SOURCES = load_query(__file__, "entity-sources")


def describe(selector: Selector, iri: str) -> Description:
    """Everything a page shows about one resource: facts with their sources, incoming links."""
    entity = str(checked_iri(iri))
    bound = {"e": entity}
    facts_rows = selector.select(_FACTS, bound)
    by_fact: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for row in facts_rows:
        by_fact[(row["p"], row["o"])].append(row)
    facts = []
    types = []
    for (predicate, _value), rows in sorted(by_fact.items()):
        term = _term(rows[0], "o")
        cited = tuple(sorted({r["src"] for r in rows if "src" in r}))
        facts.append(Fact(predicate, term, cited))
        if predicate == str(_RDF_TYPE):
            types.append(term)
    sources: dict[str, Source] = {}
    for row in selector.select(_SOURCES, bound):
        sources.setdefault(
            row["src"],
            Source(
                row["src"],
                row.get("title", row["src"]),
                row.get("doc", ""),
                row.get("docTitle", ""),
                row.get("url", ""),
                row.get("excerpt", ""),
            ),
        )
    own = tuple(sorted(f.value.value for f in facts if f.predicate == _DCT_SOURCE))
    incoming = sorted(
        {
            (r["s"], r["p"]): Incoming(_term(r, "s"), r["p"])
            for r in selector.select(_INCOMING, bound)
        }.values(),
        key=lambda i: (i.predicate, i.subject.label("en")[0]),
    )
    label_en = next((f.value.value for f in facts if _is_label(f, "en")), "")
    label_fr = next((f.value.value for f in facts if _is_label(f, "fr")), "")
    natives = sorted(
        (f.value.language, f.value.value)
        for f in facts
        if f.predicate == _NATIVE_LABEL and f.value.language not in ("", "en", "fr")
    )
    others = sorted(
        (f.value.value, f.value.language)
        for f in facts
        if f.predicate == _PREF_LABEL and f.value.language not in ("", "en", "fr")
    )
    if natives:
        other_language, label_other = natives[0]
    else:
        label_other, other_language = others[0] if others else ("", "")
    split = split_instance_iri(entity)
    return Description(
        iri=entity,
        kind=split[0] if split else "ontology",
        types=tuple(types),
        label=Term(
            entity,
            True,
            label_en,
            label_fr,
            label_other,
            other_language,
            other_is_native=bool(natives),
        ),
        facts=tuple(facts),
        incoming=tuple(incoming),
        sources=sources,
        entity_sources=own,
    )


_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_DCT_SOURCE = "http://purl.org/dc/terms/source"
_PREF_LABEL = "http://www.w3.org/2004/02/skos/core#prefLabel"
_NATIVE_LABEL = "https://w3id.org/bipmkg/ontology#nativeLabel"
_LABELS = (
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://www.w3.org/2000/01/rdf-schema#label",
    "http://purl.org/dc/terms/title",
)


def _is_label(fact: Fact, lang: str) -> bool:
    return fact.predicate in _LABELS and fact.value.language == lang


def _term(row: Row, var: str) -> Term:
    value = row[var]
    # ?lang and ?dt are bound to "" for IRIs, to the tag or datatype for literals.
    is_iri = var != "o" or (not row.get("lang") and not row.get("dt"))
    kind = row.get("kind", "")
    return Term(
        value=value,
        is_iri=is_iri,
        label_en=row.get("en", "") if is_iri else "",
        label_fr=row.get("fr", "") if is_iri else "",
        label_other=row.get("other", "") if is_iri else "",
        other_language=row.get("otherLang", "") if is_iri else "",
        other_is_native=is_iri and row.get("otherIsNative") == "true",
        language=row.get("lang", "") if var == "o" else "",
        datatype=row.get("dt", "") if var == "o" else "",
        kind=kind.rsplit("#", 1)[-1] if kind else "",
    )

"""Count what the graph holds: instances per class and kind, and how well they are described.

Reads the merged graph (after load); the numbers feed `bipmkg stats` and, later, the home page.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from rdflib import DCTERMS, RDF, RDFS, SKOS, Graph, Literal, URIRef

from bipmkg.rdf.namespaces import BKG, ID_BASE, KINDS, split_instance_iri

#: Kinds of resources that people look up by name: the denominators of the label and
#: identifier shares (memberships, signatures, statements… have no names of their own).
NAMED_KINDS = (
    "organisation",
    "committee",
    "network",
    "programme",
    "agreement",
    "cooperation",
    "event",
    "outcome",
    "comparison",
    "publication",
    "system",
    "person",
    "place",
)
#: Kinds that describe the graph itself rather than the world; not counted as entities.
_META_KINDS = ("source", "statement")


@dataclass(frozen=True)
class ClassCount:
    iri: str
    label: str
    count: int


@dataclass(frozen=True)
class Share:
    """How many of `total` resources have a property."""

    count: int
    total: int

    @property
    def percent(self) -> float:
        return 100.0 * self.count / self.total if self.total else 0.0


@dataclass(frozen=True)
class Stats:
    triples: int
    entities: int
    per_kind: tuple[tuple[str, int], ...]
    per_class: tuple[ClassCount, ...]
    with_source: Share
    with_french_label: Share
    #: A French label, or else the entity's native name (bkg:nativeLabel: its name as it writes
    #: it, NPL's English one, PTB's German one): the name a French page shows in its place.
    with_french_or_native_name: Share
    with_external_id: Share
    statements: int
    sources: int


def compute_stats(graph: Graph) -> Stats:
    """Count instances per asserted class and per IRI kind, and the description shares."""
    kinds: Counter[str] = Counter()
    entities: set[URIRef] = set()
    named: set[URIRef] = set()
    for subject in set(graph.subjects(RDF.type, None)):
        if not isinstance(subject, URIRef) or not subject.startswith(ID_BASE):
            continue
        split = split_instance_iri(subject)
        if split is None:
            continue
        kind = split[0]
        kinds[kind] += 1
        if kind not in _META_KINDS:
            entities.add(subject)
        if kind in NAMED_KINDS:
            named.add(subject)

    classes: Counter[URIRef] = Counter()
    for subject, cls in graph.subject_objects(RDF.type):
        if subject in entities and isinstance(cls, URIRef):
            classes[cls] += 1
    per_class = tuple(
        ClassCount(str(cls), _label(graph, cls), n)
        for cls, n in sorted(classes.items(), key=lambda item: (-item[1], str(item[0])))
    )
    sourced = sum(1 for e in entities if (e, DCTERMS.source, None) in graph)
    french = sum(1 for e in named if _has_french_label(graph, e))
    french_or_native = sum(1 for e in named if _has_french_or_native_name(graph, e))
    identified = sum(1 for e in named if (e, SKOS.exactMatch, None) in graph)
    return Stats(
        triples=len(graph),
        entities=len(entities),
        per_kind=tuple((k, kinds[k]) for k in KINDS if kinds[k]),
        per_class=per_class,
        with_source=Share(sourced, len(entities)),
        with_french_label=Share(french, len(named)),
        with_french_or_native_name=Share(french_or_native, len(named)),
        with_external_id=Share(identified, len(named)),
        statements=kinds["statement"],
        sources=kinds["source"],
    )


def format_stats(stats: Stats) -> str:
    """A readable summary for the terminal."""
    lines = [
        f"Triples: {stats.triples}",
        f"Entities: {stats.entities} (plus {stats.sources} sources and "
        f"{stats.statements} sourced statements)",
        "",
        "Entities per kind:",
    ]
    lines += [f"  {kind:<14} {count:>5}" for kind, count in stats.per_kind]
    lines += ["", "Instances per class:"]
    lines += [f"  {c.label:<40} {c.count:>5}  <{c.iri}>" for c in stats.per_class]
    lines += [
        "",
        f"With a source:              {_share(stats.with_source)} of entities",
        f"With a French label:        {_share(stats.with_french_label)} of named entities",
        f"French or native name:      {_share(stats.with_french_or_native_name)} of named entities",
        f"With an external identifier: {_share(stats.with_external_id)} of named entities",
    ]
    return "\n".join(lines)


def _share(share: Share) -> str:
    return f"{share.count}/{share.total} ({share.percent:.1f} %)"


def _has_french_label(graph: Graph, node: URIRef) -> bool:
    return any(
        isinstance(label, Literal) and label.language == "fr"
        for label in graph.objects(node, SKOS.prefLabel)
    )


def _has_french_or_native_name(graph: Graph, node: URIRef) -> bool:
    return _has_french_label(graph, node) or (node, BKG.nativeLabel, None) in graph


def _label(graph: Graph, node: URIRef) -> str:
    for predicate in (RDFS.label, SKOS.prefLabel):
        for label in graph.objects(node, predicate):
            if isinstance(label, Literal) and label.language in ("en", None):
                return str(label)
    return node.n3(graph.namespace_manager)

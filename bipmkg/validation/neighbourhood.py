"""Which focus nodes a change can affect, and the small graph that decides their verdicts.

Used by `bipmkg.validation.validate.validate_change` (the validate step of the data flow, for an
update):
instead of validating 10^6 triples again, validate only the focus nodes whose results a change
can alter, on a subgraph holding everything those results read.

What a shape's verdict on a focus node f reads is worked out from the shapes themselves
(`analyse_shapes`), as rules relative to f:

- **own**: triples whose subject is f (its types, its path values, its counts, `$this p ?x`).
  Every shape reads these; a changed triple (s, p, o) re-checks s.
- **inbound P**: triples (x P f) — `sh:targetObjectsOf P`, an inverse path, or `?x P $this` in
  a SPARQL target or constraint (RevisionOrderShape: `?agreement bkg:hasRevision $this`).
  A changed (s, P, o) re-checks o.
- **out-read P → q**: triples (v q ·) of a value v of f (f P v): `sh:class` on path P reads v's
  `rdf:type`; StatementAssertedShape reads the cited subject's triples (q = any). A changed
  (s, q, o) re-checks every f with (f P s).
- **in-read P → q**: triples (x q ·) of an x with (x P f): RevisionOrderShape reads the signing
  date of the agreement that lists the revision, SignaturePartyShape the parties of the
  agreement that lists the signature. A changed (s, q, o) re-checks every f with (s P f).

Anything farther than one hop from f (a value's value's type, a pattern joining on a node no
triple links to f, a uniqueness check across all nodes, nested paths) is reported as
unsupported, and `validate_change` then validates the whole graph: slower, never wrong. A change
to the class hierarchy (`rdfs:subClassOf`) also validates the whole graph.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from rdflib import RDF, RDFS, SH, BNode, Graph, Literal, URIRef, Variable
from rdflib.collection import Collection
from rdflib.paths import AlternativePath, InvPath
from rdflib.plugins.sparql import prepareQuery
from rdflib.term import Node

from bipmkg.validation.engines import sparql_prefixes

Triple = tuple[Node, Node, Node]
#: A predicate in a rule; None stands for any predicate.
Pred = URIRef | None

OWN = "own"
INBOUND = "inbound"
OUT_READ = "out-read"
IN_READ = "in-read"


@dataclass(frozen=True)
class Rule:
    """One kind of triple a verdict on f reads, relative to f (see the module docstring)."""

    kind: str
    link: Pred = None
    read: Pred = None


@dataclass(frozen=True)
class Locality:
    """What the shapes read around a focus node; `unsupported` says why it cannot be bounded."""

    rules: frozenset[Rule]
    unsupported: tuple[str, ...] = ()

    @property
    def bounded(self) -> bool:
        return not self.unsupported


@dataclass(frozen=True)
class Change:
    """The triples an update added and removed."""

    added: frozenset[Triple] = field(default_factory=frozenset)
    removed: frozenset[Triple] = field(default_factory=frozenset)

    @classmethod
    def between(cls, before: Iterable[Triple], after: Iterable[Triple]) -> Change:
        """The difference between two states of a graph (sets of triples)."""
        old, new = frozenset(before), frozenset(after)
        return cls(added=new - old, removed=old - new)

    @property
    def triples(self) -> frozenset[Triple]:
        return self.added | self.removed

    @property
    def subjects(self) -> frozenset[Node]:
        return frozenset(s for s, _p, _o in self.triples)


#: A touched triple: (subject, predicate or None for any, object or None for unknown).
Touch = tuple[Node, Pred, Node | None]


def touches(change: Change | Iterable[Node]) -> list[Touch]:
    """The triples a change touched; a bare subject stands for any triple of that subject."""
    if isinstance(change, Change):
        return [(s, p if isinstance(p, URIRef) else None, o) for s, p, o in change.triples]
    return [(subject, None, None) for subject in change]


# -- Shape analysis ------------------------------------------------------------------------------

_TARGETS = (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode, SH.target)
#: Parameters that read nothing but the value nodes themselves (and the focus node's own path).
_VALUE_ONLY = {
    SH.minCount,
    SH.maxCount,
    SH.datatype,
    SH.nodeKind,
    SH.pattern,
    SH.flags,
    SH.languageIn,
    SH.uniqueLang,
    SH.minLength,
    SH.maxLength,
    SH.minInclusive,
    SH.maxInclusive,
    SH.minExclusive,
    SH.maxExclusive,
    SH["in"],
    SH.hasValue,
    SH.qualifiedMinCount,
    SH.qualifiedMaxCount,
    SH.qualifiedValueShapesDisjoint,
}
#: Parameters that compare the path's values with the values of another property of the node.
_PAIR = {SH.equals, SH.disjoint, SH.lessThan, SH.lessThanOrEquals}
#: Annotations and declarations: they change no verdict's reads.
_NEUTRAL = {
    SH.message,
    SH.severity,
    SH.name,
    SH.description,
    SH.order,
    SH.group,
    SH.deactivated,
    SH.defaultValue,
    SH.path,
    SH.declare,
    SH.prefixes,
    SH.ignoredProperties,
    *_TARGETS,
}
_MEMBER_LISTS = (SH["or"], SH["and"], SH.xone)
_MEMBERS = (SH["not"], SH.node, SH.qualifiedValueShape)

#: Where a shape is evaluated, relative to the focus node f of a root shape.
Position = tuple[str, frozenset[URIRef] | None]
FOCUS: Position = ("focus", frozenset())


class _Analysis:
    def __init__(self, shapes: Graph) -> None:
        self.shapes = shapes
        self.rules: set[Rule] = {Rule(OWN)}
        self.unsupported: list[str] = []
        self.seen: set[tuple[Node, Position]] = set()

    def fail(self, shape: Node, reason: str) -> None:
        self.unsupported.append(f"{_name(shape)}: {reason}")

    def read(self, position: Position, predicate: Pred, shape: Node, what: str) -> None:
        """Record that the node at `position` has its `predicate` triples read."""
        where, links = position
        if where == "focus":
            return
        if where == "deep":
            self.fail(shape, f"{what} reads a node two hops from the focus node")
            return
        kind = OUT_READ if where == "out" else IN_READ
        for link in sorted(links) if links is not None else [None]:
            self.rules.add(Rule(kind, link, predicate))

    def hop(self, position: Position, path: Node, shape: Node) -> list[Position]:
        """The positions of the values of `path` from a node at `position`."""
        forward, inverse = _path_predicates(self.shapes, path)
        if forward is None and inverse is None:
            self.fail(shape, "a path other than a predicate, an inverse or an alternative of those")
            return []
        where, _ = position
        found: list[Position] = []
        if forward:
            for predicate in sorted(forward):
                self.read(position, predicate, shape, "the path")
            found.append(("out", frozenset(forward)) if where == "focus" else ("deep", None))
        if inverse:
            if where != "focus":
                self.fail(shape, "an inverse path from a value node")
            for predicate in sorted(inverse):
                self.rules.add(Rule(INBOUND, predicate))
            found.append(("in", frozenset(inverse)) if where == "focus" else ("deep", None))
        return found

    def shape(self, shape: Node, position: Position) -> None:
        if (shape, position) in self.seen:
            return
        self.seen.add((shape, position))
        g = self.shapes
        path = g.value(shape, SH.path)
        values = self.hop(position, path, shape) if path is not None else [position]
        for predicate, obj in g.predicate_objects(shape):
            if not isinstance(predicate, URIRef) or not predicate.startswith(str(SH)):
                continue
            if predicate in _NEUTRAL or predicate in _VALUE_ONLY:
                continue
            if predicate == SH["class"]:
                for at in values:
                    self.read(at, RDF.type, shape, "sh:class")
            elif predicate in _PAIR:
                if isinstance(obj, URIRef):
                    self.read(position, obj, shape, _name(predicate))
            elif predicate == SH.closed:
                for at in values:
                    self.read(at, None, shape, "sh:closed")
            elif predicate in _MEMBER_LISTS:
                for member in Collection(g, obj):
                    for at in values:
                        self.shape(member, at)
            elif predicate in _MEMBERS or predicate == SH.property:
                # On a node shape they apply to the node itself, on a property shape to its
                # values: `values` is the node's own position when there is no path.
                for at in values:
                    self.shape(obj, at)
            elif predicate == SH.sparql:
                if path is not None or position != FOCUS:
                    self.fail(shape, "sh:sparql on a property shape or a value node")
                else:
                    self.sparql(shape, obj, "this")
            else:
                self.fail(shape, f"parameter {_name(predicate)} is not analysed")

    def root(self, shape: Node) -> None:
        g = self.shapes
        for target in g.objects(shape, SH.targetObjectsOf):
            if isinstance(target, URIRef):
                self.rules.add(Rule(INBOUND, target))
        for target in g.objects(shape, SH.target):
            if (target, RDF.type, SH.SPARQLTarget) in g and g.value(target, SH.select):
                self.sparql(shape, target, "this")
            else:
                self.fail(shape, "a custom target other than a SPARQL target")
        self.shape(shape, FOCUS)

    def sparql(self, shape: Node, holder: Node, this: str) -> None:
        """Bound the reads of a SPARQL target or constraint around `$this`."""
        g = self.shapes
        text = sparql_prefixes(g, g.value(holder, SH.prefixes)) + str(g.value(holder, SH.select))
        try:
            query = prepareQuery(text)
        except Exception as exc:  # pyparsing raises many types
            self.fail(shape, f"SPARQL that does not parse: {exc}")
            return
        patterns: list[tuple[Node, Any, Node]] = []
        problems: list[str] = []
        _collect(query.algebra, patterns, problems)
        for problem in problems:
            self.fail(shape, problem)
        focus = Variable(this)
        oriented: list[tuple[Node, set[URIRef], Node]] = []  # an empty set stands for any
        for s, p, o in patterns:
            forward, inverse = _sparql_predicates(p)
            if forward is None and inverse is None:
                self.fail(
                    shape, f"SPARQL path {p} is not a predicate, an inverse or an alternative"
                )
            if forward is not None:
                oriented.append((s, forward, o))
            if inverse is not None:
                oriented.append((o, inverse, s))
        neighbours: dict[Node, set[tuple[str, Pred]]] = {}
        for subject, predicates, obj in oriented:
            preds: list[Pred] = list(sorted(predicates)) if predicates else [None]
            if subject == focus and isinstance(obj, Variable) and obj != focus:
                neighbours.setdefault(obj, set()).update(("out", p) for p in preds)
            elif obj == focus and subject != focus:
                self.rules.update(Rule(INBOUND, p) for p in preds)
                if isinstance(subject, Variable):
                    neighbours.setdefault(subject, set()).update(("in", p) for p in preds)
                else:
                    self.fail(shape, f"SPARQL reads the triples of the fixed node {subject.n3()}")
        for subject, predicates, obj in oriented:
            if focus in (subject, obj):
                continue
            preds = list(sorted(predicates)) if predicates else [None]
            if subject in neighbours:
                for where, link in neighbours[subject]:
                    kind = OUT_READ if where == "out" else IN_READ
                    self.rules.update(Rule(kind, link, p) for p in preds)
            else:
                self.fail(shape, f"SPARQL pattern on {subject.n3()} is not one hop from $this")


def _collect(node: Any, patterns: list[tuple[Node, Any, Node]], problems: list[str]) -> None:
    """Every triple pattern of a SPARQL algebra tree (FILTER EXISTS included)."""
    name = getattr(node, "name", None)
    if name in ("ToMultiSet", "ServiceGraphPattern", "Graph"):
        problems.append(f"SPARQL {name} (sub-query, SERVICE or GRAPH) is not analysed")
    if name in ("BGP", "TriplesBlock"):
        # Translated patterns are (s, p, o) tuples; those inside FILTER (NOT) EXISTS stay
        # as the parser left them, flat lists of s p o s p o …
        for group in node.triples:
            terms = list(group)
            patterns.extend(
                (terms[i], terms[i + 1], terms[i + 2]) for i in range(0, len(terms) - 2, 3)
            )
        return
    if isinstance(node, dict):
        for value in node.values():
            _collect(value, patterns, problems)
    elif isinstance(node, list | tuple):
        for value in node:
            _collect(value, patterns, problems)


def _sparql_predicates(p: Any) -> tuple[set[URIRef] | None, set[URIRef] | None]:
    """(forward, inverse) predicates of a SPARQL predicate; empty set = any (a variable)."""
    if isinstance(p, URIRef):
        return {p}, None
    if isinstance(p, Variable):
        return set(), None
    if isinstance(p, InvPath) and isinstance(p.arg, URIRef):
        return None, {p.arg}
    if isinstance(p, AlternativePath) and all(isinstance(a, URIRef) for a in p.args):
        return {a for a in p.args if isinstance(a, URIRef)}, None
    return None, None


def _path_predicates(
    shapes: Graph, path: Node | None
) -> tuple[set[URIRef] | None, set[URIRef] | None]:
    """(forward, inverse) predicates of a SHACL path; (None, None) if it is anything else."""
    if isinstance(path, URIRef):
        return {path}, set()
    inverse = shapes.value(path, SH.inversePath) if path is not None else None
    if isinstance(inverse, URIRef):
        return set(), {inverse}
    members = shapes.value(path, SH.alternativePath) if path is not None else None
    if members is None:
        return None, None
    forward: set[URIRef] = set()
    backward: set[URIRef] = set()
    for member in Collection(shapes, members):
        sub_forward, sub_inverse = _path_predicates(shapes, member)
        if sub_forward is None or sub_inverse is None:
            return None, None
        forward |= sub_forward
        backward |= sub_inverse
    return forward, backward


def _name(node: Node) -> str:
    return str(node).rsplit("#", 1)[-1].rsplit("/", 1)[-1] if isinstance(node, URIRef) else "[]"


def analyse_shapes(shapes: Graph) -> Locality:
    """What the shapes' verdicts on a focus node read around it (see the module docstring)."""
    analysis = _Analysis(shapes)
    roots = {s for p in _TARGETS for s in shapes.subjects(p, None)}
    roots |= {s for s in shapes.subjects(RDF.type, RDFS.Class) if _is_shape(shapes, s)}
    for root in sorted(roots, key=str):
        analysis.root(root)
    return Locality(frozenset(analysis.rules), tuple(analysis.unsupported))


def _is_shape(shapes: Graph, node: Node) -> bool:
    return (node, RDF.type, SH.NodeShape) in shapes or (node, RDF.type, SH.PropertyShape) in shapes


_ANALYSED: dict[frozenset[Triple], Locality] = {}


def locality_of(shapes: Graph) -> Locality:
    """analyse_shapes, remembered for the same shapes (same triples, same blank nodes)."""
    key = frozenset(shapes)
    if key not in _ANALYSED:
        if len(_ANALYSED) >= 8:
            _ANALYSED.clear()
        _ANALYSED[key] = analyse_shapes(shapes)
    return _ANALYSED[key]


# -- Focus nodes and the subgraph ----------------------------------------------------------------


def _matches(rule: Pred, predicate: Pred) -> bool:
    return rule is None or predicate is None or rule == predicate


def _objects(graph: Graph, subject: Node, link: Pred) -> Iterator[Node]:
    yield from graph.objects(subject, link)


def _subjects(graph: Graph, link: Pred, obj: Node) -> Iterator[Node]:
    yield from graph.subjects(link, obj)


def affected_focus_nodes(graph: Graph, locality: Locality, touched: Iterable[Touch]) -> set[Node]:
    """The nodes whose results a change may alter, found in the graph after the change."""
    found: set[Node] = set()
    for subject, predicate, obj in touched:
        found.add(subject)
        for rule in locality.rules:
            if rule.kind == INBOUND and _matches(rule.link, predicate):
                if obj is not None:
                    found.add(obj)
                else:
                    found.update(_objects(graph, subject, rule.link))
            elif rule.kind == OUT_READ and _matches(rule.read, predicate):
                found.update(_subjects(graph, rule.link, subject))
            elif rule.kind == IN_READ and _matches(rule.read, predicate):
                found.update(_objects(graph, subject, rule.link))
    return found


def neighbourhood_graph(graph: Graph, locality: Locality, focus_nodes: Iterable[Node]) -> Graph:
    """Every triple of `graph` that the verdicts on `focus_nodes` read, plus the class hierarchy."""
    sub = Graph()
    for prefix, namespace in graph.namespaces():
        sub.bind(prefix, namespace, override=False)
    add = sub.add
    for focus in focus_nodes:
        if not isinstance(focus, Literal):
            for triple in graph.triples((focus, None, None)):
                add(triple)
        for rule in locality.rules:
            if rule.kind == INBOUND:
                for triple in graph.triples((None, rule.link, focus)):
                    add(triple)
            elif rule.kind == OUT_READ:
                for value in _objects(graph, focus, rule.link):
                    if isinstance(value, URIRef | BNode):
                        for triple in graph.triples((value, rule.read, None)):
                            add(triple)
            elif rule.kind == IN_READ:
                for source, link, _ in graph.triples((None, rule.link, focus)):
                    add((source, link, focus))
                    for triple in graph.triples((source, rule.read, None)):
                        add(triple)
    for triple in graph.triples((None, RDFS.subClassOf, None)):
        add(triple)
    return sub


def touches_class_hierarchy(graph: Graph, touched: Iterable[Touch]) -> bool:
    """Whether a change may alter which classes are subclasses of which (then: validate all)."""
    for subject, predicate, _obj in touched:
        if predicate == RDFS.subClassOf:
            return True
        if predicate is None and (
            (subject, RDFS.subClassOf, None) in graph or (None, RDFS.subClassOf, subject) in graph
        ):
            return True
    return False

"""Validate the graph with SHACL and report results a curator can act on.

Second step of the data flow: the union of ontology and data is checked against
`ontology/shapes.ttl` (violations refuse the data) and `ontology/shapes-quality.ttl` (warnings).
Two engines give the same results (`bipmkg.validation.engines`): pyshacl over an in-memory rdflib
graph
(the default; faster than over an Oxigraph-backed graph, see
../shared/reference/performance-notes.md) and, optionally, pyrudof for large graphs.

`validate_change` validates an update: only the focus nodes whose results the change can alter,
on the few triples those results read (`bipmkg.validation.neighbourhood`), so a 100-triple update
on a
10^6-triple graph takes well under a second.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from rdflib import RDF, RDFS, SH, SKOS, BNode, ConjunctiveGraph, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from bipmkg import config
from bipmkg.rdf.files import input_paths, parse_file
from bipmkg.validation.engines import (
    RudofData,
    ValidationGraph,
    choose_engine,
    run_pyrudof,
    run_pyshacl,
    union_lookup,
)
from bipmkg.validation.neighbourhood import (
    Change,
    affected_focus_nodes,
    locality_of,
    neighbourhood_graph,
    touches,
    touches_class_hierarchy,
)

__all__ = [
    "Change",
    "ValidationReport",
    "ValidationResult",
    "load_shapes",
    "validate",
    "validate_change",
]

#: objects(subject, predicate): where the report finds labels, messages and path members.
Lookup = Callable[[Node, URIRef], Iterator[Node]]


@dataclass(frozen=True)
class ValidationResult:
    """One SHACL result, with the labels a curator needs to find and fix it."""

    severity: str
    focus_node: str
    focus_label: str
    path: str
    path_label: str
    message: str
    value: str
    shape: str


@dataclass(frozen=True)
class ValidationReport:
    """The outcome of a validation: conforms when there is no violation (warnings allowed)."""

    conforms: bool
    results: tuple[ValidationResult, ...]
    results_graph: Graph
    #: The focus nodes checked (IRIs as strings), or None when the whole graph was validated.
    scope: frozenset[str] | None = None
    engine: str = "pyshacl"

    @property
    def violations(self) -> tuple[ValidationResult, ...]:
        return tuple(r for r in self.results if r.severity == "Violation")

    @property
    def warnings(self) -> tuple[ValidationResult, ...]:
        return tuple(r for r in self.results if r.severity == "Warning")

    def source_shapes(self, *, severity: str | None = None) -> set[str]:
        """The IRIs of the shapes that produced results, read from the results graph."""
        shapes = set()
        for result in self.results_graph.subjects(RDF.type, SH.ValidationResult):
            if severity and self.results_graph.value(result, SH.resultSeverity) != SH[severity]:
                continue
            shape = self.results_graph.value(result, SH.sourceShape)
            if isinstance(shape, URIRef):
                shapes.add(str(shape))
        return shapes

    def as_text(self, *, show_warnings: bool = True) -> str:
        """A readable report: one block per result, grouped by severity."""
        lines: list[str] = []
        shown = self.results if show_warnings else self.violations
        for result in shown:
            lines.append(f"{result.severity}: {result.focus_label} <{result.focus_node}>")
            if result.path:
                lines.append(f"  property: {result.path_label} <{result.path}>")
            lines.append(f"  message:  {result.message}")
            if result.value:
                lines.append(f"  value:    {result.value}")
            lines.append(f"  shape:    <{result.shape}>")
        verdict = "conforms" if self.conforms else "does not conform"
        lines.append(
            f"The graph {verdict}: {len(self.violations)} violation(s), "
            f"{len(self.warnings)} warning(s)."
        )
        return "\n".join(lines)


def load_shapes(*, include_warnings: bool = True) -> Graph:
    """The shapes graph: violation shapes, plus quality shapes unless excluded.

    A new graph each time (pyshacl writes to the shapes graph it is given), made from triples
    parsed once per file version; its blank nodes stay the same, so the analysis of what the
    shapes read (`validate_change`) is worked out once.
    """
    shapes = Graph()
    for path in config.shapes_files(include_warnings=include_warnings):
        parsed = _parsed(path)
        for prefix, namespace in parsed.namespaces():
            shapes.bind(prefix, namespace, override=False)
        for triple in parsed:
            shapes.add(triple)
    return shapes


def load_ontology() -> Graph:
    """The parsed ontology, parsed again only when the file changes. Do not modify it."""
    return _parsed(config.ontology_file())


_PARSED: dict[tuple[str, int, int], Graph] = {}


def _parsed(path: Path) -> Graph:
    stat = path.stat() if path.is_file() else None
    key = (str(path), stat.st_mtime_ns if stat else 0, stat.st_size if stat else 0)
    if key not in _PARSED:
        for stale in [k for k in _PARSED if k[0] == key[0]]:
            del _PARSED[stale]
        _PARSED[key] = parse_file(path)
    return _PARSED[key]


def validate(
    data: Graph | Sequence[Path] | None = None,
    *,
    shapes: Graph | None = None,
    include_warnings: bool = True,
    engine: str | None = None,
) -> ValidationReport:
    """Validate a graph (or the given files, or the curated data) against the shapes.

    The ontology is always mixed in, so that `sh:targetClass` sees subclasses and labels of
    properties are at hand for the report. `engine` is "pyshacl" or "pyrudof" (default:
    `BIPMKG_SHACL_ENGINE`, else pyrudof where installed, else pyshacl); both give the same
    results.
    """
    chosen = choose_engine(engine)
    ontology = load_ontology()
    shapes_graph = shapes if shapes is not None else load_shapes(include_warnings=include_warnings)
    if chosen == "pyrudof" and not isinstance(data, Graph):
        # Straight from the files: parsing 10^6 triples with rdflib would cost more than the
        # whole validation. Labels for the report are then asked of pyrudof.
        rudof = RudofData.from_files(input_paths(data, with_ontology=True))
        lookup = _chain(rudof.objects, union_lookup([ontology, shapes_graph]))
        return _report(run_pyrudof(rudof, shapes_graph), lookup, engine=chosen)
    return _validate_graph(_load(data, ontology), shapes_graph, chosen)


def _validate_graph(graph: Graph, shapes: Graph, engine: str) -> ValidationReport:
    """Validate a graph that holds the ontology already."""
    if engine == "pyrudof":
        results_graph = run_pyrudof(RudofData.from_graph(graph), shapes)
    else:
        results_graph = run_pyshacl(graph, shapes)
    return _report(results_graph, union_lookup([graph, shapes]), engine=engine)


def validate_change(
    after: Graph,
    change: Change | Iterable[Node],
    *,
    shapes: Graph | None = None,
    include_warnings: bool = True,
    engine: str | None = None,
) -> ValidationReport:
    """Validate an update: the focus nodes whose results it can alter, and nothing else.

    `after` is the whole graph after the update (with or without the ontology); `change` is a
    `Change` (the triples added and removed: `Change.between(before, after)`) or the subjects
    that changed. Given the triples, the report is exactly the whole-graph report restricted to
    the focus nodes in `report.scope`, and no node outside the scope can have changed its
    results. Given only subjects, an object that lost its last link from a changed subject is
    not re-checked (its results can only lose SPARQL-target or inbound-path results here).

    The verdict is the verdict on the change: violations elsewhere in the graph, already there
    before, are not looked for. Shapes whose reads cannot be bounded around a focus node, or a
    change to the class hierarchy, fall back to validating the whole graph (`scope` is None).
    """
    shapes_graph = shapes if shapes is not None else load_shapes(include_warnings=include_warnings)
    ontology = load_ontology()
    locality = locality_of(shapes_graph)
    touched = touches(change)
    if (
        not locality.bounded
        or touches_class_hierarchy(after, touched)
        or touches_class_hierarchy(ontology, touched)
    ):
        return validate(after, shapes=shapes_graph, engine=engine)
    focus_nodes = affected_focus_nodes(after, locality, touched)
    subgraph = neighbourhood_graph(after, locality, focus_nodes)
    for triple in ontology:
        subgraph.add(triple)
    report = _validate_graph(subgraph, shapes_graph, choose_engine(engine))
    return _restrict(report, focus_nodes)


def _restrict(report: ValidationReport, focus_nodes: set[Node]) -> ValidationReport:
    """The report's results whose focus node is in `focus_nodes`, graph and list alike."""
    scope = frozenset(str(n) for n in focus_nodes)
    results = tuple(r for r in report.results if r.focus_node in scope)
    source = report.results_graph
    kept = Graph()
    for prefix, namespace in source.namespaces():
        kept.bind(prefix, namespace, override=False)
    conforms = not any(r.severity == "Violation" for r in results)
    for node in source.subjects(RDF.type, SH.ValidationReport):
        kept.add((node, RDF.type, SH.ValidationReport))
        kept.add((node, SH.conforms, Literal(conforms)))
        for result in source.objects(node, SH.result):
            if source.value(result, SH.focusNode) in focus_nodes:
                kept.add((node, SH.result, result))
                _copy_description(source, result, kept)
    return replace(report, conforms=conforms, results=results, results_graph=kept, scope=scope)


def _copy_description(source: Graph, node: Node, target: Graph) -> None:
    pending = [node]
    seen: set[Node] = set()
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        for predicate, obj in source.predicate_objects(current):
            target.add((current, predicate, obj))
            if isinstance(obj, BNode):
                pending.append(obj)


def _load(data: Graph | Sequence[Path] | None, ontology: Graph) -> Graph:
    """The data with the ontology mixed in, copying nothing that need not be copied."""
    if isinstance(data, Graph):
        return _with_ontology(data, ontology)
    parsed = [parse_file(path) for path in input_paths(data, with_ontology=True)]
    base = max(parsed, key=len)
    for graph in parsed:
        if graph is not base:
            base += graph
    return ValidationGraph(store=base.store, identifier=base.identifier)


def _with_ontology(data: Graph, ontology: Graph) -> Graph:
    """`data` itself if it holds the ontology already (`bipmkg build`), else data + ontology.

    A dataset (named graphs) is validated as the union of its graphs, in a copy.
    """
    if not isinstance(data, ConjunctiveGraph) and all(
        triple in data for triple in ontology if not any(isinstance(t, BNode) for t in triple)
    ):
        return data
    merged = ValidationGraph()
    if isinstance(data, ConjunctiveGraph):
        for s, p, o, _graph in data.quads((None, None, None, None)):
            merged.add((s, p, o))
    else:
        merged += data
    merged += ontology
    return merged


def _chain(*lookups: Lookup) -> Lookup:
    def objects(subject: Node, predicate: URIRef) -> Iterator[Node]:
        for lookup in lookups:
            yield from lookup(subject, predicate)

    return objects


def _report(results_graph: Graph, lookup: Lookup, *, engine: str) -> ValidationReport:
    results = tuple(sorted(_read_results(results_graph, lookup), key=_sort_key))
    conforms = not any(r.severity == "Violation" for r in results)
    return ValidationReport(
        conforms=conforms, results=results, results_graph=results_graph, engine=engine
    )


def _read_results(results_graph: Graph, lookup: Lookup) -> list[ValidationResult]:
    read = []
    for node in results_graph.subjects(RDF.type, SH.ValidationResult):
        severity = results_graph.value(node, SH.resultSeverity)
        focus = results_graph.value(node, SH.focusNode)
        path = results_graph.value(node, SH.resultPath)
        value = results_graph.value(node, SH.value)
        shape = results_graph.value(node, SH.sourceShape)
        path = _resolve_path(results_graph, lookup, path, focus, value)
        read.append(
            ValidationResult(
                severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
                focus_node=str(focus),
                focus_label=_label(lookup, focus),
                path=str(path) if isinstance(path, URIRef) else _path_text(results_graph, path),
                path_label=_path_label(results_graph, lookup, path),
                message=_message(results_graph, lookup, node, shape),
                value=_value_text(value),
                shape=str(shape)
                if isinstance(shape, URIRef)
                else _shape_owner(results_graph, shape),
            )
        )
    return read


def _message(results_graph: Graph, lookup: Lookup, result: Node, shape: Node | None) -> str:
    """The English message; pyshacl passes on a single, arbitrary one for SPARQL constraints."""
    messages = list(results_graph.objects(result, SH.resultMessage))
    if any(isinstance(m, Literal) and m.language == "en" for m in messages):
        return _english(messages)
    for owner in (shape, *lookup(shape, SH.sparql)) if shape is not None else ():
        english = [
            m for m in lookup(owner, SH.message) if isinstance(m, Literal) and m.language == "en"
        ]
        if english:
            return str(english[0])
    return _english(messages)


def _resolve_path(
    results_graph: Graph, lookup: Lookup, path: Node | None, focus: Node | None, value: Node | None
) -> Node | None:
    """For an alternative path, the one predicate that holds the offending value, if found."""
    members = results_graph.value(path, SH.alternativePath) if isinstance(path, BNode) else None
    if members is None or focus is None or value is None:
        return path
    for predicate in Collection(results_graph, members):
        if isinstance(predicate, URIRef) and value in set(lookup(focus, predicate)):
            return predicate
    return path


def _path_label(results_graph: Graph, lookup: Lookup, path: Node | None) -> str:
    if isinstance(path, URIRef):
        return _label(lookup, path)
    members = results_graph.value(path, SH.alternativePath) if path is not None else None
    if members is None:
        return ""
    return "one of " + ", ".join(_label(lookup, p) for p in Collection(results_graph, members))


def _label(lookup: Lookup, node: Node | None) -> str:
    if node is None:
        return ""
    for predicate in (SKOS.prefLabel, RDFS.label):
        label = _english(lookup(node, predicate))
        if label:
            return label
    return str(node).rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def _english(literals: Iterable[Node]) -> str:
    """The English label, else any; the first in order where there are several (a node that
    breaks the one-label-per-language shape must be named alike by both engines)."""
    found = sorted((lit.language != "en", str(lit)) for lit in literals if isinstance(lit, Literal))
    return found[0][1] if found else ""


def _value_text(value: Node | None) -> str:
    if value is None:
        return ""
    if isinstance(value, Literal):
        return value.n3()
    return str(value)


def _path_text(graph: Graph, path: Node | None) -> str:
    if path is None:
        return ""
    members = graph.value(path, SH.alternativePath)
    if members is not None:
        return " | ".join(str(p) for p in Collection(graph, members))
    return str(path)


def _shape_owner(graph: Graph, shape: Node | None) -> str:
    """A blank source shape (sh:sparql inside a named shape) is reported by its named owner."""
    if isinstance(shape, BNode):
        owner = graph.value(predicate=SH.sparql, object=shape)
        if owner is not None:
            return str(owner)
    return str(shape)


def _sort_key(result: ValidationResult) -> tuple[int, str, str, str]:
    return (
        0 if result.severity == "Violation" else 1,
        result.focus_node,
        result.shape,
        result.value,
    )

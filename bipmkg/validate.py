"""Validate the graph with SHACL and report results a curator can act on.

Second step of the data flow: the union of ontology and data is checked against
`ontology/shapes.ttl` (violations refuse the data) and `ontology/shapes-quality.ttl` (warnings).
pyshacl runs over an in-memory rdflib graph: measured here, it is faster than over an
Oxigraph-backed graph (see ../shared/reference/performance-notes.md).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pyshacl import validate as shacl_validate
from rdflib import RDF, RDFS, SH, SKOS, BNode, Graph, Literal, URIRef
from rdflib.term import Node

from . import config
from .dataset import load_graph, parse_file

#: pyshacl mutates the shapes graph while it runs; one validation at a time per process.
_LOCK = threading.Lock()


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
    """The shapes graph: violation shapes, plus quality shapes unless excluded."""
    shapes = Graph()
    for path in config.shapes_files(include_warnings=include_warnings):
        shapes += parse_file(path)
    return shapes


def validate(
    data: Graph | Sequence[Path] | None = None,
    *,
    shapes: Graph | None = None,
    include_warnings: bool = True,
) -> ValidationReport:
    """Validate a graph (or the given files, or the curated data) against the shapes.

    The ontology is always mixed in, so that `sh:targetClass` sees subclasses and labels of
    properties are at hand for the report.
    """
    if isinstance(data, Graph):
        graph = data
    else:
        graph = load_graph(data, with_ontology=False)
    ontology = parse_file(config.ontology_file())
    shapes_graph = shapes if shapes is not None else load_shapes(include_warnings=include_warnings)
    with _LOCK:
        _conforms, results_graph, _text = shacl_validate(
            graph,
            shacl_graph=shapes_graph,
            ont_graph=ontology,
            inference="none",
            allow_warnings=True,
            allow_infos=True,
            advanced=True,  # SHACL-AF SPARQL targets: the date-order shapes select offenders once
        )
    assert isinstance(results_graph, Graph)
    labels = graph + ontology + shapes_graph
    results = tuple(sorted(_read_results(results_graph, labels), key=_sort_key))
    conforms = not any(r.severity == "Violation" for r in results)
    return ValidationReport(conforms=conforms, results=results, results_graph=results_graph)


def _read_results(results_graph: Graph, labels: Graph) -> list[ValidationResult]:
    read = []
    for node in results_graph.subjects(RDF.type, SH.ValidationResult):
        severity = results_graph.value(node, SH.resultSeverity)
        focus = results_graph.value(node, SH.focusNode)
        path = results_graph.value(node, SH.resultPath)
        value = results_graph.value(node, SH.value)
        shape = results_graph.value(node, SH.sourceShape)
        path = _resolve_path(results_graph, labels, path, focus, value)
        read.append(
            ValidationResult(
                severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
                focus_node=str(focus),
                focus_label=_label(labels, focus),
                path=str(path) if isinstance(path, URIRef) else _path_text(results_graph, path),
                path_label=_path_label(results_graph, labels, path),
                message=_message(results_graph, labels, node, shape),
                value=_value_text(value),
                shape=str(shape)
                if isinstance(shape, URIRef)
                else _shape_owner(results_graph, shape),
            )
        )
    return read


def _message(results_graph: Graph, shapes: Graph, result: Node, shape: Node | None) -> str:
    """The English message; pyshacl passes on a single, arbitrary one for SPARQL constraints."""
    messages = list(results_graph.objects(result, SH.resultMessage))
    if any(isinstance(m, Literal) and m.language == "en" for m in messages):
        return _english(messages)
    for owner in (shape, *shapes.objects(shape, SH.sparql)) if shape is not None else ():
        english = [m for m in shapes.objects(owner, SH.message) if m.language == "en"]  # type: ignore[attr-defined]
        if english:
            return str(english[0])
    return _english(messages)


def _resolve_path(
    results_graph: Graph, data: Graph, path: Node | None, focus: Node | None, value: Node | None
) -> Node | None:
    """For an alternative path, the one predicate that holds the offending value, if found."""
    members = results_graph.value(path, SH.alternativePath) if isinstance(path, BNode) else None
    if members is None or focus is None or value is None:
        return path
    from rdflib.collection import Collection

    for predicate in Collection(results_graph, members):
        if (focus, predicate, value) in data:
            return predicate
    return path


def _path_label(results_graph: Graph, labels: Graph, path: Node | None) -> str:
    if isinstance(path, URIRef):
        return _label(labels, path)
    members = results_graph.value(path, SH.alternativePath) if path is not None else None
    if members is None:
        return ""
    from rdflib.collection import Collection

    return "one of " + ", ".join(_label(labels, p) for p in Collection(results_graph, members))


def _label(graph: Graph, node: Node | None) -> str:
    if node is None:
        return ""
    for predicate in (SKOS.prefLabel, RDFS.label):
        label = _english(graph.objects(node, predicate))
        if label:
            return label
    return str(node).rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def _english(literals: object) -> str:
    best = ""
    for literal in literals:  # type: ignore[attr-defined]
        if isinstance(literal, Literal):
            if literal.language == "en":
                return str(literal)
            best = best or str(literal)
    return best


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
        from rdflib.collection import Collection

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

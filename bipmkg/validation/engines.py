"""The SHACL engines behind `bipmkg.validation.validate`: pyshacl (the reference) and pyrudof
(optional).

Second step of the data flow (load → **validate** → store). Both engines take the data graph
with the ontology mixed in and the shapes graph, and give back a SHACL results graph
(`sh:ValidationReport`); `bipmkg.validation.validate` turns that into a report a curator can read.

- **pyshacl** (default) runs in place on an in-memory rdflib graph: no copy of the data is made,
  and each SPARQL text (SPARQL targets, `sh:sparql`) is parsed once per validation instead of
  once per focus node, which was most of the time on the curated graph.
- **pyrudof** (`pip install pyrudof`, Rust) is 10–20× faster on large graphs but uses ≈ 6 KB of
  memory per triple. It does not implement SHACL-AF SPARQL targets (`sh:target
  [a sh:SPARQLTarget]`), so those are evaluated first with its SPARQL engine and handed to it as
  `sh:targetNode`s: the shape's own constraints then run on exactly the nodes pyshacl would pick.

Choose with `engine=` or `BIPMKG_SHACL_ENGINE` (`pyshacl`, `pyrudof`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from pyshacl import validate as shacl_validate
from rdflib import RDF, SH, BNode, Graph, Literal, URIRef
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.sparql import Query
from rdflib.query import Result, ResultRow
from rdflib.term import Node
from rdflib.util import from_n3

from bipmkg import config
from bipmkg.errors import DataLoadError, EngineError

ENGINE_ENV = "BIPMKG_SHACL_ENGINE"


ENGINES = ("pyshacl", "pyrudof")


#: pyshacl mutates the shapes graph while it runs; one validation at a time per process.
_LOCK = threading.Lock()


# The default is pyrudof where it is installed (make install does: requirements.lock): the same
# results as pyshacl on every shape and fixture (tests/test_shacl_engines.py), 4x faster on the
# grown graph (4 s against 17 s at 80k triples); pyshacl, the reference, otherwise.
def choose_engine(engine: str | None = None) -> str:
    """The engine to use: the one asked for, else `BIPMKG_SHACL_ENGINE`, else pyrudof where it
    is installed, else pyshacl."""
    default = "pyrudof" if pyrudof_available() else "pyshacl"
    chosen = (engine or config.shacl_engine() or default).strip().lower()
    if chosen not in ENGINES:
        raise EngineError(f"unknown SHACL engine {chosen!r}: choose one of {', '.join(ENGINES)}")
    if chosen == "pyrudof" and not pyrudof_available():
        raise EngineError("the pyrudof engine needs the pyrudof package: pip install pyrudof")
    return chosen


def pyrudof_available() -> bool:
    try:
        import pyrudof  # noqa: F401
    except ImportError:
        return False
    return True


class ValidationGraph(Graph):
    """An rdflib graph that parses each SPARQL text once and reuses the prepared query.

    pyshacl runs a `sh:sparql` constraint once per focus node with the same text and `$this`
    pre-bound; rdflib would parse and translate it every time (~20 ms each, most of the time on
    the curated graph). The prepared query is evaluated with the same bindings, so the answers
    are the same.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._namespaces: tuple[tuple[str, str], ...] | None = None

    def query(  # type: ignore[override]
        self,
        query_object: str | Query,
        processor: str = "sparql",
        result: str = "sparql",
        initNs: Mapping[str, Any] | None = None,  # noqa: N803 (rdflib's name)
        initBindings: Mapping[str, Node] | None = None,  # noqa: N803
        use_store_provided: bool = True,
        **kwargs: Any,
    ) -> Result:
        if isinstance(query_object, str) and processor == "sparql" and initNs is None:
            if self._namespaces is None:
                self._namespaces = tuple(sorted((p, str(n)) for p, n in self.namespaces()))
            query_object = _prepared(query_object, self._namespaces)
        return super().query(
            query_object,
            processor,
            result,
            initNs,
            initBindings,  # type: ignore[arg-type]
            use_store_provided,
            **kwargs,
        )


@lru_cache(maxsize=64)
def _prepared(text: str, namespaces: tuple[tuple[str, str], ...]) -> Query:
    """A parsed and translated query, kept across validations (the shapes' texts repeat)."""
    return prepareQuery(text, initNs=dict(namespaces))


def validation_view(graph: Graph) -> ValidationGraph:
    """The same triples (the same store, no copy) seen through a ValidationGraph."""
    if isinstance(graph, ValidationGraph):
        return graph
    view = ValidationGraph(store=graph.store, identifier=graph.identifier)
    for prefix, namespace in graph.namespaces():
        view.bind(prefix, namespace, override=False)
    return view


def run_pyshacl(data: Graph, shapes: Graph) -> Graph:
    """Validate `data` (ontology already mixed in) in place; the SHACL results graph.

    In place is safe: without inference, SHACL rules or an ontology to mix in, pyshacl only
    reads the data graph. SPARQL targets are evaluated here, on the same graph with the same
    rdflib engine pyshacl would use, and handed over as `sh:targetNode`s: pyshacl can then run
    without its SHACL-AF mode, which would copy the whole data graph and slow every shape's
    constraint lookup.
    """
    _fast_parameter_lookup()
    graph = validation_view(data)

    def select(text: str) -> list[Node]:
        rows = [row for row in graph.query(text) if isinstance(row, ResultRow)]
        return [node for row in rows if (node := row.get("this")) is not None]

    with _LOCK:  # prepared queries are shared: evaluate them one validation at a time
        prepared = materialise_sparql_targets(shapes, select)
        _conforms, results, _text = shacl_validate(
            graph,
            shacl_graph=prepared,
            inference="none",
            inplace=True,
            allow_warnings=True,
            allow_infos=True,
            advanced=needs_advanced(prepared),
        )
    assert isinstance(results, Graph)
    return results


class _ParameterList(list[Any]):
    """pyshacl's list of constraint parameters, with membership by hash instead of a scan."""

    def __init__(self, items: Iterable[Any]) -> None:
        super().__init__(items)
        self._members = frozenset(self)

    def __contains__(self, item: object) -> bool:
        return item in self._members


def _fast_parameter_lookup() -> None:
    """Let pyshacl find a shape's constraint parameters by hash.

    For every shape it evaluates — once per value node inside `sh:or` — pyshacl (0.40) tests each
    predicate of the shape against a list of ~40 parameters; those term comparisons were ~10 %
    of the time. pyshacl caches that list on its `shape` module; this puts the same parameters
    there as a list whose `in` is a set lookup. Same members, same order, same answers; in
    SHACL-AF mode pyshacl copies it into a plain list as before. A no-op if pyshacl changes.
    """
    try:
        from pyshacl import shape as shape_module
        from pyshacl.constraints import ALL_CONSTRAINT_PARAMETERS, CONSTRAINT_PARAMETERS_MAP
    except ImportError:
        return
    current = getattr(shape_module, "CONSTRAINT_PARAMS", None)
    if isinstance(current, tuple) and isinstance(current[0], _ParameterList):
        return
    if current is not None and list(current[0]) != list(ALL_CONSTRAINT_PARAMETERS):
        return
    shape_module.CONSTRAINT_PARAMS = (  # type: ignore[attr-defined]
        _ParameterList(ALL_CONSTRAINT_PARAMETERS),
        CONSTRAINT_PARAMETERS_MAP,
    )


#: SHACL-AF constructs pyshacl evaluates only in advanced mode.
_ADVANCED = (SH.target, SH.rule, SH.expression, SH.order, SH.condition)


_ADVANCED_TYPES = (SH.SPARQLFunction, SH.SPARQLTargetType, SH.JSTarget, SH.JSFunction)


def needs_advanced(shapes: Graph) -> bool:
    """Whether the shapes use SHACL-AF beyond SPARQL targets (rules, functions, expressions)."""
    return any((None, p, None) in shapes for p in _ADVANCED) or any(
        (None, RDF.type, t) in shapes for t in _ADVANCED_TYPES
    )


@dataclass
class RudofData:
    """Data loaded into a pyrudof session, with the lookups the report needs."""

    session: Any  # pyrudof.Rudof (untyped extension module)

    @classmethod
    def from_files(cls, paths: Sequence[Path]) -> RudofData:
        """Parse Turtle files straight into pyrudof: no rdflib graph is built."""
        import pyrudof

        session = pyrudof.Rudof(pyrudof.RudofConfig())
        for index, path in enumerate(paths):
            if not path.is_file():
                raise DataLoadError(f"{path}: no such file")
            try:
                session.read_data(
                    path,
                    format=pyrudof.RDFFormat.Turtle,
                    reader_mode=pyrudof.ReaderMode.Strict,
                    merge=index > 0,
                )
            except (pyrudof.DataError, pyrudof.InputError) as exc:
                raise DataLoadError(f"{path}: not valid Turtle: {exc}") from exc
        return cls(session)

    @classmethod
    def from_graph(cls, graph: Graph) -> RudofData:
        import pyrudof

        session = pyrudof.Rudof(pyrudof.RudofConfig())
        text = graph.serialize(format="nt", encoding="utf-8").decode("utf-8")
        session.read_data(text, format=pyrudof.RDFFormat.NTriples)
        return cls(session)

    def objects(self, subject: Node, predicate: URIRef) -> Iterator[Node]:
        """Objects of (subject, predicate), as rdflib terms."""
        if not isinstance(subject, URIRef | BNode):
            return
        pattern = subject.n3()
        for _s, _p, obj in self.session.triples(subject=pattern, predicate=predicate.n3()):
            yield _term(obj)

    def select(self, text: str, variable: str = "this") -> list[Node]:
        """The values of one variable of a SPARQL SELECT over the data (a SPARQL target's)."""
        self.session.read_query(text)
        found = []
        for row in self.session.run_query().to_python():
            value = row.get(f"?{variable}")
            if value is not None:
                found.append(_term(str(value)))
        return found


def _term(text: str) -> Node:
    """A term as pyrudof prints it (IRIs bare, literals and blank nodes in N-Triples form)."""
    if text.startswith('"'):
        term = from_n3(text)
        assert isinstance(term, Literal)
        return term
    if text.startswith("_:"):
        return BNode(text[2:])
    if text.startswith("<") and text.endswith(">"):
        return URIRef(text[1:-1])
    return URIRef(text)


def run_pyrudof(data: RudofData, shapes: Graph) -> Graph:
    """Validate with pyrudof's native engine; the SHACL results graph (top-level results only)."""
    import pyrudof

    prepared = materialise_sparql_targets(shapes, data.select)
    session = data.session
    session.reset_shacl()
    session.read_shacl(prepared.serialize(format="turtle"), format=pyrudof.ShaclFormat.Turtle)
    session.validate_shacl()
    text = session.serialize_shacl_validation_results(
        format=pyrudof.ResultShaclValidationFormat.NTriples
    )
    return _top_level_results(Graph().parse(data=text, format="nt"))


def materialise_sparql_targets(shapes: Graph, select: Any) -> Graph:
    """A copy of the shapes in which every SPARQL target is replaced by the nodes it selects."""
    prepared = Graph()
    for triple in shapes:
        prepared.add(triple)
    for prefix, namespace in shapes.namespaces():
        prepared.bind(prefix, namespace, override=False)
    for shape, target in list(shapes.subject_objects(SH.target)):
        if (target, RDF.type, SH.SPARQLTarget) not in shapes:
            continue
        text = shapes.value(target, SH.select)
        if text is None:
            continue
        prefixes = sparql_prefixes(shapes, shapes.value(target, SH.prefixes))
        prepared.remove((shape, SH.target, target))
        for node in select(prefixes + str(text)):
            prepared.add((shape, SH.targetNode, node))
    return prepared


def sparql_prefixes(shapes: Graph, owner: Node | None) -> str:
    """PREFIX lines for the `sh:declare`s of a `sh:prefixes` value."""
    if owner is None:
        return ""
    lines = []
    for declaration in shapes.objects(owner, SH.declare):
        prefix = shapes.value(declaration, SH.prefix)
        namespace = shapes.value(declaration, SH.namespace)
        if prefix is not None and namespace is not None:
            lines.append(f"PREFIX {prefix}: <{namespace}>\n")
    return "".join(lines)


def _top_level_results(report: Graph) -> Graph:
    """The report and its results without pyrudof's nested `sh:detail` results.

    pyshacl reports only the failing constraint itself; pyrudof adds the sub-results of
    `sh:or` members as `sh:detail`, typed `sh:ValidationResult` too, which would otherwise be
    read as results of their own.
    """
    kept = Graph()
    kept.bind("sh", SH)
    for node in report.subjects(RDF.type, SH.ValidationReport):
        for predicate, obj in report.predicate_objects(node):
            kept.add((node, predicate, obj))
        for result in report.objects(node, SH.result):
            for predicate, obj in report.predicate_objects(result):
                if predicate != SH.detail:
                    kept.add((result, predicate, obj))
                    _copy_blank(report, obj, kept)
    return kept


def _copy_blank(source: Graph, node: Node, target: Graph) -> None:
    """Copy the description of a blank node (a path, an RDF list) and what it links to."""
    pending = [node]
    seen: set[Node] = set()
    while pending:
        current = pending.pop()
        if not isinstance(current, BNode) or current in seen:
            continue
        seen.add(current)
        for predicate, obj in source.predicate_objects(current):
            target.add((current, predicate, obj))
            pending.append(obj)


def union_lookup(graphs: Iterable[Graph]) -> Any:
    """A lookup of objects over several graphs, without merging them."""
    chosen = tuple(graphs)

    def objects(subject: Node, predicate: URIRef) -> Iterator[Node]:
        for graph in chosen:
            yield from graph.objects(subject, predicate)

    return objects

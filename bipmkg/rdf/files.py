"""Load authored Turtle into an RDF dataset: one named graph per file.

First step of the data flow (authored Turtle → load → validate → store → serve). Named graphs
keep each fact traceable to the file a curator edits; the union is what validation and queries see.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rdflib import Dataset, Graph, URIRef

from bipmkg import config
from bipmkg.errors import DataLoadError
from bipmkg.rdf.namespaces import GRAPH_BASE


def graph_iri(path: Path) -> URIRef:
    """The named-graph IRI of an input file: its stem under the project's graph base, and for a
    generated file `imported/<source>/<stem>`."""
    if path.name == "bipmkg.ttl":
        return URIRef(GRAPH_BASE + "ontology")
    if path.parent.parent.name == "imported":
        return URIRef(f"{GRAPH_BASE}imported/{path.parent.name}/{path.stem}")
    return URIRef(GRAPH_BASE + path.stem)


def parse_file(path: Path) -> Graph:
    """Parse one Turtle file, turning every parser failure into a DataLoadError."""
    if not path.is_file():
        raise DataLoadError(f"{path}: no such file")
    graph = Graph()
    try:
        graph.parse(path, format="turtle")
    except Exception as exc:  # rdflib raises many parser-specific types
        raise DataLoadError(f"{path}: not valid Turtle: {exc}") from exc
    check_literals(graph, str(path))
    return graph


#: Characters no export may hold: XML 1.0 forbids them, so RDF/XML would break.
CONTROL_CHARACTERS = frozenset(chr(c) for c in (*range(0, 9), 11, 12, *range(14, 32), 127))


def check_literals(graph: Graph, origin: str) -> None:
    """Refuse control characters in any term at ingest, so every export stays well-formed."""
    for triple in graph:
        for term in triple:
            if CONTROL_CHARACTERS.intersection(str(term)):
                raise DataLoadError(
                    f"{origin}: a value holds a control character (U+0000–U+001F other than tab, "
                    f"line feed, carriage return, or U+007F): {term.n3()[:100]}"
                )


def load_dataset(paths: Sequence[Path] | None = None, *, with_ontology: bool = True) -> Dataset:
    """Load the given files (default: every curated file) into one named graph each."""
    dataset = Dataset()
    for loaded_path in input_paths(paths, with_ontology=with_ontology):
        named = dataset.graph(graph_iri(loaded_path))
        for triple in parse_file(loaded_path):
            named.add(triple)
    return dataset


def load_graph(paths: Sequence[Path] | None = None, *, with_ontology: bool = True) -> Graph:
    """Load the given files (default: every curated file) into one merged graph."""
    graph = Graph()
    for loaded_path in input_paths(paths, with_ontology=with_ontology):
        graph += parse_file(loaded_path)
    _bind_prefixes(graph)
    return graph


def input_paths(paths: Sequence[Path] | None, *, with_ontology: bool) -> list[Path]:
    """The files to load: the given ones (default: every curated file), ontology first."""
    chosen = list(paths) if paths is not None else config.data_files()
    if with_ontology and config.ontology_file() not in chosen:
        chosen.insert(0, config.ontology_file())
    return chosen


def _bind_prefixes(graph: Graph) -> None:
    from bipmkg.rdf.namespaces import BKG, ID_BASE, ORG, SCHEMA

    graph.bind("bkg", BKG._NS)
    graph.bind("org", ORG)
    graph.bind("schema", SCHEMA)
    for kind in ("organisation", "committee", "network", "agreement", "event", "source"):
        graph.bind(kind, f"{ID_BASE}{kind}/")

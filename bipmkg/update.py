"""Apply a curator's SPARQL Update: on a copy, validated, then written back to graph_data/.

The update runs on an in-memory copy of the curated files (one named graph each). Only if the
result still conforms to the shapes are the changed graphs written back to their Turtle files
(every file first to a temporary neighbour, then all renamed into place) and the store rebuilt.
Anything else leaves the files and the store exactly as they were.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from rdflib import Dataset, Graph, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from . import config
from .dataset import check_literals, graph_iri, parse_file
from .errors import DataLoadError, QueryError
from .safety import tokens
from .store import BuildResult, ValidationFailed, build_store
from .validate import validate

#: Update operations a curator may send; the rest could erase or fetch whole graphs.
_REFUSED = {"LOAD", "SERVICE", "CREATE"}
_REFUSED_TARGETS = {
    ("DROP", "ALL"),
    ("CLEAR", "ALL"),
    ("DROP", "NAMED"),
    ("CLEAR", "NAMED"),
    ("DROP", "DEFAULT"),
    ("CLEAR", "DEFAULT"),
}


@dataclass(frozen=True)
class UpdateResult:
    changed_files: tuple[str, ...]
    added: int
    removed: int
    build: BuildResult | None


def check_update(text: str) -> None:
    """Refuse LOAD, SERVICE, CREATE and whole-store DROP/CLEAR before anything runs."""
    stream = [t for t in tokens(text) if t.kind == "word"]
    for index, token in enumerate(stream):
        word = token.text.upper()
        if word in _REFUSED:
            raise QueryError(f"{word} (character {token.position + 1}) is refused at /update")
        following = stream[index + 1].text.upper() if index + 1 < len(stream) else ""
        if following == "SILENT" and index + 2 < len(stream):
            following = stream[index + 2].text.upper()
        if (word, following) in _REFUSED_TARGETS:
            raise QueryError(f"{word} {following} is refused: it would erase curated graphs")


@contextmanager
def _data_lock(data_dir: Path) -> Iterator[None]:
    """One update at a time across every server process sharing the data folder."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with open(data_dir / ".bipmkg-update.lock", "w", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def apply_update(
    text: str, *, data_dir: Path | None = None, store_dir: Path | None = None
) -> UpdateResult:
    """Apply, validate, write back and rebuild; raise QueryError or ValidationFailed otherwise."""
    check_update(text)
    folder = Path(data_dir or config.data_dir())
    with _data_lock(folder):
        files = sorted(folder.glob("*.ttl"))
        by_graph = {str(graph_iri(p)): p for p in files}
        # rdflib rather than Oxigraph for the copy: Oxigraph stores xsd:nonNegativeInteger and
        # other derived integer types as xsd:integer, which would rewrite every count on write-back.
        copy = Dataset()
        for iri, path in by_graph.items():
            copy.graph(URIRef(iri)).parse(path, format="turtle")
        before = {g: frozenset(copy.graph(URIRef(g))) for g in by_graph}
        try:
            copy.update(text)
        except Exception as exc:  # pyparsing and evaluation errors of many types
            raise QueryError(f"malformed update: {exc}") from exc
        if len(copy.default_graph) > 0:
            raise QueryError(
                "the update writes to the default graph; name the file's graph with "
                f"GRAPH <…>, one of: {', '.join(sorted(by_graph))}"
            )
        unknown = {str(g.identifier) for g in copy.graphs() if len(g) > 0} - set(by_graph)
        unknown.discard(str(DATASET_DEFAULT_GRAPH_ID))
        if unknown:
            names = ", ".join(sorted(unknown))
            raise QueryError(f"the update writes to graphs that are not curated files: {names}")
        after = {g: frozenset(copy.graph(URIRef(g))) for g in by_graph}
        changed = [g for g in by_graph if after[g] != before[g]]
        if not changed:
            return UpdateResult((), 0, 0, None)
        added = sum(len(after[g] - before[g]) for g in changed)
        removed = sum(len(before[g] - after[g]) for g in changed)
        graphs = {g: _with_prefixes(copy.graph(URIRef(g)), by_graph[g]) for g in by_graph}
        for g in changed:
            try:
                check_literals(graphs[g], by_graph[g].name)
            except DataLoadError as exc:
                raise QueryError(str(exc)) from exc
        union = Graph()
        for graph in graphs.values():
            union += graph
        report = validate(union, include_warnings=False)
        if not report.conforms:
            raise ValidationFailed(report)
        _write_atomically({by_graph[g]: graphs[g] for g in changed})
        build = build_store(store_dir, force=True)
        return UpdateResult(tuple(by_graph[g].name for g in changed), added, removed, build)


def _with_prefixes(graph: Graph, path: Path) -> Graph:
    """A plain graph of the triples, with the prefixes the curated file declares."""
    result = Graph()
    for prefix, namespace in parse_file(path).namespaces():
        result.bind(prefix, namespace, override=True)
    for triple in graph:
        result.add(triple)
    return result


def _write_atomically(outputs: dict[Path, Graph]) -> None:
    """Write every file beside its target, fsync, rename all into place, fsync the folder.

    A crash before the renames leaves the old files; after them, the new ones: readers never see
    a half-written file, and an acknowledged update survives a power cut.
    """
    staged: list[tuple[Path, Path]] = []
    try:
        for path, graph in outputs.items():
            temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            with open(temporary, "w", encoding="utf-8") as handle:
                handle.write(_stable_turtle(graph, path))
                handle.flush()
                os.fsync(handle.fileno())
            staged.append((temporary, path))
        for temporary, path in staged:
            os.replace(temporary, path)
        folders = {path.parent for _, path in staged}
        for folder in folders:
            descriptor = os.open(folder, os.O_RDONLY)
            try:
                os.fsync(descriptor)
            finally:
                os.close(descriptor)
    finally:
        for temporary, _ in staged:
            temporary.unlink(missing_ok=True)


def _stable_turtle(graph: Graph, path: Path) -> str:
    header = (
        f"# {path.name} — written back by bipmkg after a validated SPARQL Update; "
        "subjects in sorted order.\n\n"
    )
    body = graph.serialize(format="turtle")
    return header + body

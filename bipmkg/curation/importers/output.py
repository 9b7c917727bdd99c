"""Write generated graphs as Turtle, the same bytes for the same triples.

rdflib's Turtle serialiser sorts subjects, predicates and objects, so the output does not depend
on the order triples were added; blank nodes would get fresh labels on each run, so a generated
graph may not hold any.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from rdflib import BNode, Graph

from bipmkg.errors import DataLoadError
from bipmkg.rdf.files import check_literals
from bipmkg.rdf.namespaces import PREFIXES


@dataclass(frozen=True)
class GeneratedFile:
    """One file an importer writes: its name under graph_data/imported/<source>/, its graph and
    the comment lines at its head (what it holds, where from)."""

    name: str
    graph: Graph
    header: tuple[str, ...]
    #: the snapshot's files it was made from (paths relative to the snapshot), cited in it
    read: tuple[str, ...]


def render(generated: GeneratedFile) -> bytes:
    """The Turtle bytes of a generated file: header comment, the project's prefixes, triples."""
    for triple in generated.graph:
        if any(isinstance(term, BNode) for term in triple):
            raise DataLoadError(f"{generated.name}: a generated graph may not hold blank nodes")
    check_literals(generated.graph, generated.name)
    graph = Graph(bind_namespaces="none")
    for prefix, iri in PREFIXES.items():
        graph.bind(prefix, iri)
    graph += generated.graph
    body = graph.serialize(format="turtle", encoding="utf-8")
    head = "".join(f"# {line}\n".replace("# \n", "#\n") for line in generated.header)
    return head.encode() + b"\n" + body


def write_atomically(path: Path, data: bytes) -> bool:
    """Write `data` to `path` through a temporary file; False if the file held it already."""
    if path.is_file() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        # mkstemp makes the file private (0600); a generated file is as readable as any other.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return True

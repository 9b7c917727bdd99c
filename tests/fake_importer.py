"""A stand-in importer for the frame's tests: the importers' contract, no real snapshot.

`generate` reads `bodies.txt` in the source folder (one `slug;English name` per line) and writes
one file per line; a line `blank` makes a graph with a blank node (refused by the frame).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SKOS

from bipmkg.curation.importers.output import GeneratedFile
from bipmkg.curation.importers.run import ImportContext
from bipmkg.curation.importers.snapshot import Snapshot, cite
from bipmkg.rdf.namespaces import BKG, instance_iri

SNAPSHOT = Snapshot(
    name="fake",
    title="A fake snapshot",
    repository="example/fake",
    commit="0123456789abcdef0123456789abcdef01234567",
    commit_date="2025-01-31",
    licence="https://opensource.org/license/mit",
    attribution="© Example",
    home="https://github.com/example/fake",
)


def generate(source: Path, context: ImportContext) -> Iterable[GeneratedFile]:
    del context
    for line in (source / "bodies.txt").read_text(encoding="utf-8").splitlines():
        slug, _, name = line.partition(";")
        graph = Graph()
        if slug == "blank":
            graph.add((BNode(), RDF.type, BKG.Committee))
        else:
            body = instance_iri("committee", slug)
            graph.add((body, RDF.type, BKG.Committee))
            graph.add((body, SKOS.prefLabel, Literal(name, lang="en")))
            cite(graph, body, SNAPSHOT, "bodies.txt", f"https://example.org/{slug}")
        yield GeneratedFile(f"{slug}.ttl", graph, ("A fake body.", ""), ("bodies.txt",))


UNUSED = URIRef("https://example.org/unused")

"""The provenance every generated file carries: which snapshot, which file of it, which run.

A snapshot is a public repository at one commit. Each generated file describes it once
(`bkg:Snapshot`, a `prov:Entity` with repository, commit and licence), each snapshot file it read
(`bkg:SourceDocument`, `dcterms:isPartOf` the snapshot, `bkg:localPath`) and the import itself
(`prov:Activity` that `prov:used` them). Resources cite the snapshot file with `dcterms:source`
and the bipm.org page the data gives with `schema:url`. No clock time is written, so that a
re-run on the same snapshot gives the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import DCTERMS, PROV, RDF, RDFS, SKOS, Graph, Literal, URIRef
from rdflib.namespace import XSD

from bipmkg.rdf.namespaces import BKG, SCHEMA, instance_iri, slugify


@dataclass(frozen=True)
class Snapshot:
    """One public repository at one commit, as copied into `../shared/reference/<name>/`."""

    name: str  #: the source's name in `IMPORTERS` and under graph_data/imported/
    title: str  #: English title of the snapshot
    repository: str  #: owner/name on GitHub
    commit: str  #: 40 hexadecimal digits
    commit_date: str  #: YYYY-MM-DD, the commit's date
    licence: str  #: the licence's IRI
    attribution: str  #: the attribution the licence asks for, in English
    home: str  #: the repository's web page
    folder: str = ""  #: the folder of the repository that the snapshot copies ("" for all of it)

    @property
    def iri(self) -> URIRef:
        return instance_iri("source", f"snapshot-{self.name}")

    def file_iri(self, path: str) -> URIRef:
        """The source document standing for one file of the snapshot (path relative to it)."""
        return instance_iri("source", f"snapshot-{self.name}--{slugify(path)}")

    @property
    def activity_iri(self) -> URIRef:
        return instance_iri("source", f"import-{self.name}--{self.commit[:12]}")


def describe_snapshot(graph: Graph, snapshot: Snapshot, paths: list[str]) -> None:
    """Add the snapshot, the files of it that were read and the import run to `graph`."""
    s = snapshot.iri
    graph.add((s, RDF.type, BKG.Snapshot))
    graph.add((s, RDF.type, BKG.SourceDocument))  # stated, so that no reader needs inference
    graph.add((s, RDF.type, PROV.Entity))
    graph.add((s, DCTERMS.title, Literal(snapshot.title, lang="en")))
    graph.add((s, SKOS.prefLabel, Literal(snapshot.title, lang="en")))
    graph.add((s, BKG.repository, Literal(snapshot.repository)))
    graph.add((s, BKG.commit, Literal(snapshot.commit)))
    graph.add((s, DCTERMS.issued, Literal(snapshot.commit_date, datatype=XSD.date)))
    graph.add((s, DCTERMS.license, URIRef(snapshot.licence)))
    graph.add((s, DCTERMS.rightsHolder, Literal(snapshot.attribution, lang="en")))
    graph.add((s, SCHEMA.url, URIRef(snapshot.home)))
    graph.add((s, BKG.localPath, Literal(f"reference/{snapshot.name}")))
    run = snapshot.activity_iri
    graph.add((run, RDF.type, PROV.Activity))
    graph.add((run, RDFS.label, Literal(f"bipmkg import {snapshot.name}", lang="en")))
    graph.add((run, PROV.used, s))
    graph.add((run, DCTERMS.source, s))
    for path in sorted(set(paths)):
        f = snapshot.file_iri(path)
        graph.add((f, RDF.type, BKG.SourceDocument))
        graph.add((f, RDF.type, PROV.Entity))
        title = Literal(f"{snapshot.repository}: {path}", lang="en")
        graph.add((f, DCTERMS.title, title))
        graph.add((f, SKOS.prefLabel, title))
        graph.add((f, DCTERMS.isPartOf, s))
        graph.add((f, BKG.localPath, Literal(f"reference/{snapshot.name}/{path}")))
        graph.add(
            (
                f,
                SCHEMA.url,
                URIRef(
                    f"https://github.com/{snapshot.repository}/blob/{snapshot.commit}/"
                    + "/".join(p for p in (snapshot.folder, path) if p)
                ),
            )
        )
        graph.add((f, PROV.wasDerivedFrom, s))
        graph.add((run, PROV.used, f))


def cite(
    graph: Graph, resource: URIRef, snapshot: Snapshot, path: str, page: str | None = None
) -> None:
    """Say where a resource comes from: the snapshot file, and the bipm.org page it gives."""
    graph.add((resource, DCTERMS.source, snapshot.file_iri(path)))
    graph.add((resource, PROV.wasGeneratedBy, snapshot.activity_iri))
    if page:
        graph.add((resource, SCHEMA.url, URIRef(page)))

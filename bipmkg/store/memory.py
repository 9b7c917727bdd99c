"""The `memory` backend: the store folder keeps a copy of every input and of the metrics, and
each reader (each query worker) loads them into an in-memory Oxigraph store. For tests and small
graphs: nothing on disk but Turtle and N-Triples."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path
from typing import ClassVar

import pyoxigraph as ox

from bipmkg.errors import StoreError
from bipmkg.store.backends import Manifest, Staged
from bipmkg.store.local import LocalStore
from bipmkg.store.manifest import StoredGraph, _graphs_from
from bipmkg.store.union import add_union


class MemoryStore(LocalStore):
    name: ClassVar[str] = "memory"

    def staging(self, folder: Path) -> ox.Store:
        folder.mkdir(parents=True)
        return ox.Store()

    def write(self, staged: Staged) -> list[StoredGraph]:
        """A copy of every input and the metrics in the folder, loaded at each start."""
        folder = staged.folder / "graphs"
        folder.mkdir()
        kept = []
        for index, (path, graph) in enumerate(zip(staged.inputs, staged.graphs, strict=True)):
            name = f"{index:03d}-{path.name}"
            shutil.copyfile(path, folder / name)
            kept.append(replace(graph, file=name))
        (folder / "metrics.nt").write_bytes(staged.metrics_data)
        kept.append(replace(staged.metrics, file="metrics.nt"))
        return kept

    def open(self, target: Path, manifest: Manifest) -> ox.Store:
        store = ox.Store()
        for graph in _graphs_from(manifest):
            path = target / "graphs" / graph.file
            if not graph.file or not path.is_file():
                raise StoreError(f"the memory store at {target} lacks the file of <{graph.iri}>")
            rdf_format = ox.RdfFormat.N_TRIPLES if path.suffix == ".nt" else ox.RdfFormat.TURTLE
            try:
                store.bulk_load(path=str(path), format=rdf_format, to_graph=ox.NamedNode(graph.iri))
            except (OSError, SyntaxError) as exc:
                raise StoreError(f"cannot load {path}: {exc}") from exc
        add_union(store)
        return store

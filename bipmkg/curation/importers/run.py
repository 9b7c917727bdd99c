"""Run one importer: check its source folder, generate its files, write what changed.

`bipmkg import SOURCE PATH` calls `run_import`. Files of the source's folder that the run did not
generate are removed, so a body that left the snapshot leaves the graph; files whose bytes did not
change are not touched (their modification time, and the store's fingerprint, stay). Where a
curated file (or an import the importer defers to, `DEFERS_TO`) already gives a resource a
preferred label in a language, an imported label that differs becomes an alternative label: one
preferred label per language, and the curator's wins.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, cast

from rdflib import Graph, Literal
from rdflib.namespace import SKOS
from rdflib.term import Node

from bipmkg import config
from bipmkg.curation.importers import IMPORTERS
from bipmkg.curation.importers.output import GeneratedFile, render, write_atomically
from bipmkg.curation.importers.snapshot import Snapshot, describe_snapshot
from bipmkg.errors import BipmkgError, ImportRefused
from bipmkg.rdf.files import parse_file


@dataclass(frozen=True)
class ImportContext:
    """What an importer may read besides its source: the curated files and earlier imports
    (to reconcile bodies with the IRIs the graph already has)."""

    data_dir: Path

    def known(self, excluding: str) -> Graph:
        """The curated files and every import but `excluding`'s own: the bodies to link to."""
        graph = Graph()
        for path in config.data_files(self.data_dir):
            if path.parent.name != excluding or path.parent.parent.name != "imported":
                graph += parse_file(path)
        return graph

    def imported(self, source: str) -> Graph:
        """What an earlier import of `source` wrote (empty if it has not run)."""
        graph = Graph()
        for path in sorted((self.data_dir / "imported" / source).glob("*.ttl")):
            graph += parse_file(path)
        return graph


class Importer(Protocol):
    """An importer module; it may also set `DEFERS_TO`, the sources whose preferred labels win
    over its own as curated ones do (none by default)."""

    SNAPSHOT: Snapshot

    def generate(self, source: Path, context: ImportContext) -> Iterable[GeneratedFile]: ...


@dataclass(frozen=True)
class ImportResult:
    source: str
    folder: Path
    written: tuple[str, ...]
    unchanged: tuple[str, ...]
    removed: tuple[str, ...]
    triples: int


def load_importer(source: str) -> Importer:
    """The importer module of a source name, refusing unknown names."""
    if source not in IMPORTERS:
        raise ImportRefused(f"unknown source {source!r}; choose one of {', '.join(IMPORTERS)}")
    return cast(Importer, importlib.import_module(IMPORTERS[source]))


def run_import(source: str, path: Path, *, data_dir: Path | None = None) -> ImportResult:
    """Import `source` from the folder `path` into `<data_dir>/imported/<source>/`."""
    importer = load_importer(source)
    if not path.is_dir():
        raise ImportRefused(f"{path}: not a folder; give the folder of the {source} snapshot")
    data = Path(data_dir or config.data_dir())
    generated = sorted(importer.generate(path, ImportContext(data)), key=lambda g: g.name)
    names = [g.name for g in generated]
    if len(set(names)) != len(names) or any("/" in n or not n.endswith(".ttl") for n in names):
        raise BipmkgError(f"the {source} importer generated bad or repeated file names: {names}")
    curated = curated_labels(data, getattr(importer, "DEFERS_TO", ()))
    for item in generated:
        defer_to_curated(item.graph, curated)
    folder = data / "imported" / source
    written: list[str] = []
    unchanged: list[str] = []
    triples = 0
    for item in generated:
        describe_snapshot(item.graph, importer.SNAPSHOT, list(item.read))
        triples += len(item.graph)
        target = folder / item.name
        (written if write_atomically(target, render(item)) else unchanged).append(item.name)
    removed = []
    for stale in sorted(folder.glob("*.ttl")):
        if stale.name not in names:
            stale.unlink()
            removed.append(stale.name)
    return ImportResult(source, folder, tuple(written), tuple(unchanged), tuple(removed), triples)


def curated_labels(data: Path, sources: Iterable[str] = ()) -> dict[tuple[Node, str], Literal]:
    """The preferred labels of the curated files (and of the imports of `sources`), by
    (resource, language); a curated one wins over an imported one."""
    labels: dict[tuple[Node, str], Literal] = {}
    earlier = [p for s in sources for p in sorted((data / "imported" / s).glob("*.ttl"))]
    for path in [*earlier, *config.curated_files(data)]:
        for subject, _, label in parse_file(path).triples((None, SKOS.prefLabel, None)):
            if isinstance(label, Literal) and label.language:
                labels[(subject, label.language)] = label
    return labels


def defer_to_curated(graph: Graph, curated: dict[tuple[Node, str], Literal]) -> None:
    """A resource has one preferred label per language: where a curator already gave one, an
    imported label that differs is kept as an alternative label (still cited by its file)."""
    for subject, _, label in list(graph.triples((None, SKOS.prefLabel, None))):
        if not isinstance(label, Literal) or not label.language:
            continue
        kept = curated.get((subject, label.language))
        if kept is not None and kept != label:
            graph.remove((subject, SKOS.prefLabel, label))
            graph.add((subject, SKOS.altLabel, label))

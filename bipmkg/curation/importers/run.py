"""Run one importer: check its source folder, generate its files, write what changed.

`bipmkg import SOURCE PATH` calls `run_import`. Files of the source's folder that the run did not
generate are removed, so a body that left the snapshot leaves the graph; files whose bytes did not
change are not touched (their modification time, and the store's fingerprint, stay).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, cast

from bipmkg import config
from bipmkg.curation.importers import IMPORTERS
from bipmkg.curation.importers.output import GeneratedFile, render, write_atomically
from bipmkg.curation.importers.snapshot import Snapshot, describe_snapshot
from bipmkg.errors import BipmkgError, ImportRefused


@dataclass(frozen=True)
class ImportContext:
    """What an importer may read besides its source: the curated files and earlier imports
    (to reconcile bodies with the IRIs the graph already has)."""

    data_dir: Path


class Importer(Protocol):
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

"""Build and open the persistent store the server reads: Oxigraph on disk.

Third step of the data flow: validated Turtle → an Oxigraph (RocksDB) store with one named graph
per input file. Oxigraph loads ~13× faster than rdflib and answers aggregate SPARQL 15–30× faster
at 10^6 triples on this machine kind (../shared/reference/performance-notes.md); rdflib stays the
toolkit for parsing, validating and serialising.

A build writes a new store beside the old one and swaps it in only when complete, so a failed or
interrupted build never leaves a half-written store; a manifest of input hashes lets `build` skip
work when nothing changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from . import __version__, config
from .dataset import graph_iri, input_paths, parse_file
from .errors import BipmkgError
from .validate import ValidationReport, validate

MANIFEST = "bipmkg-manifest.json"
#: Graphs a build computes besides the inputs; a change here makes existing stores rebuild.
DERIVED_GRAPHS = "network-metrics/1"


class ValidationFailed(BipmkgError):
    """The data does not conform to the shapes; the report says why."""

    def __init__(self, report: ValidationReport) -> None:
        super().__init__(report.as_text(show_warnings=False))
        self.report = report


class StoreError(BipmkgError):
    """The store is missing, unreadable or was built by an incompatible version."""


@dataclass(frozen=True)
class StoredGraph:
    iri: str
    path: str
    triples: int


@dataclass(frozen=True)
class BuildResult:
    store_dir: Path
    rebuilt: bool
    graphs: tuple[StoredGraph, ...]

    @property
    def triples(self) -> int:
        return sum(g.triples for g in self.graphs)


def build_store(
    store_dir: Path | None = None,
    data: Sequence[Path] | None = None,
    *,
    force: bool = False,
) -> BuildResult:
    """Validate the inputs and load them into a store, unless the store is already up to date.

    Raises ValidationFailed (nothing written) when the data does not conform.
    """
    target = Path(store_dir or config.store_dir())
    inputs = input_paths(data, with_ontology=True)
    fingerprint = _fingerprint(inputs)
    current = read_manifest(target)
    if not force and current is not None and current.get("fingerprint") == fingerprint:
        return BuildResult(target, False, _graphs_from(current))

    graphs = []
    merged = None
    for path in inputs:
        parsed = parse_file(path)
        graphs.append(StoredGraph(str(graph_iri(path)), str(path), len(parsed)))
        merged = parsed if merged is None else merged + parsed
    if merged is None:
        raise StoreError("nothing to build: no input files")
    report = validate(merged, include_warnings=False)
    if not report.conforms:
        raise ValidationFailed(report)

    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f"{target.name}.building-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    store = ox.Store(str(staging))
    for path, graph in zip(inputs, graphs, strict=True):
        store.bulk_load(
            path=str(path), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(graph.iri)
        )
    graphs.append(_add_metrics(store))
    store.flush()
    del store  # release RocksDB's lock before the directory moves
    manifest = {
        "version": __version__,
        "fingerprint": fingerprint,
        "graphs": [g.__dict__ for g in graphs],
    }
    (staging / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    _swap_in(staging, target)
    return BuildResult(target, True, tuple(graphs))


def _add_metrics(store: ox.Store) -> StoredGraph:
    """Compute the network metrics over the staging store and load them as their own graph.

    Derived, not curated: validation has already run on the inputs, and the metrics graph is
    rebuilt with every build. Imported here because bipmkg.metrics reads the store through
    bipmkg.selectors, which imports this module.
    """
    from .metrics import METRICS_GRAPH, compute_metrics
    from .selectors import StoreSelector

    metrics = compute_metrics(StoreSelector(store))
    store.load(
        metrics.serialize(format="nt", encoding="utf-8"),
        format=ox.RdfFormat.N_TRIPLES,
        to_graph=ox.NamedNode(str(METRICS_GRAPH)),
    )
    return StoredGraph(str(METRICS_GRAPH), "(computed by bipmkg.metrics)", len(metrics))


def open_store(store_dir: Path | None = None) -> ox.Store:
    """Open a built store read-only; StoreError says how to build one if it is missing."""
    target = Path(store_dir or config.store_dir())
    if read_manifest(target) is None:
        raise StoreError(f"no built store at {target}: run `bipmkg build` first")
    try:
        return ox.Store.read_only(str(target))
    except OSError as exc:
        raise StoreError(f"cannot open the store at {target}: {exc}") from exc


def read_manifest(store_dir: Path) -> dict[str, object] | None:
    """The manifest of a built store, or None if there is no complete store there."""
    path = store_dir / MANIFEST
    if not path.is_file():
        return None
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return loaded if isinstance(loaded, dict) else None


def _fingerprint(inputs: Sequence[Path]) -> str:
    """A hash of the code version, the shapes and every input file's name and bytes."""
    digest = hashlib.sha256(__version__.encode())
    digest.update(DERIVED_GRAPHS.encode())
    for path in [*config.shapes_files(include_warnings=False), *inputs]:
        digest.update(str(path.name).encode())
        digest.update(path.read_bytes() if path.is_file() else b"<missing>")
    return digest.hexdigest()


def _graphs_from(manifest: dict[str, object]) -> tuple[StoredGraph, ...]:
    graphs = manifest.get("graphs", [])
    assert isinstance(graphs, list)
    return tuple(StoredGraph(**g) for g in graphs)


def _swap_in(staging: Path, target: Path) -> None:
    retired = target.with_name(f"{target.name}.retired-{os.getpid()}")
    if target.exists():
        target.rename(retired)
    staging.rename(target)
    shutil.rmtree(retired, ignore_errors=True)

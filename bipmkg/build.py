"""Build the store the server reads: the one place that joins files, validation, store and metrics.

Third step of the data flow: validated Turtle → an Oxigraph (RocksDB) store with one named graph
per input file, and the network metrics computed over it in their own graph. Oxigraph loads ~13×
faster than rdflib and answers aggregate SPARQL 15–30× faster at 10^6 triples on this machine
kind (../shared/reference/performance-notes.md); rdflib stays the toolkit for parsing, validating
and serialising.

A build writes a new store beside the old one and swaps it in only when complete, so a failed or
interrupted build never leaves a half-written store; a manifest of input hashes lets `build` skip
work when nothing changed (`bipmkg.store.manifest.manifest`)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import pyoxigraph as ox

from bipmkg import __version__, config
from bipmkg.errors import BipmkgError, StoreError, ValidationFailed
from bipmkg.rdf.formats import format_named
from bipmkg.store.backends import _recorded_endpoint, store_backend_of
from bipmkg.store.manifest import (
    MANIFEST,
    StoredGraph,
    _fingerprint,
    _graphs_from,
    _swap_in,
    read_manifest,
    recover_store,
)
from bipmkg.store.remote import Endpoint, RemoteClient, endpoint_from_env


@dataclass(frozen=True)
class BuildResult:
    store_dir: Path
    rebuilt: bool
    graphs: tuple[StoredGraph, ...]
    backend: str = "embedded"

    @property
    def triples(self) -> int:
        return sum(g.triples for g in self.graphs)


def build_store(
    store_dir: Path | None = None,
    data: Sequence[Path] | None = None,
    *,
    force: bool = False,
    backend: str | None = None,
    validated: bool = False,
    triples: Mapping[Path, int] | None = None,
) -> BuildResult:
    """Validate the inputs and load them into a store, unless the store is already up to date.

    `backend` (default: BIPMKG_STORE) is `embedded` (Oxigraph on disk in `store_dir`), `memory`
    (a snapshot of the inputs in `store_dir`, loaded into memory by each query worker) or `remote`
    (a SPARQL server; `store_dir` then keeps only the manifest). Raises ValidationFailed (nothing
    written) when the data does not conform; `validated=True` skips that check for a caller that
    has just validated exactly these inputs (a curator's change), and `triples` gives the counts
    that caller already has, by file, so that those files are not parsed again here.
    """
    # Imported here: readers of a built store (query workers) need neither rdflib nor pyshacl.
    from rdflib import Graph

    from bipmkg.rdf.files import graph_iri, input_paths, parse_file
    from bipmkg.validation.validate import validate

    target = Path(store_dir or config.store_dir())
    recover_store(target)
    current = read_manifest(target)
    chosen = backend or config.store_backend(default=store_backend_of(target))
    endpoint = endpoint_from_env(_recorded_endpoint(current)) if chosen == "remote" else None
    inputs = input_paths(data, with_ontology=True)
    fingerprint = _fingerprint(inputs, chosen, endpoint)
    if (
        not force
        and current is not None
        and current.get("fingerprint") == fingerprint
        and (endpoint is None or _remote_intact(endpoint, current))
    ):
        return BuildResult(target, False, _graphs_from(current), chosen)

    if not inputs:
        raise StoreError("nothing to build: no input files")
    known = {path.resolve(): count for path, count in (triples or {}).items()} if validated else {}
    graphs = []
    merged = Graph()
    for path in inputs:
        count = known.get(path.resolve())
        if count is None:
            parsed = parse_file(path)
            count = len(parsed)
            if not validated:
                merged += parsed
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        graphs.append(StoredGraph(str(graph_iri(path)), str(path), count, digest))
    if not validated:
        report = validate(merged, include_warnings=False)
        if not report.conforms:
            raise ValidationFailed(report)

    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f"{target.name}.building-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    if chosen == "embedded":
        store = ox.Store(str(staging))
        _load_inputs(store, inputs, graphs)
        graphs.append(_add_metrics(store)[0])
        store.flush()
        del store  # release RocksDB's lock before the directory moves
    else:
        staging.mkdir(parents=True)
        store = ox.Store()
        _load_inputs(store, inputs, graphs)
        metrics, metrics_data = _add_metrics(store)
        del store
        if chosen == "memory":
            graphs = _snapshot(staging, inputs, graphs, metrics, metrics_data)
        else:
            assert endpoint is not None
            graphs.append(metrics)
            _upload(endpoint, inputs, graphs, metrics_data, current, force=force)
    manifest: dict[str, object] = {
        "version": __version__,
        "fingerprint": fingerprint,
        "backend": chosen,
        "graphs": [g.__dict__ for g in graphs],
    }
    if endpoint is not None:
        manifest["endpoint"] = endpoint.public()
    (staging / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    _swap_in(staging, target)
    return BuildResult(target, True, tuple(graphs), chosen)


def _load_inputs(store: ox.Store, inputs: Sequence[Path], graphs: Sequence[StoredGraph]) -> None:
    for path, graph in zip(inputs, graphs, strict=True):
        store.bulk_load(
            path=str(path), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(graph.iri)
        )


def _add_metrics(store: ox.Store) -> tuple[StoredGraph, bytes]:
    """Compute the network metrics over the staging store and load them as their own graph.

    Derived, not curated: validation has already run on the inputs, and the metrics graph is
    rebuilt with every build. Imported here because bipmkg.network.metrics reads the store through
    bipmkg.store.adapters, which imports this module.
    """
    from bipmkg.network.metrics import METRICS_GRAPH, compute_metrics
    from bipmkg.store.adapters import StoreSelector

    metrics = compute_metrics(StoreSelector(store))
    data = metrics.serialize(format="nt", encoding="utf-8")
    store.load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(str(METRICS_GRAPH)))
    digest = hashlib.sha256(data).hexdigest()
    return (
        StoredGraph(
            str(METRICS_GRAPH), "(computed by bipmkg.network.metrics)", len(metrics), digest
        ),
        data,
    )


def _snapshot(
    staging: Path,
    inputs: Sequence[Path],
    graphs: Sequence[StoredGraph],
    metrics: StoredGraph,
    metrics_data: bytes,
) -> list[StoredGraph]:
    """A memory store's folder: a copy of every input and the metrics, loaded at each start."""
    folder = staging / "graphs"
    folder.mkdir()
    kept = []
    for index, (path, graph) in enumerate(zip(inputs, graphs, strict=True)):
        name = f"{index:03d}-{path.name}"
        shutil.copyfile(path, folder / name)
        kept.append(replace(graph, file=name))
    (folder / "metrics.nt").write_bytes(metrics_data)
    kept.append(replace(metrics, file="metrics.nt"))
    return kept


def _upload(
    endpoint: Endpoint,
    inputs: Sequence[Path],
    graphs: Sequence[StoredGraph],
    metrics_data: bytes,
    current: dict[str, object] | None,
    *,
    force: bool,
) -> None:
    """Replace on the remote server the graphs that changed; drop those no longer built."""
    client = RemoteClient(endpoint)
    try:
        before: dict[str, str] = {}
        if current is not None and current.get("endpoint") == endpoint.public() and not force:
            if _remote_intact(endpoint, current, client):
                before = {g.iri: g.sha256 for g in _graphs_from(current)}
        uploads: dict[str, tuple[bytes, str]] = {}
        for graph in graphs:
            if before.get(graph.iri) == graph.sha256 and graph.sha256:
                continue
            if graph.path.startswith("("):
                uploads[graph.iri] = (metrics_data, format_named("ntriples").media_type)
            else:
                uploads[graph.iri] = (
                    Path(graph.path).read_bytes(),
                    format_named("turtle").media_type,
                )
        built = {g.iri for g in graphs}
        previous = [g.iri for g in _graphs_from(current)] if current is not None else []
        client.replace_graphs(uploads, [iri for iri in previous if iri not in built])
    finally:
        client.close()


def _remote_intact(
    endpoint: Endpoint, manifest: dict[str, object], client: RemoteClient | None = None
) -> bool:
    """The remote still holds the last build (a server restarted in memory would not)."""
    graphs = _graphs_from(manifest)
    if manifest.get("backend") != "remote" or not graphs:
        return False
    own = client or RemoteClient(endpoint)
    try:
        return own.has_graph(graphs[-1].iri) and own.has_graph(graphs[0].iri)
    except BipmkgError:
        return False
    finally:
        if client is None:
            own.close()

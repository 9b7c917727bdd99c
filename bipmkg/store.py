"""Build and open the store the server reads: Oxigraph on disk, in memory, or a SPARQL server.

Third step of the data flow: validated Turtle → an Oxigraph (RocksDB) store with one named graph
per input file. Oxigraph loads ~13× faster than rdflib and answers aggregate SPARQL 15–30× faster
at 10^6 triples on this machine kind (../shared/reference/performance-notes.md); rdflib stays the
toolkit for parsing, validating and serialising.

A build writes a new store beside the old one and swaps it in only when complete, so a failed or
interrupted build never leaves a half-written store; a manifest of input hashes lets `build` skip
work when nothing changed. The backend (BIPMKG_STORE) is recorded in the manifest, so that the
server and the CLI read a store the way it was built: `embedded` (the default), `memory` (a
snapshot of the inputs that each reader loads; for tests and small graphs) or `remote` (a SPARQL
1.1 server, see bipmkg.remote; the folder then keeps the manifest only).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from . import __version__, config
from .errors import BipmkgError
from .remote import Endpoint, RemoteClient, endpoint_from_env

if TYPE_CHECKING:
    from .validate import ValidationReport

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
    #: SHA-256 of the loaded bytes: a remote rebuild re-uploads only graphs whose hash changed.
    sha256: str = ""
    #: The snapshot file of the graph inside a `memory` store folder.
    file: str = ""


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
) -> BuildResult:
    """Validate the inputs and load them into a store, unless the store is already up to date.

    `backend` (default: BIPMKG_STORE) is `embedded` (Oxigraph on disk in `store_dir`), `memory`
    (a snapshot of the inputs in `store_dir`, loaded into memory by each query worker) or `remote`
    (a SPARQL server; `store_dir` then keeps only the manifest). Raises ValidationFailed (nothing
    written) when the data does not conform; `validated=True` skips that check for a caller that
    has just validated exactly these inputs (a curator's change).
    """
    # Imported here: readers of a built store (query workers) need neither rdflib nor pyshacl.
    from .dataset import graph_iri, input_paths, parse_file
    from .validate import validate

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

    graphs = []
    merged = None
    for path in inputs:
        parsed = parse_file(path)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        graphs.append(StoredGraph(str(graph_iri(path)), str(path), len(parsed), digest))
        merged = parsed if merged is None else merged + parsed
    if merged is None:
        raise StoreError("nothing to build: no input files")
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
    rebuilt with every build. Imported here because bipmkg.metrics reads the store through
    bipmkg.selectors, which imports this module.
    """
    from .metrics import METRICS_GRAPH, compute_metrics
    from .selectors import StoreSelector

    metrics = compute_metrics(StoreSelector(store))
    data = metrics.serialize(format="nt", encoding="utf-8")
    store.load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(str(METRICS_GRAPH)))
    digest = hashlib.sha256(data).hexdigest()
    return (
        StoredGraph(str(METRICS_GRAPH), "(computed by bipmkg.metrics)", len(metrics), digest),
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
                uploads[graph.iri] = (metrics_data, "application/n-triples")
            else:
                uploads[graph.iri] = (Path(graph.path).read_bytes(), "text/turtle")
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


def open_store(store_dir: Path | None = None) -> ox.Store:
    """Open a built store for reading; StoreError says how to build one if it is missing.

    An embedded store opens read-only on disk; a memory store is loaded from its snapshot; a
    remote store is copied from the server (Graph Store Protocol), for exports and the CLI.
    """
    target = Path(store_dir or config.store_dir())
    manifest = read_manifest(target)
    if manifest is None:
        raise StoreError(f"no built store at {target}: run `bipmkg build` first")
    backend = manifest.get("backend", "embedded")
    if backend == "memory":
        return _load_snapshot(target, manifest)
    if backend == "remote":
        return _copy_remote(manifest)
    try:
        return ox.Store.read_only(str(target))
    except OSError as exc:
        raise StoreError(f"cannot open the store at {target}: {exc}") from exc


def store_backend_of(store_dir: Path) -> str:
    """The backend a store folder was built for."""
    manifest = read_manifest(store_dir) or {}
    return str(manifest.get("backend", "embedded"))


def _load_snapshot(target: Path, manifest: dict[str, object]) -> ox.Store:
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
    return store


def endpoint_of(store_dir: Path) -> Endpoint:
    """The remote endpoint of a remote store: the environment's, else the one it was built with."""
    return endpoint_from_env(_recorded_endpoint(read_manifest(store_dir)))


def _recorded_endpoint(manifest: dict[str, object] | None) -> dict[str, str] | None:
    """The endpoint URLs a remote store was built with; the environment may override them."""
    recorded = (manifest or {}).get("endpoint")
    return {str(k): str(v) for k, v in recorded.items()} if isinstance(recorded, dict) else None


def _copy_remote(manifest: dict[str, object]) -> ox.Store:
    endpoint = endpoint_from_env(_recorded_endpoint(manifest))
    client = RemoteClient(endpoint)
    store = ox.Store()
    try:
        for graph in _graphs_from(manifest):
            data = client.get_graph(graph.iri)
            store.load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(graph.iri))
    except SyntaxError as exc:
        raise StoreError(f"the remote server sent unreadable N-Triples: {exc}") from exc
    finally:
        client.close()
    return store


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


def _fingerprint(inputs: Sequence[Path], backend: str, endpoint: Endpoint | None) -> str:
    """A hash of the code version, the backend, the shapes and every input file's name and bytes."""
    digest = hashlib.sha256(__version__.encode())
    digest.update(DERIVED_GRAPHS.encode())
    digest.update(backend.encode())
    if endpoint is not None:
        digest.update(json.dumps(endpoint.public(), sort_keys=True).encode())
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
    # A crash here leaves no store at `target`; recover_store() puts the complete one back.
    staging.rename(target)
    shutil.rmtree(retired, ignore_errors=True)


def recover_store(store_dir: Path | None = None) -> str | None:
    """Repair what a killed build left: put a complete store back in place, remove leftovers.

    A build is complete once its manifest is written (the last step before the swap), so a
    staging folder with a manifest is the newest complete store, and a retired one the previous.
    Leftovers of builds whose process is gone are removed. Returns what was put back, if anything.
    Safe to run from several processes at once: a lost race is noticed and ignored.
    """
    target = Path(store_dir or config.store_dir())
    restored = None
    if read_manifest(target) is None and not target.exists():
        for pattern in (f"{target.name}.building-*", f"{target.name}.retired-*"):
            complete = [
                p for p in target.parent.glob(pattern) if (p / MANIFEST).is_file() and not _alive(p)
            ]
            complete.sort(key=lambda p: (p / MANIFEST).stat().st_mtime_ns, reverse=True)
            if complete:
                try:
                    complete[0].rename(target)
                    restored = complete[0].name
                except OSError:
                    pass  # another process restored it first
                break
    for pattern in (f"{target.name}.building-*", f"{target.name}.retired-*"):
        for leftover in target.parent.glob(pattern):
            if not _alive(leftover):
                shutil.rmtree(leftover, ignore_errors=True)
    return restored


def _alive(folder: Path) -> bool:
    """Whether the process named by a staging or retired folder's suffix is still running."""
    suffix = folder.name.rsplit("-", 1)[-1]
    if not suffix.isdigit():
        return False
    try:
        os.kill(int(suffix), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # This process's own leftovers are from a build that failed earlier: builds do not overlap
    # within a process (curators' changes hold the data folder's lock).
    return int(suffix) != os.getpid()

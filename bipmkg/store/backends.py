"""Open a built store the way it was built: `embedded` (Oxigraph on disk, read-only), `memory`
(a snapshot of the inputs that each reader loads; for tests and small graphs) or `remote` (a
SPARQL 1.1 server, `bipmkg.store.manifest.remote`; the folder then keeps the manifest only)."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from bipmkg import config
from bipmkg.errors import StoreError
from bipmkg.store.manifest import _graphs_from, read_manifest
from bipmkg.store.remote import Endpoint, RemoteClient, endpoint_from_env


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

"""The store backends, by name, and opening a built store the way it was built.

One table binds each backend's name to the class that implements it, by module path, as rdflib's
plugin table does: a backend's module is imported the first time its name is used, so a server of
an embedded store never imports the remote client, and this module imports none of them.
`embedded` is Oxigraph on disk, read-only; `memory` a snapshot of the inputs that each reader
loads (for tests and small graphs); `remote` a SPARQL 1.1 server (`bipmkg.store.remote`; the
folder then keeps the manifest only). `BIPMKG_STORE` picks one for `bipmkg build`; the manifest
records it, and whatever reads the store follows it.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Final, Protocol

from bipmkg import config
from bipmkg.errors import StoreError
from bipmkg.store.manifest import StoredGraph, read_manifest

if TYPE_CHECKING:
    import pyoxigraph as ox

    from bipmkg.query.engine import Engine, EngineSettings
    from bipmkg.store.endpoint import Endpoint

#: Every backend: its name (in BIPMKG_STORE and the manifest) and `module:class`.
BACKENDS: Final[Mapping[str, str]] = {
    "embedded": "bipmkg.store.embedded:EmbeddedStore",
    "memory": "bipmkg.store.memory:MemoryStore",
    "remote": "bipmkg.store.remote:RemoteStore",
}

Manifest = dict[str, object]


@dataclass(frozen=True)
class Staged:
    """A build ready to be written: the inputs and the metrics loaded in `store`.

    `folder` becomes the store folder once the manifest is written in it; `previous` is the
    manifest of the store it replaces, if any.
    """

    folder: Path
    store: ox.Store
    inputs: tuple[Path, ...]
    graphs: tuple[StoredGraph, ...]  # of the inputs, in their order
    metrics: StoredGraph
    metrics_data: bytes  # N-Triples
    previous: Manifest | None
    force: bool


class StoreBackend(Protocol):
    """What a backend does for a build (`bipmkg.build`), for readers and for the web app."""

    name: ClassVar[str]
    #: Whether answers may be kept per build (`bipmkg.store.kept_answers`): only where nothing
    #: but bipmkg's builds changes the data.
    keeps_answers: ClassVar[bool]

    def endpoint(self, previous: Manifest | None) -> Endpoint | None:
        """Where the data lives beyond the store folder (a build's fingerprint names it)."""
        ...

    def intact(self, previous: Manifest) -> bool:
        """Whether the store the manifest describes still holds that build."""
        ...

    def staging(self, folder: Path) -> ox.Store:
        """The store a build loads the inputs and the metrics into, its folder made."""
        ...

    def write(self, staged: Staged) -> list[StoredGraph]:
        """Make the staged build the store's content; the graphs to record in the manifest."""
        ...

    def open(self, target: Path, manifest: Manifest) -> ox.Store:
        """The built store, for reading (exports, the CLI, query workers)."""
        ...

    def engine(self, store_dir: Path, graphs: Sequence[str], settings: EngineSettings) -> Engine:
        """What the web app queries this store with."""
        ...


_loaded: dict[str, StoreBackend] = {}
_lock = threading.Lock()


def backend_named(name: str) -> StoreBackend:
    """The backend of that name, its module imported on first use; StoreError if there is none."""
    with _lock:
        found = _loaded.get(name)
        if found is None:
            where = BACKENDS.get(name)
            if where is None:
                raise StoreError(
                    f"no store backend is named {name!r}; there are {', '.join(BACKENDS)}"
                )
            module, _, attribute = where.partition(":")
            found = _loaded[name] = getattr(importlib.import_module(module), attribute)()
        return found


def open_store(store_dir: Path | None = None) -> ox.Store:
    """Open a built store for reading; StoreError says how to build one if it is missing.

    An embedded store opens read-only on disk; a memory store is loaded from its snapshot; a
    remote store is copied from the server (Graph Store Protocol), for exports and the CLI.
    """
    target = Path(store_dir or config.store_dir())
    manifest = read_manifest(target)
    if manifest is None:
        raise StoreError(f"no built store at {target}: run `bipmkg build` first")
    return backend_named(str(manifest.get("backend", "embedded"))).open(target, manifest)


def store_backend_of(store_dir: Path) -> str:
    """The backend a store folder was built for."""
    manifest = read_manifest(store_dir) or {}
    return str(manifest.get("backend", "embedded"))


def backend_of(store_dir: Path) -> StoreBackend:
    """The backend a store folder was built for, to read or serve it."""
    return backend_named(store_backend_of(store_dir))

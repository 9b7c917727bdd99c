"""The `embedded` backend: Oxigraph (RocksDB) on disk in the store folder, opened read-only by
each query worker. The default, and what every other backend is measured against."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import pyoxigraph as ox

from bipmkg.errors import StoreError
from bipmkg.store.backends import Manifest, Staged
from bipmkg.store.local import LocalStore
from bipmkg.store.manifest import StoredGraph


class EmbeddedStore(LocalStore):
    name: ClassVar[str] = "embedded"

    def staging(self, folder: Path) -> ox.Store:
        return ox.Store(str(folder))

    def write(self, staged: Staged) -> list[StoredGraph]:
        # The caller drops the store once written: RocksDB's lock goes with it, before the
        # folder is moved into place.
        staged.store.flush()
        return [*staged.graphs, staged.metrics]

    def open(self, target: Path, manifest: Manifest) -> ox.Store:
        try:
            return ox.Store.read_only(str(target))
        except OSError as exc:
            raise StoreError(f"cannot open the store at {target}: {exc}") from exc

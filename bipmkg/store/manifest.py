"""The store folder's manifest (what was built, from which inputs, on which backend) and the
swap that puts a complete build in place; `recover_store` puts back a build killed between its
two renames."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bipmkg import __version__, config

if TYPE_CHECKING:
    from bipmkg.store.endpoint import Endpoint


MANIFEST = "bipmkg-manifest.json"


#: Graphs a build computes besides the inputs; a change here makes existing stores rebuild.
DERIVED_GRAPHS = "network-metrics/1"


@dataclass(frozen=True)
class StoredGraph:
    iri: str
    path: str
    triples: int
    #: SHA-256 of the loaded bytes: a remote rebuild re-uploads only graphs whose hash changed.
    sha256: str = ""
    #: The snapshot file of the graph inside a `memory` store folder.
    file: str = ""


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

"""Where the inputs are: the ontology, the shapes and the curated data.

Defaults are the project's own folders; `BIPMKG_ONTOLOGY_DIR` and `BIPMKG_DATA_DIR` point the CLI
at other copies (a curator's working tree, a test fixture) without code changes.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

PROJECT_ROOT: Final = Path(__file__).resolve().parent.parent
QUERIES_DIR: Final = Path(__file__).resolve().parent / "queries"


def ontology_dir() -> Path:
    """The folder holding bipmkg.ttl and the shapes."""
    return Path(os.environ.get("BIPMKG_ONTOLOGY_DIR", PROJECT_ROOT / "ontology"))


def data_dir() -> Path:
    """The folder holding the curated Turtle files."""
    return Path(os.environ.get("BIPMKG_DATA_DIR", PROJECT_ROOT / "graph_data"))


def store_dir() -> Path:
    """The folder of the built Oxigraph store (generated; git-ignored)."""
    return Path(os.environ.get("BIPMKG_STORE_DIR", PROJECT_ROOT / "var" / "store"))


def ontology_file() -> Path:
    return ontology_dir() / "bipmkg.ttl"


def shapes_files(*, include_warnings: bool = True) -> list[Path]:
    """The violation shapes, then (optionally) the warning-level quality shapes."""
    files = [ontology_dir() / "shapes.ttl"]
    if include_warnings:
        files.append(ontology_dir() / "shapes-quality.ttl")
    return files


def data_files() -> list[Path]:
    """Every curated Turtle file, sorted so that loads are reproducible."""
    return sorted(data_dir().glob("*.ttl"))


#: The store backends: Oxigraph on disk, Oxigraph in memory (loaded at start), a SPARQL server.
BACKENDS: Final = ("embedded", "memory", "remote")


def store_backend(default: str = "embedded") -> str:
    """Where `bipmkg build` puts the graph (`BIPMKG_STORE`); serving follows what was built.

    Unset, a rebuild keeps the backend of the store it replaces (`default`).
    """
    chosen = os.environ.get("BIPMKG_STORE", "").strip().lower() or default
    if chosen not in BACKENDS:
        from .errors import BipmkgError

        raise BipmkgError(f"BIPMKG_STORE={chosen!r} is not one of {', '.join(BACKENDS)}")
    return chosen

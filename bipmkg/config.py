"""Where the inputs are: the ontology, the shapes and the curated data.

Defaults are the project's own folders; `BIPMKG_ONTOLOGY_DIR` and `BIPMKG_DATA_DIR` point the CLI
at other copies (a curator's working tree, a test fixture) without code changes.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

PROJECT_ROOT: Final = Path(__file__).resolve().parent.parent
QUERIES_DIR: Final = Path(__file__).resolve().parent / "query" / "queries"


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
        from bipmkg.errors import BipmkgError

        raise BipmkgError(f"BIPMKG_STORE={chosen!r} is not one of {', '.join(BACKENDS)}")
    return chosen


# -- The HTTP front of `bipmkg serve` -------------------------------------------------------------
# Read by `bipmkg serve` (its server's options) and by the server process (webapp.serving): the
# server must know them before any request, so they are not web-app settings.

#: Seconds a client has to send a request's line and headers (granian takes 1 ms to 60 s).
HEADER_TIMEOUT_S: Final = 10.0
#: Seconds a client has to send a request's whole body, once its headers are in.
BODY_TIMEOUT_S: Final = 30.0
MAX_HEADER_TIMEOUT_S: Final = 60.0
#: Request threads per server process (`bipmkg serve --threads`).
REQUEST_THREADS: Final = 8


def _seconds(name: str, default: float, *, most: float | None = None) -> float:
    raw = os.environ.get(name, "").strip()
    try:
        value = float(raw) if raw else default
    except ValueError:
        value = -1.0
    if not 0 < value <= (most if most is not None else float("inf")):
        from bipmkg.errors import BipmkgError

        bound = f" and at most {most:g}" if most is not None else ""
        raise BipmkgError(f"{name}={raw!r}: give a number of seconds above 0{bound}")
    return value


def header_timeout_s() -> float:
    """BIPMKG_HEADER_TIMEOUT_S: past it without the whole request line and headers, the
    connection is closed (a 408 if some of it came)."""
    return _seconds("BIPMKG_HEADER_TIMEOUT_S", HEADER_TIMEOUT_S, most=MAX_HEADER_TIMEOUT_S)


def body_timeout_s() -> float:
    """BIPMKG_BODY_TIMEOUT_S: past it without the whole body, 408 and the connection is closed;
    no request thread waits on a body meanwhile."""
    return _seconds("BIPMKG_BODY_TIMEOUT_S", BODY_TIMEOUT_S)


def request_threads() -> int:
    """Threads that run requests in each server process: `bipmkg serve --threads`, passed to the
    server process as BIPMKG_SERVE_THREADS."""
    raw = os.environ.get("BIPMKG_SERVE_THREADS", "").strip()
    return int(raw) if raw.isdigit() and int(raw) > 0 else REQUEST_THREADS

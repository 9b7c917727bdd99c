"""Every `BIPMKG_*` setting, declared once with its default and help, and where the inputs are.

Two tables: `ENVIRONMENT`, what the command line, the build and the server front read from the
environment (read here, by the functions below), and `WEB_SETTINGS`, what the web app reads
(`create_app` takes each as `BIPMKG_<NAME>` into its config). docs/reference/settings.md lists
every one with its default; tests/test_docs.py checks that, and that no `BIPMKG_*` name is used
in the code without being declared here.

Defaults are the project's own folders; `BIPMKG_ONTOLOGY_DIR` and `BIPMKG_DATA_DIR` point the CLI
at other copies (a curator's working tree, a test fixture) without code changes.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

PROJECT_ROOT: Final = Path(__file__).resolve().parent.parent
QUERIES_DIR: Final = Path(__file__).resolve().parent / "query" / "queries"


@dataclass(frozen=True)
class Setting:
    name: str  # without its BIPMKG_ prefix
    default: object
    help: str


#: How deep brackets ((), {}, []) and `!` operators may nest in a query (bipmkg.query.safety).
MAX_QUERY_DEPTH: Final = 64
#: How many operators a query may hold: a parser turns a chain of them into a tree as deep as the
#: chain is long. Measured against `oxigraph serve` (2 MB thread stacks), 1,000 `(… AS ?v)` in a
#: SELECT, 2,000 OPTIONALs or groups in a row, 5,000 BINDs, UNIONs or FILTERs, 10,000 `&&` each
#: overflowed its stack and ended the whole server.
MAX_QUERY_OPERATORS: Final = 500

#: Read from the environment by the command line, the build and the server front.
ENVIRONMENT: tuple[Setting, ...] = (
    Setting("ONTOLOGY_DIR", "ontology/", "Folder holding bipmkg.ttl and the shapes."),
    Setting("DATA_DIR", "graph_data/", "Folder of the curated Turtle files."),
    Setting("STORE_DIR", "var/store/", "Folder of the built Oxigraph store."),
    Setting("STORE", "embedded", "Backend of `bipmkg build`: embedded, memory or remote."),
    Setting(
        "SHACL_ENGINE",
        "",
        "SHACL engine: pyrudof (where installed) or pyshacl, the reference; same results.",
    ),
    Setting("REMOTE_URL", "", "Base URL of a remote SPARQL server (/query, /update, /store)."),
    Setting("REMOTE_QUERY_URL", "", "The remote query endpoint (wins over the base)."),
    Setting("REMOTE_UPDATE_URL", "", "The remote update endpoint (wins over the base)."),
    Setting("REMOTE_STORE_URL", "", "The remote Graph Store endpoint (wins over the base)."),
    Setting("REMOTE_USER", "", "HTTP Basic user of the remote server."),
    Setting("REMOTE_PASSWORD", "", "HTTP Basic password of the remote server."),
    Setting("REMOTE_TOKEN", "", "Bearer token of the remote server."),
    Setting("HEADER_TIMEOUT_S", 10.0, "Seconds a client has to send a request's head."),
    Setting("BODY_TIMEOUT_S", 30.0, "Seconds a client has to send a request's body."),
    Setting("SERVE_THREADS", 8, "Request threads of a server process (set by bipmkg serve)."),
)

WEB_SETTINGS: tuple[Setting, ...] = (
    Setting("QUERY_TIMEOUT_S", 10.0, "Deadline of one SPARQL query in seconds; past it: 503."),
    Setting(
        "QUERY_WORKERS",
        3,
        "Worker processes that evaluate /sparql queries (per server process; PAGE_WORKERS more "
        "serve the site's pages).",
    ),
    Setting("ROW_CAP", 10_000, "Most rows (or triples) one answer holds; reported when applied."),
    Setting(
        "RESULT_MAX_BYTES",
        16_777_216,
        "Most bytes of one /sparql answer as sent (0: no cap); the answer stops at the last row "
        "that fits, reported like the row cap.",
    ),
    Setting(
        "RESULT_CACHE_MB",
        64,
        "Answers kept per build of the store, in MB of results (0: off; never for a remote).",
    ),
    Setting("WORKER_MEMORY_MB", 4096, "Address-space limit of a query worker; past it: 503."),
    Setting(
        "WORKER_RECYCLE_MB",
        64,
        "A query worker whose RSS grew by more than this since it opened the store is replaced "
        "by a fresh one after its answer (0: never).",
    ),
    Setting(
        "WORKER_SANDBOX",
        1,
        "1: the processes that evaluate queries and updates confine themselves (no network, "
        "files readable only in the store and data folders) and refuse to start if the kernel "
        "cannot; 0: unconfined (SECURITY.md).",
    ),
    Setting("MAX_BODY_BYTES", 1_048_576, "Largest request body accepted; past it: 413."),
    Setting("MAX_QUERY_CHARS", 100_000, "Longest query text accepted; past it: 413."),
    Setting(
        "MAX_QUERY_DEPTH",
        MAX_QUERY_DEPTH,
        "Deepest nesting of brackets and ! in a query (0: no limit); past it: 400.",
    ),
    Setting(
        "MAX_QUERY_OPERATORS",
        MAX_QUERY_OPERATORS,
        "Most operators (&&, comparisons, UNION, OPTIONAL, BIND…) in a query (0: no limit); "
        "past it: 400.",
    ),
    Setting(
        "CLIENT_MAX_CONCURRENT",
        4,
        "Queries one client may have at /sparql at once, running or waiting for their turn "
        "(0: no limit of its own); past it: 429. Whatever this says, one client runs at most "
        "QUERY_WORKERS - 1 at once (at least 1).",
    ),
    Setting(
        "SPARQL_WAITING",
        3,
        "Queries that may wait for a query worker at /sparql at once, all clients together; "
        "past it: 503. Each holds a request thread: keep QUERY_WORKERS plus this below the HTTP "
        "server's threads (bipmkg serve --threads, 8) so that pages and /healthz find one.",
    ),
    Setting(
        "PAGE_WORKERS",
        1,
        "Query workers beside QUERY_WORKERS that /sparql never takes: the site's own pages and "
        "APIs always find one (0: they wait when /sparql holds every worker).",
    ),
    Setting(
        "CLIENT_QUERY_SECONDS", 120.0, "Query seconds one client may use per minute; past it: 429."
    ),
    Setting(
        "UPDATE_TOKEN",
        "",
        "Bearer token of curators for /update and /update/data; empty: both are off.",
    ),
    Setting(
        "AUTH_FAILURES",
        5,
        "Wrong curator tokens one client may offer within AUTH_FAILURE_WINDOW_S before it is "
        "refused (429) for 1 s, doubled at each further wrong token.",
    ),
    Setting(
        "AUTH_FAILURE_WINDOW_S",
        600.0,
        "A client's wrong tokens are counted together while each comes within this many seconds "
        "of the one before.",
    ),
    Setting(
        "AUTH_BACKOFF_MAX_S",
        300.0,
        "Longest refusal after wrong curator tokens, in seconds; during it every token from that "
        "client is refused, the right one too.",
    ),
    Setting(
        "UPDATE_TIMEOUT_S",
        30.0,
        "Deadline of one curator's update, evaluated in a worker process; past it: 503 and "
        "nothing changed.",
    ),
    Setting(
        "BASE_URL",
        "",
        "Public origin of the server, as clients reach it (https://kg.example.org): links, "
        "redirects and the service and VoID descriptions name it, never the request's Host "
        "(default: http://HOST:PORT of `bipmkg serve`, else http://127.0.0.1:5000).",
    ),
)


#: Settings of ENVIRONMENT the web app also takes into its config (from BIPMKG_<NAME>, or a test
#: config): empty means the folder the environment names, else the project's.
_WEB_FOLDERS = ("STORE_DIR", "DATA_DIR")


def web_defaults() -> dict[str, object]:
    return {**{name: "" for name in _WEB_FOLDERS}, **{s.name: s.default for s in WEB_SETTINGS}}


def environment(name: str) -> str:
    """The value of a declared setting of ENVIRONMENT (`name` without BIPMKG_), "" if unset."""
    if not any(s.name == name for s in ENVIRONMENT):
        raise KeyError(f"BIPMKG_{name} is not declared in bipmkg.config.ENVIRONMENT")
    return os.environ.get(f"BIPMKG_{name}", "")


def remote_environment() -> Mapping[str, str]:
    """The BIPMKG_REMOTE_* settings, by name without the prefix (unset ones are "")."""
    return {s.name: environment(s.name) for s in ENVIRONMENT if s.name.startswith("REMOTE_")}


def ontology_dir() -> Path:
    """The folder holding bipmkg.ttl and the shapes."""
    return Path(environment("ONTOLOGY_DIR") or PROJECT_ROOT / "ontology")


def data_dir() -> Path:
    """The folder holding the curated Turtle files."""
    return Path(environment("DATA_DIR") or PROJECT_ROOT / "graph_data")


def store_dir() -> Path:
    """The folder of the built Oxigraph store (generated; git-ignored)."""
    return Path(environment("STORE_DIR") or PROJECT_ROOT / "var" / "store")


def ontology_file() -> Path:
    return ontology_dir() / "bipmkg.ttl"


def shapes_files(*, include_warnings: bool = True) -> list[Path]:
    """The violation shapes, then (optionally) the warning-level quality shapes."""
    files = [ontology_dir() / "shapes.ttl"]
    if include_warnings:
        files.append(ontology_dir() / "shapes-quality.ttl")
    return files


def data_files(folder: Path | None = None) -> list[Path]:
    """Every data file, curated then imported, sorted so that loads are reproducible."""
    return curated_files(folder) + imported_files(folder)


def curated_files(folder: Path | None = None) -> list[Path]:
    """The hand-written Turtle files (graph_data/*.ttl), the ones curators' updates change."""
    return sorted(Path(folder or data_dir()).glob("*.ttl"))


def imported_files(folder: Path | None = None) -> list[Path]:
    """The files `bipmkg import` generated (graph_data/imported/<source>/*.ttl): read-only."""
    return sorted(Path(folder or data_dir()).glob("imported/*/*.ttl"))


def shacl_engine() -> str:
    """BIPMKG_SHACL_ENGINE, as set ("" if unset)."""
    return environment("SHACL_ENGINE")


def store_backend(default: str, *, choices: Sequence[str]) -> str:
    """Where `bipmkg build` puts the graph (`BIPMKG_STORE`); serving follows what was built.

    Unset, a rebuild keeps the backend of the store it replaces (`default`). `choices` are the
    backends' names, from their table (`bipmkg.store.backends.BACKENDS`).
    """
    chosen = environment("STORE").strip().lower() or default
    if chosen not in choices:
        from bipmkg.errors import BipmkgError

        raise BipmkgError(f"BIPMKG_STORE={chosen!r} is not one of {', '.join(choices)}")
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
    raw = environment(name.removeprefix("BIPMKG_")).strip()
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
    raw = environment("SERVE_THREADS").strip()
    return int(raw) if raw.isdigit() and int(raw) > 0 else REQUEST_THREADS

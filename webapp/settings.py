"""The web app's settings, declared once with their defaults and help text.

Each can be set in the environment as `BIPMKG_<NAME>` (read by `create_app`) and is listed in the
README; a test checks that the README and this table agree.
"""

from __future__ import annotations

from dataclasses import dataclass

from bipmkg.query.safety import MAX_DEPTH, MAX_OPERATORS


@dataclass(frozen=True)
class Setting:
    name: str
    default: object
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("STORE_DIR", "", "Folder of the built Oxigraph store (default: var/store)."),
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
        MAX_DEPTH,
        "Deepest nesting of brackets and ! in a query (0: no limit); past it: 400.",
    ),
    Setting(
        "MAX_QUERY_OPERATORS",
        MAX_OPERATORS,
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
        "DATA_DIR", "", "Folder of curated Turtle that /update writes back (default: graph_data)."
    ),
    Setting(
        "BASE_URL",
        "",
        "Public origin of the server, as clients reach it (https://kg.example.org): links, "
        "redirects and the service and VoID descriptions name it, never the request's Host "
        "(default: http://HOST:PORT of `bipmkg serve`, else http://127.0.0.1:5000).",
    ),
)


def defaults() -> dict[str, object]:
    return {s.name: s.default for s in SETTINGS}

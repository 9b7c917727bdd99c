"""What the web app and the CLI query: the `Engine` interface, which runs one
`bipmkg.query.request.QueryRequest`, its answers, and the one encoder of a pyoxigraph answer into
a result format (cut at the row and byte caps) that every engine uses."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from bipmkg.query.request import QueryRequest


@dataclass(frozen=True)
class EngineSettings:
    """What an engine is started with: the store it reads, its caps and deadline, and for query
    worker processes their number, memory limits and confinement."""

    store_dir: Path
    #: Most bytes of one encoded answer (RESULT_MAX_BYTES); None: no cap. Not applied to the app's
    #: own queries (`row_cap=None`), which are bounded by what they ask.
    max_bytes: int | None = 16 * 1024 * 1024
    workers: int = 3
    timeout_s: float = 10.0
    row_cap: int = 10_000
    memory_limit_mb: int = 4096
    recycle_mb: int = 64  # growth of a worker's RSS since it opened the store; 0: never recycled
    sandbox: bool = (
        True  # workers confine themselves (bipmkg.store.sandbox); setting WORKER_SANDBOX
    )


@dataclass(frozen=True)
class EngineResult:
    body: bytes
    form: str  # "solutions", "boolean" or "graph"
    rows: int
    truncated: bool
    elapsed_s: float
    cached: bool = False  # kept from an earlier evaluation on the same build of the store
    truncated_by: str = ""  # when truncated: "rows" (the row cap) or "bytes" (the byte cap)

    @classmethod
    def of(cls, encoded: dict[str, Any], *, elapsed_s: float) -> EngineResult:
        """The result of an answer `encode_answer` wrote (sent as it is by a query worker)."""
        return cls(
            body=encoded["body"],
            form=encoded["form"],
            rows=encoded["rows"],
            truncated=encoded["truncated"],
            elapsed_s=elapsed_s,
            truncated_by=encoded.get("truncated_by", ""),
        )


class Engine(Protocol):
    """What the web app queries: the worker-process engine or a remote SPARQL server."""

    def run(self, request: QueryRequest) -> EngineResult: ...

    def reload(self, graphs: Sequence[str] | None = None) -> None: ...

    def close(self) -> None: ...


def encode_answer(
    answer: Any, fmt: str, row_cap: int | None, max_bytes: int | None = None, *, cut: bool = False
) -> dict[str, Any]:
    """Write a pyoxigraph answer in a result format, cut at the row cap and the byte cap: one code
    for every engine. Rows are encoded as the answer yields them, so no more than `max_bytes` of
    them is ever held.

    Graph answers may be any iterable of triples or quads (a remote server's parsed N-Triples).
    `cut`: the answer is read from a reply that was itself cut at a byte bound
    (bipmkg.store.remote);
    the syntax error at its end is where it stops, and the answer is reported cut at the byte cap.
    """
    import pyoxigraph as ox

    from bipmkg.rdf import formats, results

    fmt_ = formats.format_named(fmt)
    if isinstance(answer, ox.QueryBoolean):
        return {
            "form": "boolean",
            "body": results.write_boolean(fmt_, bool(answer)),
            "rows": 1,
            "truncated": False,
            "truncated_by": "",
        }
    if isinstance(answer, ox.QuerySolutions):
        variables = [v.value for v in answer.variables]
        written = results.write_solutions_capped(
            fmt_,
            variables,
            ([solution[v] for v in variables] for solution in _until_cut(answer, cut)),
            row_cap=row_cap,
            max_bytes=max_bytes,
        )
        form = "solutions"
    else:
        written = results.write_triples_capped(
            fmt_,
            (t.triple if isinstance(t, ox.Quad) else t for t in _until_cut(answer, cut)),
            row_cap=row_cap,
            max_bytes=max_bytes,
        )
        form = "graph"
    truncated_by = written.cut or ("bytes" if cut else "")
    return {
        "form": form,
        "body": written.body,
        "rows": written.rows,
        "truncated": bool(truncated_by),
        "truncated_by": truncated_by,
    }


def _until_cut(items: Any, cut: bool) -> Any:
    """The items; if the source was cut short, those read before the cut."""
    try:
        yield from items
    except SyntaxError:
        if not cut:
            raise

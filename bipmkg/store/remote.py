"""A SPARQL 1.1 server as the store: the Protocol for queries and updates, Graph Store for loads.

Any conformant server will do (Oxigraph server, Apache Jena Fuseki, GraphDB, Virtuoso, QLever,
Amazon Neptune). bipmkg keeps the curated files as the truth and the remote as what readers
query: a build validates locally, then replaces each named graph over the Graph Store Protocol and
swaps them in with one SPARQL Update (MOVE), so readers never see half a build on servers that
run an update request as one transaction (Oxigraph, Fuseki, GraphDB).

Every query a user sends has passed `bipmkg.query.safety` before it gets here (no SERVICE, LOAD or
FROM), and the dataset of each request is spelled out with `default-graph-uri` and
`named-graph-uri`, so a server's own default graph or other data never leak in: the default graph
is `UNION_GRAPH`, the union of the built graphs that each build uploads with them, and the named
graphs are the built graphs.
Redirects are not followed and nothing is retried: the server talks to the one endpoint its
operator configured.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlencode

import pyoxigraph as ox

from bipmkg.errors import (
    BipmkgError,
    EngineBusy,
    QueryAborted,
    QueryError,
    QueryTimeout,
    RemoteError,
    StoreError,
)
from bipmkg.query.engine import EngineResult, EngineSettings, encode_answer
from bipmkg.query.request import QueryRequest
from bipmkg.rdf.formats import format_named
from bipmkg.store.backends import Manifest, Staged
from bipmkg.store.endpoint import Endpoint, endpoint_from_env
from bipmkg.store.manifest import StoredGraph, _graphs_from, read_manifest
from bipmkg.store.union import UNION_GRAPH, add_union, union_triples

if TYPE_CHECKING:
    import urllib3


_JSON = format_named("json")
_NTRIPLES = format_named("ntriples")
#: What bipmkg asks for: results as JSON for SELECT/ASK, N-Triples for CONSTRUCT/DESCRIBE.
_ACCEPT = f"{_JSON.media_type}, {_NTRIPLES.media_type};q=0.9"


@dataclass(frozen=True)
class Reply:
    status: int
    media_type: str
    body: bytes
    cut: bool = False  # the body was longer than the bound it was read with; this is its start


class RemoteClient:
    """HTTP to one SPARQL server: pooled keep-alive connections, shared by threads."""

    def __init__(self, endpoint: Endpoint, *, connections: int = 8) -> None:
        import urllib3  # here, not at module level: an embedded server never needs it

        self.endpoint = endpoint
        headers: dict[str, str] = {}
        if endpoint.token:
            headers["Authorization"] = f"Bearer {endpoint.token}"
        elif endpoint.user:
            headers.update(urllib3.make_headers(basic_auth=f"{endpoint.user}:{endpoint.password}"))
        self._headers = headers
        self._pool: urllib3.PoolManager = urllib3.PoolManager(
            num_pools=4, maxsize=connections, block=False, retries=False, headers=headers
        )

    def _send(
        self,
        method: str,
        url: str,
        *,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout_s: float,
        max_bytes: int | None = None,
    ) -> Reply:
        """One request; with `max_bytes`, no more than that of the body is read (`Reply.cut`)."""
        import urllib3

        try:
            response = self._pool.request(
                method,
                url,
                body=body,
                headers={**self._headers, **(headers or {})},
                timeout=urllib3.Timeout(connect=min(5.0, timeout_s), read=timeout_s),
                redirect=False,
                preload_content=max_bytes is None,
            )
            if max_bytes is None:
                data, cut = response.data, False
            else:
                data, cut = _read_bounded(response, max_bytes)
        except urllib3.exceptions.ReadTimeoutError as exc:
            raise QueryTimeout(
                f"the query did not finish within the {timeout_s:g} s limit and was stopped "
                "(the remote SPARQL server did not answer in time)"
            ) from exc
        except urllib3.exceptions.HTTPError as exc:
            raise RemoteError(
                f"the remote SPARQL server at {url} cannot be reached: {exc}"
            ) from exc
        media_type = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        return Reply(response.status, media_type, data, cut)

    def query(
        self,
        text: str,
        *,
        default_graphs: Sequence[str],
        named_graphs: Sequence[str],
        timeout_s: float,
        accept: str = _ACCEPT,
        max_bytes: int | None = None,
    ) -> Reply:
        """POST a query (form-encoded, SPARQL 1.1 Protocol §2.1.2) with an explicit dataset.

        With `max_bytes`, at most that much of the answer is read (`Reply.cut` if there was more).
        """
        fields: list[tuple[str, str]] = [("query", text)]
        fields += [("default-graph-uri", g) for g in default_graphs]
        fields += [("named-graph-uri", g) for g in named_graphs]
        reply = self._send(
            "POST",
            self.endpoint.query_url,
            body=urlencode(fields).encode("ascii"),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": accept,
            },
            timeout_s=timeout_s,
            max_bytes=max_bytes,
        )
        if reply.status == 400:
            raise QueryError(f"malformed query: {_excerpt(reply.body)}")
        if reply.status == 503 and b"timeout" in reply.body.lower():
            raise QueryTimeout(
                f"the remote SPARQL server stopped the query: {_excerpt(reply.body)}"
            )
        if reply.status != 200:
            raise QueryAborted(
                f"the remote SPARQL server answered {reply.status}: {_excerpt(reply.body)}"
            )
        return reply

    def update(self, text: str, *, timeout_s: float = 600.0) -> None:
        """One SPARQL Update request (a transaction on Oxigraph, Fuseki and GraphDB)."""
        reply = self._send(
            "POST",
            self.endpoint.update_url,
            body=text.encode("utf-8"),
            headers={"Content-Type": "application/sparql-update"},
            timeout_s=timeout_s,
        )
        if reply.status not in (200, 204):
            raise RemoteError(f"the remote update failed ({reply.status}): {_excerpt(reply.body)}")

    def put_graph(
        self, iri: str, data: bytes, media_type: str, *, timeout_s: float = 600.0
    ) -> None:
        """Replace one named graph (Graph Store Protocol PUT ?graph=)."""
        reply = self._send(
            "PUT",
            f"{self.endpoint.store_url}?{urlencode({'graph': iri})}",
            body=data,
            headers={"Content-Type": media_type},
            timeout_s=timeout_s,
        )
        if reply.status not in (200, 201, 204):
            raise RemoteError(
                f"the remote server refused graph <{iri}> ({reply.status}): {_excerpt(reply.body)}"
            )

    def get_graph(self, iri: str, *, timeout_s: float = 600.0) -> bytes:
        """One named graph as N-Triples (Graph Store Protocol GET ?graph=)."""
        reply = self._send(
            "GET",
            f"{self.endpoint.store_url}?{urlencode({'graph': iri})}",
            headers={"Accept": _NTRIPLES.media_type},
            timeout_s=timeout_s,
        )
        if reply.status == 404:
            return b""
        if reply.status != 200:
            raise RemoteError(
                f"the remote server did not give graph <{iri}> ({reply.status}): "
                f"{_excerpt(reply.body)}"
            )
        return reply.body

    def has_graph(self, iri: str, *, timeout_s: float = 30.0) -> bool:
        reply = self.query(
            f"ASK {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}",
            default_graphs=[],
            named_graphs=[iri],
            timeout_s=timeout_s,
        )
        answer = ox.parse_query_results(reply.body, format=ox.QueryResultsFormat.JSON)
        return bool(answer)

    def replace_graphs(self, uploads: Mapping[str, tuple[bytes, str]], drop: Sequence[str]) -> None:
        """Upload graphs beside the live ones, then swap them in with one update request.

        MOVE within one request is atomic where the server runs a request as one transaction;
        until then readers keep the previous graphs.
        """
        staged: dict[str, str] = {}
        nonce = uuid.uuid4().hex
        try:
            for index, (iri, (data, media_type)) in enumerate(uploads.items()):
                staging = f"urn:bipmkg:staging:{nonce}:{index}"
                self.put_graph(staging, data, media_type)
                staged[iri] = staging
            operations = [f"MOVE SILENT GRAPH <{s}> TO GRAPH <{g}>" for g, s in staged.items()]
            operations += [f"DROP SILENT GRAPH <{g}>" for g in drop]
            if operations:
                self.update(" ;\n".join(operations))
            staged.clear()
        finally:
            # A failed build leaves no staging graph behind on the server.
            for staging in staged.values():
                try:
                    self.update(f"DROP SILENT GRAPH <{staging}>", timeout_s=60)
                except BipmkgError:
                    pass

    def close(self) -> None:
        self._pool.clear()


class RemoteEngine:
    """The query engine of a server whose store is a remote SPARQL server.

    Same interface and limits as the worker-process engine: a deadline per query (the HTTP
    read timeout; the remote's own timeout should be set as well, e.g. `oxigraph serve
    --timeout-s`), a row cap, a byte cap, and at most `workers` queries in flight per server
    process. Under the byte cap the remote's answer is read only up to a bound (twice the cap,
    for the remote's more verbose JSON, plus 64 KiB) and parsed as it is encoded, so a huge
    remote answer costs the web process no more than that.
    """

    def __init__(
        self,
        endpoint: Endpoint,
        graphs: Sequence[str],
        *,
        workers: int = 2,
        timeout_s: float = 10.0,
        row_cap: int = 10_000,
        max_bytes: int | None = 16 * 1024 * 1024,
        union_graph: str | None = None,
    ) -> None:
        self.client = RemoteClient(endpoint, connections=max(1, workers))
        self.max_bytes = max_bytes
        self.graphs = tuple(graphs)
        #: The default graph of a query that names none: the build's union of the graphs
        #: (`bipmkg.store.union`), else, on a server bipmkg did not fill, the graphs themselves.
        self.union_graph = union_graph
        self.workers = max(1, workers)
        self.timeout_s = timeout_s
        self.row_cap = row_cap
        self._slots = threading.BoundedSemaphore(self.workers)

    def run(self, request: QueryRequest) -> EngineResult:
        deadline = request.deadline(self.timeout_s)
        if not self._slots.acquire(timeout=deadline):
            raise EngineBusy(
                f"all {self.workers} remote query slots stayed busy for {deadline:g} s; "
                "try again shortly"
            )
        started = time.monotonic()
        # As on the embedded store, the app's own queries (row_cap None) have no byte cap.
        request = request.capped(row_cap=self.row_cap, byte_cap=self.max_bytes)
        max_bytes = request.byte_cap
        try:
            # As on the embedded store: the default graph is the union of the built graphs,
            # and GRAPH ranges over them, unless the request names its own dataset.
            reply = self.client.query(
                request.text,
                default_graphs=request.default_graphs
                or ((self.union_graph,) if self.union_graph else self.graphs),
                named_graphs=request.named_graphs or self.graphs,
                timeout_s=deadline,
                max_bytes=None if max_bytes is None else 2 * max_bytes + 65_536,
            )
            answer = _parse_reply(reply)
            try:
                encoded = encode_answer(
                    answer, request.fmt, request.row_cap, max_bytes, cut=reply.cut
                )
            except SyntaxError as exc:  # the results are parsed as they are encoded
                raise _unreadable(reply, "results", exc) from exc
        finally:
            self._slots.release()
        return EngineResult.of(encoded, elapsed_s=time.monotonic() - started)

    def reload(self, graphs: Sequence[str] | None = None) -> None:
        """Nothing to restart: the next request sees the server as it is now."""
        if graphs is not None:
            self.graphs = tuple(graphs)

    def close(self) -> None:
        self.client.close()


class RemoteStore:
    """The `remote` backend: a build uploads the graphs to the server; readers query it there.

    Its answers are never kept: other clients than bipmkg may write to the server.
    """

    name: ClassVar[str] = "remote"
    keeps_answers: ClassVar[bool] = False

    def endpoint(self, previous: Manifest | None) -> Endpoint:
        return endpoint_from_env(recorded_endpoint(previous))

    def intact(self, previous: Manifest) -> bool:
        """The remote still holds the last build (a server restarted in memory would not)."""
        return _remote_intact(self.endpoint(previous), previous)

    def staging(self, folder: Path) -> ox.Store:
        folder.mkdir(parents=True)
        return ox.Store()

    def write(self, staged: Staged) -> list[StoredGraph]:
        graphs = [*staged.graphs, staged.metrics]
        _upload(self.endpoint(staged.previous), graphs, staged)
        return graphs

    def open(self, target: Path, manifest: Manifest) -> ox.Store:
        """A copy of the server's graphs, for exports and the CLI (Graph Store Protocol)."""
        client = RemoteClient(self.endpoint(manifest))
        store = ox.Store()
        try:
            for graph in _graphs_from(manifest):
                data = client.get_graph(graph.iri)
                store.load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(graph.iri))
        except SyntaxError as exc:
            raise StoreError(f"the remote server sent unreadable N-Triples: {exc}") from exc
        finally:
            client.close()
        add_union(store)
        return store

    def engine(
        self, store_dir: Path, graphs: Sequence[str], settings: EngineSettings
    ) -> RemoteEngine:
        manifest = read_manifest(store_dir)
        union = (manifest or {}).get("union")
        return RemoteEngine(
            endpoint_from_env(recorded_endpoint(manifest)),
            graphs,
            union_graph=union if isinstance(union, str) else None,
            workers=settings.workers,
            timeout_s=settings.timeout_s,
            row_cap=settings.row_cap,
            max_bytes=settings.max_bytes,
        )


def endpoint_of(store_dir: Path) -> Endpoint:
    """The remote endpoint of a remote store: the environment's, else the one it was built with."""
    return endpoint_from_env(recorded_endpoint(read_manifest(store_dir)))


def recorded_endpoint(manifest: Manifest | None) -> dict[str, str] | None:
    """The endpoint URLs a remote store was built with; the environment may override them."""
    recorded = (manifest or {}).get("endpoint")
    return {str(k): str(v) for k, v in recorded.items()} if isinstance(recorded, dict) else None


def _upload(endpoint: Endpoint, graphs: Sequence[StoredGraph], staged: Staged) -> None:
    """Replace on the remote server the graphs that changed; drop those no longer built."""
    current, force = staged.previous, staged.force
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
                uploads[graph.iri] = (staged.metrics_data, _NTRIPLES.media_type)
            else:
                uploads[graph.iri] = (
                    Path(graph.path).read_bytes(),
                    format_named("turtle").media_type,
                )
        built = {g.iri for g in graphs}
        previous = [g.iri for g in _graphs_from(current)] if current is not None else []
        drop = [iri for iri in previous if iri not in built]
        if uploads or drop:  # always so when the remote was not intact: every graph goes up
            # Replaced in the same update as the graphs it is made of. Its blank nodes are not
            # those of the named graphs (each Graph Store upload mints its own).
            uploads[UNION_GRAPH] = (union_triples(staged.store), _NTRIPLES.media_type)
        client.replace_graphs(uploads, drop)
    finally:
        client.close()


def _remote_intact(
    endpoint: Endpoint, manifest: Manifest, client: RemoteClient | None = None
) -> bool:
    """The remote still holds the last build (a server restarted in memory would not)."""
    graphs = _graphs_from(manifest)
    if manifest.get("backend") != "remote" or not graphs:
        return False
    own = client or RemoteClient(endpoint)
    try:
        return all(own.has_graph(iri) for iri in (graphs[-1].iri, graphs[0].iri, UNION_GRAPH))
    except BipmkgError:
        return False
    finally:
        if client is None:
            own.close()


def _parse_reply(reply: Reply) -> Any:
    if reply.media_type == _JSON.media_type:
        try:
            return ox.parse_query_results(reply.body, format=ox.QueryResultsFormat.JSON)
        except SyntaxError as exc:
            raise _unreadable(reply, "results", exc) from exc
    if reply.media_type in _NTRIPLES.media_types:
        try:
            # Read as encoded, not all at once: under the byte cap most of a large graph is never
            # parsed. A syntax error past the first triple is reported by encode_answer.
            return ox.parse(reply.body, format=ox.RdfFormat.N_TRIPLES)
        except SyntaxError as exc:
            raise _unreadable(reply, "triples", exc) from exc
    raise QueryAborted(
        f"the remote server answered in {reply.media_type or 'no media type'}, not in "
        "SPARQL JSON results or N-Triples"
    )


#: What `oxigraph serve --timeout-s` writes into an answer it has begun (status 200 already sent)
#: when its own deadline stops the query.
_CANCELLED = b"operation has been cancelled"


def _unreadable(reply: Reply, what: str, exc: SyntaxError) -> QueryTimeout | QueryAborted:
    """The error for an answer that does not parse: the remote's deadline, cut mid-answer, is a
    timeout like any other; anything else is an unreadable answer."""
    if _CANCELLED in reply.body[-200:].lower():
        return QueryTimeout(
            "the query did not finish within the remote SPARQL server's own time limit and was "
            "stopped there (it cut its answer short: 'The SPARQL operation has been cancelled')"
        )
    return QueryAborted(f"the remote server's {what} could not be read: {exc}")


def _read_bounded(response: urllib3.BaseHTTPResponse, max_bytes: int) -> tuple[bytes, bool]:
    """At most `max_bytes` of a response body, and whether there was more.

    A response not read to its end cannot carry another request: its connection is closed.
    """
    chunks: list[bytes] = []
    size = 0
    try:
        while size <= max_bytes:
            chunk = response.read(min(65_536, max_bytes + 1 - size))
            if not chunk:
                return b"".join(chunks), False
            chunks.append(chunk)
            size += len(chunk)
        response.close()
        return b"".join(chunks)[:max_bytes], True
    finally:
        response.release_conn()


def _excerpt(body: bytes, limit: int = 300) -> str:
    text = body.decode("utf-8", "replace").strip()
    return text if len(text) <= limit else text[:limit] + "…"

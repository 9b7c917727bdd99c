"""Kept /sparql answers replayed before Flask: the same GET again costs a lookup, not a request.

A kept answer (`bipmkg.store.kept_answers`) still goes through Flask's whole request cycle, which
costs several times more than the lookup itself. `AnswerReplay` wraps the WSGI app: it keeps the
complete response (status, headers, body) of each GET /sparql whose answer the engine keeps, and
answers the same request (same query string, same Accept) from it while the store is unchanged.

What makes the replay the same answer Flask would give:
- only answers Flask gave with a 200 and an ETag are kept: the query passed every check, its
  answer is kept by the engine (not volatile, not over a remote store, not too large);
- the request must be a plain GET with no If-None-Match (Flask answers 304s itself) and no
  body, and it is matched on its exact query string and Accept header, which are all that
  /sparql reads of such a request;
- everything is forgotten when the store's manifest changes (a build or an update, in this
  process or another) or the engine forgets its answers (a reload); an answer begun before
  either is not kept.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from bipmkg.store.kept_answers import CachingEngine

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


@dataclass(frozen=True)
class Replayable:
    status: str
    headers: list[tuple[str, str]]
    body: bytes


class AnswerReplay:
    """WSGI middleware answering repeated GET /sparql requests from their kept responses."""

    def __init__(
        self,
        app: WSGIApp,
        *,
        engine: CachingEngine,
        manifest_path: str,
        max_bytes: int,
        max_entries: int = 4096,
    ) -> None:
        self.app = app
        self.engine = engine
        self.manifest_path = manifest_path
        self.max_bytes = max_bytes
        self.max_entry_bytes = max_bytes // 16
        self.max_entries = max_entries
        self._kept: OrderedDict[tuple[str, str], Replayable] = OrderedDict()
        self._bytes = 0
        self._state = (-1, -1)  # (manifest mtime, engine generation) of what is kept
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if not self._eligible(environ):
            return self.app(environ, start_response)
        request = (environ.get("QUERY_STRING", ""), environ.get("HTTP_ACCEPT", ""))
        state = self._current_state()
        with self._lock:
            if state != self._state:
                self._forget(state)
                kept = None
            else:
                kept = self._kept.get(request)
                if kept is not None:
                    self._kept.move_to_end(request)
        if kept is not None:
            start_response(kept.status, list(kept.headers))
            return [kept.body]
        return self._through(environ, start_response, request, state)

    def _through(
        self,
        environ: dict[str, Any],
        start_response: StartResponse,
        request: tuple[str, str],
        state: tuple[int, int],
    ) -> Iterable[bytes]:
        """Let Flask answer; keep the response if it is a kept answer."""
        seen: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
            seen["status"], seen["headers"] = status, headers
            return start_response(status, headers, *rest)

        chunks = self.app(environ, capture)
        status, headers = seen.get("status", ""), seen.get("headers", [])
        named = {name.lower(): value for name, value in headers}
        length = named.get("content-length", "")
        if (
            not status.startswith("200 ")
            or "etag" not in named
            or not length.isdigit()
            or int(length) > self.max_entry_bytes
        ):
            return chunks
        # A kept answer's body is already in memory (Content-Length says how big): read it all.
        try:
            body = b"".join(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
        replayed = [
            (name, "hit") if name.lower() == "x-sparql-cache" else (name, value)
            for name, value in headers
        ]
        # Kept only if nothing changed while Flask answered: not an answer of an older build. The
        # stat is made before taking the lock (it releases the GIL; other threads would queue on
        # the lock meanwhile); a change seen after it by another request clears what is kept.
        if state == self._current_state():
            with self._lock:
                if state == self._state:
                    self._keep(request, Replayable(status, replayed, body))
        return [body]

    @staticmethod
    def _eligible(environ: dict[str, Any]) -> bool:
        return (
            environ.get("REQUEST_METHOD") == "GET"
            and environ.get("PATH_INFO") == "/sparql"
            and "HTTP_IF_NONE_MATCH" not in environ
            and not environ.get("CONTENT_LENGTH")
            and "HTTP_TRANSFER_ENCODING" not in environ
        )

    def _current_state(self) -> tuple[int, int]:
        try:
            mtime = os.stat(self.manifest_path).st_mtime_ns
        except OSError:
            mtime = 0
        return mtime, self.engine.generation

    def _forget(self, state: tuple[int, int]) -> None:
        self._kept.clear()
        self._bytes = 0
        self._state = state

    def _keep(self, request: tuple[str, str], answer: Replayable) -> None:
        previous = self._kept.pop(request, None)
        if previous is not None:
            self._bytes -= len(previous.body)
        self._kept[request] = answer
        self._bytes += len(answer.body)
        while self._bytes > self.max_bytes or len(self._kept) > self.max_entries:
            _, dropped = self._kept.popitem(last=False)
            self._bytes -= len(dropped.body)

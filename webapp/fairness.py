"""The /sparql gate: how many queries run at once, whose turn is next, and how many may wait.

A request thread asks the gate before it hands a query to the engine (bipmkg.store.workers or
bipmkg.store.remote); the site's own pages and APIs do not pass here, they have a query worker of
their
own (setting PAGE_WORKERS, webapp.kg). The gate keeps three promises:

- one client (address) never runs more than `share` queries at once, and `share` is below the
  number of query workers whatever CLIENT_MAX_CONCURRENT says: one client's runaway queries cannot
  hold every worker, and another client's query always finds one after at most a short wait;
- queries waiting for a worker are served fairly: clients take turns (round robin), each
  client's own queries in the order they came (FIFO), so a client with a long backlog delays
  others by one query, not by its whole backlog;
- the number of request threads that wait here is bounded (`waiting`, setting SPARQL_WAITING):
  past it a query is refused at once with 503 and Retry-After, so waiting queries can never take
  every HTTP thread and /healthz, pages and static files find one.

The counts are kept per server process, like the engine's workers.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from .errors import HTTPError


@dataclass
class _Waiter:
    event: threading.Event = field(default_factory=threading.Event)
    granted: bool = False  # set under the gate's lock, with the event


@dataclass
class _Client:
    running: int = 0
    waiting: deque[_Waiter] = field(default_factory=deque)


@dataclass(frozen=True)
class GateState:
    """What the gate holds now, for tests and for the start-up log."""

    running: int
    waiting: int
    clients: int


class FairGate:
    """At most `slots` queries at once, `share` per client, `waiting` more queued fairly."""

    def __init__(
        self, *, workers: int, waiting: int, client_limit: int = 0, max_wait_s: float = 10.0
    ) -> None:
        self.workers = max(1, workers)
        self.slots = self.workers
        # Below the pool so that another client always has a worker; with one worker there is
        # nothing to share.
        share = max(1, self.workers - 1)
        self.share = min(share, client_limit) if client_limit > 0 else share
        self.waiting = max(0, waiting)
        self.client_limit = max(0, client_limit)
        self.max_wait_s = max_wait_s
        self._clients: dict[str, _Client] = {}
        self._turns: deque[str] = deque()  # clients with queries waiting, next turn first
        self._running = 0
        self._queued = 0
        self._lock = threading.Lock()

    def state(self) -> GateState:
        with self._lock:
            return GateState(self._running, self._queued, len(self._clients))

    @contextmanager
    def hold(self, client: str) -> Iterator[None]:
        """Run the body when it is this client's turn; 429 or 503 if it may not wait for it."""
        waiter = self._enter(client)
        if waiter is not None:
            self._wait(client, waiter)
        try:
            yield
        finally:
            self._leave(client)

    def _why_share(self) -> str:
        return (
            f"one client runs at most {self.share} quer{'y' if self.share == 1 else 'ies'} at "
            f"once, so that it never holds all {self.workers} query workers (setting "
            "QUERY_WORKERS) and other clients' queries are not held up"
        )

    def _enter(self, client: str) -> _Waiter | None:
        with self._lock:
            state = self._clients.setdefault(client, _Client())
            held = state.running + len(state.waiting)
            if self.client_limit and held >= self.client_limit:
                self._forget_if_idle(client, state)
                raise HTTPError(
                    429,
                    f"at most {self.client_limit} queries at once per client, running or "
                    f"waiting for their turn (setting CLIENT_MAX_CONCURRENT); {self._why_share()}; "
                    "wait for one to finish",
                    {"Retry-After": "1"},
                )
            # No query waits while a slot is free for it (see _dispatch): nobody is overtaken.
            if state.running < self.share and self._running < self.slots:
                state.running += 1
                self._running += 1
                return None
            if self._queued >= self.waiting:
                self._forget_if_idle(client, state)
                raise HTTPError(
                    503,
                    f"the SPARQL endpoint is busy: {self._queued} queries are already waiting "
                    f"for a query worker, the most this server lets wait (setting "
                    "SPARQL_WAITING); try again shortly",
                    {"Retry-After": "2"},
                )
            if state.waiting and self._queued == self.waiting - 1:
                raise HTTPError(
                    429,
                    f"this client already has {len(state.waiting)} queries waiting for their "
                    f"turn, and the last place in the queue is kept for other clients; "
                    f"{self._why_share()}; wait for one to finish",
                    {"Retry-After": "1"},
                )
            waiter = _Waiter()
            state.waiting.append(waiter)
            self._queued += 1
            if len(state.waiting) == 1:
                self._turns.append(client)
            return waiter

    def _wait(self, client: str, waiter: _Waiter) -> None:
        started = time.monotonic()
        waiter.event.wait(self.max_wait_s)
        with self._lock:
            if waiter.granted:
                return
            state = self._clients[client]
            state.waiting.remove(waiter)
            self._queued -= 1
            if not state.waiting:
                self._turns.remove(client)
            at_share = state.running >= self.share
            self._forget_if_idle(client, state)
        waited = time.monotonic() - started
        reason = (
            f"this client's earlier queries held its share ({self._why_share()})"
            if at_share
            else f"all {self.slots} query workers stayed busy"
        )
        raise HTTPError(
            503,
            f"the query waited {waited:.1f} s for its turn and was not run: {reason}; "
            "try again shortly",
            {"Retry-After": "2"},
        )

    def _leave(self, client: str) -> None:
        with self._lock:
            state = self._clients[client]
            state.running -= 1
            self._running -= 1
            self._dispatch()
            self._forget_if_idle(client, state)

    def _dispatch(self) -> None:
        """Give free slots to waiting queries: the next client in turn below its share first."""
        while self._running < self.slots:
            chosen = next((c for c in self._turns if self._clients[c].running < self.share), None)
            if chosen is None:
                return
            state = self._clients[chosen]
            waiter = state.waiting.popleft()
            self._queued -= 1
            state.running += 1
            self._running += 1
            waiter.granted = True
            waiter.event.set()
            # Its turn is used: it goes to the back of the line, or leaves it with nothing left.
            self._turns.remove(chosen)
            if state.waiting:
                self._turns.append(chosen)

    def _forget_if_idle(self, client: str, state: _Client) -> None:
        # Kept only while it runs or waits: a stream of distinct addresses costs no memory.
        if not state.running and not state.waiting:
            self._clients.pop(client, None)

"""Back-off for wrong curators' tokens: guessing /update's token costs time, exponentially.

A red-team run tried 1,260 tokens a second on /update. Here a client (address) that offered
AUTH_FAILURES wrong tokens within AUTH_FAILURE_WINDOW_S of each other is blocked for 1 s, and
each further wrong token doubles that (2, 4, 8… s), up to AUTH_BACKOFF_MAX_S. While blocked,
every request of that client to /update and /update/data is answered 429 with Retry-After,
*without looking at its token*: were a right token let through during the back-off, the answer
(200, not 429) would tell a guess right, and the back-off would be an oracle that costs nothing.
Every wrong token is logged (address, route, count; never the token). A right token outside a
back-off forgets the client's failures.

The counts are kept per server process, like the other per-client limits.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import threading
import time
from dataclasses import dataclass

from flask import Flask

from .errors import HTTPError


@dataclass
class _Record:
    failures: int = 0
    last: float = 0.0
    blocked_until: float = 0.0


@dataclass(frozen=True)
class Failure:
    """What one wrong token cost its client: its count in the window and the back-off it set."""

    failures: int
    backoff_s: float


class FailureThrottle:
    def __init__(
        self,
        *,
        allowed: int,
        window_s: float,
        max_backoff_s: float,
        max_clients: int = 10_000,
    ) -> None:
        self.allowed = max(0, allowed)
        self.window_s = window_s
        self.max_backoff_s = max_backoff_s
        self.max_clients = max_clients
        self._records: dict[str, _Record] = {}
        self._lock = threading.Lock()

    def check(self, client: str) -> None:
        """429 with Retry-After while the client is backing off; its token is not looked at."""
        now = time.monotonic()
        with self._lock:
            record = self._records.get(client)
            wait = record.blocked_until - now if record is not None else 0.0
        if wait > 0:
            raise HTTPError(
                429,
                f"too many wrong curator tokens from this address; try again in "
                f"{math.ceil(wait)} s. Until then every token is refused, the right one too, "
                "so that the wait tells nothing about a guess (settings AUTH_FAILURES, "
                "AUTH_BACKOFF_MAX_S)",
                {"Retry-After": str(math.ceil(wait))},
            )

    def failed(self, client: str) -> Failure:
        now = time.monotonic()
        with self._lock:
            if len(self._records) >= self.max_clients:
                self._prune(now)
            record = self._records.setdefault(client, _Record())
            if now - record.last > self.window_s:
                record.failures = 0
            record.failures += 1
            record.last = now
            backoff = 0.0
            if record.failures >= self.allowed:
                backoff = min(self.max_backoff_s, 2.0 ** (record.failures - self.allowed))
                record.blocked_until = now + backoff
            return Failure(record.failures, backoff)

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._records.pop(client, None)

    def _prune(self, now: float) -> None:
        # Many addresses (an IPv6 range): the expired go first, then the least recent half.
        for client, record in list(self._records.items()):
            if now - record.last > self.window_s and record.blocked_until <= now:
                del self._records[client]
        if len(self._records) >= self.max_clients:
            by_age = sorted(self._records, key=lambda c: self._records[c].last)
            for client in by_age[: len(by_age) // 2]:
                del self._records[client]


def get_throttle(app: Flask) -> FailureThrottle:
    """The app's throttle, made from its settings on first use."""
    throttle = app.extensions.get("bipmkg-auth-throttle")
    if throttle is None:
        throttle = app.extensions.setdefault(
            "bipmkg-auth-throttle",
            FailureThrottle(
                allowed=int(app.config["AUTH_FAILURES"]),
                window_s=float(app.config["AUTH_FAILURE_WINDOW_S"]),
                max_backoff_s=float(app.config["AUTH_BACKOFF_MAX_S"]),
            ),
        )
    assert isinstance(throttle, FailureThrottle)
    return throttle


def same_token(given: str, expected: str) -> bool:
    """Constant time, length included: both sides are hashed to the same length first."""
    return hmac.compare_digest(
        hashlib.sha256(given.encode("utf-8", "surrogatepass")).digest(),
        hashlib.sha256(expected.encode("utf-8", "surrogatepass")).digest(),
    )

"""Bounded HTTP load on 127.0.0.1 with wrk (Debian package `wrk`): throughput, p50, p99.

One GET of one SPARQL query, `wrk -t1 -c8 -d10s --latency` after a short warm-up that is thrown
away; one wrk thread leaves the other core to the server. Or a list of paths sent in turn (a Lua
script), so that no two requests of the timed run are alike: what a server that keeps answers
does when it must evaluate every request. Only loopback URLs are accepted.

wrk counts only the requests that finish within the run: a query that takes seconds, sent on 8
connections at once to 2 cores, may finish none in 10 s, and the rate would read 0. A run in which
fewer requests finished than there are connections is therefore made again, once, for
`long_seconds`; `seconds` and `requests` in the result say how long it ran and how many finished.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import urllib.parse
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


@dataclass(frozen=True)
class Load:
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx: int
    socket_errors: int
    seconds: float
    connections: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def available() -> bool:
    return shutil.which("wrk") is not None


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)([a-z]+)", text).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def parse(output: str, *, seconds: float, connections: int) -> Load:
    def find(pattern: str) -> re.Match[str] | None:
        return re.search(pattern, output, flags=re.MULTILINE)

    p50 = find(r"^\s+50%\s+(\S+)")
    p99 = find(r"^\s+99%\s+(\S+)")
    rate = find(r"^Requests/sec:\s+([\d.]+)")
    total = find(r"^\s+(\d+) requests in")
    if not (p50 and p99 and rate and total):
        raise RuntimeError(f"cannot read wrk's output:\n{output}")
    non_2xx = find(r"Non-2xx or 3xx responses:\s+(\d+)")
    errors = find(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
    return Load(
        requests_per_s=float(rate.group(1)),
        p50_ms=_ms(p50.group(1)),
        p99_ms=_ms(p99.group(1)),
        requests=int(total.group(1)),
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=sum(int(g) for g in errors.groups()) if errors else 0,
        seconds=seconds,
        connections=connections,
    )


def _lua_cycle(paths: Sequence[str]) -> str:
    """A wrk script that sends the paths in turn from the index given after `--`."""
    quoted = ",\n".join(json.dumps(path) for path in paths)  # a JSON string is a Lua string
    return (
        f"paths = {{\n{quoted}\n}}\ni = 0\n"
        "init = function(args)\n  i = tonumber(args[1] or 0)\nend\n"
        "request = function()\n  i = i % #paths + 1\n"
        '  return wrk.format("GET", paths[i])\nend\n'
    )


def run(
    url: str,
    *,
    seconds: int = 10,
    connections: int = 8,
    warmup_s: int = 2,
    timeout_s: int = 60,
    accept: str = "application/sparql-results+json",
    paths: Sequence[str] | None = None,
    long_seconds: int = 60,
) -> Load:
    """Load one URL, or, with `paths`, that server with each of the paths in turn."""
    host = urllib.parse.urlsplit(url).hostname or ""
    if not (host.startswith("127.") or host in ("localhost", "::1")):
        raise ValueError(f"load is only sent to this machine's loopback, not {host}")
    base = ["wrk", "-t1", f"-c{connections}", "--latency", f"--timeout={int(timeout_s)}s"]
    base += ["-H", f"Accept: {accept}"]
    if paths:
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(_lua_cycle(paths))
        base += ["-s", script.name]
        try:
            # The warm-up sends the first paths, the timed run starts half-way: no path of the
            # run was sent before (unless the run outlasts half the list).
            return _load(
                base,
                url,
                seconds,
                connections,
                warmup_s,
                long_seconds,
                ["--", str(len(paths) // 2)],
            )
        finally:
            os.unlink(script.name)
    return _load(base, url, seconds, connections, warmup_s, long_seconds)


def _load(
    base: list[str],
    url: str,
    seconds: int,
    connections: int,
    warmup_s: int,
    long_seconds: int,
    run_args: Sequence[str] = (),
) -> Load:
    if warmup_s > 0:
        subprocess.run([*base, f"-d{int(warmup_s)}s", url], check=True, capture_output=True)

    def timed(duration: int) -> Load:
        done = subprocess.run(
            [*base, f"-d{int(duration)}s", url, *run_args],
            check=True,
            capture_output=True,
            text=True,
        )
        return parse(done.stdout, seconds=duration, connections=connections)

    load = timed(seconds)
    if load.requests < connections and long_seconds > seconds:
        load = timed(long_seconds)
    return load

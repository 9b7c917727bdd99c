"""`python tests/confined_probe.py confined|open LISTENER_URL SENTINEL STORE_DIR`: try, from one
process, every way the engines have to reach out: Oxigraph's SERVICE, rdflib's LOAD of a URL and
of a file, rdflib's SERVICE, a plain TCP connect, UDP, and opening the sentinel. With `confined`
the process first applies `bipmkg.store.sandbox.confine([STORE_DIR])`, as the query and update
workers
do. Prints one JSON object: what each attempt gave. The test reads what the listener and the
sentinel's watch saw, which is what matters: an attempt could fail after reaching out."""

from __future__ import annotations

import json
import socket
import sys
from pathlib import Path
from typing import Any


def attempt(action: Any) -> str:
    try:
        return f"done: {action()!r}"[:200]
    except Exception as exc:  # each refusal is what is looked for
        return f"{type(exc).__name__}: {exc}"[:200]


def main() -> None:
    mode, listener, sentinel, store_dir = sys.argv[1:5]
    import pyoxigraph as ox
    import rdflib
    from rdflib.plugins.sparql.update import evalUpdate  # noqa: F401

    if mode == "confined":
        from bipmkg.store.sandbox import confine

        confine([Path(store_dir)])
    host, port = listener.removeprefix("http://").split(":")
    graph = "https://w3id.org/bipmkg/graph/events"
    outcomes = {
        "oxigraph SERVICE": attempt(
            lambda: list(
                ox.Store().query(f"SELECT * WHERE {{ SERVICE <{listener}/sparql> {{ ?s ?p ?o }} }}")
            )
        ),
        "rdflib LOAD url": attempt(
            lambda: rdflib.Dataset().update(f"LOAD <{listener}/data.ttl> INTO GRAPH <{graph}>")
        ),
        "rdflib LOAD file": attempt(
            lambda: rdflib.Dataset().update(f"LOAD <file://{sentinel}> INTO GRAPH <{graph}>")
        ),
        "rdflib SERVICE": attempt(
            lambda: list(
                rdflib.Graph().query(
                    f"SELECT * WHERE {{ SERVICE <{listener}/sparql> {{ ?s ?p ?o }} }}"
                )
            )
        ),
        "tcp connect": attempt(lambda: socket.create_connection((host, int(port)), timeout=2)),
        "udp": attempt(lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM)),
        "ipv6": attempt(lambda: socket.socket(socket.AF_INET6)),
        "open sentinel": attempt(lambda: Path(sentinel).read_text()),
        "unix socketpair": attempt(lambda: len(socket.socketpair())),
        "read store": attempt(lambda: len(list(Path(store_dir).iterdir())) > 0),
    }
    print(json.dumps(outcomes))


if __name__ == "__main__":
    main()

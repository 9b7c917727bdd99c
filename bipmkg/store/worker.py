"""Entry point of a query worker process: `python -m bipmkg.store.worker FD STORE_DIR MEMORY_MB
SANDBOX`.

Started by `bipmkg.store.workers.QueryEngine`; talks to it over the inherited socket FD. With
SANDBOX
"1" the process confines itself (`bipmkg.store.sandbox`: no network, files readable only in the
store
and the interpreter's folders) in its main thread, before the loop's thread exists, so that the
loop and every thread Oxigraph starts inherit the confinement. The worker loop
runs in a thread with a large stack: Oxigraph's parser and evaluator recurse on the query's
structure, and a long chain (thousands of `&&`, `UNION` or `BIND`) overflowed the main thread's
8 MB stack, killing the worker; with room to recurse such a query ends at the deadline instead.
"""

from __future__ import annotations

import sys
import threading
from multiprocessing.connection import Connection

from bipmkg.store.workers import refuse_start, worker_main

#: Address space reserved for the evaluating thread's stack. It counts towards WORKER_MEMORY_MB
#: (pages are only used as deep as a query goes), so it is kept modest: 64 MB lets Oxigraph parse
#: and evaluate any chain that fits in the default MAX_QUERY_CHARS (8 MB overflowed at about
#: 10,000 `&&` or 3,000 BINDs); deeper nesting is refused before, by MAX_QUERY_DEPTH.
STACK_BYTES = 64 * 1024 * 1024

if __name__ == "__main__":
    fd, store_dir, memory_mb, sandboxed = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
    conn = Connection(int(fd))
    confinement = ""
    if sandboxed == "1":
        from pathlib import Path

        import pyoxigraph  # noqa: F401  (loaded before confinement: its library is large)

        from bipmkg.errors import SandboxUnavailable
        from bipmkg.rdf import formats, results  # noqa: F401  (what an answer needs)

        # The backends a worker opens: their modules are imported on first use, which would be
        # after the confinement, from folders it may no longer read.
        from bipmkg.store import backends, embedded, memory  # noqa: F401
        from bipmkg.store.sandbox import confine

        try:
            confinement = confine([Path(store_dir)]).describe()
        except SandboxUnavailable as exc:
            refuse_start(conn, str(exc))
            sys.exit(3)
    threading.stack_size(STACK_BYTES)
    loop = threading.Thread(
        target=worker_main,
        args=(conn, store_dir, int(memory_mb), confinement),
        name="bipmkg-query-worker",
    )
    loop.start()
    loop.join()

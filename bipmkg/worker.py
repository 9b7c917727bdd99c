"""Entry point of a query worker process: `python -m bipmkg.worker FD STORE_DIR MEMORY_MB`.

Started by `bipmkg.engine.QueryEngine`; talks to it over the inherited socket FD. The worker loop
runs in a thread with a large stack: Oxigraph's parser and evaluator recurse on the query's
structure, and a long chain (thousands of `&&`, `UNION` or `BIND`) overflowed the main thread's
8 MB stack, killing the worker; with room to recurse such a query ends at the deadline instead.
"""

from __future__ import annotations

import sys
import threading
from multiprocessing.connection import Connection

from .engine import worker_main

#: Address space reserved for the evaluating thread's stack. It counts towards WORKER_MEMORY_MB
#: (pages are only used as deep as a query goes), so it is kept modest: 64 MB lets Oxigraph parse
#: and evaluate any chain that fits in the default MAX_QUERY_CHARS (8 MB overflowed at about
#: 10,000 `&&` or 3,000 BINDs); deeper nesting is refused before, by MAX_QUERY_DEPTH.
STACK_BYTES = 64 * 1024 * 1024

if __name__ == "__main__":
    fd, store_dir, memory_mb = sys.argv[1], sys.argv[2], sys.argv[3]
    threading.stack_size(STACK_BYTES)
    loop = threading.Thread(
        target=worker_main,
        args=(Connection(int(fd)), store_dir, int(memory_mb)),
        name="bipmkg-query-worker",
    )
    loop.start()
    loop.join()

"""Entry point of a query worker process: `python -m bipmkg.worker FD STORE_DIR MEMORY_MB`.

Started by `bipmkg.engine.QueryEngine`; talks to it over the inherited socket FD.
"""

from __future__ import annotations

import sys
from multiprocessing.connection import Connection

from .engine import worker_main

if __name__ == "__main__":
    fd, store_dir, memory_mb = sys.argv[1], sys.argv[2], sys.argv[3]
    worker_main(Connection(int(fd)), store_dir, int(memory_mb))

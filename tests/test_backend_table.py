"""The store backends' table: each name is bound to its class by module path, imported on use."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bipmkg.errors import StoreError
from bipmkg.store.backends import BACKENDS, backend_named


@pytest.mark.parametrize("name", sorted(BACKENDS))
def test_each_name_is_bound_to_its_backend(name: str) -> None:
    backend = backend_named(name)
    assert backend.name == name
    assert type(backend).__module__ == BACKENDS[name].partition(":")[0]
    assert backend_named(name) is backend  # made once


def test_an_unknown_name_says_which_there_are() -> None:
    with pytest.raises(StoreError, match="embedded, memory, remote"):
        backend_named("cloud")


def test_a_backend_module_is_imported_only_when_its_name_is_used(tmp_path: Path) -> None:
    # A fresh interpreter: this one has imported them all through the other tests.
    probe = (
        "import sys\n"
        "from bipmkg.store import backends\n"
        "names = ('bipmkg.store.embedded', 'bipmkg.store.remote')\n"
        "before = {m for m in names if m in sys.modules}\n"
        "backends.backend_named('embedded')\n"
        "print(sorted(before), 'bipmkg.store.embedded' in sys.modules,"
        " 'bipmkg.store.remote' in sys.modules, 'urllib3' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=tmp_path
    )
    assert done.stdout.split("\n")[0] == "[] True False False"

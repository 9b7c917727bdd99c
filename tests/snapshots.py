"""Where the importers' tests find the snapshots of public data (`shared/reference/<source>/`).

Beside the checkout (`../shared/reference`, the project's layout), beside a worktree under
`/work/wt/` (`../../shared`), or the machine's shared folder when the checkout is a fresh clone
elsewhere (`make test` from `mktemp -d`); `BIPMKG_TEST_REFERENCE_DIR` names another. A test
skips only when none holds the snapshot: the data lives outside the project.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def snapshot_dir(source: str) -> Path:
    """The folder of one snapshot: the first candidate that has it (else the first candidate)."""
    candidates = [
        *(
            [Path(os.environ["BIPMKG_TEST_REFERENCE_DIR"])]
            if os.environ.get("BIPMKG_TEST_REFERENCE_DIR")
            else []
        ),
        ROOT.parent / "shared" / "reference",
        ROOT.parent.parent / "shared" / "reference",
        Path("/work/shared/reference"),
    ]
    return next((c / source for c in candidates if (c / source).is_dir()), candidates[0] / source)

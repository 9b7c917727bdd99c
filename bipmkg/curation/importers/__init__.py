"""Importers: `bipmkg import SOURCE PATH` turns a snapshot of public data into generated Turtle.

Each importer reads one source folder (a snapshot of a public repository, see
`../shared/reference/`) and writes files under `graph_data/imported/<source>/`, one per body or
theme, in a stable order: the same snapshot gives byte-identical files. The files are committed,
loaded into one named graph each and validated by the same shapes as the curated files; they are
never edited by hand or by curators' updates (a re-import would undo the edit).

Importers are registered in `IMPORTERS` by module path, as the store's backends are: a module
exposes `SNAPSHOT` (a `Snapshot`) and `generate(source: Path, context: ImportContext) ->
Iterable[GeneratedFile]`; `bipmkg.curation.importers.run.run_import` does the rest.
"""

from __future__ import annotations

from typing import Final

#: Source name → the module that imports it, in the order imports run (a later importer may
#: reconcile with what an earlier one wrote).
IMPORTERS: Final = {
    "si-reference-point": "bipmkg.curation.importers.si_reference_point",
    "ccri-ii-kc": "bipmkg.curation.importers.ccri_ii_kc",
    "bipm-data-outcomes": "bipmkg.curation.importers.bipm_data_outcomes",
}

"""Cells of the CSV files bipmkg writes for spreadsheets, made inert (CSV formula injection).

A spreadsheet reads a cell starting with `=`, `+`, `-` or `@` (and, in some, a tab or carriage
return before one) as a formula: a label such as `=HYPERLINK("http://…")` in the data would run
when a curator opens network-nodes.csv. As OWASP recommends, such a cell is written with a
single quote before it, which spreadsheets show as text. Every CSV writer of the network files
(bipmkg.network.files) writes its cells through `cell`. SPARQL's CSV results are a standard
format read by programs and stay as the data says (bipmkg.rdf.results).
"""

from __future__ import annotations

from typing import Final

#: What a spreadsheet may read as the start of a formula (OWASP, "CSV Injection").
FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")


def cell(value: object) -> str:
    """`value` as a CSV cell: "" for None, numbers as written, text that could be a formula
    behind a single quote."""
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        # A number Python writes is never a formula, and a negative one must stay a number.
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text

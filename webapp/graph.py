"""/graph (the interactive network) and /timeline (everything in date order).

/graph is drawn in the browser by Cytoscape.js (installed from npm, served by the app) from
/api/network; /timeline is rendered here from one SPARQL projection, filtered in Python by kind
and body, so the filters never become SPARQL text.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, render_template, request

from bipmkg.query.files import load_query
from bipmkg.rdf.namespaces import ID_BASE

from .kg import get_kg
from .language import page_language
from .params import choice, known_parameters

bp = Blueprint("graph", __name__)

MONTHS = {
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
    "fr": (
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ),
}
KINDS = ("agreement", "event", "membership")

_TIMELINE = load_query(__file__, "timeline")
_CHANGES = {
    "signed": ("signed", "signé"),
    "revised": ("revised", "révisé"),
    "re-signed": ("re-signed", "signé de nouveau"),
    "held": ("held", "tenu"),
    "joined": ("joined", "adhésion"),
    "left": ("left", "départ"),
}


@dataclass(frozen=True)
class Entry:
    date: str
    shown: str
    kind: str
    change: str
    what: str
    what_label: str
    bodies: tuple[tuple[str, str], ...]


def format_date(value: str, lang: str) -> str:
    """Partial dates stay partial: '2019-04' → 'April 2019', '2019' → '2019'."""
    parts = value.split("-")
    months = MONTHS["fr" if lang == "fr" else "en"]
    try:
        if len(parts) == 1:
            return parts[0]
        month = months[int(parts[1]) - 1]
        if len(parts) == 2:
            return f"{month} {parts[0]}"
        day = int(parts[2][:2])
        return f"{day} {month} {parts[0]}" if lang == "fr" else f"{day} {month} {parts[0]}"
    except (ValueError, IndexError):
        return value


#: What the graph page keeps in its address (static/graph.js reads and writes them).
GRAPH_STATE = (
    "as_of",
    "hide_links",
    "hide_bodies",
    "size",
    "colour",
    "layout",
    "focus",
    "node",
    "from",
    "to",
)


@bp.get("/graph")
def graph_page() -> str:
    known_parameters(*GRAPH_STATE, "lang")
    return render_template("graph/graph.html", lang=page_language())


@bp.get("/timeline")
def timeline() -> str:
    known_parameters("kind", "body", "lang")
    lang = page_language()
    kind = choice("kind", KINDS)
    body = request.args.get("body", "").strip()
    rows = get_kg().cached("timeline", lambda: get_kg().selector.select(_TIMELINE))
    merged: dict[tuple[str, str, str], tuple[dict[str, str], dict[str, str]]] = {}
    for row in rows:
        key = (row["date"], row["change"], row["what"])
        first, bodies = merged.setdefault(key, (row, {}))
        if "body" in row:
            label = (row.get("bodyFr") if lang == "fr" else None) or row.get("bodyEn", row["body"])
            bodies[row["body"]] = label
    wanted = body.casefold()
    entries = []
    for (date, change, what), (row, bodies) in sorted(
        merged.items(), key=lambda i: (i[0][0], i[0][2])
    ):
        if kind and row["kind"] != kind:
            continue
        if wanted and not any(
            wanted in f"{iri} {label}".casefold() for iri, label in bodies.items()
        ):
            continue
        label = (row.get("whatFr") if lang == "fr" else None) or row.get("whatEn") or what
        change_en, change_fr = _CHANGES.get(change, (change, change))
        entries.append(
            Entry(
                date,
                format_date(date, lang),
                str(row["kind"]),
                change_fr if lang == "fr" else change_en,
                what,
                str(label),
                tuple(sorted(bodies.items(), key=lambda b: b[1])),
            )
        )
    return render_template(
        "graph/timeline.html",
        entries=entries,
        kinds=KINDS,
        kind=kind,
        body=body,
        lang=lang,
        id_base=ID_BASE,
    )

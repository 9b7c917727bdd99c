"""The IRIs of the BIPM's bodies, their meetings and outcomes, shared by every importer.

The SI Reference Point and bipm-data-outcomes both describe the CGPM, the CIPM and the CCTF: the
same meeting or outcome from both must be one IRI, so both importers mint them here, from the
body's code, the meeting's identifier as the sources write it ("9", "101-1") and the outcome's
type and number.
"""

from __future__ import annotations

from typing import Final

from rdflib import URIRef

from bipmkg.rdf.namespaces import BKG, instance_iri, slugify

#: The bodies whose meetings the snapshots hold, by the code the snapshots use (lower case):
#: (kind, slug) of their IRI. They are curated (graph_data/*.ttl); their working groups are
#: minted by the importers (`body_iri`).
BODIES: Final = {
    "cgpm": ("organisation", "cgpm"),
    "cipm": ("organisation", "cipm"),
    "jcrb": ("committee", "jcrb"),
    "jcgm": ("committee", "jcgm"),
    "ccauv": ("committee", "ccauv"),
    "ccem": ("committee", "ccem"),
    "ccl": ("committee", "ccl"),
    "ccm": ("committee", "ccm"),
    "ccpr": ("committee", "ccpr"),
    "ccqm": ("committee", "ccqm"),
    "ccri": ("committee", "ccri"),
    "cct": ("committee", "cct"),
    "cctf": ("committee", "cctf"),
    "ccu": ("committee", "ccu"),
}

#: An outcome's type as the sources write it (lower case, singular) → its class.
OUTCOME_CLASSES: Final = {
    "resolution": BKG.AdoptedResolution,
    "decision": BKG.Decision,
    "recommendation": BKG.Recommendation,
    "declaration": BKG.Declaration,
    "action": BKG.ActionItem,
    "statement": BKG.PositionStatement,
}


def body_iri(code: str) -> URIRef:
    """The IRI of a body by its snapshot code (`cgpm`, `ccm`…); a working group's code is its
    parent's code and its own joined by a hyphen (`ccm-wgm`), minted as a committee."""
    code = slugify(code)
    if code in BODIES:
        kind, slug = BODIES[code]
        return instance_iri(kind, slug)
    parent = code.split("-", 1)[0]
    if parent not in BODIES or parent == code:
        raise ValueError(f"no body has the snapshot code {code!r}")
    return instance_iri("committee", code)


def meeting_iri(code: str, identifier: str) -> URIRef:
    """`event:<code>-<identifier>`: the 9th CGPM is `event:cgpm-9`, the first session of the
    CIPM's 101st meeting `event:cipm-101-1` — the scheme the curated meetings (events.ttl) use,
    so a meeting both curated and imported is one IRI."""
    return instance_iri("event", f"{slugify(code)}-{slugify(identifier)}")


def outcome_iri(code: str, meeting: str, kind: str, number: str = "") -> URIRef:
    """`outcome:<code>-<meeting>-<type>-<number>`: Resolution 4 of the 9th CGPM is
    `outcome:cgpm-9-resolution-4`, CIPM decision 101-16 at session 101-1
    `outcome:cipm-101-1-decision-101-16`; an outcome without a number (the 3rd CGPM's only
    declaration) ends with its type."""
    kind = outcome_type(kind)
    tail = f"-{slugify(number)}" if number else ""
    return instance_iri("outcome", f"{slugify(code)}-{slugify(meeting)}-{kind}{tail}")


def outcome_type(kind: str) -> str:
    """The key of OUTCOME_CLASSES for a type as a source writes it ("Res", "Decisions", "Rec")."""
    word = kind.strip().lower()
    aliases = {
        "res": "resolution",
        "dec": "decision",
        "rec": "recommendation",
        "decl": "declaration",
    }
    word = aliases.get(word, word)
    if word.endswith("s") and word[:-1] in OUTCOME_CLASSES:
        word = word[:-1]
    if word not in OUTCOME_CLASSES:
        raise ValueError(f"unknown outcome type {kind!r}; known: {', '.join(OUTCOME_CLASSES)}")
    return word

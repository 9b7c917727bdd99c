"""Which bodies an outcome's text names: acronyms, names, aliases and former names, matched as
whole words, longest first.

The lexicon is read from the graph (every `bkg:Body` with its `bkg:acronym`, preferred and
alternative labels and `bkg:formerName`), so a body the curators or another import add is found
on the next import. How a name is matched:
- An acronym (or a one-word label such as "CODATA") matches case-sensitively, as a whole word:
  not inside a longer word (`CCT` is not found in `CCTF`), but beside a slash or a hyphen that
  joins two bodies (`CIPM/ILAC`, `EU-JRC`).
- A name of several words matches whatever its case, spaces folded.
- AMBIGUOUS acronyms are never matched alone: they are also common words or other things' names
  in these texts; the body's full name still matches.
- A document's designation names the document, not its publisher: `ISO 9001`,
  `ISO/IEC 17025`, the ISO/IEC Directives, `CIPM MRA-G-02`, `CIPM 2006-03`, `ITU-R TF.536-1`.
- Where two matches overlap, the longer wins ("National Physical Laboratory of India" over
  "National Physical Laboratory"), except that a compound acronym names its parts too:
  `CCL-CCTF-WGFS` names the working group, the CCL and the CCTF.
- The adopting body itself is not counted: every CIPM decision names the CIPM.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import SKOS

from bipmkg.rdf.namespaces import BKG

#: Acronyms that also mean something else in these texts, or name two bodies: never matched
#: alone (a body's full name still is). Acronyms two bodies of the graph share are left out too.
AMBIGUOUS: Final = frozenset(
    {
        "WHO",  # the word "who" in all-capital headings
        "INM",  # Romania's and Colombia's institutes are both the INM
        "NIS",  # also the Newly Independent States of the 1990s
        "SI",  # the International System of Units, never a body
        "CCE",  # the CCEM's former name, and the BIPM staff's consultative committee
    }
)

_STANDARD = re.compile(
    r"(?:ISO|IEC)(?:/(?:IEC|ISO|ASTM))*\s+(?:Guide\s+)?\d"  # ISO 9001, ISO/IEC 17025
    r"|ISO/IEC\s+Directives"
    r"|CIPM\s+MRA-[A-Z]+-\d|CIPM\s+\d{4}-\d"  # the CIPM's documents: CIPM MRA-G-02, CIPM 2006-03
    r"|ITU-R\s"  # ITU-R recommendations: Recommendation ITU-R TF.536-1
)
_WORD = r"[A-Za-z0-9À-ÿ]"


@dataclass(frozen=True)
class Mention:
    """A body an outcome names, and the words that named it (the first occurrence)."""

    body: URIRef
    words: str


@dataclass(frozen=True)
class Lexicon:
    """Every name the matcher looks for, and the body it names."""

    patterns: tuple[tuple[re.Pattern[str], URIRef], ...]

    def find(self, text: str, adopted_by: Iterable[URIRef] = ()) -> list[Mention]:
        """The bodies `text` names, in order of first appearance, the adopting bodies left out."""
        spans: list[tuple[int, int, URIRef]] = []
        for pattern, body in self.patterns:
            for match in pattern.finditer(text):
                if _STANDARD.match(text, match.start()):
                    continue
                spans.append((match.start(), match.end(), body))
        # Longest first; a match inside a longer name of several words is dropped, one inside a
        # longer acronym is kept: CCL-CCTF-WGFS names the CCL and the CCTF too.
        spans.sort(key=lambda s: (s[0] - s[1], s[0]))
        kept: list[tuple[int, int, URIRef]] = []
        for start, end, body in spans:
            inside = [(s, e) for s, e, _ in kept if start < e and s < end]
            if any(not (s <= start and end <= e) or " " in text[s:e] for s, e in inside):
                continue
            kept.append((start, end, body))
        skip = set(adopted_by)
        found: dict[URIRef, Mention] = {}
        for start, end, body in sorted(kept):
            if body not in skip and body not in found:
                found[body] = Mention(body, text[start:end])
        return list(found.values())


def read_lexicon(graph: Graph, ontology: Graph) -> Lexicon:
    """The names of every body of `graph` (classes under bkg:Body per `ontology`)."""
    classes = {c for c in ontology.transitive_subjects(RDFS.subClassOf, BKG.Body) if c is not None}
    # States are bodies (parties to the Metre Convention), but a country's name in a text names
    # a place as often as a party ("held in France"): not matched.
    classes.discard(BKG.State)
    names: dict[str, URIRef] = {}
    owners: dict[str, set[URIRef]] = {}
    for cls in sorted(classes, key=str):
        for body in graph.subjects(RDF.type, cls):
            if not isinstance(body, URIRef) or (body, RDF.type, BKG.State) in graph:
                continue
            for prop in (BKG.acronym, SKOS.prefLabel, SKOS.altLabel, BKG.formerName):
                for value in graph.objects(body, prop):
                    if isinstance(value, Literal):
                        name = " ".join(str(value).split())
                        owners.setdefault(name, set()).add(body)
                        names[name] = body
    patterns = []
    for name in sorted(names, key=lambda n: (-len(n), n)):
        # A name two bodies share (a former acronym reused) names neither for sure.
        if len(owners[name]) > 1 or name in AMBIGUOUS or len(name) < 2:
            continue
        patterns.append((_pattern(name), names[name]))
    return Lexicon(tuple(patterns))


def _pattern(name: str) -> re.Pattern[str]:
    if " " not in name:
        # Not inside a word; a hyphen or slash may join it to another body (CIPM/ILAC, EU-JRC),
        # and a longer acronym that contains it (CCT-WG-KC) wins as the longer match.
        return re.compile(rf"(?<!{_WORD}){re.escape(name)}(?!{_WORD})")
    words = [re.escape(w) for w in name.split()]
    return re.compile(rf"(?<!{_WORD})" + r"\s+".join(words) + rf"(?!{_WORD})", re.IGNORECASE)

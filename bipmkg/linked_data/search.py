"""Find entities by name: labels, acronyms and other names, English and French.

Reads every name once per build (one SPARQL projection) into an in-memory index; a query is
matched in Python, so user input never becomes SPARQL text. Matching ignores case and accents
("tubitak" finds TÜBİTAK UME, "comite international" finds the Comité international…), and hits
are ranked: exact name, then name prefix, then every word found as a word prefix, then substring.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bipmkg.errors import QueryError
from bipmkg.query.files import load_query
from bipmkg.query.selector import Selector
from bipmkg.rdf.namespaces import split_instance_iri

MAX_QUERY = 200
#: Kinds people look up by name, in the order ties are broken.
SEARCHABLE = (
    "organisation",
    "committee",
    "network",
    "programme",
    "agreement",
    "event",
    "publication",
    "system",
    "person",
    "place",
    "cooperation",
)

_NAMES = load_query(__file__, "entity-names")
_LABELS = load_query(__file__, "entity-labels")
_PUNCTUATION = re.compile(r"[^\w]+")


def normalise(text: str) -> str:
    """Lower case, no accents, no punctuation, single spaces: 'TÜBİTAK  UME' → 'tubitak ume'."""
    decomposed = unicodedata.normalize("NFKD", text.replace("ı", "i"))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_PUNCTUATION.sub(" ", stripped.casefold()).split())


@dataclass(frozen=True)
class Hit:
    iri: str
    kind: str
    label_en: str
    label_fr: str
    matched: str
    score: int


@dataclass(frozen=True)
class _Name:
    iri: str
    text: str
    normal: str
    words: tuple[str, ...]
    acronym: bool


class SearchIndex:
    def __init__(self, names: list[_Name], labels: dict[str, tuple[str, str]]) -> None:
        self._names = names
        self._labels = labels

    @classmethod
    def build(cls, selector: Selector) -> SearchIndex:
        labels = {r["e"]: (r["en"], r.get("fr", "")) for r in selector.select(_LABELS)}
        names = []
        for row in selector.select(_NAMES):
            split = split_instance_iri(row["e"])
            if split is None or split[0] not in SEARCHABLE:
                continue
            normal = normalise(row["name"])
            if normal:
                names.append(
                    _Name(
                        row["e"],
                        row["name"],
                        normal,
                        tuple(normal.split()),
                        row["p"].endswith("#acronym"),
                    )
                )
        return cls(names, labels)

    def search(self, query: str, *, limit: int = 20) -> list[Hit]:
        if len(query) > MAX_QUERY:
            raise QueryError(
                f"the search text is {len(query)} characters long; at most {MAX_QUERY}"
            )
        wanted = normalise(query)
        if not wanted:
            raise QueryError("give some letters or digits to search for")
        tokens = wanted.split()
        best: dict[str, tuple[int, str]] = {}
        for name in self._names:
            score = _score(name, wanted, tokens)
            if score and score > best.get(name.iri, (0, ""))[0]:
                best[name.iri] = (score, name.text)
        hits = []
        for iri, (score, matched) in best.items():
            kind = (split_instance_iri(iri) or ("", ""))[0]
            en, fr = self._labels.get(iri, (matched, ""))
            hits.append(Hit(iri, kind, en, fr, matched, score))
        hits.sort(key=lambda h: (-h.score, SEARCHABLE.index(h.kind), h.label_en.casefold()))
        return hits[:limit]


def _score(name: _Name, wanted: str, tokens: list[str]) -> int:
    if name.normal == wanted:
        return 100 if name.acronym else 95
    if name.normal.startswith(wanted):
        return 80
    if all(any(word.startswith(t) for word in name.words) for t in tokens):
        return 60
    if wanted in name.normal:
        return 40
    return 0

"""Generated spellings of queries and updates that would make the server fetch or read.

Each is a way to write SERVICE, LOAD or FROM that a parser reads as the keyword: in any case,
with `\\u`/`\\U` escapes (rdflib decodes them everywhere, Oxigraph in IRIs and strings), behind an
escaped IRI or a string that a naive reader takes for an operator or a comment, nested in
groups, OPTIONAL, EXISTS, MINUS or sub-queries, in every query form. `{listener}` stands for the
probe listener's http://127.0.0.1:PORT, `{sentinel}` for the file a test watches.

`python tests/spellings.py` writes tests/data/fetching-spellings.jsonl; a test checks that the
file is what this module generates, so the corpus in the repository is the one tested.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

CORPUS = Path(__file__).resolve().parent / "data" / "fetching-spellings.jsonl"
EVENTS = "https://w3id.org/bipmkg/graph/events"


def escape(word: str, which: str) -> str:
    """`word` with its letters escaped: "first", "all" (\\u), "long" (\\U, first) or "middle"."""
    if which == "first":
        return f"\\u{ord(word[0]):04X}{word[1:]}"
    if which == "all":
        return "".join(f"\\u{ord(c):04x}" for c in word)
    if which == "long":
        return f"\\U{ord(word[0]):08X}{word[1:]}"
    middle = len(word) // 2
    return f"{word[:middle]}\\u{ord(word[middle]):04X}{word[middle + 1 :]}"


def keyword_spellings(word: str) -> list[str]:
    mixed = "".join(c.lower() if i % 2 else c for i, c in enumerate(word))
    return [
        word,
        word.lower(),
        mixed,
        *(escape(word, which) for which in ("first", "all", "long", "middle")),
    ]


#: What stands before the fetching pattern: nothing, or something a reader may misread.
DECOYS = [
    "",
    "BIND(<urn:x\\u0041#> AS ?z) ",
    "BIND(<urn:x\\U00000041#> AS ?z) ",
    "BIND(<urn:a\\u003e#> AS ?z) ",
    "BIND(<urn:x#> AS ?z) ",
    "# a comment\n",
    "BIND('\\u0027#' AS ?q) ",
    'BIND("#\\"" AS ?h) ',
    "BIND('''#''' AS ?l) ",
]

#: The probe listener's address, as written or escaped inside the IRI.
TARGETS = [
    "{listener}/sparql",
    "http\\u003a//127.0.0.1:{port}/sparql",
    "\\u0068ttp://127.0.0.1:{port}/sparql",
]

WRAPPERS = [
    "{p}",
    "OPTIONAL {{ {p} }}",
    "{{ {{ {p} }} }}",
    "FILTER EXISTS {{ {p} }}",
    "MINUS {{ {p} }}",
    "{{ SELECT * WHERE {{ {p} }} }}",
    "{{ ?a ?b ?c }} UNION {{ {p} }}",
]

FORMS = [
    "SELECT * WHERE {{ {body} }}",
    "ASK {{ {body} }}",
    "CONSTRUCT {{ ?s ?p ?o }} WHERE {{ {body} }}",
    "DESCRIBE ?s WHERE {{ {body} }}",
]


def query_spellings() -> list[str]:
    """Queries with SERVICE, and with FROM / FROM NAMED naming the listener or a file."""
    found: list[str] = []
    combinations = itertools.product(keyword_spellings("SERVICE"), DECOYS, ["", "SILENT "])
    for number, (keyword, decoy, silent) in enumerate(combinations):
        target = TARGETS[number % len(TARGETS)]
        wrapper = WRAPPERS[number % len(WRAPPERS)]
        form = FORMS[(number // len(WRAPPERS)) % len(FORMS)]
        pattern = f"{keyword} {silent}<{target}> {{ ?s ?p ?o }}"
        body = decoy + wrapper.format(p=pattern)
        found.append(form.format(body=body))
    for keyword, decoy in itertools.product(keyword_spellings("FROM"), DECOYS[:4]):
        for named, target in (("", "{listener}/data.ttl"), ("NAMED ", "file://{sentinel}")):
            found.append(f"SELECT * {keyword} {named}<{target}> WHERE {{ {decoy}?s ?p ?o }}")
    return found


def update_spellings() -> list[str]:
    """Updates with LOAD (a URL or the sentinel file) and with SERVICE in their WHERE."""
    found: list[str] = []
    loads = [
        "{kw} <{listener}/data.ttl> INTO GRAPH <" + EVENTS + ">",
        "{kw} SILENT <{listener}/data.ttl> INTO GRAPH <" + EVENTS + ">",
        "{kw} <file://{sentinel}> INTO GRAPH <" + EVENTS + ">",
        "{kw} <file://{sentinel}>",
    ]
    prologues = ["", "# a comment\n", "PREFIX x: <urn:x\\u0041#>\n", "BASE <urn:b\\u003e#>\n"]
    for number, (keyword, template) in enumerate(
        itertools.product(keyword_spellings("LOAD"), loads)
    ):
        found.append(prologues[number % len(prologues)] + template.replace("{kw}", keyword))
    services = [
        "INSERT {{ GRAPH <" + EVENTS + "> {{ ?s ?p ?o }} }} WHERE {{ {kw} <{t}> {{ ?s ?p ?o }} }}",
        "DELETE {{ GRAPH <" + EVENTS + "> {{ ?s ?p ?o }} }} WHERE {{ OPTIONAL {{ {kw} <{t}> "
        "{{ ?s ?p ?o }} }} }}",
        "WITH <" + EVENTS + "> INSERT {{ ?s ?p ?o }} WHERE {{ {{ {kw} SILENT <{t}> "
        "{{ ?s ?p ?o }} }} }}",
    ]
    for number, (keyword, template) in enumerate(
        itertools.product(keyword_spellings("SERVICE"), services)
    ):
        target = TARGETS[number % len(TARGETS)]
        found.append(prologues[number % len(prologues)] + template.format(kw=keyword, t=target))
    return found


def corpus() -> list[dict[str, str]]:
    return [{"kind": "query", "text": q} for q in query_spellings()] + [
        {"kind": "update", "text": u} for u in update_spellings()
    ]


def load_corpus(kind: str, *, listener: str, sentinel: Path) -> list[str]:
    """The committed corpus's texts of one kind, aimed at this listener and sentinel."""
    port = listener.rsplit(":", 1)[1]
    texts = []
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        if entry["kind"] == kind:
            texts.append(
                entry["text"]
                .replace("{listener}", listener)
                .replace("{port}", port)
                .replace("{sentinel}", str(sentinel))
            )
    return texts


def render() -> str:
    return "".join(json.dumps(entry, ensure_ascii=False) + "\n" for entry in corpus())


if __name__ == "__main__":
    CORPUS.write_text(render(), encoding="utf-8")
    print(f"{CORPUS}: {len(corpus())} spellings")

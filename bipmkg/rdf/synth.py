"""Synthetic cooperation graphs in the project's ontology, for scale tests and benchmarks.

Writes Turtle that conforms to the shapes: regions of countries, each with a regional metrology
organisation and national institutes, plus intergovernmental bodies, standards and accreditation
bodies and unions; joint committees with memberships over periods; agreements with 2–4 parties
(mostly within a region, so the network has communities), dates and revisions; events with
places, organisers, sponsors and counts; every resource citing a source section. Deterministic
for a seed. `violations=k` adds k broken resources for each of the shapes listed in
VIOLATED_SHAPES, so a validator's counts can be checked.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from bipmkg.rdf.namespaces import ID_BASE, turtle_prologue

PREFIXES = (
    turtle_prologue("bkg", "dcterms", "org", "schema", "skos", "xsd")
    + f"@prefix s: <{ID_BASE}> .\n"
)
KINDS = (
    "IntergovernmentalOrganisation",
    "UNAgency",
    "NationalMetrologyInstitute",
    "RegionalMetrologyOrganisation",
    "AccreditationBody",
    "StandardsBody",
    "ScientificUnion",
    "CouncilOrAssociation",
)
AGREEMENTS = (
    "MemorandumOfUnderstanding",
    "DeclarationOfCooperation",
    "FormalAgreement",
    "JointDeclaration",
    "Collaboration",
)
EVENTS = ("Workshop", "TrainingCourse", "Meeting", "School", "Seminar")
ROLES = (
    "MemberRole",
    "MemberRole",
    "MemberRole",
    "ExecutiveMemberRole",
    "ObserverRole",
    "ChairRole",
)
#: The shapes `violations=k` breaks, k times each.
VIOLATED_SHAPES = (
    "Agreement-party",
    "Labelled-englishLabel",
    "PeriodOrderShape",
    "Counted-nonNegativeInteger",
    "Cited-source",
)
REGION_SIZE = 12


@dataclass(frozen=True)
class SynthResult:
    path: Path
    triples: int
    organisations: int
    agreements: int
    events: int
    violations: int


class _Writer:
    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.triples = 0

    def resource(self, subject: str, *pairs: tuple[str, str]) -> None:
        body = " ;\n    ".join(f"{p} {o}" for p, o in pairs)
        self.out.write(f"{subject} {body} .\n\n")
        self.triples += len(pairs)


def _date(rng: random.Random, start: int = 1990, end: int = 2025) -> tuple[int, int, int]:
    return rng.randint(start, end), rng.randint(1, 12), rng.randint(1, 28)


def _iso(day: tuple[int, int, int]) -> str:
    return f'"{day[0]:04d}-{day[1]:02d}-{day[2]:02d}"^^xsd:date'


def synthesise(output: Path, *, triples: int, seed: int = 1, violations: int = 0) -> SynthResult:
    """Write about `triples` triples (never fewer) of conforming data, plus the violations."""
    rng = random.Random(seed)
    counts = {"organisations": 0, "agreements": 0, "events": 0}
    with output.open("w", encoding="utf-8") as handle:
        w = _Writer(handle)
        handle.write(f"# Synthetic bipmkg data: seed {seed}, target {triples} triples.\n")
        handle.write(PREFIXES + "\n")
        src = "s:source\\/synthetic--s1"
        w.resource(
            "s:source\\/synthetic",
            ("a", "bkg:SourceDocument"),
            ("skos:prefLabel", '"Synthetic source"@en'),
            ("dcterms:title", '"Synthetic source"@en'),
        )
        w.resource(
            src,
            ("a", "bkg:SourceSection"),
            ("dcterms:isPartOf", "s:source\\/synthetic"),
            ("dcterms:title", '"Synthetic section"@en'),
        )
        region = 0
        organisations: list[list[str]] = []
        while w.triples < triples:
            region += 1
            country = f"s:place\\/country-{region}"
            city = f"s:place\\/city-{region}"
            w.resource(
                country,
                ("a", "schema:Country"),
                ("skos:prefLabel", f'"Country {region}"@en'),
                ("dcterms:source", src),
            )
            w.resource(
                city,
                ("a", "schema:City"),
                ("skos:prefLabel", f'"City {region}"@en'),
                ("schema:containedInPlace", country),
                ("dcterms:source", src),
            )
            members = []
            for i in range(REGION_SIZE):
                n = (region - 1) * REGION_SIZE + i + 1
                iri = f"s:organisation\\/org-{n}"
                kind = (
                    "RegionalMetrologyOrganisation"
                    if i == 0
                    else ("NationalMetrologyInstitute" if i < 8 else rng.choice(KINDS))
                )
                pairs = [
                    ("a", f"bkg:{kind}"),
                    ("skos:prefLabel", f'"Organisation {n}"@en'),
                    ("bkg:acronym", f'"ORG{n}"@en'),
                    ("bkg:headquarters", city),
                    ("schema:foundingDate", f'"{rng.randint(1875, 2015)}"^^xsd:gYear'),
                    ("dcterms:source", src),
                ]
                if rng.random() < 0.7:
                    pairs.append(("skos:prefLabel", f'"Organisation {n} (fr)"@fr'))
                w.resource(iri, *pairs)
                members.append(iri)
            organisations.append(members)
            counts["organisations"] += REGION_SIZE
            committee = f"s:committee\\/jc-{region}"
            w.resource(
                committee,
                ("a", "bkg:JointCommittee"),
                ("skos:prefLabel", f'"Joint committee {region}"@en'),
                ("dcterms:source", src),
            )
            for j, member in enumerate(rng.sample(members, 6)):
                start = _date(rng, 1995, 2015)
                pairs = [
                    ("a", "org:Membership"),
                    ("org:member", member),
                    ("org:organization", committee),
                    ("org:role", f"bkg:{rng.choice(ROLES)}"),
                    ("schema:startDate", _iso(start)),
                    ("dcterms:source", src),
                ]
                if rng.random() < 0.3:
                    pairs.append(("schema:endDate", _iso(_date(rng, start[0] + 1, 2025))))
                w.resource(f"s:membership\\/jc-{region}--{j}", *pairs)
            for k in range(6):
                counts["agreements"] += 1
                a = f"s:agreement\\/ag-{region}-{k}"
                pool = (
                    members
                    if rng.random() < 0.8 or len(organisations) < 2
                    else (members + rng.choice(organisations[:-1]))
                )
                parties = rng.sample(pool, rng.randint(2, 4))
                signed = _date(rng)
                pairs = [
                    ("a", f"bkg:{rng.choice(AGREEMENTS)}"),
                    ("skos:prefLabel", f'"Agreement {region}-{k}"@en'),
                    *(("bkg:hasParty", p) for p in parties),
                    ("bkg:dateSigned", _iso(signed)),
                    ("bkg:purpose", '"To cooperate on measurement standards."@en'),
                    ("dcterms:source", src),
                ]
                if rng.random() < 0.3:
                    revision = f"s:revision\\/ag-{region}-{k}--1"
                    pairs.append(("bkg:hasRevision", revision))
                    w.resource(
                        revision,
                        ("a", "bkg:Revision"),
                        ("bkg:dateRevised", f'"{rng.randint(signed[0], 2026)}"^^xsd:gYear'),
                        ("dcterms:source", src),
                    )
                w.resource(a, *pairs)
            for k in range(3):
                counts["events"] += 1
                start = _date(rng, 2000, 2025)
                w.resource(
                    f"s:event\\/ev-{region}-{k}",
                    ("a", f"bkg:{rng.choice(EVENTS)}"),
                    ("skos:prefLabel", f'"Event {region}-{k}"@en'),
                    ("schema:startDate", _iso(start)),
                    ("schema:endDate", _iso((start[0], start[1], min(28, start[2] + 2)))),
                    ("schema:location", city),
                    ("schema:organizer", members[0]),
                    ("schema:sponsor", rng.choice(members)),
                    ("bkg:participantCount", str(rng.randint(5, 120))),
                    ("dcterms:source", src),
                )
        for v in range(violations):
            some = organisations[v % len(organisations)][1]
            w.resource(
                f"s:agreement\\/broken-party-{v}",
                ("a", "bkg:MemorandumOfUnderstanding"),
                ("skos:prefLabel", f'"One-party memorandum {v}"@en'),
                ("bkg:hasParty", some),
                ("bkg:dateSigned", '"2020"^^xsd:gYear'),
                ("dcterms:source", src),
            )
            # A person, not a body: a body named only in its own language may lack an English
            # label (Labelled-englishLabel), a person may not.
            w.resource(
                f"s:person\\/broken-label-{v}",
                ("a", "schema:Person"),
                ("skos:prefLabel", f'"Personne sans nom anglais {v}"@fr'),
                ("dcterms:source", src),
            )
            w.resource(
                f"s:event\\/broken-period-{v}",
                ("a", "bkg:Workshop"),
                ("skos:prefLabel", f'"Backwards workshop {v}"@en'),
                ("schema:startDate", '"2020-05-02"^^xsd:date'),
                ("schema:endDate", '"2020-05-01"^^xsd:date'),
                ("bkg:locationStatus", "bkg:LocationUnknown"),
                ("dcterms:source", src),
            )
            w.resource(
                f"s:event\\/broken-count-{v}",
                ("a", "bkg:Meeting"),
                ("skos:prefLabel", f'"Negative meeting {v}"@en'),
                ("schema:startDate", '"2020"^^xsd:gYear'),
                ("bkg:locationStatus", "bkg:Online"),
                ("bkg:participantCount", "-1"),
                ("dcterms:source", src),
            )
            w.resource(
                f"s:place\\/broken-source-{v}",
                ("a", "schema:City"),
                ("skos:prefLabel", f'"Unsourced city {v}"@en'),
            )
    return SynthResult(
        output,
        w.triples,
        counts["organisations"],
        counts["agreements"],
        counts["events"],
        violations * len(VIOLATED_SHAPES),
    )

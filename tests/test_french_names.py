"""French names as the BIPM writes them, and no own-language name passed off as English.

An audit found the French names of the BIPM, CIPM, CGPM and OIML capitalised unlike the BIPM's own
French texts ("Bureau International des Poids et Mesures"), and INRIM's Italian name tagged @en.
These tests check the whole merged graph (curated and imported files) for both classes of error.
"""

from __future__ import annotations

import re
from functools import cache

import pytest
from rdflib import SKOS, Graph, Literal, URIRef

from bipmkg.rdf.files import load_graph

ORG = "https://w3id.org/bipmkg/id/organisation/"

#: The French names as the BIPM's French pages write them (bipm.org/fr/governance, the CGPM's
#: resolutions in French): only the first word is capitalised.
BIPM_SPELLINGS = {
    "bipm": "Bureau international des poids et mesures",
    "cipm": "Comité international des poids et mesures",
    "cgpm": "Conférence générale des poids et mesures",
    "oiml": "Organisation internationale de métrologie légale",
}

#: Words of Italian, French, German, Spanish… institute names that an English name does not hold.
OWN_LANGUAGE_WORDS = re.compile(
    r"\b(Istituto|Nazionale|Bundesanstalt|Bundesamt|Laboratoire national|Institut national"
    r"|Instituto Nacional|Centro Nacional)\b",
    re.IGNORECASE,
)


@cache
def _graph() -> Graph:
    return load_graph()


@pytest.mark.parametrize(("slug", "name"), sorted(BIPM_SPELLINGS.items()))
def test_french_names_of_the_bipm_and_its_organs_are_spelt_as_the_bipm_writes_them(
    slug: str, name: str
) -> None:
    labels = [
        str(label)
        for label in _graph().objects(URIRef(ORG + slug), SKOS.prefLabel)
        if isinstance(label, Literal) and label.language == "fr"
    ]
    assert labels == [name]


def _labels_matching(language: str, pattern: re.Pattern[str], within: str = "") -> set:
    """(subject, preferred label) pairs in `language`, of subjects under `within`, that match."""
    return {
        (str(subject), str(label))
        for subject, label in _graph().subject_objects(SKOS.prefLabel)
        if isinstance(label, Literal)
        and label.language == language
        and str(subject).startswith(within)
        and pattern.search(str(label))
    }


CAPITALISED = re.compile(
    r"Poids et Mesures|Métrologie Légale|Bureau International|Comité International"
    r"|Conférence Générale|Organisation Internationale"
)


def test_no_french_label_capitalises_poids_et_mesures() -> None:
    assert not _labels_matching("fr", CAPITALISED)


def test_no_english_preferred_label_is_an_own_language_institute_name() -> None:
    assert not _labels_matching("en", OWN_LANGUAGE_WORDS, within=ORG)


def test_inrim_has_its_italian_name_tagged_italian() -> None:
    labels = {
        (str(label), label.language)
        for label in _graph().objects(URIRef(ORG + "inrim"), SKOS.prefLabel)
        if isinstance(label, Literal)
    }
    assert ("Istituto Nazionale di Ricerca Metrologica", "it") in labels

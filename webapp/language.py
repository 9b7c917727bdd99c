"""The page language (English or French) and the labels of reused vocabulary terms.

The language comes from `?lang=`, then the `lang` cookie set by the switch, then the browser's
Accept-Language; English otherwise. Terms the project reuses (SKOS, schema.org, ORG…) have no
labels in the ontology, so their English and French labels are listed here.
"""

from __future__ import annotations

from flask import request

LANGUAGES = ("en", "fr")

REUSED_LABELS: dict[str, tuple[str, str]] = {
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#type": ("kind", "type"),
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#subject": ("subject", "sujet"),
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#predicate": ("property", "propriété"),
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#object": ("value", "valeur"),
    "http://www.w3.org/2000/01/rdf-schema#label": ("label", "libellé"),
    "http://www.w3.org/2000/01/rdf-schema#comment": ("comment", "commentaire"),
    "http://www.w3.org/2000/01/rdf-schema#subClassOf": ("subclass of", "sous-classe de"),
    "http://www.w3.org/2000/01/rdf-schema#subPropertyOf": ("subproperty of", "sous-propriété de"),
    "http://www.w3.org/2000/01/rdf-schema#domain": ("domain", "domaine"),
    "http://www.w3.org/2000/01/rdf-schema#range": ("range", "codomaine"),
    "http://www.w3.org/2000/01/rdf-schema#isDefinedBy": ("defined by", "défini par"),
    "http://www.w3.org/2002/07/owl#inverseOf": ("inverse of", "inverse de"),
    "http://www.w3.org/2004/02/skos/core#prefLabel": ("name", "nom"),
    "http://www.w3.org/2004/02/skos/core#altLabel": ("other name", "autre nom"),
    "http://www.w3.org/2004/02/skos/core#definition": ("definition", "définition"),
    "http://www.w3.org/2004/02/skos/core#exactMatch": ("same as", "identique à"),
    "http://purl.org/dc/terms/source": ("source", "source"),
    "http://purl.org/dc/terms/description": ("description", "description"),
    "http://purl.org/dc/terms/title": ("title", "titre"),
    "http://purl.org/dc/terms/isPartOf": ("part of", "fait partie de"),
    "http://purl.org/dc/terms/publisher": ("publisher", "éditeur"),
    "http://purl.org/dc/terms/replaces": ("replaces", "remplace"),
    "http://purl.org/dc/terms/isReferencedBy": ("referenced by", "référencé par"),
    "http://purl.org/dc/terms/temporal": ("period covered", "période couverte"),
    "http://purl.org/dc/terms/license": ("licence", "licence"),
    "http://www.w3.org/ns/org#member": ("member", "membre"),
    "http://www.w3.org/ns/org#organization": ("in", "dans"),
    "http://www.w3.org/ns/org#role": ("role", "rôle"),
    "http://www.w3.org/ns/org#postIn": ("post in", "poste dans"),
    "http://www.w3.org/ns/org#holds": ("holds post", "occupe le poste"),
    "http://www.w3.org/ns/org#subOrganizationOf": ("part of", "fait partie de"),
    "http://www.w3.org/ns/org#unitOf": ("unit of", "unité de"),
    "http://www.w3.org/ns/prov#wasAssociatedWith": ("associated with", "associé à"),
    "http://www.w3.org/ns/prov#atLocation": ("at", "à"),
    "https://schema.org/url": ("website", "site web"),
    "https://schema.org/startDate": ("start", "début"),
    "https://schema.org/endDate": ("end", "fin"),
    "https://schema.org/foundingDate": ("founded", "fondation"),
    "https://schema.org/location": ("place", "lieu"),
    "https://schema.org/organizer": ("organiser", "organisateur"),
    "https://schema.org/sponsor": ("sponsor", "parrain"),
    "https://schema.org/attendee": ("attended by", "participant"),
    "https://schema.org/containedInPlace": ("in", "dans"),
    "https://schema.org/datePublished": ("published", "publié le"),
    "https://schema.org/publisher": ("publisher", "éditeur"),
    "https://schema.org/contributor": ("contributor", "contributeur"),
    "https://schema.org/about": ("about", "sujet"),
    "https://schema.org/superEvent": ("part of the event", "fait partie de l'événement"),
    "https://schema.org/duration": ("duration", "durée"),
    "https://schema.org/honorificPrefix": ("title", "civilité"),
    "https://schema.org/address": ("address", "adresse"),
    "https://schema.org/affiliation": ("affiliation", "affiliation"),
    "https://schema.org/isBasedOn": ("based on", "fondé sur"),
}


def page_language() -> str:
    asked = request.args.get("lang") or request.cookies.get("lang")
    if asked in LANGUAGES:
        return asked
    return request.accept_languages.best_match(LANGUAGES) or "en"

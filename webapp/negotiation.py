"""Content negotiation: which format, or the page for people, answers a request.

One function, `negotiate`, for every route that has more than one representation: /sparql (a
query's results; without a query, the service description or the query page), entity IRIs and
/ontology, and /.well-known/void. Each route states what it offers as an `Offer` of rows of the
format table (bipmkg.rdf.formats); a suffix the route's URL carries (`.ttl`) is decided by the
route before it asks.

The rules, the same everywhere:
- a format parameter (`format=`, or its aliases at /sparql) wins over `Accept`; it may be a
  format's name, suffix, media type or alias, or `html` where a page is offered; anything else is
  400, and one the route knows but cannot answer this request in says so ("cannot express");
- no `Accept`, or one that names no media type at all, gets the first offer;
- otherwise the highest q-value wins, then the most specific match (`text/turtle` over `text/*`
  over `*/*`), then the first offered; a media type's aliases (`application/json`…) count as it;
- nothing acceptable is 406, naming what is available — except where the offer has a fallback
  (the service description answers every client that is not a browser).

Accept is parsed by werkzeug (`MIMEAccept`, already what Flask gives every request): it sorts by
specificity and quality and matches wildcards and parameters as RFC 9110 says, and it is what these
routes used before they shared this module, so every answer stays as it was.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Final, Literal, TypeVar

from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header
from werkzeug.wrappers import Response

from bipmkg.rdf.formats import FORMATS, Format, find_format

from .errors import HTTPError

HTML: Final = "text/html"
_Answer = TypeVar("_Answer", bound=Response)


@dataclass(frozen=True)
class Offer:
    """What one route can answer a request in.

    `formats`: in order of preference; the first is the default. `page`: a page for people is
    offered too, first (a tie goes to it: a browser and `*/*` get the page) or last (only a client
    that prefers it to every format gets it). `known`: formats the route also recognises but not
    for this request (`turtle` for a SELECT query), so the 400 says why. `subject`, `expresses`:
    the words of the refusals ("this query's results are" available as…, format turtle cannot
    express "SELECT/ASK results"). `fallback`: nothing acceptable gets the first format, not 406.
    """

    formats: tuple[Format, ...]
    subject: str
    page: Literal["first", "last"] | None = None
    known: tuple[Format, ...] = ()
    expresses: str = ""
    fallback: bool = False

    @property
    def media_types(self) -> tuple[str, ...]:
        """The media types offered, in the order ties are decided: the page's first or last, and
        every format's own before any alias (`application/*` is JSON-LD, not the alias
        application/x-turtle)."""
        types = (
            *(f.media_type for f in self.formats),
            *(a for f in self.formats for a in f.aliases),
        )
        if self.page == "first":
            return (HTML, *types)
        if self.page == "last":
            return (*types, HTML)
        return types


def negotiate(offer: Offer, *, accept: str | None, name: str | None = None) -> Format | None:
    """The format to answer in, or None for the page; HTTPError 400 or 406 when none can be.

    `accept`: the request's Accept header; `name`: its format parameter, if any.
    """
    return _negotiated(offer, accept or "", name or "")


def vary(response: _Answer) -> _Answer:
    """Mark an answer as chosen by Accept, so that caches keep one copy per Accept."""
    response.vary.add("Accept")
    return response


@functools.lru_cache(maxsize=256)
def _negotiated(offer: Offer, accept: str, name: str) -> Format | None:
    # Memoised: clients send the same few Accept headers, and parsing one costs more than the
    # lookup of a kept SPARQL answer. Refusals raise, and are not kept.
    if name:
        return _named(offer, name)
    accepted = parse_accept_header(accept, MIMEAccept)
    if not accepted:
        return None if offer.page == "first" else offer.formats[0]
    offered = offer.media_types
    best = accepted.best_match(offered)
    if best is None:
        if offer.fallback:
            return offer.formats[0]
        raise HTTPError(
            406,
            f"cannot answer in {accept}; {offer.subject} available as "
            + ", ".join(t for t in offered if _is_main(t, offer)),
        )
    if best == HTML and offer.page == "last":
        if accepted[HTML] <= max(accepted[t] for t in offered[:-1]):
            # A page offered last goes only to a client that prefers it: an equally acceptable
            # format wins, even where the page matched more specifically (text/html, text/*).
            best = accepted.best_match(offered[:-1])
    if best == HTML:
        return None
    assert best is not None  # some format is at least as acceptable as the page
    chosen = find_format(best, offer.formats)
    assert chosen is not None
    return chosen


def _named(offer: Offer, name: str) -> Format | None:
    if name == "html" and offer.page is not None:
        return None
    chosen = find_format(name, offer.formats)
    if chosen is not None:
        return chosen
    known = find_format(name, offer.known)
    if known is not None:
        raise HTTPError(
            400,
            f"format {known.name} cannot express {offer.expresses}; "
            f"use one of {', '.join(f.name for f in offer.formats)}",
        )
    names = [*(["html"] if offer.page else []), *_names(offer)]
    raise HTTPError(400, f"unknown format {name!r}; known: {', '.join(names)}")


def _names(offer: Offer) -> list[str]:
    """The names the route knows, in table order (the offered formats and the known ones)."""
    every = {*offer.formats, *offer.known}
    return [f.name for f in FORMATS if f in every]


def _is_main(media_type: str, offer: Offer) -> bool:
    """A media type the 406 names: the page's and each format's own, not their aliases."""
    return media_type == HTML or any(media_type == f.media_type for f in offer.formats)

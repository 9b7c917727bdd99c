"""Typed errors: the web app maps them to 4xx answers; anything else is a bug."""

from __future__ import annotations


class BipmkgError(Exception):
    """Base class of the errors a user can cause and fix."""


class DataLoadError(BipmkgError):
    """An input file is missing or is not well-formed RDF."""


class QueryError(BipmkgError):
    """A SPARQL query is malformed, unknown or not allowed."""


class NetworkQueryError(QueryError):
    """A network analysis names an unknown or ambiguous body, or a bad date or radius."""


class StorageError(BipmkgError):
    """The curated files could not be written: the data folder is read-only or failing."""


class StorageFull(StorageError):
    """The curated files could not be written: no space left on the data folder's disk."""


class UpdateTimeout(BipmkgError):
    """A curator's update ran past its deadline and was stopped; nothing was changed (503)."""


class UpdateAborted(BipmkgError):
    """The process evaluating an update ended (memory limit, crash, no sandbox) (503)."""

"""Typed errors: the web app maps them to 4xx answers; anything else is a bug."""

from __future__ import annotations

from typing import Protocol


class Report(Protocol):
    """What an error needs of a validation report (bipmkg.validation.validate.ValidationReport):
    named here so that errors import nothing of the package."""

    def as_text(self, *, show_warnings: bool = True) -> str: ...


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


class QueryTimeout(BipmkgError):
    """The query ran past its deadline and was stopped."""


class QueryAborted(BipmkgError):
    """The worker evaluating the query ended (memory limit or crash); the query was stopped."""


class SandboxRefused(QueryAborted):
    """A worker could not confine itself as the settings require (`bipmkg.store.sandbox`)."""


class EngineBusy(BipmkgError):
    """Every worker stayed busy for as long as a query may run."""


class RemoteError(BipmkgError):
    """The remote SPARQL server cannot be reached or refused a request bipmkg made."""


class SandboxUnavailable(BipmkgError):
    """The kernel refused a confinement this process was asked to apply."""


class EngineError(BipmkgError):
    """An unknown SHACL engine was asked for, or its package is not installed."""


class ValidationFailed(BipmkgError):
    """The data does not conform to the shapes; the report says why."""

    def __init__(self, report: Report) -> None:
        super().__init__(report.as_text(show_warnings=False))
        self.report = report


class StoreError(BipmkgError):
    """The store is missing, unreadable or was built by an incompatible version."""


class UploadRefused(DataLoadError):
    """An upload that is malformed, or holds something the server will not process (400)."""


class ImportRefused(BipmkgError):
    """`bipmkg import`: the source is unknown, or its folder is not the snapshot it reads."""

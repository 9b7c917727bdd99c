"""Apply a curator's change (a SPARQL Update or an uploaded graph): on a copy, validated, then
written back to graph_data/.

The change runs on an in-memory copy of the curated files (one named graph each). Only if the
result still conforms to the shapes are the changed graphs written back to their Turtle files and
the store rebuilt. Anything else leaves the files and the store exactly as they were.

Writes are durable and all-or-nothing across files, even if the process is killed at any point:
every file is first written beside its target and fsynced, then a journal naming the renames is
committed (written, fsynced, renamed into place), then the files are renamed into place and the
folder fsynced. `recover()` (run at start-up and before every change) completes a committed
write, removes the temporary files of an uncommitted one, and rebuilds a store that lags the
files. A file system that refuses the write (read-only, full) raises StorageError and changes
nothing.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rdflib import Dataset, Graph, URIRef
from rdflib.term import Node

from bipmkg import config
from bipmkg.build import BuildResult, build_store
from bipmkg.errors import (
    DataLoadError,
    QueryError,
    StorageError,
    StorageFull,
    UpdateAborted,
    UpdateTimeout,
    ValidationFailed,
)
from bipmkg.query.safety import readings, tokens
from bipmkg.rdf.files import check_literals, graph_iri, parse_file
from bipmkg.rdf.namespaces import GRAPH_BASE
from bipmkg.store.manifest import read_manifest
from bipmkg.validation.neighbourhood import Change
from bipmkg.validation.validate import validate_change

#: Update operations a curator may send; the rest could erase or fetch whole graphs.
_REFUSED = {"LOAD", "SERVICE", "CREATE"}
_REFUSED_TARGETS = {
    ("DROP", "ALL"),
    ("CLEAR", "ALL"),
    ("DROP", "NAMED"),
    ("CLEAR", "NAMED"),
    ("DROP", "DEFAULT"),
    ("CLEAR", "DEFAULT"),
}

LOCK_FILE = ".bipmkg-update.lock"
#: Names the renames of a committed write until they are all done.
JOURNAL = ".bipmkg-write.json"
_JOURNAL_STAGED = f"{JOURNAL}.tmp"

#: An edit of the copy of the curated files: it reads and changes their named graphs (graph IRI
#: → file) and raises a BipmkgError to refuse. (A `Change`, bipmkg.validation.neighbourhood, is
#: the triples an edit added and removed.)
Edit = Callable[[Dataset, dict[str, Path]], None]


@dataclass(frozen=True)
class UpdateResult:
    changed_files: tuple[str, ...]
    added: int
    removed: int
    build: BuildResult | None


@dataclass(frozen=True)
class RecoveryResult:
    """What `recover` had to do after a crash; all empty when the last write was complete."""

    completed: tuple[str, ...]  # files whose committed write was completed
    removed: tuple[str, ...]  # temporary files of an uncommitted write
    rebuilt: bool  # the store lagged the files and was rebuilt

    @property
    def changed(self) -> bool:
        return bool(self.completed or self.removed or self.rebuilt)


def check_update(text: str) -> None:
    """Refuse LOAD, SERVICE, CREATE and whole-store DROP/CLEAR before anything runs, in every
    reading a parser may make of the text (rdflib decodes `\\u` escapes everywhere first)."""
    for reading in readings(text):
        _check_update_reading(reading)


def _check_update_reading(text: str) -> None:
    stream = [t for t in tokens(text) if t.kind == "word"]
    for index, token in enumerate(stream):
        word = token.text.upper()
        if word in _REFUSED:
            raise QueryError(f"{word} (character {token.position + 1}) is refused at /update")
        following = stream[index + 1].text.upper() if index + 1 < len(stream) else ""
        if following == "SILENT" and index + 2 < len(stream):
            following = stream[index + 2].text.upper()
        if (word, following) in _REFUSED_TARGETS:
            raise QueryError(f"{word} {following} is refused: it would erase curated graphs")


@dataclass(frozen=True)
class UpdateLimits:
    """How long and how much memory one update may take, and whether it runs confined."""

    timeout_s: float = 30.0
    memory_limit_mb: int = 4096
    sandbox: bool = True


def apply_update(
    text: str,
    *,
    data_dir: Path | None = None,
    store_dir: Path | None = None,
    limits: UpdateLimits = UpdateLimits(),
) -> UpdateResult:
    """Apply, validate, write back and rebuild; raise QueryError, UpdateTimeout or
    ValidationFailed otherwise.

    The update itself is evaluated in a confined worker process (`bipmkg.curation.update_worker`)
    that is
    killed at `limits.timeout_s`; this process only reads back the graphs it changed.
    """
    check_update(text)

    def run(copy: Dataset, by_graph: dict[str, Path]) -> None:
        changed = evaluate_confined(text, by_graph, limits)
        for iri, ntriples in changed.items():
            graph = copy.graph(URIRef(iri))
            graph.remove((None, None, None))
            graph.parse(data=ntriples, format="nt")

    return apply_change(run, data_dir=data_dir, store_dir=store_dir)


def evaluate_confined(text: str, by_graph: dict[str, Path], limits: UpdateLimits) -> dict[str, str]:
    """Run the update in a worker process; the changed graphs as N-Triples, by graph IRI."""
    request = json.dumps({"text": text, "files": {iri: str(p) for iri, p in by_graph.items()}})
    command = [
        sys.executable,
        "-m",
        "bipmkg.curation.update_worker",
        str(limits.memory_limit_mb),
        "1" if limits.sandbox else "0",
    ]
    with subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as worker:
        try:
            out, err = worker.communicate(request.encode("utf-8"), timeout=limits.timeout_s)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.communicate()
            raise UpdateTimeout(
                f"the update did not finish within the {limits.timeout_s:g} s limit and was "
                "stopped; nothing was changed (setting UPDATE_TIMEOUT_S)"
            ) from None
    try:
        answer = json.loads(out)
    except ValueError:
        detail = err.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no answer"]
        raise UpdateAborted(
            f"the update's worker ended without an answer ({detail[0]}): over its memory limit "
            f"({limits.memory_limit_mb} MB) or failing; nothing was changed"
        ) from None
    status = answer.get("status")
    if status == "ok":
        return dict(answer["changed"])
    if status == "refused":
        raise QueryError(str(answer["message"]))
    if status == "sandbox":
        raise UpdateAborted(
            f"the update's worker could not confine itself ({answer['message']}); updates are "
            "not evaluated unconfined unless the setting WORKER_SANDBOX is 0; nothing was changed"
        )
    raise UpdateAborted(f"{answer.get('message', 'the update failed')}; nothing was changed")


def apply_change(
    edit: Edit, *, data_dir: Path | None = None, store_dir: Path | None = None
) -> UpdateResult:
    """Run a change on a copy of the curated files, validate, write back and rebuild the store.

    One change at a time across processes (a file lock on the data folder). Raises the change's
    own error, QueryError (control characters), ValidationFailed or StorageError: with nothing
    changed, except a StorageError from the rebuild, whose message says the files hold the change.
    """
    folder = Path(data_dir or config.data_dir())
    with _data_lock(folder):
        _settle_or_raise(folder)
        files = config.curated_files(folder)
        imported = config.imported_files(folder)
        by_graph = {str(graph_iri(p)): p for p in files}
        # rdflib rather than Oxigraph for the copy: Oxigraph stores xsd:nonNegativeInteger and
        # other derived integer types as xsd:integer, which would rewrite every count on write-back.
        # Each file parsed once here: its triples go into the copy, its prefixes are kept for
        # writing it back, and the counts go to the rebuild (which then parses none of them).
        copy = Dataset()
        prefixes: dict[str, list[tuple[str, URIRef]]] = {}
        for iri, path in by_graph.items():
            parsed = Graph().parse(path, format="turtle")
            prefixes[iri] = list(parsed.namespaces())
            target = copy.graph(URIRef(iri))
            target += parsed
        before = {g: frozenset(copy.graph(URIRef(g))) for g in by_graph}
        edit(copy, by_graph)
        after = {g: frozenset(copy.graph(URIRef(g))) for g in by_graph}
        changed = [g for g in by_graph if after[g] != before[g]]
        if not changed:
            return UpdateResult((), 0, 0, None)
        added = sum(len(after[g] - before[g]) for g in changed)
        removed = sum(len(before[g] - after[g]) for g in changed)
        graphs = {g: _with_prefixes(copy.graph(URIRef(g)), prefixes[g]) for g in changed}
        for g in changed:
            try:
                check_literals(graphs[g], by_graph[g].name)
            except DataLoadError as exc:
                raise QueryError(str(exc)) from exc
        union = Graph()
        for g in by_graph:
            union += copy.graph(URIRef(g))
        # Generated files are read-only here (a re-import would undo an edit), but curated facts
        # refer to their bodies and outcomes: validation sees them, the rebuild loads them.
        imported_counts: dict[Path, int] = {}
        for path in imported:
            triples = read_imported(path)
            union += triples
            imported_counts[path] = len(triples)
        # The files conformed before (the store was built from them, validated): only the focus
        # nodes the change can affect, and their neighbourhood, need validating again.
        delta = Change.between(
            frozenset().union(*before.values()), frozenset().union(*after.values())
        )
        report = validate_change(union, delta, include_warnings=False)
        if not report.conforms:
            raise ValidationFailed(report)
        names = tuple(by_graph[g].name for g in changed)
        _write_atomically(folder, {by_graph[g]: graphs[g] for g in changed})
        try:
            counts = {by_graph[g]: len(copy.graph(URIRef(g))) for g in by_graph}
            counts.update(imported_counts)
            build = build_store(store_dir, [*files, *imported], validated=True, triples=counts)
        except OSError as exc:
            raise _storage_error(
                exc,
                "the store",
                f"the change was written to {', '.join(names)} but the store could not be "
                "rebuilt; it will be at the next start-up or change",
            ) from exc
        return UpdateResult(names, added, removed, build)


def read_imported(path: Path) -> frozenset[tuple[Node, Node, Node]]:
    """The triples of a generated file, parsed once per version of it (path, size, mtime)."""
    stat = path.stat()
    return _parse_imported(path, stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=64)
def _parse_imported(path: Path, size: int, mtime_ns: int) -> frozenset[tuple[Node, Node, Node]]:
    del size, mtime_ns  # the cache key: a changed file is parsed again
    return frozenset(parse_file(path))


def recover(*, data_dir: Path | None = None, store_dir: Path | None = None) -> RecoveryResult:
    """Make the files and the store whole again after a crash (run at server start-up).

    Completes a committed write or removes the temporary files of an uncommitted one; then, if
    the store was built from this folder and no longer matches its files (the process died
    between writing the files and rebuilding the store), rebuilds it. A store built from other
    data (`bipmkg build --data …`) is left alone. Raises StorageError or ValidationFailed.
    """
    folder = Path(data_dir or config.data_dir())
    target = Path(store_dir or config.store_dir())
    with _data_lock(folder):
        completed, removed = _settle_or_raise(folder)
        rebuilt = False
        if _built_from(target, folder):
            try:
                rebuilt = build_store(target, config.data_files(folder)).rebuilt
            except OSError as exc:
                raise _storage_error(exc, "the store", "it still lags the files") from exc
    return RecoveryResult(tuple(completed), tuple(removed), rebuilt)


def _built_from(store_dir: Path, folder: Path) -> bool:
    """Whether the store's manifest says its curated graphs were loaded from this folder."""
    manifest = read_manifest(store_dir)
    if manifest is None:
        return False
    graphs = manifest.get("graphs")
    if not isinstance(graphs, list):
        return False
    data = [
        Path(str(g.get("path")))
        for g in graphs
        if isinstance(g, dict)
        and str(g.get("path", "")).endswith(".ttl")
        and g.get("iri") != GRAPH_BASE + "ontology"
    ]
    home = folder.resolve()
    return bool(data) and all(p.resolve().is_relative_to(home) for p in data)


@contextmanager
def _data_lock(folder: Path) -> Iterator[None]:
    """One change at a time across every server process sharing the data folder."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle = open(folder / LOCK_FILE, "a", encoding="utf-8")
    except OSError as exc:
        raise _storage_error(exc, f"the data folder {folder}", "nothing was changed") from exc
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _storage_error(exc: OSError, what: str, outcome: str) -> StorageError:
    """A typed error that says what could not be written, why, and what state it left."""
    reason = os.strerror(exc.errno) if exc.errno else str(exc)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return StorageFull(f"{what} is full ({reason}): {outcome}")
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return StorageError(f"{what} is not writable ({reason}): {outcome}")
    return StorageError(f"{what} could not be written ({reason}): {outcome}")


def _settle_or_raise(folder: Path) -> tuple[list[str], list[str]]:
    try:
        return _settle(folder)
    except OSError as exc:
        raise _storage_error(
            exc, f"the data folder {folder}", "an interrupted write could not be settled"
        ) from exc
    except (ValueError, KeyError, TypeError) as exc:  # renamed into place whole, so not expected
        raise StorageError(f"the write journal {folder / JOURNAL} is unreadable: {exc}") from exc


def _settle(folder: Path) -> tuple[list[str], list[str]]:
    """Complete a committed write (its journal is there); remove every other temporary file.

    Called with the data lock held, so no temporary file belongs to a live writer.
    """
    completed: list[str] = []
    journal = folder / JOURNAL
    if journal.is_file():
        renames = json.loads(journal.read_text(encoding="utf-8"))["renames"]
        for staged_name, name in renames:
            plain = Path(staged_name).name == staged_name and Path(name).name == name
            if not plain or not name.endswith(".ttl"):
                raise StorageError(f"{journal} names a file that is not a curated file")
            staged = folder / staged_name
            if staged.is_file():  # not yet renamed when the writer stopped
                os.replace(staged, folder / name)
                completed.append(name)
        _fsync_folder(folder)
        journal.unlink()
        _fsync_folder(folder)
    removed = []
    # Only what _write_atomically stages: `.<file>.ttl.<pid>.tmp` and the journal's own.
    for leftover in sorted([*folder.glob(".*.ttl.*.tmp"), *folder.glob(_JOURNAL_STAGED)]):
        leftover.unlink()
        removed.append(leftover.name)
    return completed, removed


def _with_prefixes(graph: Graph, prefixes: list[tuple[str, URIRef]]) -> Graph:
    """A plain graph of the triples, with the prefixes the curated file declares."""
    result = Graph()
    for prefix, namespace in prefixes:
        result.bind(prefix, namespace, override=True)
    for triple in graph:
        result.add(triple)
    return result


def _write_atomically(folder: Path, outputs: dict[Path, Graph]) -> None:
    """Write every file beside its target, commit a journal, rename all into place.

    A crash before the journal is committed leaves the old files (and temporary ones, which
    `_settle` removes); after, `_settle` completes the renames: never a mix of old and new
    files, and an acknowledged change survives a power cut. A refusing file system (read-only,
    full) before the commit raises StorageError with nothing changed.
    """
    staged: list[tuple[Path, Path]] = []
    committed = False
    try:
        for path, graph in outputs.items():
            temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            staged.append((temporary, path))  # before writing: a failed write is cleaned up too
            _write_synced(temporary, _stable_turtle(graph, path))
        plan = {"renames": [[temporary.name, path.name] for temporary, path in staged]}
        _write_synced(folder / _JOURNAL_STAGED, json.dumps(plan))
        os.replace(folder / _JOURNAL_STAGED, folder / JOURNAL)
        committed = True
        _fsync_folder(folder)
        _settle(folder)
    except OSError as exc:
        if committed:
            raise _storage_error(
                exc,
                f"the data folder {folder}",
                "the change is committed and will be completed at the next start-up or change",
            ) from exc
        for leftover in [*(t for t, _ in staged), folder / _JOURNAL_STAGED]:
            try:
                leftover.unlink(missing_ok=True)
            except OSError:
                pass  # a read-only folder: _settle removes it once the folder is writable
        raise _storage_error(exc, f"the data folder {folder}", "nothing was changed") from exc


def _write_synced(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def _fsync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _stable_turtle(graph: Graph, path: Path) -> str:
    header = (
        f"# {path.name} — written back by bipmkg after a validated change; "
        "subjects in sorted order.\n\n"
    )
    body = graph.serialize(format="turtle")
    return header + body

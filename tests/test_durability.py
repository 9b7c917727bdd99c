"""Faults — nothing lost: SIGKILL at random points of curator updates, a read-only or full disk.

Every test runs a real `bipmkg serve` (gunicorn) over real files. The curated folder is
tests/data/minimal.ttl (a graph that conforms to every shape) plus a second file, notes.ttl, so
that each update changes two files: a crash between their renames would leave a mix of old and
new files, which the write journal must prevent. The real graph_data/ would take ~8 s per
update (validation and rebuild), too long for 50 updates in one test; the code path is the same.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from http.client import HTTPException
from pathlib import Path

import pytest
from live import Answer, LiveServer, build, http, start_server
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS, SKOS

from bipmkg.build import build_store
from bipmkg.curation.update import JOURNAL, _stable_turtle, recover
from bipmkg.store.manifest import read_manifest
from bipmkg.validation.validate import validate

# Run again against a remote store and under granian by make test (-m web).
pytestmark = pytest.mark.web

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "durability-token"
ID = "https://w3id.org/bipmkg/id/"
GRAPH = "https://w3id.org/bipmkg/graph/"
ALPHA = URIRef(ID + "organisation/alpha")
BETA = URIRef(ID + "organisation/beta")
NOTES = f"""@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .

<{BETA}> rdfs:comment "Notes kept in a second curated file."@en .
"""
UPDATES = 50
SEED = 20190520


def curated_folder(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ROOT / "tests" / "data" / "minimal.ttl", folder / "minimal.ttl")
    (folder / "notes.ttl").write_text(NOTES, encoding="utf-8")
    return folder


def update_text(n: int) -> str:
    """The n-th update: one triple into each of the two files."""
    return f"""PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
INSERT DATA {{
  GRAPH <{GRAPH}minimal> {{ <{ALPHA}> rdfs:comment "durability note {n}"@en }}
  GRAPH <{GRAPH}notes> {{ <{BETA}> skos:altLabel "Durability {n}"@en }}
}}"""


def update_triples(n: int) -> set[tuple[URIRef, URIRef, Literal]]:
    return {
        (ALPHA, RDFS.comment, Literal(f"durability note {n}", lang="en")),
        (BETA, SKOS.altLabel, Literal(f"Durability {n}", lang="en")),
    }


def send_update(server: LiveServer, text: str, timeout: float = 120) -> Answer:
    return http(
        "POST",
        f"{server.url}/update",
        data=text.encode(),
        headers={"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"},
        timeout=timeout,
    )


def file_triples(folder: Path) -> set[tuple[object, object, object]]:
    """Every triple of every curated file; each file must parse."""
    triples: set[tuple[object, object, object]] = set()
    for path in sorted(folder.glob("*.ttl")):
        triples |= set(Graph().parse(path, format="turtle"))
    return triples


def served_notes(server: LiveServer) -> set[int]:
    """The numbers of the updates whose two triples /sparql serves."""
    query = f"""SELECT ?c ?a WHERE {{
      {{ <{ALPHA}> <{RDFS.comment}> ?c FILTER(STRSTARTS(STR(?c), "durability note ")) }}
      UNION
      {{ <{BETA}> <{SKOS.altLabel}> ?a FILTER(STRSTARTS(STR(?a), "Durability ")) }} }}"""
    answer = http("GET", f"{server.url}/sparql?" + urllib.parse.urlencode({"query": query}))
    assert answer.status == 200, answer.text
    comments, labels = set(), set()
    for row in json.loads(answer.body)["results"]["bindings"]:
        if "c" in row:
            comments.add(int(row["c"]["value"].rsplit(" ", 1)[1]))
        if "a" in row:
            labels.add(int(row["a"]["value"].rsplit(" ", 1)[1]))
    assert comments == labels, "an update is served half"
    return comments


def process_tree(root: int) -> list[int]:
    """The process and all its descendants, read from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry))
    tree = [root]
    for pid in tree:
        tree.extend(children.get(pid, []))
    return tree


def kill_tree(root: int) -> None:
    """SIGKILL the gunicorn master, its workers (which write the files) and their query workers.

    The tree is stopped first, so that no process forks or writes between the listing and the
    kill: the effect is one instantaneous SIGKILL of every process at the moment of the stop.
    """
    stopped: list[int] = []
    for _ in range(3):
        new = [pid for pid in process_tree(root) if pid not in stopped]
        for pid in new:
            try:
                os.kill(pid, signal.SIGSTOP)
            except ProcessLookupError:
                pass
        stopped.extend(new)
    for pid in stopped:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def kill_later(root: int, delay: float, done: threading.Event, fired: threading.Event) -> None:
    """Kill the server's tree after `delay` seconds, unless its answer came first."""
    if not done.wait(delay):
        kill_tree(root)
        fired.set()


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp") or p.name == JOURNAL)


@pytest.mark.skipif(not Path("/proc/self/stat").is_file(), reason="needs Linux /proc")
def test_sigkill_at_random_points_of_50_updates_loses_nothing(tmp_path: Path) -> None:
    data = curated_folder(tmp_path / "data")
    store = tmp_path / "store"
    build(store, data)
    settings = {
        "BIPMKG_UPDATE_TOKEN": TOKEN,
        "BIPMKG_DATA_DIR": str(data),
        "BIPMKG_QUERY_WORKERS": "1",
    }
    log = tmp_path / "server.log"
    server = start_server(store, settings, log)
    base = file_triples(data)
    rng = random.Random(SEED)
    landed: set[int] = set()
    acknowledged: set[int] = set()
    kills = 0
    # Kill points are drawn over the time an update takes on this backend and machine (1.5 ×
    # the median so far), so that they fall inside updates rather than after them.
    durations: list[float] = []
    try:
        for n in range(UPDATES):
            kill = rng.random() < 0.3
            typical = statistics.median(durations) if durations else 1.0
            delay = rng.uniform(0.0, 1.5) * typical
            done = threading.Event()
            fired = threading.Event()
            thread = None
            if kill:
                thread = threading.Thread(
                    target=kill_later, args=(server.process.pid, delay, done, fired), daemon=True
                )
            if thread:
                thread.start()
            sent = time.monotonic()
            try:
                answer: Answer | None = send_update(server, update_text(n))
            except (OSError, HTTPException):
                answer = None  # the server died with the update in flight
            done.set()
            if answer is not None and not fired.is_set():
                durations.append(time.monotonic() - sent)
            if thread:
                thread.join()
            if answer is not None:
                assert answer.status == 200, answer.text
                acknowledged.add(n)
            if not fired.is_set():
                assert answer is not None
                landed.add(n)
                continue

            kills += 1
            server.process.wait(10)
            # The files now hold the state before the update in flight, or after it: never half.
            now = file_triples(data)
            before = base.union(*(update_triples(k) for k in landed))
            after = before | update_triples(n)
            assert now in (before, after), f"update {n}: the files are neither before nor after"
            if now == after:
                landed.add(n)
            else:
                assert n not in acknowledged, f"update {n} was acknowledged, then lost"
            # Restart: start-up settles what the crash left and catches the store up.
            server = start_server(store, settings, log)
            assert leftovers(data) == [], "temporary files or a journal survived the restart"
            assert served_notes(server) == landed, f"after kill {kills}: the store lags the files"

        assert kills >= 5, "too few kills to test anything; change the seed"
        assert acknowledged <= landed
        # Once more, after a clean kill: everything acknowledged is in the files and served.
        kill_tree(server.process.pid)
        server.process.wait(10)
        server = start_server(store, settings, log)
        assert file_triples(data) == base.union(*(update_triples(k) for k in landed))
        assert served_notes(server) == landed
        report = validate(sorted(data.glob("*.ttl")), include_warnings=False)
        assert report.conforms, report.as_text(show_warnings=False)
        assert leftovers(data) == []
    finally:
        server.stop()


def stage_commit(folder: Path, outputs: dict[Path, Graph]) -> list[tuple[Path, Path]]:
    """What a writer killed right after its commit leaves: fsynced temporary files, a journal."""
    staged = []
    for path, graph in outputs.items():
        temporary = path.with_name(f".{path.name}.4242.tmp")
        temporary.write_text(_stable_turtle(graph, path), encoding="utf-8")
        staged.append((temporary, path))
    plan = {"renames": [[t.name, p.name] for t, p in staged]}
    (folder / JOURNAL).write_text(json.dumps(plan), encoding="utf-8")
    return staged


def test_a_committed_write_cut_between_renames_is_completed(tmp_path: Path) -> None:
    data = curated_folder(tmp_path / "data")
    new = {
        data / "minimal.ttl": Graph().parse(data / "minimal.ttl"),
        data / "notes.ttl": Graph().parse(data / "notes.ttl"),
    }
    for graph in new.values():
        graph.add((ALPHA, RDFS.comment, Literal("written by the cut-short writer", lang="en")))
    staged = stage_commit(data, new)
    os.replace(*staged[0])  # the first rename happened, then the writer was killed
    result = recover(data_dir=data, store_dir=tmp_path / "no-store")
    assert result.completed == ("notes.ttl",) and not result.rebuilt
    for path, graph in new.items():
        assert set(Graph().parse(path)) == set(graph)
    assert leftovers(data) == []


def test_an_uncommitted_write_is_undone(tmp_path: Path) -> None:
    data = curated_folder(tmp_path / "data")
    before = file_triples(data)
    # A writer killed while writing its temporary file: half a Turtle file beside the original.
    (data / ".minimal.ttl.4242.tmp").write_text("@prefix bkg: <https://w3id.org/bipmkg/onto")
    result = recover(data_dir=data, store_dir=tmp_path / "no-store")
    assert result.removed == (".minimal.ttl.4242.tmp",) and result.completed == ()
    assert file_triples(data) == before and leftovers(data) == []


def test_a_store_that_lags_its_files_is_rebuilt_at_start_up(tmp_path: Path) -> None:
    data = curated_folder(tmp_path / "data")
    store = tmp_path / "store"
    build(store, data)
    # The state of a server killed after writing the files and before rebuilding the store.
    with open(data / "notes.ttl", "a", encoding="utf-8") as handle:
        handle.write(f'<{BETA}> <{SKOS.altLabel}> "Durability 7"@en .\n')
        handle.write(f'<{ALPHA}> <{RDFS.comment}> "durability note 7"@en .\n')
    settings = {"BIPMKG_UPDATE_TOKEN": TOKEN, "BIPMKG_DATA_DIR": str(data)}
    server = start_server(store, settings, tmp_path / "log")
    try:
        assert served_notes(server) == {7}
    finally:
        server.stop()
    # A store built from other files is not the curated folder's to rebuild.
    other = curated_folder(tmp_path / "other")
    (other / "notes.ttl").unlink()
    fingerprint = (read_manifest(store) or {}).get("fingerprint")
    assert recover(data_dir=other, store_dir=store).rebuilt is False
    assert (read_manifest(store) or {}).get("fingerprint") == fingerprint
    assert build_store(store, sorted(data.glob("*.ttl"))).rebuilt is False


# -- A read-only or full disk ------------------------------------------------------------------


def digest(folder: Path) -> str:
    sha = hashlib.sha256()
    for path in sorted(folder.glob("*.ttl")):
        sha.update(path.name.encode() + path.read_bytes())
    return sha.hexdigest()


@contextmanager
def small_filesystem(mount_point: Path, size: str) -> Iterator[None]:
    """A real tmpfs of the given size (root only): a disk that can be filled or made read-only."""
    mount_point.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield
    finally:
        if subprocess.run(["umount", str(mount_point)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(mount_point)], capture_output=True)


def assert_reads_go_on(server: LiveServer) -> None:
    assert http("GET", f"{server.url}/readyz").status == 200
    assert served_notes(server) == set()
    assert http("GET", f"{server.url}/id/organisation/alpha.ttl").status == 200


def test_a_read_only_data_folder_gives_503_with_the_reason_and_reads_go_on(
    tmp_path: Path,
) -> None:
    """As root (whom file modes do not stop) a tmpfs remounted read-only, EROFS; else chmod."""
    mount = tmp_path / "disk"
    as_root = os.geteuid() == 0
    with small_filesystem(mount, "4m") if as_root else _plain(mount):
        data = curated_folder(mount / "data")
        store = tmp_path / "store"
        build(store, data)
        settings = {"BIPMKG_UPDATE_TOKEN": TOKEN, "BIPMKG_DATA_DIR": str(data)}
        server = start_server(store, settings, tmp_path / "log")
        before = digest(data)
        try:
            if as_root:
                subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True)
            else:
                data.chmod(0o555)
            answer = send_update(server, update_text(1))
            assert answer.status == 503, answer.text
            assert "is not writable" in answer.text and "nothing was changed" in answer.text
            assert digest(data) == before and leftovers(data) == []
            assert_reads_go_on(server)
            # A start-up on the read-only folder cannot settle anything there, and still serves.
            server.restart()
            assert_reads_go_on(server)
            # Writable again: the next update goes through.
            if as_root:
                subprocess.run(["mount", "-o", "remount,rw", str(mount)], check=True)
            else:
                data.chmod(0o755)
            answer = send_update(server, update_text(2))
            assert answer.status == 200, answer.text
            assert served_notes(server) == {2}
        finally:
            server.stop()


@contextmanager
def _plain(folder: Path) -> Iterator[None]:
    folder.mkdir()
    yield


def test_a_full_disk_gives_507_with_the_reason_and_changes_nothing(tmp_path: Path) -> None:
    mount = tmp_path / "disk"
    with small_filesystem(mount, "256k"):
        data = curated_folder(mount / "data")
        store = tmp_path / "store"
        build(store, data)
        settings = {"BIPMKG_UPDATE_TOKEN": TOKEN, "BIPMKG_DATA_DIR": str(data)}
        server = start_server(store, settings, tmp_path / "log")
        before = digest(data)
        filler = mount / "filler.bin"
        try:
            with open(filler, "wb", buffering=0) as handle:
                try:
                    while True:
                        handle.write(b"\0" * 4096)
                except OSError as exc:
                    assert exc.errno == errno.ENOSPC
            answer = send_update(server, update_text(1))
            assert answer.status == 507, answer.text
            assert "is full" in answer.text and "nothing was changed" in answer.text
            assert digest(data) == before and leftovers(data) == []
            assert_reads_go_on(server)
            filler.unlink()
            answer = send_update(server, update_text(2))
            assert answer.status == 200, answer.text
            assert served_notes(server) == {2}
        finally:
            server.stop()
            filler.unlink(missing_ok=True)


def test_a_start_up_with_nothing_to_recover_changes_nothing(tmp_path: Path) -> None:
    data = curated_folder(tmp_path / "data")
    store = tmp_path / "store"
    build(store, data)
    mtime = (store / "bipmkg-manifest.json").stat().st_mtime_ns
    result = recover(data_dir=data, store_dir=store)
    assert not result.changed
    assert (store / "bipmkg-manifest.json").stat().st_mtime_ns == mtime

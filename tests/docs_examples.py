"""Run the examples of README.md and docs/ (Sybil): an example that is not run is a defect.

Fenced blocks by language:

- `console`: `$ command` lines, each followed by the output it prints (stdout and stderr); `…`
  within a line stands for any text, and a line that is only `…` for any number of lines. A
  command followed by no output is run and must succeed, its output not compared.
- `sh`: a script, run with `set -euo pipefail`; it must exit 0.
- `python`: run in one namespace per document, in order.
- `sparql`: sent to the server's /sparql; it must answer 200 with at least one result.
- `text`, `turtle`, `csv`, `json`: data or output shown, not run.

Shell examples run in bash, in a scratch folder per document holding a `.venv` link to the
project's, with that `.venv/bin` first on PATH, `BIPMKG_STORE_DIR` naming the server's store,
and `http://127.0.0.1:5000` replaced by the address of a real `bipmkg serve` (tests/live.py).
`make` lines are dry runs (`make -n`): `make test` and `make bench` are the suite and an hour
of benchmarks, not steps of an example.

`<!-- docs-server: BIPMKG_X=1 BIPMKG_Y=2 -->` before examples says that they run against a
server started with those settings (the prose beside it says so to readers); without it, the
test session's `server`. A server with `BIPMKG_UPDATE_TOKEN` gets its own copy of graph_data/.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from live import ROOT, LiveServer, build, http, start_server
from sybil import Document, Example, Region, Sybil
from sybil.parsers.markdown import CodeBlockParser, PythonCodeBlockParser
from sybil.parsers.markdown.lexers import FencedCodeBlockLexer

DEFAULT_ORIGIN = "http://127.0.0.1:5000"
#: Languages of blocks that are shown, not run: data and output.
SHOWN = frozenset({"text", "turtle", "csv", "json"})
#: Languages of blocks that are run.
RUN = frozenset({"console", "sh", "python", "sparql"})
#: The documents whose examples are run.
DOCUMENTS = (ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md")))
PRELUDE = """set -euo pipefail
make() { command make --no-print-directory -n -C "$PROJECT_ROOT" "$@" >/dev/null; }
"""
COMMAND_TIMEOUT_S = 120


@dataclass(frozen=True)
class Servers:
    """Real servers by their settings; `default` is the test session's own."""

    default: LiveServer
    started: dict[frozenset[tuple[str, str]], LiveServer]
    scratch: Path

    def get(self, settings: dict[str, str]) -> LiveServer:
        if not settings:
            return self.default
        key = frozenset(settings.items())
        if key not in self.started:
            folder = self.scratch / f"server-{len(self.started)}"
            folder.mkdir()
            store = self.default.store_dir
            if "BIPMKG_UPDATE_TOKEN" in settings:
                data = folder / "graph_data"
                shutil.copytree(ROOT / "graph_data", data)
                store = folder / "store"
                build(store, data)
                settings = {**settings, "BIPMKG_DATA_DIR": str(data)}
            self.started[key] = start_server(store, settings, folder / "server.log")
        return self.started[key]

    def stop(self) -> None:
        for live in self.started.values():
            live.stop()


def _server(example: Example) -> LiveServer:
    servers: Servers = example.namespace["servers"]
    return servers.get(example.namespace.get("settings", {}))


def _environment(live: LiveServer) -> dict[str, str]:
    venv_bin = str(ROOT / ".venv" / "bin")
    return {
        **os.environ,
        "PATH": f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}",
        "PROJECT_ROOT": str(ROOT),
        "BIPMKG_STORE_DIR": str(live.store_dir),
        **{k: v for k, v in live.settings.items() if k == "BIPMKG_DATA_DIR"},
    }


def _shell(example: Example, script: str) -> subprocess.CompletedProcess[str]:
    live = _server(example)
    return subprocess.run(
        ["bash", "-c", PRELUDE + script.replace(DEFAULT_ORIGIN, live.url)],
        cwd=example.namespace["cwd"],
        env=_environment(live),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=COMMAND_TIMEOUT_S,
    )


@dataclass(frozen=True)
class Command:
    text: str
    expected: list[str]


def commands(source: str) -> Iterator[Command]:
    """The `$ ` commands of a console block with the output shown under each."""
    lines = source.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        if not line.startswith("$ "):
            raise ValueError(f"output before any command: {line!r}")
        text = line[2:]
        index += 1
        # A command goes on past a trailing backslash or an unclosed quotation.
        while index < len(lines) and (text.endswith("\\") or not _complete(text)):
            text += "\n" + lines[index]
            index += 1
        expected: list[str] = []
        while index < len(lines) and not lines[index].startswith("$ "):
            expected.append(lines[index])
            index += 1
        while expected and not expected[-1].strip():
            expected.pop()
        yield Command(text, expected)


def _complete(text: str) -> bool:
    try:
        shlex.split(text, comments=True)
    except ValueError:
        return False
    return True


def matches(expected: list[str], actual: list[str]) -> bool:
    """Whether `actual` reads as `expected`, `…` standing for any text (a lone `…`: any lines)."""
    if not expected:
        return not actual
    head, rest = expected[0], expected[1:]
    if head.strip() == "…":
        return any(matches(rest, actual[i:]) for i in range(len(actual) + 1))
    if not actual:
        return False
    pattern = ".*".join(re.escape(part) for part in head.rstrip().split("…"))
    return re.fullmatch(pattern, actual[0].rstrip()) is not None and matches(rest, actual[1:])


def evaluate_console(example: Example) -> str | None:
    for command in commands(example.parsed):
        done = _shell(example, command.text)
        shown = done.stdout.replace(_server(example).url, DEFAULT_ORIGIN).splitlines()
        if done.returncode != 0:
            return f"`{command.text}` exited {done.returncode}:\n{done.stdout[-3000:]}"
        if command.expected and not matches(command.expected, shown):
            return (
                f"`{command.text}` printed:\n"
                + "\n".join(shown)[:4000]
                + "\n\nwhere the docs show:\n"
                + "\n".join(command.expected)
            )
    return None


def evaluate_sh(example: Example) -> str | None:
    done = _shell(example, example.parsed)
    if done.returncode != 0:
        return f"the script exited {done.returncode}:\n{done.stdout[-3000:]}"
    return None


def evaluate_sparql(example: Example) -> str | None:
    import urllib.parse

    live = _server(example)
    body = urllib.parse.urlencode({"query": example.parsed}).encode()
    answer = http("POST", f"{live.url}/sparql", data=body, headers={"Accept": "text/csv"})
    if answer.status != 200:
        return f"/sparql answered {answer.status}: {answer.text[:2000]}"
    if len(answer.text.strip().splitlines()) < 2:
        return f"the query found nothing:\n{answer.text}"
    return None


def _settings(example: Example) -> None:
    arguments = example.parsed
    example.namespace["settings"] = dict(item.split("=", 1) for item in arguments.split())


DIRECTIVE = re.compile(r"<!-- docs-server:(?P<settings>[^>]*?)-->")


def parse_server_directives(document: Document) -> Iterable[Region]:
    """`<!-- docs-server: BIPMKG_X=1 … -->`: the settings of the server the next examples use."""
    for found in DIRECTIVE.finditer(document.text):
        yield Region(found.start(), found.end(), found.group("settings").strip(), _settings)


class UnknownLanguageParser:
    """A fenced block in no known language fails: it is neither run nor declared as output."""

    def __init__(self) -> None:
        self.lexer = FencedCodeBlockLexer(language=r".*")

    def __call__(self, document: Document) -> Iterable[Region]:
        for region in self.lexer(document):
            language = region.lexemes["language"]
            if language not in RUN | SHOWN:
                yield Region(region.start, region.end, language, _unknown)


def _unknown(example: Example) -> str:
    return f"a block in {example.parsed!r}: say `console`, `sh`, `python`, `sparql` or {SHOWN}"


SYBIL = Sybil(
    parsers=[
        parse_server_directives,
        UnknownLanguageParser(),
        CodeBlockParser("console", evaluate_console),
        CodeBlockParser("sh", evaluate_sh),
        CodeBlockParser("sparql", evaluate_sparql),
        PythonCodeBlockParser(),
    ],
)


def parse(path: Path) -> Document:
    return SYBIL.parse(path)

"""The docs cannot drift: every command, make target, setting, route and format is documented.

The README says what bipmkg is and links to the site; the reference pages of docs/ list each of
these, checked here against the code that defines them.
"""

from __future__ import annotations

import re

from bipmkg import config
from bipmkg.cli.main import build_parser
from bipmkg.rdf.formats import FORMATS

ROOT = config.PROJECT_ROOT
README = (ROOT / "README.md").read_text(encoding="utf-8")
CLI = (ROOT / "docs" / "reference" / "cli.md").read_text(encoding="utf-8")
MAKE = (ROOT / "docs" / "reference" / "make.md").read_text(encoding="utf-8")
SETTINGS = (ROOT / "docs" / "reference" / "settings.md").read_text(encoding="utf-8")
ROUTES = (ROOT / "docs" / "reference" / "routes.md").read_text(encoding="utf-8")
FORMATS_PAGE = (ROOT / "docs" / "reference" / "formats.md").read_text(encoding="utf-8")


def test_every_cli_command_is_in_the_reference() -> None:
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command")
    for name in commands.choices:  # type: ignore[union-attr]
        assert f"bipmkg {name}" in CLI, f"`bipmkg {name}` missing from docs/reference/cli.md"


def test_every_make_target_is_in_the_reference() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target in re.findall(r"^([a-z-]+):.*## ", makefile, re.MULTILINE):
        assert f"make {target}" in MAKE, f"`make {target}` missing from docs/reference/make.md"


def test_every_setting_is_in_the_reference() -> None:
    for setting in (*config.ENVIRONMENT, *config.WEB_SETTINGS):
        assert f"BIPMKG_{setting.name}" in SETTINGS, (
            f"BIPMKG_{setting.name} missing from docs/reference/settings.md"
        )


def test_every_web_setting_has_its_default_in_the_reference() -> None:
    """Each row of the web settings table gives the default that bipmkg.config declares."""
    rows = dict(re.findall(r"^\| `BIPMKG_([A-Z_]+)` \| ([^|]+) \|", SETTINGS, re.MULTILINE))
    for setting in config.WEB_SETTINGS:
        shown = rows[setting.name].strip()
        if setting.default == "":
            assert shown.startswith("(empty"), (setting.name, shown)
        else:
            assert shown == f"`{setting.default}`", (setting.name, shown, setting.default)


def test_every_format_is_in_the_reference() -> None:
    for fmt in FORMATS:
        also = ", ".join(f"`{alias}`" for alias in fmt.aliases) or "—"
        row = (
            f"| `{fmt.name}` | `{fmt.media_type}` | {also} | `.{fmt.extension}` "
            f"| {', '.join(fmt.kinds)} |"
        )
        assert row in FORMATS_PAGE, f"{row} missing from docs/reference/formats.md"


def test_every_bipmkg_variable_in_the_code_is_declared_once_in_config() -> None:
    """No module reads a BIPMKG_* variable that bipmkg.config does not declare, nor declares one
    twice (a second table of settings, or a stray os.environ lookup, would fail here)."""
    names = [s.name for s in (*config.ENVIRONMENT, *config.WEB_SETTINGS)]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)
    declared = {f"BIPMKG_{name}" for name in names}
    used: set[str] = set()
    for folder in ("bipmkg", "webapp"):
        for path in (config.PROJECT_ROOT / folder).rglob("*.py"):
            # Not a Python name such as _BIPMKG_AGENT, nor a family such as BIPMKG_REMOTE_*.
            found = re.findall(r"(?<!\w)BIPMKG_[A-Z][A-Z0-9_]*[A-Z0-9](?![\w*{])", path.read_text())
            used |= set(found)
    assert used - declared == set(), sorted(used - declared)
    for path in (config.PROJECT_ROOT / "bipmkg").rglob("*.py"):
        if path.name != "config.py":
            text = path.read_text("utf-8")
            assert not re.search(r"environ(?:\.get)?\(\s*f?[\"']BIPMKG_", text), path


def test_quick_start_gives_the_two_commands() -> None:
    quick = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert "make serve" in quick and "make test" in quick


def test_every_route_is_in_the_reference() -> None:
    from webapp import create_app

    store = config.store_dir()
    if not (store / "bipmkg-manifest.json").is_file():
        from bipmkg.build import build_store

        build_store(store)
    app = create_app({"QUERY_WORKERS": 1})
    try:
        for rule in app.url_map.iter_rules():
            if rule.endpoint == "static":
                continue
            assert f"`{rule.rule}`" in ROUTES or f"{rule.rule}?" in ROUTES, rule.rule
    finally:
        app.extensions["bipmkg"].engine.close()


def test_the_readme_reads_in_minutes() -> None:
    assert len(README.splitlines()) <= 300

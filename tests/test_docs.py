"""The README cannot drift: every command, make target and setting is documented."""

from __future__ import annotations

import re

from bipmkg import config
from bipmkg.cli.main import build_parser

README = (config.PROJECT_ROOT / "README.md").read_text(encoding="utf-8")


def test_every_cli_command_is_in_the_readme() -> None:
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command")
    for name in commands.choices:  # type: ignore[union-attr]
        assert f"bipmkg {name}" in README, f"`bipmkg {name}` missing from README.md"


def test_every_make_target_is_in_the_readme() -> None:
    makefile = (config.PROJECT_ROOT / "Makefile").read_text(encoding="utf-8")
    for target in re.findall(r"^([a-z-]+):.*## ", makefile, re.MULTILINE):
        assert f"make {target}" in README, f"`make {target}` missing from README.md"


def test_every_setting_is_in_the_readme() -> None:
    for setting in (*config.ENVIRONMENT, *config.WEB_SETTINGS):
        assert f"BIPMKG_{setting.name}" in README, f"BIPMKG_{setting.name} missing from README.md"


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


def test_every_route_is_in_the_readme() -> None:
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
            assert f"`{rule.rule}`" in README or f"{rule.rule}?" in README, rule.rule
    finally:
        app.extensions["bipmkg"].engine.close()

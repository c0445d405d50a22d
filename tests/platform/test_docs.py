"""The documentation a reader finds their way in: every command and setting documented in its
one place, every relative link and anchor resolving, nothing pointing outside the repository."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
CODE_FOLDERS = ("likeness", "portal", "admin", "api")
# os.environ.get("X"), os.environ["X"], os.getenv("X")
SETTING_READ = re.compile(r'(?:environ\.get|environ\[|getenv)\(?\s*"([A-Z][A-Z0-9_]+)"')
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")  # links and images
# The one `../` text a page may show that is not a link: a ZIP member we refuse.
UNSAFE_PATH_EXAMPLE = "`../../x.jpg`"


def _pages() -> dict[Path, str]:
    return {path: path.read_text() for path in [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]}


def _anchors(markdown: str) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    anchors = set()
    in_code = False
    for line in markdown.splitlines():
        if line.startswith("```"):
            in_code = not in_code
        if in_code or not line.startswith("#"):
            continue
        title = line.lstrip("#").strip().lower()
        anchors.add(re.sub(r"[^\w\- ]", "", title).replace(" ", "-"))
    return anchors


def test_the_readme_is_short_and_points_at_every_document() -> None:
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) <= 150
    for page in sorted(DOCS.glob("*.md")):
        assert f"docs/{page.name}" in readme or page.name in (DOCS / "index.md").read_text()
    assert "make run" in readme and "make test" in readme


def test_every_relative_link_and_anchor_resolves_inside_the_repository() -> None:
    broken = []
    for page, text in _pages().items():
        for target in LINK.findall(text):
            if re.match(r"[a-z]+:", target):  # http:, https:, mailto:
                continue
            path_part, _, anchor = target.partition("#")
            destination = (page.parent / path_part).resolve() if path_part else page
            if not destination.is_relative_to(ROOT) or not destination.exists():
                broken.append(f"{page.name}: {target}")
                continue
            if anchor and destination.suffix == ".md" and (
                anchor not in _anchors(destination.read_text())
            ):
                broken.append(f"{page.name}: {target} (no such heading)")
    assert broken == []


def test_no_page_points_outside_the_repository() -> None:
    for page, text in _pages().items():
        text = text.replace(UNSAFE_PATH_EXAMPLE, "")
        text = LINK.sub("", text)  # links were checked above
        assert "../" not in text, page.name
        assert "/work/" not in text and "shared/" not in text, page.name


def test_the_configuration_page_is_written_from_the_settings_schema() -> None:
    """docs/configuration.md is `flask config-doc write`'s output: a new setting in the schema
    without its line there (or a line for a setting that went) fails here."""
    from likeness import settings_doc

    committed = (DOCS / "configuration.md").read_text()
    assert committed == settings_doc.render(), (
        "docs/configuration.md is out of date: run "
        "`.venv/bin/flask config-doc write docs/configuration.md`")


def test_every_setting_the_code_reads_is_in_the_schema() -> None:
    """No module reads the environment on its own: every variable the code names is a field
    of the one schema, and so documented."""
    from likeness.settings import Settings

    read = set()
    for folder in CODE_FOLDERS:
        for path in (ROOT / folder).rglob("*.py"):
            read.update(SETTING_READ.findall(path.read_text()))
    assert read <= set(Settings.model_fields), sorted(read - set(Settings.model_fields))
    assert len(Settings.model_fields) > 60


def test_every_flask_command_is_documented_in_the_commands_table(app: Flask) -> None:
    commands = set(app.cli.commands) | {"db"}
    assert len(commands) > 15
    table = (DOCS / "operations.md").read_text().split("## Commands", 1)[1]
    missing = sorted(name for name in commands if f"`flask {name}" not in table)
    assert missing == [], f"commands not in docs/operations.md#commands: {missing}"


def test_the_readme_says_likeness_runs_from_its_checkout() -> None:
    """No wheel is built: the lock installs dependencies only, so the code must be run from
    where it was checked out, and the README must say so."""
    readme = (ROOT / "README.md").read_text()
    assert "Likeness runs from its checkout: it is not built or installed as a package" in readme
    assert re.search(r"^\[tool\.uv\]\s*\npackage = false", (ROOT / "pyproject.toml").read_text(),
                     flags=re.M)

"""The repository stands on its own: nothing cites a document outside it, every link and
every path named in a comment or a doc leads to a file that is here."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.paths import REPO

# Phrases that cite documents kept outside the repository. Built from parts, so that this
# file does not trip its own check.
_OUTSIDE_REFERENCES = tuple(
    "".join(parts)
    for parts in (
        ("..", "/shared"),
        ("domain", " brief"),
        ("engineering", " notes"),
        ("engineering", "-notes"),
        ("house", " style"),
        ("house", "-style"),
    )
)
_FENCED_BLOCK = re.compile(r"^```.*?^```", flags=re.S | re.M)
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", flags=re.M)
_MARKDOWN_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
# A doc named in a comment or a page: `docs/alerts.md`, `docs/domain.md#indicators`.
_DOC_REFERENCE = re.compile(r"(?<![\w./-])(docs/[a-z-]+\.md)(?:#([\w-]+))?")


def _tracked_files() -> list[Path]:
    """Every file git tracks that is here as a regular file (symlinks to folders and
    files being moved away are skipped)."""
    try:
        listing = subprocess.run(
            ["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    paths = (REPO / name for name in listing.decode("utf-8").split("\0") if name)
    return [path for path in paths if path.is_file() and not path.is_symlink()]


def _text_of(path: Path) -> str | None:
    """The file's text, or None for a binary file."""
    data = path.read_bytes()
    if b"\0" in data:
        return None
    return data.decode("utf-8", errors="replace")


def _anchors(markdown: str) -> set[str]:
    """The anchors of a page's headings, as GitHub makes them: lower case, punctuation
    dropped, spaces as hyphens, a repeated heading numbered."""
    seen: dict[str, int] = {}
    anchors = set()
    for heading in _HEADING.findall(_FENCED_BLOCK.sub("", markdown)):
        slug = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        anchors.add(slug if count == 0 else f"{slug}-{count}")
    return anchors


def _check_target(target: Path, anchor: str | None, where: str) -> str | None:
    """What is wrong with a reference to ``target`` (``#anchor``), or None."""
    if not target.resolve().is_relative_to(REPO.resolve()):
        return f"{where}: {target} is outside the repository"
    if not target.exists():
        return f"{where}: {target.relative_to(REPO)} does not exist"
    if not anchor or target.suffix != ".md":
        return None
    if anchor not in _anchors(target.read_text(encoding="utf-8")):
        return f"{where}: {target.relative_to(REPO)} has no heading for #{anchor}"
    return None


def _outside_references(text: str) -> list[tuple[int, str]]:
    """(line, phrase) of every citation of an outside document, whatever its case."""
    found = []
    for number, line in enumerate(text.lower().splitlines(), 1):
        found += [(number, phrase) for phrase in _OUTSIDE_REFERENCES if phrase in line]
    return found


def test_no_file_cites_documents_outside_the_repository() -> None:
    found = []
    for path in _tracked_files():
        text = _text_of(path)
        if text is not None:
            found += [
                f"{path.relative_to(REPO)}:{number}: {phrase!r}"
                for number, phrase in _outside_references(text)
            ]
    assert not found, "the repository must stand on its own:\n" + "\n".join(found)


def test_a_citation_of_an_outside_document_would_be_caught() -> None:
    text = "ok\n# See the " + "Engineering" + " Notes.\n# (../" + "shared/x.md)\n"
    assert [number for number, _ in _outside_references(text)] == [2, 3]


def test_every_relative_markdown_link_resolves() -> None:
    pages = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
    problems = []
    for page in pages:
        text = _FENCED_BLOCK.sub("", page.read_text(encoding="utf-8"))
        for link in _MARKDOWN_LINK.findall(text):
            if link.startswith(("http:", "https:", "mailto:", "#")):
                continue
            path, _, anchor = link.partition("#")
            problem = _check_target(page.parent / path, anchor, page.relative_to(REPO).as_posix())
            if problem:
                problems.append(f"{problem} (link {link})")
    assert not problems, "\n".join(problems)


def test_every_doc_named_in_the_code_and_docs_exists() -> None:
    problems = []
    for path in _tracked_files():
        if path.suffix not in (".py", ".yaml", ".yml", ".md"):
            continue
        text = path.read_text(encoding="utf-8")
        for number, line in enumerate(text.splitlines(), 1):
            for doc, anchor in _DOC_REFERENCE.findall(line):
                where = f"{path.relative_to(REPO)}:{number}"
                problem = _check_target(REPO / doc, anchor, where)
                if problem:
                    problems.append(problem)
    assert not problems, "\n".join(problems)


# A file of the repository named in a comment or a doc: a top-level folder, then a path
# ending in a file name with its extension or in a slash (MQTT topics such as
# ``xaso/v1/agents/+/status`` have neither, and are not paths). ``*`` globs.
_REPOSITORY_PATH = re.compile(
    r"(?<![\w./-])((?:server|agent|xaso|tests|bench|deploy|dashboards|docs)/[\w./*-]*"
    r"(?:\.[a-z]+|/))(?=$|[\s`'\"),;:\].])"
)


def _missing_paths(text: str) -> list[str]:
    missing = []
    for path in _REPOSITORY_PATH.findall(text):
        found = any(REPO.glob(path)) if "*" in path else (REPO / path).exists()
        if not found and "no_such" not in path:
            missing.append(path)
    return missing


def test_every_repository_path_named_in_the_code_and_docs_exists() -> None:
    problems = []
    for path in _tracked_files():
        if path.suffix not in (".py", ".yaml", ".yml", ".md", ".toml", ".conf", ".service"):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            problems += [f"{path.relative_to(REPO)}:{number}: {p}" for p in _missing_paths(line)]
    assert not problems, "\n".join(problems)


def test_a_moved_module_named_in_a_comment_would_be_caught() -> None:
    # Built from parts, so that this file does not name them itself.
    moved, gone = "server" + "/pipeline.py", "tests" + "/test_e2e.py"
    assert _missing_paths(f"see {moved} and {gone}.") == [moved, gone]
    assert _missing_paths("topic xaso/v1/agents/+/status; server/monitoring/pipeline.py") == []

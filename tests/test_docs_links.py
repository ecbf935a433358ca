"""Every relative link in README.md and docs/*.md resolves: the file (or directory) exists in the
repository, and a ``#anchor`` names a heading of the target Markdown file (GitHub's heading ids:
lower case, punctuation other than ``-`` and ``_`` dropped, spaces to ``-``, ``-1``, ``-2``, ...
for repeated headings). External links (``http:``, ``https:``, ``mailto:``) are not fetched.

Checked to fail: renaming ``docs/osse.md`` in the README's links, or one letter of an anchor
(``#default-run-what-it-recover``), makes ``test_repository_docs_links_resolve`` name that link;
``test_checker_finds_broken_links`` keeps the checker itself honest on a tiny tree made here.
"""
from __future__ import annotations

import re
from pathlib import Path

from helpers import REPO

#: [text](target) and [text](target "title"); images (![alt](target)) match as well.
LINK = re.compile(r"\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
FENCE = re.compile(r"^\s*(```|~~~)")
INLINE_CODE = re.compile(r"`[^`]*`")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
EXTERNAL = ("http://", "https://", "mailto:", "ftp://")


def _prose_lines(text: str):
    """(line number, line) outside fenced code blocks."""
    fenced = False
    for n, line in enumerate(text.splitlines(), start=1):
        if FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            yield n, line


def slug(heading: str) -> str:
    """GitHub's id of a Markdown heading."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link in a heading keeps its text
    text = text.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """The heading ids of a Markdown file, with GitHub's suffixes for repeated ones."""
    seen: dict[str, int] = {}
    out = set()
    for _, line in _prose_lines(path.read_text(encoding="utf-8")):
        m = HEADING.match(line)
        if not m:
            continue
        base = slug(m.group(2))
        k = seen.get(base, 0)
        out.add(base if k == 0 else f"{base}-{k}")
        seen[base] = k + 1
    return out


def broken_links(files, root: Path) -> list[str]:
    """'file:line: target (reason)' for every relative link that does not resolve."""
    root = root.resolve()
    problems = []
    for md in files:
        md = Path(md)
        for n, line in _prose_lines(md.read_text(encoding="utf-8")):
            for target in LINK.findall(INLINE_CODE.sub("", line)):
                if target.startswith(EXTERNAL):
                    continue
                path_part, _, anchor = target.partition("#")
                dest = (md.parent / path_part).resolve() if path_part else md.resolve()
                where = f"{md.relative_to(root)}:{n}: {target}"
                if not dest.is_relative_to(root):
                    problems.append(f"{where} (outside the repository)")
                elif not dest.exists():
                    problems.append(f"{where} (no such file)")
                elif anchor:
                    if dest.suffix != ".md" or dest.is_dir():
                        problems.append(f"{where} (anchor into a file that is not Markdown)")
                    elif anchor not in anchors(dest):
                        problems.append(f"{where} (no heading with this anchor)")
    return problems


def doc_files(root: Path) -> list[Path]:
    return [root / "README.md", *sorted((root / "docs").glob("*.md"))]


def test_repository_docs_links_resolve():
    files = doc_files(REPO)
    assert len(files) > 10  # README and the docs pages were found
    problems = broken_links(files, REPO)
    assert not problems, "broken links:\n" + "\n".join(problems)


def test_slug_follows_github():
    # headings of this repository's docs, with the ids GitHub gives them
    assert slug("TCCON validation (H19 Sect. 4)") == "tccon-validation-h19-sect-4"
    assert slug("8. Small-region approximation, filters and bias corrections (H19 Sect. 3)") == (
        "8-small-region-approximation-filters-and-bias-corrections-h19-sect-3")
    assert slug("GOSAT: NIES GDAS listings (`satcol.download.gosat`)") == (
        "gosat-nies-gdas-listings-satcoldownloadgosat")
    assert slug("Default run, what it recovers") == "default-run-what-it-recovers"


def test_checker_finds_broken_links(tmp_path):
    """A tiny tree with one good link of each kind and one broken link of each kind."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text(
        "# Page A\n\n## Same\n\n## Same\n\n```\n[in a fence](nowhere.md)\n```\n", encoding="utf-8")
    (tmp_path / "README.md").write_text(
        "# Top\n\n"
        "[ok file](docs/a.md) [ok anchor](docs/a.md#page-a) [ok repeat](docs/a.md#same-1)\n"
        "[ok self](#top) [ok external](https://example.org/x#y) `[code](missing.md)`\n"
        "[missing file](docs/b.md)\n"
        "[missing anchor](docs/a.md#same-2)\n"
        "[missing self anchor](#nothing)\n"
        "[outside](../elsewhere.md)\n",
        encoding="utf-8")
    problems = broken_links(doc_files(tmp_path), tmp_path)
    targets = sorted(p.split(": ", 1)[1] for p in problems)
    assert targets == sorted([
        "docs/b.md (no such file)",
        "docs/a.md#same-2 (no heading with this anchor)",
        "#nothing (no heading with this anchor)",
        "../elsewhere.md (outside the repository)",
    ])

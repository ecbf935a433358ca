"""Acceptance 4 of issue 20: every citation of a file in the code, tests, schema, rules and config
resolves to a file in the repository, and to a section of it where it names one.

The rule, as the test applies it:

- A citation is a repository path (``docs/...``, ``config/...``, ``report/...``, ``benchmarks/...``,
  ``rules/...``, ``scripts/...``, ``tests/...``, ``src/...``, ``data/...``) ending in a file
  extension, or a bare upper-case document name such as ``RESULTS.md``. Paths
  with a template in them (``{ym}``, ``<id>``) are output patterns, not citations, and are left
  out; so are run outputs (``benchmarks/results/``, written by the benchmarks) and paths
  starting with ``../`` or ``results/`` (outside the repository, or a run's output: neither is
  matched as a citation).
- A bare document name resolves next to the citing file or at the repository root.
- A section named after a Markdown file must be one of its headings: ``docs/x.md#anchor`` (the
  heading's text or its GitHub-style slug), ``docs/x.md sect. 5`` / ``section 5`` / ``§ 5``
  (a heading numbered 5; ``6b`` and ranges ``4-7`` check the number(s)), and
  ``docs/x.md, "Title"`` (a heading starting with Title, case aside, after its number).

Checked to fail: a docstring citing ``MISSING.md``, ``docs/method.md``, ``docs/methods.md
sect. 12`` or ``docs/paper-vs-run.md#h19_no_such_row`` is reported (see the test below).
"""

from __future__ import annotations

import re
from pathlib import Path

from helpers import REPO

#: Where citations are looked for: code, tests, schema, rules and config.
SOURCES = {
    "src": ("*.py",),
    "tests": ("*.py", "*.sh", "*.yaml"),
    "scripts": ("*.py",),
    "benchmarks": ("*.py",),
    "rules": ("*.smk",),
    "config": ("*.yaml", "*.yml", "*.tsv"),
}
TOP_FILES = ("Snakefile", "pyproject.toml")
#: Tests of citation and link checkers, which plant unresolved citations on purpose.
CHECKERS = ("test_citations.py", "test_docs_links.py")
#: Run outputs that code names as what it writes (not citations).
OUTPUT_DIRS = ("benchmarks/results/",)

_EXT = r"(?:md|rst|yaml|yml|tsv|csv|py|smk|json|txt|sh|toml|nc|he5|h5)"
_TOP = r"(?:docs|config|report|benchmarks|rules|scripts|tests|src|data)"
PATH_RE = re.compile(rf"(?<![\w./{{}}<-])({_TOP}/(?:[\w.-]+/)*[\w.-]*\w\.{_EXT})(?![\w{{<])")
BARE_RE = re.compile(r"(?<![\w./-])([A-Z][A-Z0-9_-]*\.md)\b")
SECTION_RE = re.compile(r"""^(?:#([\w-]+)|,?\s*(?:sect\.|section|Sect\.|Section|§)\s*([0-9]+[a-z]?(?:-[0-9]+)?)"""
                        r"""|,\s*"([^"]+)")""")


def source_files() -> list[Path]:
    out = [REPO / f for f in TOP_FILES if (REPO / f).exists()]
    for top, patterns in SOURCES.items():
        for pattern in patterns:
            out += sorted((REPO / top).rglob(pattern))
    return [p for p in out if "__pycache__" not in p.parts and p.name not in CHECKERS]


def headings(md: Path) -> list[str]:
    """The Markdown headings of ``md`` (text without the #s), fenced code left out."""
    out, fenced = [], False
    for line in md.read_text().splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and re.match(r"#{1,6} ", line):
            out.append(line.lstrip("#").strip())
    return out


def slug(text: str) -> str:
    """GitHub's heading anchor: lower case, punctuation other than - and _ dropped, spaces to -."""
    return re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")


def section_problem(md: Path, rest: str) -> str | None:
    """Why the section named at the start of ``rest`` (the text after a citation of ``md``) is not
    a heading of ``md``; None when it is, or when no section is named."""
    m = SECTION_RE.match(rest)
    if not m or md.suffix != ".md":
        return None
    heads = headings(md)
    anchor, number, title = m.groups()
    if anchor:
        if anchor in heads or anchor in {slug(h) for h in heads}:
            return None
        return f"no heading #{anchor}"
    if number:
        numbers = [int(n) for n in re.findall(r"\d+", number)]
        have = {int(h.split(".")[0]) for h in heads if re.match(r"\d+\.", h)}
        missing = [n for n in numbers if n not in have]
        return f"no section numbered {missing}" if missing else None
    if any(re.sub(r"^\d+\.\s*", "", h).lower().startswith(title.lower()) for h in heads):
        return None
    return f'no heading "{title}"'


def citation_problems(text: str, citing: Path) -> list[str]:
    """Unresolved citations in ``text`` (the contents of ``citing``)."""
    problems = []
    for m in PATH_RE.finditer(text):
        if m.group(1).startswith(OUTPUT_DIRS):
            continue
        target = REPO / m.group(1)
        line = text.count("\n", 0, m.start()) + 1
        if not target.exists():
            problems.append(f"{m.group(1)}: no such file (line {line})")
            continue
        why = section_problem(target, text[m.end():m.end() + 60])
        if why:
            problems.append(f"{m.group(1)}: {why} (line {line})")
    for m in BARE_RE.finditer(text):
        name = m.group(1)
        line = text.count("\n", 0, m.start()) + 1
        target = next((d / name for d in (citing.parent, REPO) if (d / name).exists()), None)
        if target is None:
            problems.append(f"{name}: not in the repository (line {line})")
            continue
        why = section_problem(target, text[m.end():m.end() + 60])
        if why:
            problems.append(f"{name}: {why} (line {line})")
    return problems


def test_every_citation_resolves():
    found = []
    for path in source_files():
        rel = path.relative_to(REPO)
        found += [f"{rel}: {p}" for p in citation_problems(path.read_text(errors="replace"), path)]
    assert not found, "citations that do not resolve:\n" + "\n".join(found)


def test_the_check_finds_wrong_citations():
    citing = REPO / "src/satcol/validation/stats.py"
    good = ('"""York fit (docs/methods.md sect. 1-3); rows in docs/paper-vs-run.md#h19_method_ii_bias; '
            'see docs/design.md, "Layers"; benchmarks/RESULTS.md; output benchmarks/x/{ym}.tsv."""')
    assert citation_problems(good, citing) == []
    bad = ('"""See MISSING.md; docs/method.md; docs/methods.md sect. 12; '
           'docs/paper-vs-run.md#h19_no_such_row; docs/design.md, "No such title"."""')
    assert [p.split(":")[0] for p in citation_problems(bad, citing)] == [
        "docs/method.md", "docs/methods.md", "docs/paper-vs-run.md", "docs/design.md", "MISSING.md"]

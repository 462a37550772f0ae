"""Warnings about wording in a course package that would read wrong on the course's pages.

Two habits are caught, both reported as ``file:line: message`` like the package's other warnings:

- A lesson that points to another lesson or module by number ("see Lesson 3", "第二单元"): the
  course page shows titles, not numbers, so the learner cannot tell which one is meant.
- In Chinese text, a space after full-width punctuation ("。 下一句"): Chinese has no spaces between
  sentences, so it shows as a gap, also after bold ("**标题。** 正文"). Spaces that Markdown or GIFT
  need are left alone: the padding before a table's ``|``, GIFT's `` -> `` and answer marks, and code.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

_CN_DIGITS = "0-9０-９零〇一二三四五六七八九十百两"
NUMBERED_REFERENCE_RE = re.compile(
    r"\b(?:lesson|module)s?\s+\d+(?:\s*(?:,|and|&|or|to|–|-)\s*\d+)*\b"
    rf"|第[{_CN_DIGITS}]+(?:\s*[、，,和与及至到~～–-]\s*第?[{_CN_DIGITS}]+)*\s*(?:课(?!堂)|单元|模块)",
    re.IGNORECASE,
)
FULL_WIDTH_PUNCTUATION = "，。：；！？、）」』》"
# The punctuation may end a bold or italic span: "**标题。** 正文" shows the same gap.
_STRAY_SPACE_RE = re.compile(rf"[{FULL_WIDTH_PUNCTUATION}](\*\*|\*)?[ \t]+(?=\S)")
# What may follow such a space because the format needs the space: a table cell's end in
# Markdown; a matching arrow, answer or feedback mark, or a closing brace in GIFT.
_SYNTAX_AFTER = {".md": ("|",), ".gift": ("|", "->", "~", "=", "#", "}", "{")}
_CODE_SPAN_RE = re.compile(r"(`+).*?\1")
_FENCE_RE = re.compile(r"^\s*(```|~~~)")


def style_warnings(root: Path, titles: Iterable[str]) -> list[tuple[str, int, str]]:
    """(file, line, message) for each numbered reference or stray space in the package at ``root``.

    Lessons, quizzes and case documents are read. ``titles`` are the lesson and module titles the
    course shows: a reference that is one of them (a lesson titled "第1课") is left alone.
    """
    titles = {t.casefold() for t in titles}
    found = []
    for path in sorted(p for p in root.rglob("*") if p.suffix in _SYNTAX_AFTER and p.is_file()):
        rel = path.relative_to(root).as_posix()
        chinese = ".zh." in path.name
        for n, line in _prose_lines(path):
            for match in NUMBERED_REFERENCE_RE.finditer(line):
                if match.group().casefold() not in titles:
                    found.append((rel, n, f"{match.group()!r} refers to a lesson or module by number, but the "
                                          "course page does not number them: refer to it by its title"))
            if not chinese:
                continue
            for match in _STRAY_SPACE_RE.finditer(line):
                needed = line.startswith(_SYNTAX_AFTER[path.suffix], match.end()) or (
                    match.group(1) and line[match.end()] in "*_")  # "**甲。** **乙**" keeps its space
                if not needed:
                    found.append((rel, n, f"a space after {match.group()[0]!r} shows as a gap in Chinese text: "
                                          "remove it"))
    return found


def _prose_lines(path: Path):
    """(line number, text) of the lines a learner reads: no title line, comments or code."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return  # the package reader reports unreadable files
    in_fence = False
    seen_text = False
    for n, line in enumerate(text.splitlines(), start=1):
        if _FENCE_RE.match(line):
            in_fence = not in_fence
            continue
        if in_fence or (path.suffix == ".gift" and line.lstrip().startswith("//")):
            continue
        if not seen_text and line.strip():
            seen_text = True
            if line.startswith("# "):  # the title, shown as the page's heading
                continue
        yield n, _CODE_SPAN_RE.sub("`", line)

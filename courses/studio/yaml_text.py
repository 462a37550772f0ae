"""How the Studio's form editors write a package's YAML files back (course.yaml, a case's
case.yaml, a survey's instrument): in the starter library's style, which each editor refines."""
from __future__ import annotations

import yaml

from courses.package import _Map, _Seq


class Dumper(yaml.SafeDumper):
    """A list's items indented under their key ("  - slug: x"), and a text of several lines as a
    block (``|``), as the library writes them."""

    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)


def _text(dumper: yaml.SafeDumper, value: str):
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


Dumper.add_representer(str, _text)


def opening_comments(text: str) -> str:
    """The file's opening comment lines, blank lines between them included, followed by one blank
    line (what a form keeps of a file's comments), or "" when it opens with none."""
    lines = []
    for line in text.split("\n"):
        if line.startswith("#") or (not line.strip() and lines):
            lines.append(line)
            continue
        break
    while lines and not lines[-1].strip():
        lines.pop()
    return "\n".join(lines) + "\n\n" if lines else ""


def places_by_line(doc) -> dict[int, tuple]:
    """Each line of a text read with the package's loader (its mappings and lists remember their
    lines): the place of the most nested key or item on it, e.g. ("modules", 1, "activities", 0,
    "pass_mark"); the line of ``- slug: x`` is the slug's. A problem the reader reports on a line is
    shown on the field for that place."""
    out: dict[int, tuple] = {}

    def note(line, path):
        if len(path) > len(out.get(line, ())):
            out[line] = path

    def walk(node, path):
        if isinstance(node, _Map):
            for key, value in node.items():
                note(node.lines.get(key, node.line), (*path, key))
                walk(value, (*path, key))
        elif isinstance(node, _Seq):
            for i, value in enumerate(node):
                note(node.lines[i], (*path, i))
                walk(value, (*path, i))

    walk(doc, ())
    return out

"""Form editors for a package's files: each activity kind may offer one for the files it owns.

The Studio edits every file as text (courses/studio/drafts.py). A kind that knows its file's
format (a quiz's GIFT, a survey's instrument, a case's case.yaml) registers a form editor here: a
page that reads the file's current text (``drafts.current_text``), shows it as fields, and saves
the text it writes back through ``drafts.save`` with the same hash of the text it started from,
so the draft, the conflict check and the publishing checks stay the text editor's. The files
page and the text editor link to it.

Courses know no quiz or survey (the layers contract), so the kinds register themselves here,
from their own registration; this module imports none of them.
"""
from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from flask import Blueprint


@dataclass(frozen=True)
class Editor:
    name: str  # a short key, unique: "quiz", "survey", "case"
    endpoint: str  # url_for(endpoint, slug=..., path=...)
    label: object  # what the link says (a lazy string)
    matches: Callable[[str], bool]  # whether it edits this package path


_EDITORS: dict[str, Editor] = {}


def register(editor: Editor) -> None:
    _EDITORS[editor.name] = editor


def for_path(path: str) -> Editor | None:
    """The form editor for this package path, if a kind offers one."""
    for editor in _EDITORS.values():
        if editor.matches(path):
            return editor
    return None


def pattern(regex: str) -> Callable[[str], bool]:
    """A ``matches`` for paths matching the whole of ``regex``."""
    compiled = re.compile(regex)
    return lambda path: compiled.fullmatch(path) is not None


class LazyView:
    """A view that ``module`` defines, imported on its first request: the editors' modules read
    and write YAML and GIFT through the package readers, which building the app must not import
    (each worker would carry them; tests/training/test_lean_imports.py)."""

    def __init__(self, module: str, name: str):
        self.module, self.__name__ = module, name

    @cached_property
    def view(self):
        return getattr(importlib.import_module(self.module), self.__name__)

    def __call__(self, *args, **kwargs):
        return self.view(*args, **kwargs)


def lazy_blueprint(name: str, import_name: str, module: str, rules: list[tuple[str, str, list[str]]],
                   template_folder: str | None = None) -> Blueprint:
    """The blueprint ``name`` (templates from ``template_folder`` beside ``import_name``), its
    ``rules`` (address, view name, methods) served by the functions of the same names in
    ``module``, imported when one is first asked for."""
    bp = Blueprint(name, import_name, template_folder=template_folder)
    for rule, view, methods in rules:
        bp.add_url_rule(rule, view, LazyView(module, view), methods=methods)
    return bp

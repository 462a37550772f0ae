"""Every user-visible string is marked for translation and has a Chinese translation."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from tests.conftest import login

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "training" / "translations" / "zh" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {"_": None, "_l": None, "gettext": None, "lazy_gettext": None, "ngettext": (1, 2)}
METHODS = [("**/templates/**.html", "jinja2"), ("training/**.py", "python"), ("courses/**.py", "python"),
           ("quizzes/**.py", "python"), ("certificates/**.py", "python")]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%%")
PACKAGES = ("training", "courses", "quizzes", "certificates")


def template_files() -> list[Path]:
    """The app's templates and those a package keeps beside its views (its blueprint's folder)."""
    folders = [ROOT / "templates", *(folder for package in PACKAGES for folder in (ROOT / package).rglob("templates"))]
    return sorted(path for folder in folders for path in folder.rglob("*.html"))


def extracted() -> dict[str, str]:
    """msgid -> where it was found, for everything marked in code and templates."""
    found = {}
    for filename, _lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map=[m for m in METHODS], keywords=KEYWORDS,
            options_map={"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}}):
        if "migrations" in filename:
            continue
        msgid = message[0] if isinstance(message, tuple) else message
        found.setdefault(msgid, filename)
    return found


def test_every_marked_string_has_a_chinese_translation():
    with CATALOGUE.open("rb") as f:
        catalogue = read_po(f)
    missing, broken = [], []
    for msgid, where in extracted().items():
        entry = catalogue.get(msgid)
        strings = entry.string if entry and isinstance(entry.string, tuple) else (entry.string if entry else "",)
        if entry is None or entry.fuzzy or not all(strings):
            missing.append(f"{where}: {msgid!r}")
            continue
        source = entry.id[-1] if isinstance(entry.id, tuple) else entry.id
        if any(sorted(PLACEHOLDER.findall(s)) != sorted(PLACEHOLDER.findall(source)) for s in strings):
            broken.append(f"{msgid!r} -> {strings!r}")
    assert not missing, "Not translated into Chinese (run the extract/update steps in docs/translating.md):\n" + "\n".join(missing)
    assert not broken, "Placeholders differ:\n" + "\n".join(broken)


# Text a template may show without translation: names of languages, symbols.
ALLOWED_TEXT = {"English"}
JINJA = re.compile(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", re.S)
VISIBLE_ATTRIBUTES = re.compile(r'\b(?:title|alt|placeholder|aria-label)="([^"]*)"')


def test_templates_have_no_unmarked_text():
    problems = []
    for path in template_files():
        source = path.read_text(encoding="utf-8")
        for attr in VISIBLE_ATTRIBUTES.findall(source):
            if not attr.startswith("{{") and re.search(r"[A-Za-z]{2,}", JINJA.sub("", attr)):
                problems.append(f"{path.relative_to(ROOT)}: attribute text {attr!r}")
        text = JINJA.sub(" ", source)
        text = re.sub(r"<(script|style)\b.*?</\1>", " ", text, flags=re.S)
        text = re.sub(r"<[^>]*>", " ", text)
        text = re.sub(r"&[a-z]+;|&#\d+;", " ", text)
        for word in re.findall(r"[A-Za-z][A-Za-z'’]+(?:\s+[A-Za-z'’]+)*", text):
            if word not in ALLOWED_TEXT:
                problems.append(f"{path.relative_to(ROOT)}: {word!r}")
    assert not problems, "Text not marked for translation:\n" + "\n".join(problems)


# Calls whose first argument is shown to a person: it must be marked (or a variable).
SHOWN = {"flash", "AccountError", "CohortError", "QuizError", "NotAllowed", "BankError"}


def test_python_messages_are_marked():
    problems = []
    for package in ("training", "courses", "quizzes", "certificates"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call) or not node.args:
                    continue
                name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
                if name in SHOWN and isinstance(node.args[0], ast.Constant | ast.JoinedStr):
                    problems.append(f"{path.relative_to(ROOT)}:{node.lineno}: {name}(...) with an unmarked string")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", ["/", "/login", "/register", "/courses"])
def test_pages_in_chinese(client, path):
    page = client.get(path, headers={"Accept-Language": "zh-CN,zh;q=0.9"}).get_data(as_text=True)
    assert 'lang="zh-Hans"' in page
    assert "登录" in page  # "Log in" in the navigation


def test_the_language_choice_sticks_to_the_account(client, make_user):
    make_user("mei")
    login(client, "mei")
    client.post("/language", data={"lang": "zh", "next": "/learning"})
    page = client.get("/learning", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "我的学习" in page

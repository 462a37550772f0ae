"""No English left in the Chinese interface: every page of the role matrix (tests/test_access.py),
opened in Chinese by a role that may see it, shows no Latin-script word besides the data's own
(the test course is written only in English; handles, codes) and product and format names."""
import html
import re
from pathlib import Path

from tests.conftest import login
from tests.e2e.test_accessibility import pages
from tests.test_access import build_world

# Names that stay as they are in Chinese text.
ALLOWED = {"Amicus", "GIFT", "PDF", "CSV", "Moodle", "ZIP", "JSON", "QR", "Open", "Badge", "Badges", "Word",
           "Microsoft", "Authenticator", "MFA", "App", "TOTP", "RFC", "Google", "Play", "Android", "iOS", "Apple",
           "Samsung", "OPPO", "Baidu", "Lenovo", "Escape", "Esc", "Tab", "Enter", "Ctrl", "Holm", "Wilcoxon",
           "McNemar", "Hake", "Likert", "UTC", "AMICUS", "WCAG", "axe", "English", "HTML", "URL", "ID", "SVG",
           "PNG", "JPEG", "Markdown", "docx", "pdf", "csv", "gift", "json", "zip", "https", "http", "www",
           "JavaScript", "KB", "MB", "UTF", "CATEGORY", "localhost", "verify",
           # Product names: KoboToolbox, ODK Collect and ODK Central; the XLSForm format of XML forms.
           "KoboToolbox", "ODK", "Collect", "Central", "XLSForm", "XML",
           # The EPUB format of e-books, and a free reader app for it.
           "EPUB", "KOReader",
           # Image formats, and a course package's folders and file types as the Studio names them.
           "GIF", "WebP", "lessons", "quizzes", "surveys", "cases", "documents", "assets", "md", "yaml"}
# Codes the pages show as they are: invite-code and certificate-number examples, and the example
# of a course's short name in its address (the Studio), which is lowercase Latin letters by rule.
CODES = {"ABCD", "AB", "CDEF", "safety", "planning"}
SKIP = re.compile(r"<(script|style|textarea)\b.*?</\1>|<pre\b.*?</pre>|<code\b.*?</code>", re.S)
WORD = re.compile(r"[A-Za-z][A-Za-z'’]+")


def visible_words(page: str) -> set[str]:
    text = SKIP.sub(" ", page)
    text = re.sub(r"<[^>]+>", " ", text)
    return set(WORD.findall(html.unescape(text)))


def data_words(folder: Path, world: dict) -> set[str]:
    words = set()
    for path in folder.rglob("*"):
        if path.is_file() and path.suffix in (".md", ".yaml", ".gift", ".txt"):
            words |= set(WORD.findall(path.read_text(encoding="utf-8", errors="ignore")))
    return words


def test_the_chinese_interface_has_no_english_words(app, tmp_path):
    world = build_world(tmp_path)
    allowed = ALLOWED | CODES | data_words(tmp_path, world) | {"Ours", "Theirs", "Mei", "Participant", "Police", "My",
                                                        "essay", "Bank", "question", "other", "participant",
                                                        "trainer", "admin", "test", "course",
                                                        # the world's file names and GIFT category
                                                        "brief", "bank", "practice"}
    clients, problems = {}, []
    for endpoint, template, role in pages():
        if role not in clients:
            clients[role] = app.test_client()
            if role != "anonymous":
                login(clients[role], role)
        response = clients[role].get(template.format(**world), headers={"Accept-Language": "zh-CN,zh;q=0.9"})
        assert response.status_code == 200, (endpoint, response.status_code)
        english = sorted(visible_words(response.get_data(as_text=True)) - allowed)
        if english:
            problems.append(f"{endpoint} ({template}) as {role}: {english}")
    assert not problems, "\n".join(problems)

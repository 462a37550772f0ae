"""The moot submission's word count: each Chinese character, each word of other scripts, no
punctuation; the editor's count in the browser (static/js/case-editor.js) agrees with the server's."""
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from courses.cases.services import count_words

CASES = [
    ("保护令 order 申请", 6),
    ("我们申请保护令。", 7),  # the full stop is no word
    ("2022年8月1日起施行。", 9),
    ("申请人：王某，女，1990年生。", 9),
    ("survivor-centred practice, don't panic.", 4),
    ("— (1) …", 1),
    ("Hello，世界！", 3),
    ("ＡＢＣ ２０２２", 2),
    ("", 0),
]
EDITOR = Path(__file__).resolve().parents[3] / "static" / "js" / "case-editor.js"


@pytest.mark.parametrize("text, words", CASES)
def test_words_are_counted_as_readers_count_them(text, words):
    assert count_words(text) == words


def test_the_editor_counts_the_same_as_the_server():
    node = shutil.which("node") or shutil.which("nodejs")
    if node is None:
        pytest.skip("no Node.js to run the editor's count")
    source = EDITOR.read_text(encoding="utf-8")
    counting = re.search(r"  var CJK = .*?\n  function words\(value\) \{\n.*?\n  \}\n", source, re.S).group(0)
    script = counting + f"console.log(JSON.stringify({json.dumps([t for t, _n in CASES])}.map(words)));"
    out = subprocess.run([node, "-e", script], capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == [n for _t, n in CASES]

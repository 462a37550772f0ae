"""Every character on a certificate is drawn with a real glyph, not the empty box of .notdef.

Text extraction cannot tell (the PDF still maps the box to a space): these tests read the glyphs
the pages draw from the embedded fonts (tests/pdf_glyphs.py).
"""
from __future__ import annotations

import pytest

from certificates.render import render_certificate
from tests.certificates.test_pdf import sample
from tests.pdf_glyphs import drawn_text, missing_glyphs

# Each script one word alone and with a space; joiners where a script uses them.
NAMES = {
    "chinese": ("王小梅", "陈 晓梅"),
    "arabic": ("محمد", "محمد العلي"),
    "persian": ("می‌خواهم", "نرگس می‌خواهم"),  # with a zero-width non-joiner
    "vietnamese": ("Ngọc", "Nguyễn Thị Ngọc"),
    "cyrillic": ("Анна", "Анна Петрова"),
    "devanagari": ("अनीता", "अनीता शर्मा"),
    "khmer": ("សុខា", "ស្រី សុខា"),
    "mixed": ("陈Mary", "Mary 陈晓梅"),
}
CASES = [(script, name, lang) for script, names in NAMES.items() for name in names for lang in ("en", "zh")]


def assert_every_glyph_drawn(pdf: bytes, *texts: str) -> None:
    missing = missing_glyphs(pdf)
    assert not missing, "drawn as .notdef (an empty box): " + ", ".join(
        f"{glyph.text!r} in {glyph.font}" for glyph in missing)
    drawn = drawn_text(pdf)
    for text in texts:
        assert set(text) - {"\u200c", "\u200d"} <= set(drawn), (text, set(text) - set(drawn))


@pytest.mark.parametrize("script, name, lang", CASES, ids=[f"{s}-{'space' if ' ' in n else 'word'}-{lang}"
                                                            for s, n, lang in CASES])
def test_every_character_of_the_name_and_the_page_has_a_glyph(app, script, name, lang):
    assert_every_glyph_drawn(render_certificate(sample(name, lang)), name, "K7QD-9XMA-3VRT-PW2H")


def test_a_course_design_with_spaces_in_chinese_has_every_glyph(app):
    """Spaces a course author types (a plain one, a no-break one, an ideographic one) between Chinese words."""
    design = {"title": {"en": "Certificate", "zh": "培训 证书"},
              "organisation": {"en": "Network", "zh": "反家暴\u00a0法律 援助\u3000网络"},
              "text": {"en": "has completed", "zh": "已完成 以下 课程"},
              "signatories": [{"name": {"en": "Li Ming", "zh": "李 明"}, "role": {"en": "Director", "zh": "课程 负责人"}}]}
    pdf = render_certificate(sample("陈 晓梅", "zh", {"en": "GBV 101", "zh": "性别暴力 案件 实务"}), design, {})
    assert_every_glyph_drawn(pdf, "培训 证书", "李 明", "性别暴力 案件 实务")


def test_the_check_sees_a_box(app):
    """A character no installed font has is drawn as .notdef: the check reports it, while the
    extracted text still shows it (which is why text-based tests could not see the boxes)."""
    from certificates import fonts
    from training.pdf import render_pdf

    unknown = next(chr(c) for c in (0x10FFFD, 0x10FFFC, 0xFFFFD) if c not in fonts.installed_coverage())
    pdf = render_pdf(f"<p>a{unknown}b</p>")
    assert [glyph.text for glyph in missing_glyphs(pdf)] == [unknown]
    assert "a" in drawn_text(pdf) and "b" in drawn_text(pdf)


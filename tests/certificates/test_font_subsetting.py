"""WeasyPrint cuts the fonts it embeds with HarfBuzz's subsetter, and the start-up says when not.

Without Debian's libharfbuzz-subset0 WeasyPrint falls back to fontTools, which decompiles every
font's layout tables for every document: about 25 times slower certificates (bench/README.md).
"""
from __future__ import annotations

import logging
import warnings
from datetime import UTC, datetime

import pytest

from certificates.render import Sample, render_certificate
from tests.conftest import make_app
from training import pdf


def test_weasyprint_subsets_fonts_with_harfbuzz(app, caplog):
    # Fails on a machine without libharfbuzz-subset0: `scripts/system-deps.sh python` installs it.
    assert pdf.font_subsetter() == "harfbuzz", pdf.SLOW_SUBSETTING_WARNING
    with warnings.catch_warnings():  # its own DeprecationWarning, were the library missing
        warnings.simplefilter("ignore", DeprecationWarning)
        from weasyprint.text.ffi import harfbuzz, harfbuzz_subset
    # WeasyPrint's own test (weasyprint/pdf/fonts.py, Font.subset) agrees with ours...
    assert harfbuzz_subset is not None and harfbuzz.hb_version_atleast(4, 1, 0)
    # ...and a certificate in two scripts is made without falling back to fontTools.
    sample = Sample("王小梅", "zh", None, {"zh": "性别暴力案件诉讼实务"}, datetime(2026, 11, 21, tzinfo=UTC),
                    None, "K7QD9XMA3VRTPW2H")
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        render_certificate(sample)
    assert not [r for r in caplog.records if "fontTools" in r.getMessage()]


@pytest.mark.parametrize("subsetter, warnings_logged", [("harfbuzz", 0), ("fonttools", 1)])
def test_start_up_warns_once_when_fonts_would_be_subset_with_fonttools(monkeypatch, caplog, subsetter,
                                                                        warnings_logged):
    monkeypatch.setattr(pdf, "font_subsetter", lambda: subsetter)
    with caplog.at_level(logging.WARNING, logger="amicus"):
        make_app()
    said = [r for r in caplog.records if r.name == "amicus" and r.levelno == logging.WARNING
            and "libharfbuzz-subset0" in r.getMessage()]
    assert len(said) == warnings_logged
    if said:  # names the package to install and what its absence costs
        assert "fontTools" in said[0].getMessage() and "0.5 s per certificate" in said[0].getMessage()


def test_the_check_does_not_import_weasyprint():
    import subprocess
    import sys

    code = ("import sys; from training.pdf import font_subsetter; font_subsetter(); "
            "print([m for m in ('weasyprint', 'fontTools') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"

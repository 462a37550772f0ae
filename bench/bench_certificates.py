"""Certificates: Amicus's renderer beside naive WeasyPrint, in one run, in a warm process.

    .venv/bin/python bench/bench_certificates.py [--repeat 30] [--cohort 300]

Naive: the same certificate HTML handed to WeasyPrint the plain way, a new FontConfiguration
per document and the system's Noto Serif CJK collection (26 MB) for Chinese.
Amicus: certificates/render.py (a CJK font cut for each document, one FontConfiguration and one
parsed stylesheet per process, the QR code as a PNG).
Cohort: N certificates with names in seven scripts, each a separate PDF, as the ZIP job makes
them (certificates/batch.py: worker processes forked per core).
Needs no database. Run it on an idle machine.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from training.app import create_app  # noqa: E402

NAMES = ["王小梅", "محمد العلي", "Nguyễn Thị Ngọc", "Анна Петрова", "अनीता शर्मा", "ស្រី សុខា", "Mary O'Neil-Smith"]
TITLES = {"en": "GBV litigation for lawyers", "zh": "性别暴力案件诉讼实务（律师课程）"}


def subsetter_used() -> str:
    """Which subsetter WeasyPrint uses, as it decides (weasyprint/pdf/fonts.py, Font.subset)."""
    import warnings

    from training.pdf import font_subsetter

    with warnings.catch_warnings():  # its DeprecationWarning when libharfbuzz-subset is missing
        warnings.simplefilter("ignore", DeprecationWarning)
        from weasyprint.text.ffi import harfbuzz, harfbuzz_subset
    weasyprint_uses = "harfbuzz" if harfbuzz_subset and harfbuzz.hb_version_atleast(4, 1, 0) else "fonttools"
    used = {"harfbuzz": "HarfBuzz (libharfbuzz-subset)",
            "fonttools": "fontTools (slow: libharfbuzz-subset0 is not installed, see docs/deploy.md)"}[weasyprint_uses]
    if font_subsetter() != weasyprint_uses:
        used += f"; but training.pdf.font_subsetter() says {font_subsetter()!r}"
    return used


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--cohort", type=int, default=300)
    args = parser.parse_args()
    app = create_app({"AMICUS_ENV": "testing", "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with app.app_context():
        from weasyprint import CSS, HTML

        from certificates import batch, fonts, render
        from training import qr

        css = (Path(app.static_folder) / "css" / "certificate.css").read_text(encoding="utf-8")

        def sample(name, lang="en", i=0):
            return render.Sample(name, lang, None, TITLES, datetime(2026, 11, 21, tzinfo=UTC), None,
                                 f"{i:016d}")

        def naive(s):
            html = render.certificate_html(s, {})
            html = html.replace(html[html.index("@font-face"):html.index("html {") + 1], "") if "@font-face" in html else html
            code_png = qr.png(render.verify_url(s.code), "#5b2333")
            from weasyprint.urls import URLFetcher, URLFetcherResponse

            class Fetcher(URLFetcher):
                def fetch(self, url, headers=None):
                    return URLFetcherResponse(url, body=code_png, headers={"Content-Type": "image/png"})

            return HTML(string=html, url_fetcher=Fetcher()).write_pdf(stylesheets=[CSS(string=css)])

        def measure(fn, s):
            fn(s)  # warm
            times, size = [], 0
            for _ in range(args.repeat):
                start = time.perf_counter()
                pdf = fn(s)
                times.append((time.perf_counter() - start) * 1000)
                size = len(pdf)
            return statistics.median(times), size

        print(f"# {args.repeat} renders each, median; cpus={os.cpu_count()}")
        print(f"# font subsetter: {subsetter_used()}")
        print(f"{'case':34} {'naive ms':>9} {'KB':>5} {'amicus ms':>10} {'KB':>5}")
        for label, s in (("Latin name, English", sample("Mary O'Neil-Smith")),
                         ("Chinese name, English", sample("王小梅")),
                         ("Chinese name, Chinese certificate", sample("王小梅", "zh")),
                         ("Arabic name, English", sample("محمد العلي"))):
            naive_ms, naive_size = measure(naive, s)
            ours_ms, ours_size = measure(render.render_certificate, s)
            print(f"{label:34} {naive_ms:9.1f} {naive_size / 1024:5.0f} {ours_ms:10.1f} {ours_size / 1024:5.0f}")

        jobs = [batch._Job(f"p{i}.pdf", sample(NAMES[i % len(NAMES)], "zh" if i % 5 == 0 else "en", i))
                for i in range(args.cohort)]
        fonts.shared_font_config()
        start = time.perf_counter()
        total = sum(len(pdf) for _name, pdf in batch.render_all(jobs, {}, {}, "https://amicus.example.org"))
        elapsed = time.perf_counter() - start
        print(f"cohort of {args.cohort} mixed-script certificates, separate PDFs: {elapsed:.2f} s "
              f"({elapsed / args.cohort * 1000:.1f} ms each, {total / args.cohort / 1024:.0f} KB each)")


if __name__ == "__main__":
    main()

"""`flask --app wsgi certificates ...`: a sample certificate for template authors."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from certificates.names import InvalidName, clean_name
from certificates.render import Sample, render_certificate
from courses.models import Course
from training.db import utcnow
from training.extensions import db

certificates_cli = AppGroup("certificates", help="Certificates.")


@certificates_cli.command("preview")
@click.option("--course", "slug", required=True, help="The course's slug (synced).")
@click.option("--name", required=True, help="The name to print.")
@click.option("--lang", default=None, help="Language of the certificate (default: the course's first).")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The PDF to write.")
def preview(slug: str, name: str, lang: str | None, out: Path) -> None:
    """Render a sample certificate of a course, with a made-up code, to a PDF file."""
    course = db.session.execute(select(Course).where(Course.slug == slug)).scalar_one_or_none()
    if course is None:
        raise click.ClickException(f"No course {slug!r}: run `flask --app wsgi courses sync` first.")
    try:
        printed = clean_name(name)
    except InvalidName as error:
        raise click.ClickException(str(error.message)) from None
    lang = lang or course.languages[0]
    if lang not in course.languages:
        raise click.ClickException(f"The course is in {', '.join(course.languages)}, not {lang!r}.")
    sample = Sample(printed, lang, course.id, dict(course.titles), utcnow(), None, "SAMP1E0000000000")
    out.write_bytes(render_certificate(sample))
    click.echo(f"Wrote {out} ({out.stat().st_size // 1024} KB).")

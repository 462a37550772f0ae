"""`flask quizzes import|export`: Moodle GIFT files in and out of a course's question bank."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from courses.services import get_course
from training.extensions import db

quizzes_cli = AppGroup("quizzes", help="Import and export questions in Moodle's GIFT format.")


def _course(slug: str):
    course = get_course(slug)
    if course is None:
        raise click.ClickException(f"No course has the slug {slug!r} (see `flask --app wsgi courses list`).")
    return course


@quizzes_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--course", "slug", required=True, help="The course whose question bank receives the questions.")
@click.option("--category", default=None, help="Put every question in this category (else the file's $CATEGORY).")
def import_command(file: Path, slug: str, category: str | None) -> None:
    """Import a GIFT file into a course's question bank: all questions or none."""
    from quizzes import bank  # here, not at the top: the app imports this module, a worker never imports GIFT (#22)

    course = _course(slug)
    try:
        report = bank.import_questions(course, bank.decode_upload(file.read_bytes()), category)
        db.session.commit()
    except bank.BankError as error:
        db.session.rollback()
        raise click.ClickException(f"{file}: {error.message}; nothing was imported.") from None
    click.echo(f"Imported {report.added} question(s) into {', '.join(report.categories) or '-'}; "
               f"{report.duplicates} already there.")


@quizzes_cli.command("export")
@click.option("--course", "slug", required=True)
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
def export_command(slug: str, file: Path | None) -> None:
    """Write every question of a course as GIFT (to FILE, or to the terminal)."""
    from quizzes import bank  # here, not at the top: the app imports this module, a worker never exports GIFT (#22)

    text = bank.export_course(_course(slug))
    if file is None:
        click.echo(text, nl=False)
    else:
        file.write_text(text, encoding="utf-8")
        click.echo(f"Wrote {file}")

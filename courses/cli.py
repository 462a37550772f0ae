"""`flask courses sync|list|handbook` and `flask demo load`."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from courses.models import Activity, Course
from training.extensions import db

LIBRARY = Path(__file__).resolve().parent / "library"

courses_cli = AppGroup("courses", help="Validate and load course packages.")
demo_cli = AppGroup("demo", help="Demo accounts and cohort for trying Amicus out.")


@courses_cli.command("sync")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--check", is_flag=True, help="Validate only; change nothing.")
def sync(paths: tuple[Path, ...], check: bool) -> None:
    """Validate course packages and load them, all or nothing (default: the shipped library)."""
    # Here, not at the top: the app imports this module, and a worker never reads a package (#22).
    from courses.package import read_packages
    from courses.sync import sync_courses

    specs, errors, warnings = read_packages(list(paths) or [LIBRARY])
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    if errors:
        for error in errors:
            click.echo(error, err=True)
        raise click.ClickException(f"{len(errors)} problem(s) found; nothing was changed.")
    if check:
        click.echo(f"{len(specs)} package(s) valid.")
        return
    try:
        report = sync_courses(specs)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    for line in report:
        click.echo(line)


@courses_cli.command("list")
def list_courses() -> None:
    """List the courses in the database."""
    counts = dict(db.session.execute(
        select(Activity.course_id, func.count(Activity.id)).group_by(Activity.course_id)).all())
    for course in db.session.execute(select(Course).order_by(Course.slug)).scalars():
        click.echo(f"{course.slug}\tv{course.version}\t{course.track}\t{counts.get(course.id, 0)} activities"
                   f"\t{course.titles.get('en') or next(iter(course.titles.values()))}")


@courses_cli.command("handbook")
@click.argument("slug")
@click.option("--lang", default="en", show_default=True, help="en, zh, or both (each lesson, then its translation).")
@click.option("--paper", default="a4", show_default=True, type=click.Choice(["a4", "a5", "epub"]),
              help="A PDF on A4 or A5 paper, or an EPUB to read on a phone.")
@click.option("--edition", default="", help="With a case exercise: applicant, respondent (that side's case file) or trainer.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The PDF (or EPUB) to write.")
def handbook(slug: str, lang: str, paper: str, edition: str, out: Path) -> None:
    """Write a course's handbook as a PDF or an EPUB (the same as its Handbook page makes)."""
    from flask_babel import force_locale

    from courses import handbook as handbooks

    course = db.session.execute(select(Course).where(Course.slug == slug)).scalar_one_or_none()
    if course is None:
        raise click.ClickException(f"no course {slug!r} (flask --app wsgi courses list shows them)")
    if lang not in handbooks.LANGS or (lang != "both" and lang not in course.languages):
        raise click.ClickException(f"{slug} is in {', '.join(course.languages)}: choose one of them, or both")
    editions = handbooks.editions_for(course, trainer=True)
    edition = edition or editions[0]  # a course with a case: the applicant's side unless told
    if edition not in editions:
        raise click.ClickException(f"{slug} has no {edition!r} edition; it has: {', '.join(e for e in editions if e)}")
    with force_locale(handbooks.languages_of(lang, course)[0]):
        data, pages, notes = handbooks.make(course, lang, paper, edition)
    out.write_bytes(data)
    for note in notes:
        click.echo(f"not included: {note}", err=True)
    click.echo(f"{out}: {f'{pages} pages, ' if pages else ''}{len(data) / 1e6:.2f} MB")


@demo_cli.command("load")
def demo_load() -> None:
    """Create the demo accounts and a demo cohort (idempotent). Never on a real site."""
    from courses.demo import load_demo

    for line in load_demo():
        click.echo(line)

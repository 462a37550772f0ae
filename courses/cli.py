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
@click.option("--force", is_flag=True, help="Also replace courses managed in the Studio.")
def sync(paths: tuple[Path, ...], check: bool, force: bool) -> None:
    """Validate course packages and load them, all or nothing (default: the shipped library).
    Each course that changed is also stored as a version (`courses export` writes it out)."""
    # Here, not at the top: the app imports this module, and a worker never reads a package (#22).
    from courses.package import read_packages
    from courses.studio import packages
    from courses.sync import sync_courses

    specs, errors, warnings = read_packages(list(paths) or [LIBRARY])
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    if errors:
        for error in errors:
            click.echo(error, err=True)
        raise click.ClickException(f"{len(errors)} problem(s) found; nothing was changed.")
    studio = {course.slug: course for course in db.session.execute(select(Course).where(
        Course.slug.in_([spec.slug for spec in specs]), Course.managed == "studio")).scalars()}
    if studio and not force:
        for slug, course in sorted(studio.items()):
            click.echo(f"{slug} is managed in the Studio (version {course.version}); syncing files would replace it.",
                       err=True)
        raise click.ClickException("nothing was changed; use --force to replace them with these files.")
    if check:
        click.echo(f"{len(specs)} package(s) valid.")
        return
    try:
        report = sync_courses(specs)
        for spec in specs:
            course = db.session.execute(select(Course).where(Course.slug == spec.slug)).scalar_one()
            stored = packages.latest(spec.slug)
            if stored is None or stored.content_hash != course.content_hash:
                course.managed = "files"
                packages.store_version(course, spec.path, "sync", None)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    for line in report:
        click.echo(line)


@courses_cli.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--force", is_flag=True, help="Also replace a course managed from files.")
def import_package(path: Path, force: bool) -> None:
    """Publish a package (a folder named after the course, or a ZIP of one) as the course's next
    version, managed in the Studio from now on; validated exactly as `sync` does."""
    from courses.studio import packages

    try:
        if path.is_dir():
            row, report = packages.publish(None, path, "import", force=force)
        else:
            with packages.unpacked(path.read_bytes()) as root:
                row, report = packages.publish(None, root, "import", force=force)
        db.session.commit()
    except packages.PackageRefusal as refusal:
        db.session.rollback()
        for problem in refusal.problems:
            click.echo(problem, err=True)
        raise click.ClickException(str(refusal.message)) from None
    for line in report:
        click.echo(line)
    click.echo(f"{row.slug}: version {row.number} stored")


@courses_cli.command("export")
@click.argument("slug")
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
@click.option("--version", "number", type=int, default=None, help="A stored version (default: the newest).")
def export_package(slug: str, dest: Path, number: int | None) -> None:
    """Write a course's stored version as files, DEST/SLUG/course.yaml and the rest (a package
    to keep in git, edit, and bring back with `import`)."""
    from courses.studio import packages

    dest.mkdir(parents=True, exist_ok=True)
    try:
        target = packages.export(slug, dest, number)
    except packages.PackageRefusal as refusal:
        raise click.ClickException(str(refusal.message)) from None
    click.echo(str(target))


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

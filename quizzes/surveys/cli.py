"""`flask surveys report`: a cohort's survey results for scripts (JSON or CSV); `flask surveys purge`:
survey answers past their retention period deleted."""
from __future__ import annotations

import csv
import json
import sys
from datetime import date

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from courses.models import Activity, Course
from quizzes.surveys import results, services
from quizzes.surveys.models import Survey
from training.cohorts import Cohort
from training.extensions import db

surveys_cli = AppGroup("surveys", help="Survey results for scripts, and deleting old answers.")


@surveys_cli.command("purge")
@click.option("--months", type=click.IntRange(1, 1200), default=None,
              help="Keep this many months of answers (default: AMICUS_SURVEY_RETENTION_MONTHS).")
@click.option("--dry-run", is_flag=True, help="Count what would be deleted; delete nothing.")
def purge(months: int | None, dry_run: bool) -> None:
    """Delete survey answers older than the retention period (submitted answers by their month;
    unsubmitted drafts of cohorts that ended before it), then rewrite the rest in the order of
    their random ids (PostgreSQL), so that nothing shows the order they were written in."""
    months = months or current_app.config["AMICUS_SURVEY_RETENTION_MONTHS"]
    cutoff = services.months_before(date.today(), months)
    count = services.purge_responses(cutoff, dry_run=dry_run)
    if dry_run:
        db.session.rollback()
        click.echo(f"{count} survey response(s) from before {cutoff.isoformat()} would be deleted.")
        return
    db.session.commit()
    services.reorder_responses()
    db.session.commit()
    click.echo(f"Deleted {count} survey response(s) from before {cutoff.isoformat()}.")


@surveys_cli.command("report")
@click.option("--cohort", "cohort_id", type=int, required=True)
@click.option("--survey", "slug", default=None, help="A survey activity slug (default: the course's first survey).")
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json", show_default=True)
def report(cohort_id: int, slug: str | None, fmt: str) -> None:
    """Print the same results as the cohort's survey page (small groups suppressed likewise)."""
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None:
        raise click.ClickException(f"No cohort has the id {cohort_id}.")
    if slug is None:
        slug = db.session.execute(select(Activity.slug).join(Survey, Survey.activity_id == Activity.id)
                                  .where(Activity.course_id == cohort.course_id).order_by(Activity.position)).scalar()
        if slug is None:
            raise click.ClickException("This cohort's course has no survey.")
    data = results.compute(db.session.get(Course, cohort.course_id), slug, "en", cohorts=[cohort])
    if data is None:
        raise click.ClickException(f"The course has no survey {slug!r}.")
    if fmt == "json":
        click.echo(json.dumps(data.to_dict(), ensure_ascii=False, indent=2, default=str))
    else:
        csv.writer(sys.stdout).writerows(results.results_table(data))

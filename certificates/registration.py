"""What the certificates package adds to the app: rules read from course.yaml, issuing on
completion, the pages, the CLI and what it keeps about a person."""
from __future__ import annotations

import logging

from flask import Flask, flash, has_request_context
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from training import pdf, progress


def register(app: Flask) -> None:
    from certificates import cli, personal_data, services, views  # noqa: F401 - personal_data registers what certificates keep
    from courses import registration as courses_registration
    from courses import services as course_services
    from courses.workshops import services as workshops

    courses_registration.reader_module("certificates.package")  # its course.yaml keys, imported when packages are read

    app.register_blueprint(views.bp)
    app.cli.add_command(cli.certificates_cli)
    app.jinja_env.globals["certificate_notice"] = views.certificate_notice
    # The course page's notice comes with the course, in the same query.
    course_services.reader_column("course", "certificate")(services.live_certificate_named)
    # Said at start-up (also by `flask certificates preview`), not at the first slow certificate.
    pdf.warn_if_fonts_subset_slowly(logging.getLogger("amicus"))
    progress.activity_completed.connect(_issue_on_completion)  # once per process, however many apps
    workshops.attendance_marked.connect(_issue_on_attendance)


def _issue_on_completion(user, activity_id: int) -> None:
    """A completion may meet the course's rule: issue the certificate and tell her."""
    from courses.models import Activity
    from training.extensions import db

    course_id = db.session.execute(select(Activity.course_id).where(Activity.id == activity_id)).scalar_one_or_none()
    if course_id is None:
        return
    _issue_and_tell(user, course_id)


def _issue_and_tell(user, course_id: int) -> None:
    from certificates.services import issue_if_complete

    cert, new = issue_if_complete(user, course_id)
    if new:
        _notify_issued(user, course_id)
    if new and has_request_context() and current_user.is_authenticated and current_user.id == user.id:
        flash(_("You have completed the course. Your certificate is waiting for you on the course page."), "success")


def _notify_issued(user, course_id: int) -> None:
    """Her notification (and her email, if she chose it) that the certificate is issued."""
    from courses.models import Course, localized
    from training import messages
    from training.extensions import db

    course = db.session.get(Course, course_id)
    title = localized(course.titles, user.locale or "en")
    messages.notify([user.id], "certificate", f"/courses/{course.slug}", course=title)


def _issue_on_attendance(user_id: int, cohort_id: int) -> None:
    """Attending a session may meet a rule that asks for attendance."""
    from training.accounts import User
    from training.cohorts import Cohort
    from training.extensions import db

    cohort, user = db.session.get(Cohort, cohort_id), db.session.get(User, user_id)
    if cohort is None or user is None:
        return
    _issue_and_tell(user, cohort.course_id)

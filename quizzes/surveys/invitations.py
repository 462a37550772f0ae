"""Invitations to a survey (issue #21, "a survey open"): a trainer tells her cohort that a survey
is open to them, today or on a day she chooses (the follow-up survey, months after the course).

Surveys have no opening date of their own: a survey activity is open from the start. What a
programme needs is the *telling*, at the right time, so the trainer plans it here and the message
scheduler (`flask --app wsgi messages tick`, training/messages.py) sends it at 09:00 that day in
the cohort's time zone, once, whichever scheduler process gets to it first (and each person's
quiet hours still hold her email or text).

Everyone in the cohort is told, whether or not she has answered: who has answered is not known
by account (answers are anonymous, docs/surveys.md), and telling only the others would write down
who had not.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from courses.models import Activity, Course
from quizzes.surveys.models import SurveyInvitation
from training import messages, timezones
from training.cohorts import Cohort, CohortMember, require_manager
from training.db import utcnow
from training.extensions import db

#: How far ahead an invitation may be planned (a follow-up a year or more later).
FURTHEST = timedelta(days=2 * 366)
#: A planned invitation goes at this hour of its day where the cohort is (not at midnight).
SEND_HOUR = 9


class InvitationError(messages.MessageError):
    """An invitation that cannot be made or cancelled (a message for one field)."""


def surveys_of(course: Course) -> list[Activity]:
    """The course's survey activities, in course order."""
    return list(db.session.execute(select(Activity).where(Activity.course_id == course.id, Activity.kind == "survey")
                                   .order_by(Activity.position)).scalars())


def invitations(cohort: Cohort) -> list[tuple[SurveyInvitation, Activity]]:
    return list(db.session.execute(
        select(SurveyInvitation, Activity).join(Activity, Activity.id == SurveyInvitation.activity_id)
        .where(SurveyInvitation.cohort_id == cohort.id)
        .order_by(SurveyInvitation.send_on.desc(), SurveyInvitation.id.desc())).all())


def invite(trainer, cohort: Cohort, activity_slug: str, send_on: date | None) -> SurveyInvitation:
    """Plan an invitation; one for today (the cohort's today) or earlier is sent at once."""
    require_manager(trainer, cohort)
    activity = db.session.execute(select(Activity).where(
        Activity.course_id == cohort.course_id, Activity.kind == "survey", Activity.slug == activity_slug)
    ).scalar_one_or_none()
    if activity is None:
        raise InvitationError(_l("Choose one of the course's surveys."), "survey")
    today = timezones.today_in(cohort.timezone)
    send_on = send_on or today
    if send_on < today:
        raise InvitationError(_l("Choose today or a later day."), "send_on")
    if send_on > today + FURTHEST:
        raise InvitationError(_l("Choose a day within two years."), "send_on")
    row = SurveyInvitation(cohort_id=cohort.id, activity_id=activity.id, send_on=send_on, created_by_id=trainer.id)
    db.session.add(row)
    db.session.flush()
    if send_on <= today:
        _send(row, cohort, activity)
    return row


def cancel(trainer, cohort: Cohort, invitation_id: int) -> None:
    require_manager(trainer, cohort)
    row = db.session.get(SurveyInvitation, invitation_id)
    if row is None or row.cohort_id != cohort.id:
        raise LookupError(invitation_id)
    if row.sent_at is not None:
        raise InvitationError(_l("This invitation has been sent already."), "survey")
    db.session.delete(row)


def _send(row: SurveyInvitation, cohort: Cohort, activity: Activity) -> None:
    course = db.session.get(Course, activity.course_id)
    people = list(db.session.execute(select(CohortMember.user_id).where(
        CohortMember.cohort_id == cohort.id, CohortMember.role == "participant")).scalars())
    messages.notify(people, "survey_open", f"/courses/{course.slug}/surveys/{activity.slug}", activity=activity.titles)
    row.sent_at, row.recipients = utcnow(), len(people)


def due(now: datetime) -> int:
    """The scheduler's part: send each invitation whose day has come where its cohort is, once."""
    sent = 0
    for row, cohort, activity in db.session.execute(
            select(SurveyInvitation, Cohort, Activity).join(Cohort, Cohort.id == SurveyInvitation.cohort_id)
            .join(Activity, Activity.id == SurveyInvitation.activity_id)
            .where(SurveyInvitation.sent_at.is_(None), SurveyInvitation.send_on <= (now + timedelta(days=1)).date())
            .order_by(SurveyInvitation.id)).all():
        here = timezones.local(now, cohort.timezone)
        if (here.date(), here.hour) < (row.send_on, SEND_HOUR):
            continue  # not yet that day's morning where the cohort is
        if not messages.claim(f"survey-invitation:{row.id}"):
            continue
        _send(row, cohort, activity)
        db.session.commit()
        sent += 1
    return sent

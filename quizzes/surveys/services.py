"""Answering surveys anonymously: answers are stored under a keyed hash of the person, never her id.

The key is ``HMAC(survey secret, course id : instrument : account id)``. The survey secret lives
in the environment (AMICUS_SURVEY_SECRET, else derived from SECRET_KEY), not in the database, so
nobody holding the database, any page or any export can go from a response to an account;
the same person still produces the same key for the pre- and the post-survey.
"""
from __future__ import annotations

import calendar
import hashlib
import hmac
from dataclasses import dataclass
from datetime import date

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, delete, func, insert, or_, select, update

from courses import services as course_services
from courses.models import Activity, Course
from quizzes.surveys import tallies
from quizzes.surveys.models import Survey, SurveyAdjustment, SurveyAnswer, SurveyResponse, answer_rows
from training.accounts import User
from training.cohorts import Cohort, require_manager
from training.db import utcnow
from training.extensions import db
from training.progress import enrolment, mark_complete

TEXT_MAX = 2000


class SurveyError(Exception):
    """A refusal safe to show; nothing was changed."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def months_before(day: date, months: int) -> date:
    """The same day ``months`` months earlier (the month's last day if it has no such day)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last))


def purge_responses(cutoff: date, dry_run: bool = False) -> int:
    """Delete survey responses submitted before ``cutoff``, and drafts of cohorts that ended
    before it (a draft has no date of its own); returns how many. Recorded in the audit log."""
    from training import audit

    ended = select(Cohort.id).where(Cohort.ends_on.is_not(None), Cohort.ends_on < cutoff)
    condition = or_(SurveyResponse.submitted_on < cutoff,
                    and_(SurveyResponse.submitted_on.is_(None), SurveyResponse.cohort_id.in_(ended)))
    count = db.session.execute(select(func.count()).select_from(SurveyResponse).where(condition)).scalar_one()
    if count and not dry_run:
        db.session.execute(delete(SurveyResponse).where(condition))
        audit.record(None, "survey.purge", f"survey answers before {cutoff.isoformat()}", None, responses=count)
    return count


def survey_secret() -> bytes:
    configured = current_app.config.get("AMICUS_SURVEY_SECRET")
    if configured:
        return configured.encode()
    return hmac.new(current_app.config["SECRET_KEY"].encode(), b"amicus survey key", hashlib.sha256).digest()


def respondent_key(user: User, course_id: int, instrument: str) -> str:
    """The pseudonym under which this person's answers to this instrument are stored."""
    return hmac.new(survey_secret(), f"{course_id}:{instrument}:{user.id}".encode(), hashlib.sha256).hexdigest()


@dataclass
class SurveyContext:
    course: Course
    outline: course_services.Outline
    activity: course_services.ActivityView
    survey: Survey
    items: list[dict]  # what this reader is asked: the survey's items as her cohort adjusted them


def adjusted_items(items: list[dict], adjustment: SurveyAdjustment | None) -> list[dict]:
    """Items without the hidden ones, with the cohort's wording where it has one."""
    if adjustment is None:
        return items
    return [{**item, "text": {**item["text"], **adjustment.texts.get(item["id"], {})}}
            for item in items if item["id"] not in (adjustment.hidden or [])]


def adjustment_for(cohort: Cohort | None, instrument: str) -> SurveyAdjustment | None:
    if cohort is None:
        return None
    return db.session.execute(select(SurveyAdjustment).where(
        SurveyAdjustment.cohort_id == cohort.id, SurveyAdjustment.instrument == instrument)).scalar_one_or_none()


def survey_context(course: Course, slug: str, user: User, locale: str) -> SurveyContext | None:
    outline = course_services.course_outline(course, user, locale)
    activity = course_services.find_activity(outline, slug, "survey")
    if activity is None:
        return None
    course_services.check_access(outline, activity, user)
    survey = db.session.execute(select(Survey).where(Survey.activity_id == activity.id)).scalar_one()
    cohort = cohort_of(user, course) if user.is_authenticated else None
    return SurveyContext(course=course, outline=outline, activity=activity, survey=survey,
                         items=adjusted_items(survey.items, adjustment_for(cohort, survey.instrument)))


def my_response(ctx: SurveyContext, user: User) -> SurveyResponse | None:
    """Her own response (draft or submitted), found through her key."""
    key = respondent_key(user, ctx.course.id, ctx.survey.instrument)
    return db.session.execute(select(SurveyResponse).where(
        SurveyResponse.survey_id == ctx.survey.id, SurveyResponse.respondent_key == key)).scalar_one_or_none()


def cohort_of(user: User, course: Course) -> Cohort | None:
    """The cohort through which the user takes this course, if any."""
    row = enrolment(user, course.id)
    return db.session.get(Cohort, row.cohort_id) if row and row.cohort_id else None


def clean_answer(item: dict, raw):
    """The stored form of one answer, None for no answer; ValueError for a value the item cannot have."""
    kind = item["type"]
    if kind == "multiple":
        values = raw if isinstance(raw, list) else [raw]
        out = set()
        for v in values:
            if v in (None, ""):
                continue
            if not str(v).isdigit() or int(v) >= len(item["choices"]):
                raise ValueError("no such choice")
            out.add(int(v))
        return sorted(out) or None
    if raw in (None, ""):
        return None
    if kind == "text":
        if not isinstance(raw, str) or len(raw) > TEXT_MAX:
            raise ValueError("too long")
        return raw.strip() or None
    if not str(raw).isdigit():
        raise ValueError("not a choice")
    value = int(raw)
    limit = len(item["choices"]) if kind in ("knowledge", "single") else item["points"]
    low = 0 if kind in ("knowledge", "single") else 1
    if not low <= value < low + limit:
        raise ValueError("out of range")
    return value


def answers_from_form(items: list[dict], form) -> dict:
    out = {}
    for item in items:
        key = f"i-{item['id']}"
        out[item["id"]] = form.getlist(key)[:50] if item["type"] == "multiple" else form.get(key, "")
    return out


def save(ctx: SurveyContext, user: User, raw: dict) -> SurveyResponse:
    """Store her answers as given (a draft); all or nothing; refused once submitted."""
    if not ctx.outline.enrolled:
        raise SurveyError(_l("Enrol in the course to answer its surveys."))
    items = {item["id"]: item for item in ctx.items}
    cleaned = {}
    for item_id, value in raw.items():
        if item_id not in items:
            raise SurveyError(_l("An answer did not belong to this survey. Nothing was saved; reload the page."))
        try:
            cleaned[item_id] = clean_answer(items[item_id], value)
        except ValueError:
            raise SurveyError(_l("An answer did not fit its question. Nothing was saved; reload the page.")) from None
    response = my_response(ctx, user)
    if response is not None and response.state == "submitted":
        raise SurveyError(_l("You have already submitted this survey; answers can no longer change."))
    if response is None:
        cohort = cohort_of(user, ctx.course)
        response = SurveyResponse(
            survey_id=ctx.survey.id, respondent_key=respondent_key(user, ctx.course.id, ctx.survey.instrument),
            cohort_id=cohort.id if cohort else None, user_id=user.id if cohort and cohort.identified_surveys else None,
            profession=user.profession, region=user.region, answers={})
        db.session.add(response)
    response.answers = {**(response.answers or {}), **cleaned}
    return response


def submit(ctx: SurveyContext, user: User, raw: dict) -> bool:
    """Save and submit; True if this call submitted it. A second submit changes nothing."""
    response = my_response(ctx, user)
    if response is not None and response.state == "submitted":
        return False
    response = save(ctx, user, raw)
    db.session.flush()
    result = db.session.execute(
        update(SurveyResponse).where(SurveyResponse.id == response.id, SurveyResponse.state == "draft")
        .values(state="submitted", submitted_on=utcnow().date()).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        return False
    db.session.refresh(response)
    rows = answer_rows(response.id, response.answers)
    if rows:
        db.session.execute(insert(SurveyAnswer), rows)
    tallies.count_submitted(response, ctx.course.id, ctx.survey.instrument)
    mark_complete(user, ctx.activity.id)
    return True


class AdjustmentError(SurveyError):
    pass


def instrument_of(course: Course, activity_slug: str) -> str | None:
    """The instrument asked by the survey activity ``activity_slug`` of the course."""
    return db.session.execute(select(Survey.instrument).join(Activity, Activity.id == Survey.activity_id).where(
        Activity.course_id == course.id, Activity.slug == activity_slug)).scalar_one_or_none()


def instrument_items(course: Course, instrument: str) -> list[dict]:
    """Every item of an instrument, over all its phases, in order (for the adjustment form)."""
    seen, out = set(), []
    for survey in db.session.execute(select(Survey).join(Activity, Activity.id == Survey.activity_id)
                                     .where(Activity.course_id == course.id, Survey.instrument == instrument)
                                     .order_by(Activity.position)).scalars():
        for item in survey.items:
            if item["id"] not in seen:
                seen.add(item["id"])
                out.append(item)
    return out


def adjust(trainer: User, cohort: Cohort, instrument: str, hidden: list[str], texts: dict[str, dict[str, str]],
           today) -> SurveyAdjustment:
    """Save a cohort's changes to an instrument; only its trainers, and only before it starts."""
    require_manager(trainer, cohort)
    if cohort.starts_on <= today:
        raise AdjustmentError(_l("This cohort has started: its surveys can no longer change, so that answers stay comparable."))
    course = db.session.get(Course, cohort.course_id)
    items = {item["id"]: item for item in instrument_items(course, instrument)}
    if not items:
        raise LookupError(instrument)
    if any(item_id not in items for item_id in hidden) or any(item_id not in items for item_id in texts):
        raise AdjustmentError(_l("An item did not belong to this survey. Nothing was saved; reload the page."))
    for survey in db.session.execute(select(Survey).join(Activity, Activity.id == Survey.activity_id)
                                     .where(Activity.course_id == course.id, Survey.instrument == instrument)).scalars():
        if all(item["id"] in hidden for item in survey.items):
            raise AdjustmentError(_l("Every survey needs at least one question left."))
    cleaned = {}
    for item_id, by_lang in texts.items():
        for lang, text in by_lang.items():
            text = " ".join((text or "").split())
            if len(text) > 500:
                raise AdjustmentError(_l("A question has at most 500 characters."))
            if text and text != items[item_id]["text"].get(lang):
                cleaned.setdefault(item_id, {})[lang] = text
    row = adjustment_for(cohort, instrument)
    if row is None:
        row = SurveyAdjustment(cohort_id=cohort.id, instrument=instrument)
        db.session.add(row)
    row.hidden, row.texts = sorted(set(hidden)), cleaned
    return row

"""Answering surveys anonymously: answers are stored under a keyed hash of the person, never her id.

The key is ``HMAC(survey secret, course id : instrument : account id)``. The survey secret lives
in the environment (AMICUS_SURVEY_SECRET, else derived from SECRET_KEY), not in the database.
Nothing else stored says who answered: a survey's completion is not recorded per account but
derived from the pseudonym when progress is read (``answered``), the profession and region copied
onto a response are withheld when too few of the people it could come from share them
(``generalised``), and the date is the month only. docs/surveys.md says what someone holding
the database, the secret or a trainer's pages can still learn.
"""
from __future__ import annotations

import calendar
import hashlib
import hmac
from collections import Counter
from dataclasses import dataclass, replace
from datetime import date

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, delete, func, insert, or_, select, text, update

from courses import services as course_services
from courses.models import Activity, Course, localized
from quizzes.surveys import tallies
from quizzes.surveys.items import SurveyItem
from quizzes.surveys.models import Survey, SurveyAdjustment, SurveyAnswer, SurveyResponse, answer_rows
from training import progress
from training.accounts import User
from training.cohorts import Cohort, CohortMember, require_manager
from training.db import first_or_create, utcnow
from training.extensions import db
from training.progress import Enrolment, enrolment
from training.refusals import Refusal

TEXT_MAX = 2000


class SurveyError(Refusal):
    """A survey's refusal; nothing was changed."""


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
    # A response is dated by its month: the cut-off's month is kept whole.
    condition = or_(SurveyResponse.submitted_on < cutoff.replace(day=1),
                    and_(SurveyResponse.submitted_on.is_(None), SurveyResponse.cohort_id.in_(ended)))
    count = db.session.execute(select(func.count()).select_from(SurveyResponse).where(condition)).scalar_one()
    if count and not dry_run:
        db.session.execute(delete(SurveyResponse).where(condition))
        audit.record(None, "survey.purge", f"survey answers before {cutoff.isoformat()}", None, responses=count)
    return count


def reorder_responses() -> None:
    """Rewrite the responses and their answers in the order of their random ids (PostgreSQL's
    CLUSTER), so that the order in which they were written (which lines up with anything else
    written then, such as a certificate issued by a submission) no longer shows in the tables
    or a dump. Run with the monthly purge. SQLite keeps them in that order already (no rowid)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("CLUSTER survey_responses USING pk_survey_responses"))
        db.session.execute(text("CLUSTER survey_answers USING pk_survey_answers"))


def survey_secret() -> bytes:
    configured = current_app.config.get("AMICUS_SURVEY_SECRET")
    if configured:
        return configured.encode()
    return hmac.new(current_app.config["SECRET_KEY"].encode(), b"amicus survey key", hashlib.sha256).digest()


def respondent_key(user: User, course_id: int, instrument: str) -> str:
    """The pseudonym under which this person's answers to this instrument are stored."""
    return _key(survey_secret(), user.id, course_id, instrument)


def _key(secret: bytes, user_id: int, course_id: int, instrument: str) -> str:
    return hmac.new(secret, f"{course_id}:{instrument}:{user_id}".encode(), hashlib.sha256).hexdigest()


def answered(user_ids: list[int], activity_ids: list[int]) -> set[tuple[int, int]]:
    """Which of these survey activities each person has answered: {(user id, activity id)}.

    A survey's completion is never stored per account (that row would tell whoever holds the
    database who answered, and line up with the responses): it is a submitted response under
    her pseudonym, recomputed here with the secret. Two statements, whatever the numbers.
    """
    surveys = db.session.execute(
        select(Survey.id, Survey.activity_id, Survey.instrument, Activity.course_id)
        .join(Activity, Activity.id == Survey.activity_id).where(Survey.activity_id.in_(activity_ids))).all()
    if not surveys:
        return set()
    secret = survey_secret()
    wanted = {(s.id, _key(secret, user_id, s.course_id, s.instrument)): (user_id, s.activity_id)
              for s in surveys for user_id in user_ids}
    found = db.session.execute(select(SurveyResponse.survey_id, SurveyResponse.respondent_key).where(
        SurveyResponse.survey_id.in_([s.id for s in surveys]),
        SurveyResponse.respondent_key.in_(sorted({key for _id, key in wanted})),
        SurveyResponse.state == "submitted"))
    return {wanted[(survey_id, key)] for survey_id, key in found if (survey_id, key) in wanted}


def _kept(counts: dict, k: int) -> set:
    """The values of one attribute that may be stored: each shared by at least k of the people;
    the rest are withheld together, and when fewer than k people are withheld, the smallest kept
    value is withheld as well, until the withheld make k or nothing is kept (a withheld value
    must not point at fewer than k people either)."""
    kept = {value for value, n in counts.items() if n >= k}
    withheld = sum(n for value, n in counts.items() if value not in kept)
    while kept and 0 < withheld < k:
        smallest = min(kept, key=lambda value: (counts[value], str(value)))
        kept.discard(smallest)
        withheld += counts[smallest]
    return kept


def generalised(people: list[tuple[str | None, str | None]], k: int) -> dict[tuple, tuple]:
    """(profession, region) -> what a response of such a person stores, given everyone the
    response could come from (``people``): each stored combination is shared by at least k of
    them, otherwise the region, then the profession, is withheld (None). With fewer than k
    people in all, nothing is stored."""
    professions = _kept(Counter(p for p, _r in people), k)
    stored_profession = {p: (p if p in professions else None) for p, _r in people}
    regions: dict = {}
    for p, r in people:
        regions.setdefault(stored_profession[p], Counter())[r] += 1
    kept_regions = {group: _kept(counts, k) for group, counts in regions.items()}
    return {(p, r): (stored_profession[p], r if r in kept_regions[stored_profession[p]] else None)
            for p, r in people}


def attributes_to_store(user: User, course_id: int, cohort: Cohort | None) -> tuple[str | None, str | None]:
    """Her profession and region as her response may carry them: generalised over the people it
    could come from (the cohort's participants, or those taking the course without a cohort)
    so that neither points at fewer than k people (AMICUS_MIN_CELL)."""
    if cohort is not None:
        query = select(User.profession, User.region).join(CohortMember, CohortMember.user_id == User.id).where(
            CohortMember.cohort_id == cohort.id, CohortMember.role == "participant")
    else:
        query = select(User.profession, User.region).join(Enrolment, Enrolment.user_id == User.id).where(
            Enrolment.course_id == course_id, Enrolment.cohort_id.is_(None))
    people = [tuple(row) for row in db.session.execute(query)]
    if (user.profession, user.region) not in people:
        people.append((user.profession, user.region))
    return generalised(people, int(current_app.config["AMICUS_MIN_CELL"])).get((user.profession, user.region),
                                                                                (None, None))


@dataclass
class SurveyContext:
    course: Course
    outline: course_services.Outline
    activity: course_services.ActivityView
    survey: Survey
    items: tuple[SurveyItem, ...]  # what this reader is asked: the survey's items as her cohort adjusted them


def adjusted_items(items: tuple[SurveyItem, ...], adjustment: SurveyAdjustment | None) -> tuple[SurveyItem, ...]:
    """Items without the hidden ones, with the cohort's wording where it has one."""
    if adjustment is None:
        return items
    return tuple(replace(item, text={**item.text, **adjustment.texts.get(item.id, {})})
                 for item in items if item.id not in (adjustment.hidden or []))


def adjustment_for(cohort: Cohort | None, instrument: str) -> SurveyAdjustment | None:
    if cohort is None:
        return None
    return db.session.execute(select(SurveyAdjustment).where(
        SurveyAdjustment.cohort_id == cohort.id, SurveyAdjustment.instrument == instrument)).scalar_one_or_none()


def survey_context(course: Course, slug: str, user: User, locale: str) -> SurveyContext | None:
    """The survey activity ``slug`` of ``course`` as the user may answer it; None if there is none."""
    return course_services.activity_context(course, slug, "survey", user, locale)


def load_survey(course: Course, outline, activity, user: User) -> SurveyContext:
    """The survey kind's context for its pages (``quizzes.surveys.kind.Survey.load``): the items
    as her cohort's trainer adjusted them."""
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


def clean_answer(item: SurveyItem, raw):
    """The stored form of one answer, None for no answer; ValueError for a value the item cannot have."""
    kind = item.type
    if kind == "multiple":
        values = raw if isinstance(raw, list) else [raw]
        out = set()
        for v in values:
            if v in (None, ""):
                continue
            if not str(v).isdigit() or int(v) >= len(item.choices):
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
    limit = len(item.choices) if kind in ("knowledge", "single") else item.points
    low = 0 if kind in ("knowledge", "single") else 1
    if not low <= value < low + limit:
        raise ValueError("out of range")
    return value


def answers_from_form(items: tuple[SurveyItem, ...], form) -> dict:
    out = {}
    for item in items:
        key = f"i-{item.id}"
        out[item.id] = form.getlist(key)[:50] if item.type == "multiple" else form.get(key, "")
    return out


def clean_answers(items: tuple[SurveyItem, ...], raw: dict) -> dict:
    """The answers to store, checked against the items asked; SurveyError if one does not fit."""
    by_id = {item.id: item for item in items}
    cleaned = {}
    for item_id, value in raw.items():
        if item_id not in by_id:
            raise SurveyError(_l("An answer did not belong to this survey. Nothing was saved; reload the page."))
        try:
            cleaned[item_id] = clean_answer(by_id[item_id], value)
        except ValueError:
            raise SurveyError(_l("An answer did not fit its question. Nothing was saved; reload the page.")) from None
    return cleaned


def response_locked(survey_id: int, key: str, cohort_id: int | None, user_id: int | None = None,
                    source: str = "account") -> SurveyResponse:
    """The response stored under ``key``, made (as an empty draft) if there is none, and locked:
    its saves and submits take turns, and the first save of two racing ones makes the row for both."""
    return first_or_create(db.session, SurveyResponse, {"survey_id": survey_id, "respondent_key": key}, {
        "cohort_id": cohort_id, "user_id": user_id, "source": source, "answers": {}})


def _own_response_locked(ctx: SurveyContext, user: User) -> SurveyResponse:
    key = respondent_key(user, ctx.course.id, ctx.survey.instrument)
    cohort = cohort_of(user, ctx.course)
    return response_locked(ctx.survey.id, key, cohort.id if cohort else None,
                           user.id if cohort and cohort.identified_surveys else None)


def save_draft(response: SurveyResponse, cleaned: dict) -> SurveyResponse:
    """Add answers to a draft; refused once submitted."""
    if response.state == "submitted":
        raise SurveyError(_l("You have already submitted this survey; answers can no longer change."))
    response.answers = {**(response.answers or {}), **cleaned}
    return response


def submit_response(response: SurveyResponse, cleaned: dict, course_id: int, instrument: str,
                    profession: str | None, region: str | None) -> bool:
    """Submit a locked draft with its last answers: the month only as its date, its answers
    counted. False if it was submitted already (by this call's rival)."""
    # Conditional as well as locked: SQLite has no row locks (training.db.locked).
    result = db.session.execute(
        update(SurveyResponse).where(SurveyResponse.id == response.id, SurveyResponse.state == "draft")
        .values(state="submitted", submitted_on=utcnow().date().replace(day=1), profession=profession,
                region=region, answers={**(response.answers or {}), **cleaned})
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        return False
    db.session.refresh(response)
    rows = answer_rows(response.id, response.answers)
    if rows:
        db.session.execute(insert(SurveyAnswer), rows)
    tallies.count_submitted(response, course_id, instrument)
    return True


def save(ctx: SurveyContext, user: User, raw: dict) -> SurveyResponse:
    """Store her answers as given (a draft); all or nothing; refused once submitted."""
    if not ctx.outline.enrolled:
        raise SurveyError(_l("Enrol in the course to answer its surveys."))
    cleaned = clean_answers(ctx.items, raw)
    return save_draft(_own_response_locked(ctx, user), cleaned)


def submit(ctx: SurveyContext, user: User, raw: dict) -> bool:
    """Save and submit; True if this call submitted it. A second submit (a double click, another
    tab, racing the first) changes nothing and is not an error."""
    if not ctx.outline.enrolled:
        raise SurveyError(_l("Enrol in the course to answer its surveys."))
    cleaned = clean_answers(ctx.items, raw)
    response = _own_response_locked(ctx, user)
    if response.state == "submitted":
        return False
    # The profession and region are decided now, over the people she is among (not when the
    # draft was made), and the date is the month only (docs/surveys.md).
    profession, region = attributes_to_store(user, ctx.course.id, db.session.get(Cohort, response.cohort_id)
                                             if response.cohort_id else None)
    if not submit_response(response, cleaned, ctx.course.id, ctx.survey.instrument, profession, region):
        return False
    progress.completed(user, ctx.activity.id)  # no row: her progress reads it from her pseudonym
    return True


def unanswered(ctx: SurveyContext, response: SurveyResponse, locale: str) -> list[tuple[int, str]]:
    """The survey's questions her response leaves empty, as (number shown, text in her language):
    what submitting asks her to confirm."""
    answers = response.answers or {}
    return [(number, localized(item.text, locale)) for number, item in enumerate(ctx.items, 1)
            if answers.get(item.id) in (None, "", [])]


def answer_fields(ctx: SurveyContext, response: SurveyResponse) -> list[tuple[str, str]]:
    """Her saved answers as the survey form posts them (the inverse of answers_from_form): the
    confirmation page carries them, so that its Submit sends the answers she confirmed, whatever
    an autosave still under way stores meanwhile."""
    answers = response.answers or {}
    fields = []
    for item in ctx.items:
        value = answers.get(item.id)
        values = value if isinstance(value, list) else ([] if value is None else [value])
        fields += [(f"i-{item.id}", str(v)) for v in values]
    return fields


class AdjustmentError(SurveyError):
    pass


def instrument_of(course: Course, activity_slug: str) -> str | None:
    """The instrument asked by the survey activity ``activity_slug`` of the course."""
    return db.session.execute(select(Survey.instrument).join(Activity, Activity.id == Survey.activity_id).where(
        Activity.course_id == course.id, Activity.slug == activity_slug)).scalar_one_or_none()


def instrument_items(course: Course, instrument: str) -> tuple[SurveyItem, ...]:
    """Every item of an instrument, over all its phases, in order (for the adjustment form)."""
    seen, out = set(), []
    for survey in db.session.execute(select(Survey).join(Activity, Activity.id == Survey.activity_id)
                                     .where(Activity.course_id == course.id, Survey.instrument == instrument)
                                     .order_by(Activity.position)).scalars():
        for item in survey.items:
            if item.id not in seen:
                seen.add(item.id)
                out.append(item)
    return tuple(out)


def adjust(trainer: User, cohort: Cohort, instrument: str, hidden: list[str], texts: dict[str, dict[str, str]],
           today) -> SurveyAdjustment:
    """Save a cohort's changes to an instrument; only its trainers, and only before it starts."""
    require_manager(trainer, cohort)
    if cohort.starts_on <= today:
        raise AdjustmentError(_l("This cohort has started: its surveys can no longer change, so that answers stay comparable."))
    course = db.session.get(Course, cohort.course_id)
    items = {item.id: item for item in instrument_items(course, instrument)}
    if not items:
        raise LookupError(instrument)
    if any(item_id not in items for item_id in hidden) or any(item_id not in items for item_id in texts):
        raise AdjustmentError(_l("An item did not belong to this survey. Nothing was saved; reload the page."))
    for survey in db.session.execute(select(Survey).join(Activity, Activity.id == Survey.activity_id)
                                     .where(Activity.course_id == course.id, Survey.instrument == instrument)).scalars():
        if all(item.id in hidden for item in survey.items):
            raise AdjustmentError(_l("Every survey needs at least one question left."))
    cleaned = {}
    for item_id, by_lang in texts.items():
        for lang, typed in by_lang.items():
            wording = " ".join((typed or "").split())
            if len(wording) > 500:
                raise AdjustmentError(_l("A question has at most 500 characters."))
            if wording and wording != items[item_id].text.get(lang):
                cleaned.setdefault(item_id, {})[lang] = wording
    row = adjustment_for(cohort, instrument)
    if row is None:
        row = SurveyAdjustment(cohort_id=cohort.id, instrument=instrument)
        db.session.add(row)
    row.hidden, row.texts = sorted(set(hidden)), cleaned
    return row

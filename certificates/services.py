"""Completion rules, issuing, naming, verifying and revoking certificates.

Authorization is checked here, not only in the views: every function that acts for someone
takes that person and refuses with CertificateError when she may not.
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, case, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager

from certificates.models import Certificate, CertificateSettings, CohortCompletionRule
from certificates.names import InvalidName, clean_name
from courses.models import Activity, Course
from courses.workshops.services import AttendanceRecord, attendance_record
from training import progress
from training.accounts import User
from training.cohorts import Cohort, can_manage
from training.db import utcnow
from training.extensions import db
from training.progress import ActivityCompletion, Enrolment
from training.refusals import Refusal

# Crockford's base 32: no I, L, O or U, so a code typed from paper is read back right.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 16  # 80 bits
REASON_MAX = 500


class CertificateError(Refusal, ValueError):
    """A certificate request that cannot be carried out."""


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(raw: str | None) -> str:
    """A typed code in stored form: upper case, no spaces or hyphens, O read as 0, I and L as 1."""
    text = re.sub(r"[\s\-‐‑–—_.]", "", (raw or "").upper())[:64]
    return text.translate(str.maketrans("OIL", "011"))


def display_code(code: str) -> str:
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


# --- Rules -----------------------------------------------------------------------------------

def settings_for(course_id: int) -> CertificateSettings | None:
    return db.session.get(CertificateSettings, course_id)


@dataclass(frozen=True)
class Rule:
    slugs: list[str]  # the activities that must be complete
    attendance: int | None  # the share of the cohort's sessions to attend, in percent; None: none


def rule_for(course_id: int, cohort_id: int | None) -> Rule | None:
    """The rule for a participant of the cohort (its adjustment first); None: no certificates."""
    settings = settings_for(course_id)
    if settings is None:
        return None
    if cohort_id is not None:
        adjusted = db.session.get(CohortCompletionRule, cohort_id)
        if adjusted is not None:
            return Rule(list(adjusted.required), adjusted.attendance)
    return Rule(list(settings.required), settings.attendance)


def required_slugs(course_id: int, cohort_id: int | None) -> list[str] | None:
    """The activity slugs the rule requires, the cohort's adjustment first; None: no certificates."""
    rule = rule_for(course_id, cohort_id)
    return None if rule is None else rule.slugs


@dataclass(frozen=True)
class RuleProgress:
    done: int  # required activities complete
    total: int  # required activities
    attendance: int | None  # percent of the sessions the rule asks for
    record: AttendanceRecord | None  # hers, in her cohort (None: she is in no cohort)

    @property
    def attendance_met(self) -> bool:
        if self.attendance is None:
            return True
        # Attendance is of a cohort's sessions: without a cohort there is nothing to attend.
        return self.record is not None and self.record.meets(self.attendance)

    @property
    def met(self) -> bool:
        if self.total == 0 and self.attendance is None:
            return False  # a rule that asks nothing issues nothing
        return self.done >= self.total and self.attendance_met


def rule_progress(user_id: int, course_id: int, cohort_id: int | None) -> RuleProgress | None:
    """How far she is along the rule, or None for a course without certificates."""
    rule = rule_for(course_id, cohort_id)
    if rule is None:
        return None
    record = None
    if rule.attendance is not None and cohort_id is not None:
        record = attendance_record(user_id, cohort_id)
    required = db.session.execute(
        select(Activity.id, Activity.kind).where(Activity.course_id == course_id, Activity.slug.in_(rule.slugs))).all()
    if not required:
        return RuleProgress(0, 0, rule.attendance, record)
    ids = [row.id for row in required]
    done = db.session.execute(
        select(func.count()).select_from(ActivityCompletion)
        .where(ActivityCompletion.user_id == user_id, ActivityCompletion.activity_id.in_(ids))).scalar_one()
    # Surveys keep no completion row: they are done when her pseudonym has answered them.
    done += len(progress.derived_done([user_id], [(row.id, row.kind) for row in required]))
    return RuleProgress(done, len(ids), rule.attendance, record)


# --- Issuing ---------------------------------------------------------------------------------

def live_certificate(user_id: int, course_id: int) -> Certificate | None:
    return db.session.execute(
        select(Certificate).where(Certificate.user_id == user_id, Certificate.course_id == course_id,
                                  Certificate.revoked_at.is_(None))).scalar_one_or_none()


def live_certificate_named(course_id):
    """For the course page, read with the course (courses.services.reader_column): 1 if the
    reader (bind parameter ``user_id``) has a live certificate of the course with her name on
    it, 0 if she has one without, NULL if she has none."""
    return (
        select(case((func.coalesce(Certificate.printed_name, "") == "", 0), else_=1))
        .where(Certificate.user_id == bindparam("user_id"), Certificate.course_id == course_id,
               Certificate.revoked_at.is_(None))
        .limit(1).scalar_subquery()
    )


def latest_certificate(user_id: int, course_id: int) -> Certificate | None:
    """Her live certificate for the course, else her most recently revoked one (one query: the
    course page asks on every visit)."""
    return db.session.execute(
        select(Certificate).where(Certificate.user_id == user_id, Certificate.course_id == course_id)
        .order_by(Certificate.revoked_at.is_(None).desc(), Certificate.issued_at.desc(), Certificate.id.desc())
        .limit(1)).scalar_one_or_none()


def issue_if_complete(user: User, course_id: int) -> tuple[Certificate | None, bool]:
    """Issue her certificate if she meets the rule: (certificate or None, whether it is new).

    Exactly once: the partial unique index on live certificates settles two requests at once.
    A revoked certificate is not replaced here (an admin re-issues it deliberately).
    """
    existing = latest_certificate(user.id, course_id)
    if existing is not None:
        return (existing if existing.revoked_at is None else None), False
    enrolment = db.session.execute(select(Enrolment).where(
        Enrolment.user_id == user.id, Enrolment.course_id == course_id)).scalar_one_or_none()
    if enrolment is None:
        return None, False
    progress = rule_progress(user.id, course_id, enrolment.cohort_id)
    if progress is None or not progress.met:
        return None, False
    return _create(user.id, course_id, enrolment.cohort_id, replaces=None)


def _create(user_id: int, course_id: int, cohort_id: int | None, replaces: Certificate | None):
    course = db.session.get(Course, course_id)
    settings = settings_for(course_id)
    now = utcnow()
    expires = None
    if settings is not None and settings.valid_months:
        expires = add_months(now, settings.valid_months)
    cert = Certificate(code=new_code(), user_id=user_id, course_id=course_id, cohort_id=cohort_id,
                       course_titles=dict(course.titles), issued_at=now, expires_at=expires,
                       replaces_id=replaces.id if replaces is not None else None)
    try:
        with db.session.begin_nested():
            db.session.add(cert)
    except IntegrityError:  # a simultaneous request issued it first
        return live_certificate(user_id, course_id), False
    return cert, True


def add_months(moment: datetime, months: int) -> datetime:
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    days_in_month = (date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)).day
    return moment.replace(year=year, month=month, day=min(moment.day, days_in_month))


# --- Naming ----------------------------------------------------------------------------------

def own_certificate(user: User, course: Course) -> tuple[Certificate | None, bool]:
    """Her certificate for the course (live or revoked), issued now if she met the rule before
    the course had certificates; and whether it is new (the caller commits)."""
    existing = latest_certificate(user.id, course.id)
    if existing is not None:
        return existing, False
    return issue_if_complete(user, course.id)


def set_printed_name(cert: Certificate, user: User, raw_name: str, language: str) -> Certificate:
    """Record the name to print, once; only she may, and only on her live certificate."""
    if cert.user_id != user.id:
        raise CertificateError(_l("This is not your certificate."))
    if cert.revoked_at is not None:
        raise CertificateError(_l("This certificate has been revoked."))
    try:
        name = clean_name(raw_name)
    except InvalidName as error:
        raise CertificateError(error.message, "name") from None
    missing = unprintable(name)
    if missing:
        raise CertificateError(_l("“%(chars)s” cannot be printed yet: no installed font has it.",
                                  chars="".join(missing)), "name")
    course_languages = []
    if cert.course_id is not None:
        course = db.session.get(Course, cert.course_id)
        course_languages = course.languages if course else []
    if course_languages and language not in course_languages:
        language = course_languages[0]
    changed = db.session.execute(
        update(Certificate).where(Certificate.id == cert.id, Certificate.printed_name.is_(None))
        .values(printed_name=name, language=language, named_at=utcnow())).rowcount
    if not changed:
        raise CertificateError(_l("The name on this certificate has already been given."))
    db.session.refresh(cert)
    return cert


def unprintable(name: str) -> list[str]:
    from certificates.fonts import installed_coverage

    covered = installed_coverage()
    if not covered:
        return []  # fontconfig unreadable: do not refuse every name
    return sorted({ch for ch in name if ch != " " and ord(ch) not in covered and ch not in "\u200c\u200d"})


# --- Verifying -------------------------------------------------------------------------------

@dataclass
class Verification:
    certificate: Certificate
    status: str  # valid, revoked, expired
    course_title: str

    @property
    def by_holder(self) -> bool:
        return self.certificate.revoked_reason == HOLDER_REQUEST


def verify(code: str, locale: str) -> Verification | None:
    """What the public may know about a code; None when unknown or not yet made into a PDF."""
    normal = normalise_code(code)
    if len(normal) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in normal):
        return None
    cert = db.session.execute(select(Certificate).where(Certificate.code == normal)).scalar_one_or_none()
    if cert is None or cert.printed_name is None:
        return None
    from courses.models import localized

    return Verification(cert, cert.status(utcnow()), localized(cert.course_titles, cert.language or locale))


# --- Revoking and re-issuing (admins) --------------------------------------------------------

# The reason stored when the holder revoked her certificates by deleting her account.
HOLDER_REQUEST = "revoked at the holder's request"


def revoke(admin: User, cert: Certificate, reason: str) -> Certificate:
    if not admin.is_admin:
        raise CertificateError(_l("Only administrators can revoke certificates."))
    reason = " ".join((reason or "").split())
    if not reason:
        raise CertificateError(_l("Give the reason for revoking (it is kept, not shown publicly)."), "reason")
    if len(reason) > REASON_MAX:
        raise CertificateError(_l("The reason can be at most %(max)d characters long.", max=REASON_MAX), "reason")
    changed = db.session.execute(
        update(Certificate).where(Certificate.id == cert.id, Certificate.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_reason=reason, revoked_by_id=admin.id)).rowcount
    if not changed:
        raise CertificateError(_l("This certificate is already revoked."))
    db.session.refresh(cert)
    return cert


def reissue(admin: User, cert: Certificate) -> Certificate:
    """A new certificate (new code, name asked again) in place of a revoked one."""
    if not admin.is_admin:
        raise CertificateError(_l("Only administrators can re-issue certificates."))
    if cert.revoked_at is None:
        raise CertificateError(_l("Revoke the certificate before re-issuing it."))
    if cert.user_id is None or cert.course_id is None:
        raise CertificateError(_l("The account or the course of this certificate no longer exists."))
    if live_certificate(cert.user_id, cert.course_id) is not None:
        raise CertificateError(_l("This person already has a valid certificate for the course."))
    new, created = _create(cert.user_id, cert.course_id, cert.cohort_id, replaces=cert)
    if not created:
        raise CertificateError(_l("This person already has a valid certificate for the course."))
    return new


def search(query: str | None):
    """Certificates for the admin list, newest first, filtered by code, handle or printed name,
    each with its holder's account (``Certificate.user``, read from the join the filter uses)."""
    stmt = (select(Certificate).outerjoin(Certificate.user).options(contains_eager(Certificate.user))
            .order_by(Certificate.issued_at.desc(), Certificate.id.desc()))
    text = (query or "").strip()[:100]
    if text:
        code = normalise_code(text)
        like = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where((Certificate.code == code) | User.handle.ilike(like, escape="\\")
                          | Certificate.printed_name.ilike(like, escape="\\"))
    return stmt


# --- Cohort rules (trainers) ------------------------------------------------------------------

def cohort_rule(cohort: Cohort) -> Rule | None:
    return rule_for(cohort.course_id, cohort.id)


def can_adjust_rule(cohort: Cohort, today: date) -> bool:
    return cohort.starts_on > today


def adjust_cohort_rule(user: User, cohort: Cohort, slugs: list[str], today: date,
                       attendance: str | int | None = None) -> CohortCompletionRule:
    """Change what completing the course means for this cohort, before it starts: the
    activities, and the share of its sessions to attend (empty or None: no attendance asked)."""
    if not can_manage(user, cohort):
        raise CertificateError(_l("Only the cohort's trainers can change its completion rule."))
    if settings_for(cohort.course_id) is None:
        raise CertificateError(_l("This course does not issue certificates."))
    if not can_adjust_rule(cohort, today):
        raise CertificateError(_l("The cohort has started: its completion rule can no longer change."))
    known = list(db.session.execute(select(Activity.slug).where(Activity.course_id == cohort.course_id)
                                    .order_by(Activity.position)).scalars())
    chosen = [s for s in known if s in set(slugs)]
    if len(chosen) != len(set(slugs)):
        raise CertificateError(_l("Choose activities of this course only."), "required")
    if not chosen:
        raise CertificateError(_l("Choose at least one activity."), "required")
    percent = None
    if attendance is not None and str(attendance).strip() != "":
        from certificates.package import read_percent  # the course.yaml reader: loaded when needed

        percent = read_percent(attendance if isinstance(attendance, int) else str(attendance).strip())
        if percent is None:
            raise CertificateError(_l("Attendance is a share of the sessions from 1 to 100 percent, or empty for none."),
                                   "attendance")
    rule = db.session.get(CohortCompletionRule, cohort.id)
    if rule is None:
        rule = CohortCompletionRule(cohort_id=cohort.id)
        db.session.add(rule)
    rule.required = chosen
    rule.attendance = percent
    rule.changed_by_id = user.id
    rule.changed_at = utcnow()
    return rule

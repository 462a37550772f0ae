"""Cohorts: a group of participants taking one course together, run by one or more trainers."""
from __future__ import annotations

import re
import secrets
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, Date, ForeignKey, String, UniqueConstraint, false, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from training import timezones
from training.accounts import User, clean_text
from training.db import UTCDateTime, utcnow
from training.extensions import db
from training.refusals import Refusal

# No 0/O or 1/I/L: codes are read aloud and copied from slides.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


class CohortError(Refusal, ValueError):
    """A cohort request that cannot be carried out."""


class Cohort(db.Model):
    __tablename__ = "cohorts"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    invite_code: Mapped[str] = mapped_column(String(CODE_LENGTH), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Survey answers in this cohort carry the account (participants are told); chosen at creation.
    identified_surveys: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The IANA zone its days are counted in: "day N" of a case exercise ends at 23:59:59 there.
    timezone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")

    @property
    def invite_code_display(self) -> str:
        return f"{self.invite_code[:4]}-{self.invite_code[4:]}"


class CohortMember(db.Model):
    """A person in a cohort, as participant or as one of its trainers."""

    __tablename__ = "cohort_members"
    __table_args__ = (UniqueConstraint("cohort_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))  # "participant" or "trainer"
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def normalise_code(raw: str) -> str:
    """Upper-case a typed invite code and drop spaces and hyphens."""
    return re.sub(r"[\s\-]", "", (raw or "").upper())[:32]


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def create_cohort(
    trainer: User, course_id: int, name: str, starts_on: date, ends_on: date | None,
    identified_surveys: bool = False, timezone: str | None = None,
) -> Cohort:
    """Create a cohort run by ``trainer`` with a fresh invite code; trainers and admins only.

    ``identified_surveys`` is fixed here, before anyone answers: participants join knowing it.
    ``timezone`` (default: the trainer's) is where the cohort's days begin and end.
    """
    if not trainer.is_trainer:
        raise PermissionError("only trainers create cohorts")
    name = clean_text(name, 120)
    if not name:
        raise CohortError(_l("Give the cohort a name."), "name")
    if ends_on is not None and ends_on < starts_on:
        raise CohortError(_l("The end date is before the start date."), "ends_on")
    try:
        zone = timezones.check_zone(timezone) if timezone else timezones.zone_of(trainer)
    except timezones.TimezoneError as error:
        raise CohortError(error.message, "timezone") from None
    cohort = Cohort(
        course_id=course_id, name=name, starts_on=starts_on, ends_on=ends_on,
        invite_code=_new_code(), created_by_id=trainer.id, identified_surveys=identified_surveys, timezone=zone,
    )
    db.session.add(cohort)
    db.session.flush()
    db.session.add(CohortMember(cohort_id=cohort.id, user_id=trainer.id, role="trainer"))
    return cohort


def new_invite_code(trainer: User, cohort: Cohort) -> str:
    """Replace the invite code (the old one stops working)."""
    require_manager(trainer, cohort)
    cohort.invite_code = _new_code()
    return cohort.invite_code


def find_by_code(raw_code: str) -> Cohort | None:
    code = normalise_code(raw_code)
    if len(code) != CODE_LENGTH:
        return None
    return db.session.execute(select(Cohort).where(Cohort.invite_code == code)).scalar_one_or_none()


def join_cohort(user: User, raw_code: str, today: date) -> Cohort:
    """Add ``user`` to the cohort with this invite code as a participant.

    Joining twice is harmless. Raises CohortError for an unknown code or a cohort that has
    ended. The caller enrols the user in the cohort's course.
    """
    if user.is_guest:
        raise CohortError(_l("A guest judge's account judges case exercises only; it cannot join a cohort."), "code")
    cohort = find_by_code(raw_code)
    if cohort is None:
        raise CohortError(_l("No cohort has that invite code. Check it with your trainer."), "code")
    if cohort.ends_on is not None and cohort.ends_on < today:
        raise CohortError(_l("That cohort ended on %(date)s.", date=cohort.ends_on.isoformat()), "code")
    existing = membership(user, cohort)
    if existing is None:
        try:
            with db.session.begin_nested():
                db.session.add(CohortMember(cohort_id=cohort.id, user_id=user.id, role="participant"))
        except IntegrityError:  # the same person joined from another tab at the same moment
            pass
    return cohort


def membership(user: User, cohort: Cohort) -> CohortMember | None:
    return db.session.execute(
        select(CohortMember).where(CohortMember.cohort_id == cohort.id, CohortMember.user_id == user.id)
    ).scalar_one_or_none()


def can_manage(user: User, cohort: Cohort) -> bool:
    """Admins manage every cohort; a trainer only the cohorts he runs."""
    if not user.is_authenticated:
        return False
    if user.is_admin:
        return True
    if not user.is_trainer:
        return False
    member = membership(user, cohort)
    return member is not None and member.role == "trainer"


def runs_a_cohort_of(user: User, course_id: int) -> bool:
    """Admins, and trainers who run a cohort of this course (who manage its question bank)."""
    if not user.is_authenticated or not user.is_trainer:
        return False
    if user.is_admin:
        return True
    return db.session.execute(select(CohortMember.id).join(Cohort, Cohort.id == CohortMember.cohort_id).where(
        CohortMember.user_id == user.id, CohortMember.role == "trainer", Cohort.course_id == course_id).limit(1)
    ).first() is not None


def require_manager(user: User, cohort: Cohort) -> None:
    if not can_manage(user, cohort):
        raise PermissionError("not a trainer of this cohort")


def cohorts_run_by(user: User) -> list[Cohort]:
    """The cohorts a user may manage: all for admins, his own for trainers."""
    query = select(Cohort).order_by(Cohort.starts_on.desc(), Cohort.id.desc())
    if not user.is_admin:
        query = query.join(CohortMember, CohortMember.cohort_id == Cohort.id).where(
            CohortMember.user_id == user.id, CohortMember.role == "trainer"
        )
    return list(db.session.execute(query).scalars())


def participants(cohort: Cohort) -> list[User]:
    return list(
        db.session.execute(
            select(User)
            .join(CohortMember, CohortMember.user_id == User.id)
            .where(CohortMember.cohort_id == cohort.id, CohortMember.role == "participant")
            .order_by(User.handle_key)
        ).scalars()
    )

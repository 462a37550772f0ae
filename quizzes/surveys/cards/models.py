"""The cards of a cohort as stored: never their numbers, only a keyed digest of each.

A card's number is derived from the survey secret (``services.card_number``), so the trainer can
print a card again, while someone holding only the database can neither read a number nor link
a response to a card.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from training.db import UTCDateTime
from training.extensions import db


class RespondentCard(db.Model):
    __tablename__ = "respondent_cards"
    __table_args__ = (UniqueConstraint("cohort_id", "serial"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    serial: Mapped[int] = mapped_column(Integer)  # 1, 2, ... in the cohort: printed small on the card
    digest: Mapped[str] = mapped_column(String(64), unique=True)  # HMAC(secret, number): finds the card
    made_on: Mapped[date] = mapped_column(Date)
    voided_on: Mapped[date | None] = mapped_column(Date)


class CardSurveys(db.Model):
    """Which phases a cohort's cards may answer now: the trainer opens "after" at the end of the
    workshop, so that a card scanned late cannot answer "before" with what she has just learnt."""

    __tablename__ = "card_surveys"

    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True)
    open_phases: Mapped[list] = mapped_column(JSON, default=list)
    # Paper forms are typed twice, by two people, and count when both agree (cards/entry.py).
    double_entry: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class ImportedSubmission(db.Model):
    """A KoboToolbox or ODK submission imported as a card's response (quizzes/surveys/cards/kobo.py),
    by a keyed digest of its uuid: importing the same export again adds nothing."""

    __tablename__ = "imported_submissions"
    __table_args__ = (UniqueConstraint("survey_id", "digest"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    digest: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)  # to the hour


class PaperEntry(db.Model):
    """One typing of a paper form, waiting: under double entry the first waits for the second,
    and two that disagree wait for a trainer's decision (cards/entry.py). Deleted once the form
    counts. ``entry_key`` is a keyed digest of the cohort, the survey and the card's number."""

    __tablename__ = "paper_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    entry_key: Mapped[str] = mapped_column(String(64), index=True)
    serial: Mapped[int] = mapped_column(Integer)  # printed on the paper: to find it for a decision
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime)

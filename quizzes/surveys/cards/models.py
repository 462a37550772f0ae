"""The cards of a cohort as stored: never their numbers, only a keyed digest of each.

A card's number is derived from the survey secret (``services.card_number``), so the trainer can
print a card again, while someone holding only the database can neither read a number nor link
a response to a card.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, UniqueConstraint
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

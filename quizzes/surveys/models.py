"""Surveys and their responses as stored.

A response carries no account id, no precise time and no sequential id: only a keyed hash
(``respondent_key``) that the same person produces again for the post-survey. The key to that
hash is outside the database (docs/surveys.md).
"""
from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from quizzes.surveys.items import SurveyItem
from training.db import UTCDateTime, utcnow
from training.extensions import db

PHASES = ("pre", "post", "followup")


class Survey(db.Model):
    __tablename__ = "surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"), unique=True)
    phase: Mapped[str] = mapped_column(String(16))
    instrument: Mapped[str] = mapped_column(String(64))  # pre and post of one instrument are matched
    titles: Mapped[dict] = mapped_column(JSON)
    # The items asked in this phase, as validated by quizzes.surveys.package (SurveyItem.to_json each).
    items_json: Mapped[list] = mapped_column("items", JSON)

    @property
    def items(self) -> tuple[SurveyItem, ...]:
        """The items as typed values, made once per loaded row (a survey page reads them many
        times), and again when ``items_json`` is replaced (a sync)."""
        made = self.__dict__.get("_items_made")
        if made is None or made[0] is not self.items_json:
            made = (self.items_json, tuple(SurveyItem.from_json(item) for item in self.items_json or ()))
            self.__dict__["_items_made"] = made
        return made[1]


class SurveyAdjustment(db.Model):
    """A trainer's changes to an instrument for one cohort, made before the cohort starts:
    items not asked, and items reworded (per language)."""

    __tablename__ = "survey_adjustments"
    __table_args__ = (UniqueConstraint("cohort_id", "instrument"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    instrument: Mapped[str] = mapped_column(String(64))
    hidden: Mapped[list] = mapped_column(JSON, default=list)  # item ids
    texts: Mapped[dict] = mapped_column(JSON, default=dict)  # item id -> {lang: text}


class SurveyResponse(db.Model):
    __tablename__ = "survey_responses"
    # The second index answers "how many submitted, per cohort" (tallies.py) and "how many by card"
    # (results.answered_by_source) from the index alone.
    # On SQLite the rows are kept in the order of their random ids (no rowid), not in the order
    # they were written, which would line up with anything else written at the time (a
    # certificate issued by the submission); PostgreSQL: services.reorder_responses.
    __table_args__ = (UniqueConstraint("survey_id", "respondent_key"),
                      Index("ix_survey_responses_counted", "survey_id", "state", "cohort_id", "source"),
                      {"sqlite_with_rowid": False})

    # A random id: an auto-increment would order responses like the completions they follow.
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: uuid.uuid4().hex)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    respondent_key: Mapped[str] = mapped_column(String(64))
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohorts.id", ondelete="SET NULL"))
    # Only in a cohort with identified surveys (participants were told); otherwise always empty.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Coarse, for breakdowns with suppression; set on submission, and None (withheld) when fewer
    # than k of the people the response could come from share it (services.generalised).
    profession: Mapped[str | None] = mapped_column(String(16))
    region: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default="draft")  # draft, submitted
    # How she answered: "account" (signed in) or "card" (a respondent card, quizzes/surveys/cards).
    source: Mapped[str] = mapped_column(String(8), default="account", server_default="account")
    submitted_on: Mapped[date | None] = mapped_column(Date)  # the month only: its first day
    answers: Mapped[dict] = mapped_column(JSON, default=dict)


class SurveyAnswer(db.Model):
    """One answer of a submitted response, one row per item (per choice of a multiple-choice
    item), so that the results are counted by the database (quizzes/surveys/results.py).

    Written when the response is submitted; deleted with it. No id of its own: a sequence
    would order answers like the submissions they come from.
    """

    __tablename__ = "survey_answers"
    __table_args__ = ({"sqlite_with_rowid": False},)  # kept in the order of the responses' random ids

    response_id: Mapped[str] = mapped_column(ForeignKey("survey_responses.id", ondelete="CASCADE"), primary_key=True)
    item: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True, default=0)  # 0.. for multiple choice
    value: Mapped[int | None] = mapped_column(Integer)  # a choice index or a point on a scale
    text: Mapped[str | None] = mapped_column(Text)  # free text


def answer_rows(response_id: str, answers: dict) -> list[dict]:
    """The SurveyAnswer rows of a response's answers (JSON as stored)."""
    rows = []
    for item, value in (answers or {}).items():
        if isinstance(value, bool) or value is None:
            continue
        if isinstance(value, int):
            rows.append({"response_id": response_id, "item": item, "position": 0, "value": value, "text": None})
        elif isinstance(value, list):
            rows.extend({"response_id": response_id, "item": item, "position": i, "value": v, "text": None}
                        for i, v in enumerate(value) if isinstance(v, int) and not isinstance(v, bool))
        elif isinstance(value, str) and value.strip():
            rows.append({"response_id": response_id, "item": item, "position": 0, "value": None, "text": value})
    return rows


class SurveyTally(db.Model):
    """Counts of submitted answers, kept up to date as responses are submitted, so that the
    results page reads a few hundred rows whatever the number of answers
    (quizzes/surveys/tallies.py says what each kind counts).

    A derived table: it can always be rebuilt from ``survey_answers``, and is, whenever it no
    longer agrees with the responses (after a purge, a deleted cohort, a changed survey).
    Absent dimensions are 0 (survey, cohort), -1 (answer) or "" (text), never NULL, so that the
    primary key can take them and an upsert can add to a row.
    """

    __tablename__ = "survey_tallies"

    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(12), primary_key=True)
    later_id: Mapped[int] = mapped_column(Integer, primary_key=True, default=0)  # pairs: the later survey
    cohort_a: Mapped[int] = mapped_column(Integer, primary_key=True, default=0)  # the (pre) response's cohort
    cohort_b: Mapped[int] = mapped_column(Integer, primary_key=True, default=0)  # pairs: the later response's
    item: Mapped[str] = mapped_column(String(64), primary_key=True, default="")
    a: Mapped[int] = mapped_column(Integer, primary_key=True, default=-1)  # an answer, or a score
    b: Mapped[int] = mapped_column(Integer, primary_key=True, default=-1)
    profession: Mapped[str] = mapped_column(String(16), primary_key=True, default="")
    region: Mapped[str] = mapped_column(String(64), primary_key=True, default="")
    n: Mapped[int] = mapped_column(Integer, default=0)
    sum_a: Mapped[int] = mapped_column(Integer, default=0)
    sum_b: Mapped[int] = mapped_column(Integer, default=0)


class SurveyTallyState(db.Model):
    """Which version of an instrument's surveys its tallies were counted for; its row is also
    the lock that keeps a rebuild and a submission's increments apart."""

    __tablename__ = "survey_tally_states"

    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True)
    instrument: Mapped[str] = mapped_column(String(64), primary_key=True)
    signature: Mapped[str] = mapped_column(String(64))


class SurveyInvitation(db.Model):
    """A survey's invitation to a cohort, sent on ``send_on`` (the cohort's day)."""

    __tablename__ = "survey_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"))
    send_on: Mapped[date] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recipients: Mapped[int | None] = mapped_column(Integer)

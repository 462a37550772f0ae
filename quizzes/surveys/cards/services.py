"""Respondent cards: made, found, voided, and the surveys answered with them.

Three keyed hashes, all with the survey secret (quizzes.surveys.services.survey_secret):

- a card's number is derived from its cohort and serial (``card_number``): printing a card
  again gives the same number, and nothing stores it;
- the card's row stores ``HMAC(secret, number)`` (``digest``), so a number typed or scanned finds
  its card, and the database alone leads from no number to a card;
- her answers are stored under ``HMAC(secret, cohort : instrument : number)`` (``respondent_key``),
  the same before and after, as an account's are: the results match them alike.

Nothing else is kept of the person or the phone: no account, no address, no time but the month
her answers were submitted (as for every response).
"""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select

from courses.models import Activity, Course, localized
from quizzes.surveys import services as surveys
from quizzes.surveys.cards import codes
from quizzes.surveys.cards.models import CardSurveys, RespondentCard
from quizzes.surveys.items import SurveyItem
from quizzes.surveys.models import PHASES, Survey, SurveyResponse
from training.cohorts import Cohort, require_manager
from training.db import utcnow
from training.extensions import db

#: At most this many cards are made at once (a PDF of 500 cards is about 63 pages).
MAX_BATCH = 500
#: And at most this many per cohort.
MAX_PER_COHORT = 5000


class CardError(surveys.SurveyError):
    """A card that cannot be used, or a trainer's request about cards refused; nothing changed."""


def card_number(cohort_id: int, serial: int) -> str:
    """The number printed on card ``serial`` of a cohort, with its check digit."""
    mac = hmac.new(surveys.survey_secret(), f"card-number:{cohort_id}:{serial}".encode(), hashlib.sha256).digest()
    return codes.with_check(int.from_bytes(mac[:8], "big"))


def digest(number: str) -> str:
    return hmac.new(surveys.survey_secret(), f"card:{number}".encode(), hashlib.sha256).hexdigest()


def respondent_key(cohort_id: int, instrument: str, number: str) -> str:
    """The pseudonym of a card's answers to an instrument (never equal to an account's: those
    start with the course id, these with ``card``)."""
    return hmac.new(surveys.survey_secret(), f"card:{cohort_id}:{instrument}:{number}".encode(),
                    hashlib.sha256).hexdigest()


# ---------------------------------------------------------------------------------------------
# The trainer's side


@dataclass
class CardCounts:
    made: int
    voided: int
    open_phases: list[str]


def counts(cohort: Cohort) -> CardCounts:
    made, voided = db.session.execute(select(
        func.count(RespondentCard.id), func.count(RespondentCard.voided_on)).where(
        RespondentCard.cohort_id == cohort.id)).one()
    return CardCounts(made=made, voided=voided, open_phases=open_phases(cohort.id))


def make_cards(trainer, cohort: Cohort, how_many: int) -> range:
    """Add ``how_many`` cards to the cohort; returns their serials."""
    require_manager(trainer, cohort)
    if not 1 <= how_many <= MAX_BATCH:
        raise CardError(_l("Make between 1 and %(most)d cards at a time.", most=MAX_BATCH), field="how_many")
    last = db.session.execute(select(func.max(RespondentCard.serial)).where(
        RespondentCard.cohort_id == cohort.id)).scalar_one() or 0
    if last + how_many > MAX_PER_COHORT:
        raise CardError(_l("A cohort has at most %(most)d cards.", most=MAX_PER_COHORT), field="how_many")
    today = utcnow().date()
    db.session.add_all(RespondentCard(cohort_id=cohort.id, serial=serial, digest=digest(card_number(cohort.id, serial)),
                                      made_on=today) for serial in range(last + 1, last + how_many + 1))
    return range(last + 1, last + how_many + 1)


def printable(trainer, cohort: Cohort, first: int | None = None, last: int | None = None) -> list[tuple[int, str]]:
    """(serial, number) of the cohort's cards still in use, from ``first`` to ``last``."""
    require_manager(trainer, cohort)
    query = select(RespondentCard.serial).where(RespondentCard.cohort_id == cohort.id,
                                                RespondentCard.voided_on.is_(None))
    if first is not None:
        query = query.where(RespondentCard.serial >= first)
    if last is not None:
        query = query.where(RespondentCard.serial <= last)
    return [(serial, card_number(cohort.id, serial))
            for serial in db.session.execute(query.order_by(RespondentCard.serial)).scalars()]


def instruments_of(course_id: int) -> list[str]:
    return sorted(set(db.session.execute(select(Survey.instrument).join(Activity, Activity.id == Survey.activity_id)
                                         .where(Activity.course_id == course_id)).scalars()))


def phases_of(course_id: int) -> set[str]:
    return set(db.session.execute(select(Survey.phase).join(Activity, Activity.id == Survey.activity_id)
                                  .where(Activity.course_id == course_id)).scalars())


def void(trainer, cohort: Cohort, typed: str) -> RespondentCard:
    """Void a card, given its number or its serial: it answers nothing more, and what it answered
    is taken out of the results (a card two people used matches nobody's before with her after)."""
    require_manager(trainer, cohort)
    text = (typed or "").strip()
    if text[:1] in ("#", "＃"):  # the serial as printed on the card: "#5"
        text = text[1:].strip()
    if text.isdigit() and len(text) <= 5:
        card = db.session.execute(select(RespondentCard).where(
            RespondentCard.cohort_id == cohort.id, RespondentCard.serial == int(text))).scalar_one_or_none()
        number = card_number(cohort.id, card.serial) if card else None
    else:
        try:
            number = codes.parse(text)
        except codes.NotACardNumber:
            raise CardError(_l("That is not a card number: check the digits (the last one catches typos)."),
                            field="card") from None
        card = db.session.execute(select(RespondentCard).where(
            RespondentCard.digest == digest(number), RespondentCard.cohort_id == cohort.id)).scalar_one_or_none()
    if card is None:
        raise CardError(_l("This cohort has no such card."), field="card")
    if card.voided_on is not None:
        raise CardError(_l("Card %(serial)d is void already.", serial=card.serial), field="card")
    card.voided_on = utcnow().date()
    keys = [respondent_key(cohort.id, instrument, number) for instrument in instruments_of(cohort.course_id)]
    if keys:
        # The results' counts are rebuilt from the remaining answers when next read (tallies.py).
        db.session.execute(delete(SurveyResponse).where(SurveyResponse.respondent_key.in_(keys),
                                                        SurveyResponse.cohort_id == cohort.id))
    return card


def open_phases(cohort_id: int) -> list[str]:
    row = db.session.get(CardSurveys, cohort_id)
    return list(row.open_phases) if row else ["pre"]


def set_open_phases(trainer, cohort: Cohort, phases: list[str]) -> None:
    require_manager(trainer, cohort)
    chosen = [p for p in PHASES if p in phases]
    row = db.session.get(CardSurveys, cohort.id)
    if row is None:
        db.session.add(CardSurveys(cohort_id=cohort.id, open_phases=chosen))
    else:
        row.open_phases = chosen


# ---------------------------------------------------------------------------------------------
# The card holder's side


@dataclass
class Card:
    """A card in use, as its holder's pages need it."""

    number: str
    cohort: Cohort
    course: Course


def find(typed: str | None) -> Card:
    """The card with this number; CardError if it is mistyped, unknown or void."""
    try:
        number = codes.parse(typed)
    except codes.NotACardNumber:
        raise CardError(_l("That number is not right. Check each digit against your card, or ask the trainer."),
                        field="card") from None
    row = db.session.execute(select(RespondentCard).where(RespondentCard.digest == digest(number))).scalar_one_or_none()
    if row is None:
        raise CardError(_l("No card has this number. Check each digit against your card, or ask the trainer."),
                        field="card")
    if row.voided_on is not None:
        raise CardError(_l("This card can no longer be used. Ask the trainer for a new card."), field="card")
    cohort = db.session.get(Cohort, row.cohort_id)
    return Card(number=number, cohort=cohort, course=db.session.get(Course, cohort.course_id))


@dataclass
class ShownActivity:
    id: int
    slug: str
    title: str


@dataclass
class CardSurvey:
    """One survey of the card's course, as the card page lists it and the survey page shows it
    (the attributes quizzes.surveys.services reads of a SurveyContext)."""

    course: Course
    survey: Survey
    activity: ShownActivity
    items: tuple[SurveyItem, ...]
    is_open: bool
    response: SurveyResponse | None

    @property
    def submitted(self) -> bool:
        return self.response is not None and self.response.state == "submitted"


def cohort_surveys(cohort: Cohort, course: Course, locale: str) -> list[CardSurvey]:
    """The course's surveys in course order, as the cohort's cards are asked them (with the
    cohort's adjustment), none answered."""
    rows = db.session.execute(select(Survey, Activity).join(Activity, Activity.id == Survey.activity_id).where(
        Activity.course_id == course.id).order_by(Activity.position)).all()
    phases = open_phases(cohort.id)
    adjustments = {name: surveys.adjustment_for(cohort, name) for name in {s.instrument for s, _a in rows}}
    return [CardSurvey(course=course, survey=survey,
                       activity=ShownActivity(activity.id, activity.slug, localized(activity.titles, locale)),
                       items=surveys.adjusted_items(survey.items, adjustments[survey.instrument]),
                       is_open=survey.phase in phases, response=None)
            for survey, activity in rows]


def card_surveys(card: Card, locale: str) -> list[CardSurvey]:
    """The course's surveys in course order, with what this card has answered of each."""
    out = cohort_surveys(card.cohort, card.course, locale)
    keys = {ctx.survey.id: respondent_key(card.cohort.id, ctx.survey.instrument, card.number) for ctx in out}
    responses = {r.survey_id: r for r in db.session.execute(select(SurveyResponse).where(
        SurveyResponse.respondent_key.in_(list(keys.values())))).scalars() if keys.get(r.survey_id) == r.respondent_key}
    for ctx in out:
        ctx.response = responses.get(ctx.survey.id)
    return out


def card_survey(card: Card, activity_slug: str, locale: str) -> CardSurvey | None:
    return next((s for s in card_surveys(card, locale) if s.activity.slug == activity_slug), None)


def _locked(card: Card, ctx: CardSurvey, entered: bool = False) -> SurveyResponse:
    if not ctx.is_open and not entered:
        raise CardError(_l("This survey is not open now. The trainer opens it at the right time in the workshop."))
    key = respondent_key(card.cohort.id, ctx.survey.instrument, card.number)
    return surveys.response_locked(ctx.survey.id, key, card.cohort.id, source="card")


def save(card: Card, ctx: CardSurvey, raw: dict) -> SurveyResponse:
    """Store the card's answers as given (a draft), all or nothing."""
    cleaned = surveys.clean_answers(ctx.items, raw)
    response = _locked(card, ctx)
    if response.state == "submitted":
        raise CardError(_l("This card has already answered this survey. The first answers stand."))
    return surveys.save_draft(response, cleaned)


def submit(card: Card, ctx: CardSurvey, raw: dict, entered: bool = False) -> None:
    """Submit the card's answers. A card answers each survey once: a second submission (the same
    card on another phone) is refused, and the first answers stand.

    ``entered``: answers a trainer brings in from paper or from KoboToolbox/ODK, given at the
    right time in the room, so the phases open to card holders now do not limit them."""
    cleaned = surveys.clean_answers(ctx.items, raw)
    response = _locked(card, ctx, entered)
    # No profession or region: nobody told us, and a card stands for no account.
    if response.state == "submitted" or not surveys.submit_response(
            response, cleaned, card.course.id, ctx.survey.instrument, None, None):
        raise CardError(_l("This card has already answered this survey. The first answers stand."))


def submit_entered(card: Card, ctx: CardSurvey, raw: dict) -> None:
    """``submit`` for answers a trainer enters or imports for the card."""
    submit(card, ctx, raw, entered=True)

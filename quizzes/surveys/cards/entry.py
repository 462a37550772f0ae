"""Paper questionnaires and their data entry, with optional double entry.

A printed questionnaire carries one card's number and numbered boxes (1, 2, 3... for the
choices; the scale's points as they are). A trainer types the forms back in on a keyboard: the
card number (its check digit catches a typo), then one digit per question, Enter to save. An
entered form is the card's response, as if she had answered on her phone.

With double entry (a cohort's choice), each form is typed twice, by two different people. The
first entry waits; the second one counts the form if both agree, and otherwise both wait as a
disagreement until a trainer decides each differing answer with the paper in hand. While a form
waits, its answers are kept under a keyed digest of the card's number, with the card's printed
serial so that the paper can be found; both are deleted once the form counts.
"""
from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from quizzes.surveys import services as surveys
from quizzes.surveys.cards import codes
from quizzes.surveys.cards.models import CardSurveys, PaperEntry, RespondentCard
from quizzes.surveys.cards.services import (
    Card,
    CardError,
    CardSurvey,
    card_survey,
    digest,
    find,
    submit_entered,
)
from quizzes.surveys.items import CHOICE_TYPES, SCALE_TYPES, SurveyItem
from training.accounts import User
from training.cohorts import Cohort, require_manager
from training.db import utcnow
from training.extensions import db


class EntryError(CardError):
    """A typed form that cannot be saved; ``fields`` names each question at fault."""

    def __init__(self, message, field: str | None = None, fields: dict | None = None):
        super().__init__(message, field)
        self.fields = fields or {}


# ---------------------------------------------------------------------------------------------
# What the paper shows and what a typed digit means


def boxes(item: SurveyItem) -> list[str]:
    """The numbers printed beside an item's boxes: 1.. for choices, the scale's points."""
    if item.type in CHOICE_TYPES:
        return [str(n) for n in range(1, len(item.choices) + 1)]
    if item.type in SCALE_TYPES:
        return [str(n) for n in range(1, item.points + 1)]
    return []


def read_typed(item: SurveyItem, typed: str) -> str | list[str]:
    """The value the survey pages post for what was typed for an item (``""``: not answered);
    ValueError when it is not a box of the item."""
    text = (typed or "").strip().translate({0xFF10 + i: ord("0") + i for i in range(10)})
    kind = item.type
    if kind == "text":
        return text[: surveys.TEXT_MAX]
    if not text:
        return [] if kind == "multiple" else ""
    shown = boxes(item)
    if kind == "multiple":
        digits = re.findall(r"\d+", text) if re.search(r"[\s,;]", text) else list(text)
        if not all(d in shown for d in digits):
            raise ValueError("not a box")
        return [str(int(d) - 1) for d in digits]
    if text not in shown:
        raise ValueError("not a box")
    return str(int(text) - 1) if kind in ("knowledge", "single") else text


def typed_answers(items: tuple[SurveyItem, ...], form) -> tuple[dict, dict]:
    """(answers as the survey pages post them, {item id: message} for what could not be read)."""
    raw, problems = {}, {}
    for item in items:
        typed = form.get(f"i-{item.id}", "")[:2000]
        try:
            raw[item.id] = read_typed(item, typed)
        except ValueError:
            problems[item.id] = str(_l("Type one of the numbers by its boxes: %(boxes)s.",
                                          boxes=", ".join(boxes(item))))
    return raw, problems


# ---------------------------------------------------------------------------------------------
# Double entry, a cohort's choice


def double_entry(cohort_id: int) -> bool:
    row = db.session.get(CardSurveys, cohort_id)
    return bool(row and row.double_entry)


def set_double_entry(trainer: User, cohort: Cohort, on: bool) -> None:
    require_manager(trainer, cohort)
    row = db.session.get(CardSurveys, cohort.id)
    if row is None:
        db.session.add(CardSurveys(cohort_id=cohort.id, open_phases=["pre"], double_entry=on))
    else:
        row.double_entry = on


def _entry_key(cohort_id: int, survey_id: int, number: str) -> str:
    return hmac.new(surveys.survey_secret(), f"entry:{cohort_id}:{survey_id}:{number}".encode(),
                    hashlib.sha256).hexdigest()


@dataclass
class Entered:
    outcome: str  # "counted", "waiting" (for the second entry), "disagreement"
    serial: int


def card_and_survey(trainer: User, cohort: Cohort, typed_number: str, activity_slug: str,
                    locale: str) -> tuple[Card, CardSurvey]:
    """The card typed (one of this cohort's, in use) and its survey; EntryError if not."""
    require_manager(trainer, cohort)
    try:
        card = find(typed_number)
    except CardError as refusal:
        raise EntryError(refusal.message, "card") from None
    if card.cohort.id != cohort.id:
        raise EntryError(_l("This card belongs to another cohort."), "card")
    ctx = card_survey(card, activity_slug, locale)
    if ctx is None:
        raise EntryError(_l("This course has no such survey."))
    return card, ctx


def enter(trainer: User, cohort: Cohort, activity_slug: str, typed_number: str, form, locale: str) -> Entered:
    """Enter one paper form. All or nothing: EntryError (its ``fields`` for the questions) and
    nothing stored if the number or an answer cannot be read."""
    card, ctx = card_and_survey(trainer, cohort, typed_number, activity_slug, locale)
    raw, problems = typed_answers(ctx.items, form)
    if problems:
        raise EntryError(_l("Some answers could not be read: nothing was saved."), fields=problems)
    if ctx.submitted:
        raise EntryError(_l("This card has already answered this survey. The first answers stand."), "card")
    cleaned = surveys.clean_answers(ctx.items, raw)
    serial = _serial(card)
    if not double_entry(cohort.id):
        submit_entered(card, ctx, raw)
        return Entered("counted", serial)
    key = _entry_key(cohort.id, ctx.survey.id, card.number)
    waiting = list(db.session.execute(select(PaperEntry).where(PaperEntry.entry_key == key)
                                      .order_by(PaperEntry.id).with_for_update()).scalars())
    if any(e.entered_by_id == trainer.id for e in waiting):
        raise EntryError(_l("You have entered this form already. Double entry needs a second person to type it."),
                         "card")
    if len(waiting) >= 2:
        raise EntryError(_l("This form's two entries disagree: decide them below before entering it again."), "card")
    if not waiting:
        db.session.add(PaperEntry(cohort_id=cohort.id, survey_id=ctx.survey.id, entry_key=key, serial=serial,
                                  entered_by_id=trainer.id, answers=cleaned, entered_at=utcnow()))
        return Entered("waiting", serial)
    if waiting[0].answers == cleaned:
        submit_entered(card, ctx, raw)
        db.session.execute(delete(PaperEntry).where(PaperEntry.entry_key == key))
        return Entered("counted", serial)
    db.session.add(PaperEntry(cohort_id=cohort.id, survey_id=ctx.survey.id, entry_key=key, serial=serial,
                              entered_by_id=trainer.id, answers=cleaned, entered_at=utcnow()))
    return Entered("disagreement", serial)


def answer_on_tablet(trainer: User, cohort: Cohort, activity_slug: str, typed_number: str, raw: dict,
                     locale: str) -> int:
    """A card holder's own answers, given on the trainer's tablet (cards/tablet.html): the values
    the survey pages post. Counted at once (no double entry: nobody typed them from paper).
    Returns the card's serial; CardError/SurveyError and nothing stored if they cannot be."""
    card, ctx = card_and_survey(trainer, cohort, typed_number, activity_slug, locale)
    submit_entered(card, ctx, raw)
    return _serial(card)


def _serial(card: Card) -> int:
    return db.session.execute(select(RespondentCard.serial).where(
        RespondentCard.digest == digest(card.number))).scalar_one()


@dataclass
class Disagreement:
    entry_key: str
    serial: int
    survey_id: int
    # (item, the first entry's value, the second's), only where they differ
    differences: list[tuple[dict, object, object]]


def waiting_counts(cohort: Cohort, survey_id: int) -> tuple[int, int]:
    """(forms waiting for their second entry, forms whose entries disagree)."""
    rows = db.session.execute(select(PaperEntry.entry_key).where(
        PaperEntry.cohort_id == cohort.id, PaperEntry.survey_id == survey_id)).scalars().all()
    per_form: dict[str, int] = {}
    for key in rows:
        per_form[key] = per_form.get(key, 0) + 1
    return sum(1 for n in per_form.values() if n == 1), sum(1 for n in per_form.values() if n >= 2)


def disagreements(cohort: Cohort, ctx: CardSurvey) -> list[Disagreement]:
    rows = list(db.session.execute(select(PaperEntry).where(
        PaperEntry.cohort_id == cohort.id, PaperEntry.survey_id == ctx.survey.id).order_by(PaperEntry.id)).scalars())
    by_key: dict[str, list[PaperEntry]] = {}
    for row in rows:
        by_key.setdefault(row.entry_key, []).append(row)
    out = []
    for key, entries in by_key.items():
        if len(entries) < 2:
            continue
        first, second = entries[0].answers, entries[1].answers
        differences = [(item, first.get(item.id), second.get(item.id)) for item in ctx.items
                       if first.get(item.id) != second.get(item.id)]
        out.append(Disagreement(key, entries[0].serial, ctx.survey.id, differences))
    return sorted(out, key=lambda d: d.serial)


def resolve(trainer: User, cohort: Cohort, activity_slug: str, serial: int, chosen: dict, locale: str) -> None:
    """Count a disagreeing form with the answer the trainer read on the paper for each
    difference (``chosen``: item id -> "first" or "second")."""
    from quizzes.surveys.cards.services import card_number

    require_manager(trainer, cohort)
    number = card_number(cohort.id, serial)
    try:
        card = find(number)
    except CardError as refusal:
        raise EntryError(refusal.message) from None
    ctx = card_survey(card, activity_slug, locale)
    if ctx is None:
        raise EntryError(_l("This course has no such survey."))
    key = _entry_key(cohort.id, ctx.survey.id, card.number)
    entries = list(db.session.execute(select(PaperEntry).where(PaperEntry.entry_key == key)
                                      .order_by(PaperEntry.id).with_for_update()).scalars())
    if len(entries) < 2:
        raise EntryError(_l("This form no longer waits for a decision. Reload the page."))
    first, second = entries[0].answers, entries[1].answers
    decided = dict(first)
    for item in ctx.items:
        if first.get(item.id) == second.get(item.id):
            continue
        which = chosen.get(item.id)
        if which not in ("first", "second"):
            raise EntryError(_l("Choose one entry for every answer that differs."))
        decided[item.id] = (first if which == "first" else second).get(item.id)
    raw = {item_id: _as_posted(value) for item_id, value in decided.items()}
    submit_entered(card, ctx, raw)
    db.session.execute(delete(PaperEntry).where(PaperEntry.entry_key == key))


def _as_posted(value):
    if value is None:
        return ""
    if isinstance(value, list):
        return [str(v) for v in value]
    return str(value)


def shown_value(item: SurveyItem, value) -> str:
    """A stored answer as the box number(s) on the paper, for the disagreement list."""
    if value is None or value == []:
        return "—"
    if item.type in ("knowledge", "single"):
        return str(value + 1)
    if item.type == "multiple":
        return " ".join(str(v + 1) for v in value)
    return str(value)


def number_from(typed: str) -> str:
    """The card number typed on the entry page, for keeping it in the form after a refusal."""
    try:
        return codes.grouped(codes.parse(typed))
    except codes.NotACardNumber:
        return (typed or "")[:40]


# ---------------------------------------------------------------------------------------------
# Forms captured offline on a tablet, sent when it is back online

#: At most this many forms in one request (the page sends its queue in batches of this size).
SYNC_BATCH = 50
_DEVICE_ID = re.compile(r"^[A-Za-z0-9-]{8,64}$")


@dataclass
class Synced:
    id: str
    outcome: str  # counted, waiting, disagreement, already (sent before), refused
    serial: int | None = None
    message: str = ""


def sync(trainer: User, cohort: Cohort, activity_slug: str, records: list, locale: str) -> list[Synced]:
    """Enter forms a device queued while offline, each under the id the device gave it: one sent
    again (the connection dropped before the answer came) is answered "already" and changes
    nothing. Each form stands alone: a refused one (a void card, a typo, answered already) is
    reported with its reason and the others are entered."""
    from werkzeug.datastructures import MultiDict

    from courses.models import Course
    from quizzes.surveys.cards.models import ImportedSubmission
    from quizzes.surveys.cards.services import cohort_surveys

    require_manager(trainer, cohort)
    course = db.session.get(Course, cohort.course_id)
    ctx = next((c for c in cohort_surveys(cohort, course, locale) if c.activity.slug == activity_slug), None)
    if ctx is None:
        raise EntryError(_l("This course has no such survey."))
    out = []
    for record in records[:SYNC_BATCH]:
        device_id = record.get("id") if isinstance(record, dict) else None
        if not isinstance(device_id, str) or not _DEVICE_ID.match(device_id):
            out.append(Synced(str(device_id)[:64], "refused", message=str(_l("This form has no id from the device."))))
            continue
        card, answers = record.get("card"), record.get("answers")
        answered = record.get("kind") == "answered"  # the tablet's answer page, not typed from paper
        if not isinstance(card, str) or not isinstance(answers, dict) or len(answers) > 200 or not all(
                isinstance(k, str) and (isinstance(v, str) or (answered and isinstance(v, list) and len(v) <= 50
                                                               and all(isinstance(x, str) for x in v)))
                for k, v in answers.items()):
            out.append(Synced(device_id, "refused", message=str(_l("This form could not be read."))))
            continue
        digest_ = hmac.new(surveys.survey_secret(), f"device:{ctx.survey.id}:{device_id}".encode(),
                           hashlib.sha256).hexdigest()
        seen = db.session.execute(select(ImportedSubmission.id).where(
            ImportedSubmission.survey_id == ctx.survey.id, ImportedSubmission.digest == digest_)).first()
        if seen:
            out.append(Synced(device_id, "already"))
            continue
        try:
            with db.session.begin_nested():
                if answered:
                    raw = {key[2:]: value for key, value in answers.items() if key.startswith("i-")}
                    done = Entered("counted", answer_on_tablet(trainer, cohort, activity_slug, card[:60], raw, locale))
                else:
                    done = enter(trainer, cohort, activity_slug, card[:60], MultiDict(answers), locale)
                db.session.add(ImportedSubmission(survey_id=ctx.survey.id, cohort_id=cohort.id, digest=digest_,
                                                  imported_at=utcnow().replace(minute=0, second=0, microsecond=0)))
                db.session.flush()
        except surveys.SurveyError as refusal:  # CardError and EntryError among them
            problems = getattr(refusal, "fields", None) or {}
            detail = "; ".join(f"{item_id}: {text}" for item_id, text in problems.items())
            out.append(Synced(device_id, "refused", message=f"{refusal.message}{' ' + detail if detail else ''}"))
            continue
        out.append(Synced(device_id, done.outcome, done.serial))
    return out

"""Card pages: the trainer's (make, print, void, open a phase) and the card holder's (no log-in).

The holder's pages show nothing but the surveys: no course name, no menu of the site's
courses, no account. The card's number is kept in her browser's session cookie while she
answers, and "Forget this card" (or closing the browser) drops it.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from courses.models import Course, localized
from quizzes.surveys import services as surveys_services
from quizzes.surveys.cards import codes, entry, services
from quizzes.surveys.cards import kobo as kobo_forms
from quizzes.surveys.cards.forms import CardNumberForm, ImportForm, MakeCardsForm, VoidCardForm
from quizzes.surveys.items import CHOICE_TYPES, SurveyItem
from quizzes.surveys.models import PHASES
from quizzes.surveys.views import items_for_display, post_answers
from training import audit, qr
from training.cohorts import Cohort, can_manage
from training.extensions import db, limiter
from training.forms import ConfirmForm
from training.i18n import current_language
from training.params import whole_number
from training.pdf import render_pdf
from training.public_links import public_url
from training.refusals import refuse
from training.roles import trainer_required

bp = Blueprint("cards", __name__, template_folder="templates")

def _phase_label(phase: str) -> str:
    return {"pre": _("Before the workshop"), "post": _("After the workshop"),
            "followup": _("Some months later")}.get(phase, phase)


# ---------------------------------------------------------------------------------------------
# The trainer's pages


def _managed(cohort_id: int) -> Cohort:
    cohort = db.get_or_404(Cohort, cohort_id)
    if not can_manage(current_user, cohort):
        abort(403)
    return cohort


def _has_surveys(cohort: Cohort) -> bool:
    return bool(services.instruments_of(cohort.course_id))


@bp.get("/cohorts/<int:cohort_id>/cards")
@trainer_required
def manage(cohort_id: int):
    cohort = _managed(cohort_id)
    return _manage_page(cohort, MakeCardsForm(), VoidCardForm())


def _manage_page(cohort: Cohort, make_form, void_form, status: int = 200):
    course = db.session.get(Course, cohort.course_id)
    return render_template("cards/manage.html", cohort=cohort, course_title=localized(course.titles, current_language()),
                           counts=services.counts(cohort), make_form=make_form, void_form=void_form,
                           form=ConfirmForm(), phases=_phases(cohort),
                           has_surveys=_has_surveys(cohort), card_address=public_url("cards.home"),
                           surveys=services.cohort_surveys(cohort, course, current_language()),
                           batch=(whole_number(request.args, "first"), whole_number(request.args, "last"))), status


def _phases(cohort: Cohort) -> list[tuple[str, str]]:
    asked = services.phases_of(cohort.course_id)
    return [(phase, _phase_label(phase)) for phase in PHASES if phase in asked]


@bp.post("/cohorts/<int:cohort_id>/cards")
@trainer_required
def make(cohort_id: int):
    cohort = _managed(cohort_id)
    form = MakeCardsForm()
    if not form.validate_on_submit():
        return _manage_page(cohort, form, VoidCardForm(), 422)
    if not _has_surveys(cohort):
        abort(404)
    try:
        serials = services.make_cards(current_user, cohort, form.how_many.data)
    except services.CardError as problem:
        db.session.rollback()
        form.how_many.errors = [str(problem.message)]
        return _manage_page(cohort, form, VoidCardForm(), 422)
    audit.record(current_user, "cards.make", f"cohort {cohort.id} ({cohort.name})", request.remote_addr,
                 cards=len(serials), first=serials.start, last=serials.stop - 1)
    db.session.commit()
    flash(_("%(n)d cards made (numbers %(first)d to %(last)d). Print them now or later.",
            n=len(serials), first=serials.start, last=serials.stop - 1), "success")
    return redirect(url_for("cards.manage", cohort_id=cohort.id, first=serials.start, last=serials.stop - 1))


@bp.get("/cohorts/<int:cohort_id>/cards.pdf")
@trainer_required
def cards_pdf(cohort_id: int):
    """The cards to print: eight to an A4 page to cut, or one A6 card per page."""
    cohort = _managed(cohort_id)
    layout = "a6" if request.args.get("layout") == "a6" else "a4"
    first, last = whole_number(request.args, "first"), whole_number(request.args, "last")
    cards = services.printable(current_user, cohort, first, last)
    if not cards:
        abort(404)
    course = db.session.get(Course, cohort.course_id)
    html = render_template("cards/cards_pdf.html", layout=layout, cards=_printed(cards),
                           languages=course.languages, site=current_app.config["AMICUS_SITE_NAME"],
                           address=public_url("cards.home"))
    audit.record(current_user, "export.cards", f"cohort {cohort.id} ({cohort.name})", request.remote_addr,
                 cards=len(cards), layout=layout)
    db.session.commit()
    name = f"cards-cohort-{cohort.id}-{cards[0][0]}-{cards[-1][0]}-{layout}.pdf"
    return Response(render_pdf(html, resolve=_qr_codes(cards)), mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _printed(cards: list[tuple[int, str]]) -> list[dict]:
    return [{"serial": serial, "number": codes.grouped(number), "qr": f"amicus-qr:/{serial}.png"}
            for serial, number in cards]


def _qr_codes(cards: list[tuple[int, str]]):
    """The QR codes of the cards, drawn as WeasyPrint asks for them: each opens its card's page."""
    numbers = {f"amicus-qr:/{serial}.png": number for serial, number in cards}

    def resolve(url: str):
        number = numbers.get(url)
        return (qr.png(public_url("cards.open_card", number=number)), "image/png") if number else None
    return resolve


@bp.post("/cohorts/<int:cohort_id>/cards/void")
@trainer_required
def void(cohort_id: int):
    cohort = _managed(cohort_id)
    form = VoidCardForm()
    if not form.validate_on_submit():
        return _manage_page(cohort, MakeCardsForm(), form, 422)
    try:
        card = services.void(current_user, cohort, form.card.data)
    except services.CardError as problem:
        db.session.rollback()
        form.card.errors = [str(problem.message)]
        return _manage_page(cohort, MakeCardsForm(), form, 422)
    audit.record(current_user, "cards.void", f"cohort {cohort.id} ({cohort.name})", request.remote_addr,
                 serial=card.serial)
    db.session.commit()
    flash(_("Card %(serial)d is void: it can no longer answer, and its answers are no longer counted.",
            serial=card.serial), "success")
    return redirect(url_for("cards.manage", cohort_id=cohort.id))


@bp.post("/cohorts/<int:cohort_id>/cards/phases")
@trainer_required
def phases(cohort_id: int):
    cohort = _managed(cohort_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    chosen = [p for p in request.form.getlist("phase") if p in PHASES]
    services.set_open_phases(current_user, cohort, chosen)
    audit.record(current_user, "cards.phases", f"cohort {cohort.id} ({cohort.name})", request.remote_addr,
                 open=chosen)
    db.session.commit()
    flash(_("Saved: cards can now answer the surveys ticked.") if chosen else
          _("Saved: cards can answer no survey now."), "success")
    return redirect(url_for("cards.manage", cohort_id=cohort.id))


# ---------------------------------------------------------------------------------------------
# KoboToolbox and ODK: forms out, submissions in


def _import_form(cohort: Cohort, listed) -> ImportForm:
    form = ImportForm()
    form.survey.choices = [SelectChoice(ctx.activity.slug, f"{ctx.activity.title} ({_phase_label(ctx.survey.phase)})")
                           for ctx in listed]
    return form


def _kobo_page(cohort: Cohort, form, listed, report=None, status: int = 200):
    return render_template("cards/kobo.html", cohort=cohort, surveys=listed, form=form, report=report), status


@bp.get("/cohorts/<int:cohort_id>/cards/kobo")
@trainer_required
def kobo(cohort_id: int):
    cohort = _managed(cohort_id)
    listed = services.cohort_surveys(cohort, db.session.get(Course, cohort.course_id), current_language())
    return _kobo_page(cohort, _import_form(cohort, listed), listed)


@bp.get("/cohorts/<int:cohort_id>/cards/kobo/<activity>.xlsx")
@trainer_required
def xlsform(cohort_id: int, activity: str):
    """The survey as an XLSForm for KoboToolbox or ODK Collect, for this cohort's cards."""
    cohort = _managed(cohort_id)
    course = db.session.get(Course, cohort.course_id)
    ctx = next((c for c in services.cohort_surveys(cohort, course, current_language()) if c.activity.slug == activity), None)
    if ctx is None:
        abort(404)
    try:
        data = kobo_forms.xlsform(cohort, ctx, course.languages)
    except services.CardError as problem:
        return refuse(problem, url_for("cards.kobo", cohort_id=cohort.id))
    audit.record(current_user, "export.xlsform", f"cohort {cohort.id} ({cohort.name})", request.remote_addr,
                 survey=activity)
    db.session.commit()
    return Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", headers={
        "Content-Disposition": f'attachment; filename="amicus-cohort-{cohort.id}-{activity}.xlsx"'})


@bp.post("/cohorts/<int:cohort_id>/cards/kobo")
@trainer_required
def kobo_import(cohort_id: int):
    cohort = _managed(cohort_id)
    listed = services.cohort_surveys(cohort, db.session.get(Course, cohort.course_id), current_language())
    form = _import_form(cohort, listed)
    if not form.validate_on_submit():
        return _kobo_page(cohort, form, listed, status=422)
    upload = form.file.data
    data = upload.stream.read(kobo_forms.MAX_BYTES + 1)
    try:
        report = kobo_forms.import_submissions(current_user, cohort, form.survey.data, data, upload.filename or "",
                                               current_language())
    except services.CardError as problem:
        db.session.rollback()
        form.file.errors = [str(problem.message)]
        return _kobo_page(cohort, form, listed, status=422)
    audit.record(current_user, "cards.import", f"cohort {cohort.id} ({cohort.name})", request.remote_addr,
                 survey=form.survey.data, imported=report.imported, already=report.already, refused=len(report.refused))
    db.session.commit()
    return _kobo_page(cohort, _import_form(cohort, listed), listed, report=report)


# ---------------------------------------------------------------------------------------------
# Paper questionnaires and their data entry


def _cohort_survey(cohort: Cohort, activity: str, locale: str | None = None):
    course = db.session.get(Course, cohort.course_id)
    ctx = next((c for c in services.cohort_surveys(cohort, course, locale or current_language())
                if c.activity.slug == activity), None)
    if ctx is None:
        abort(404)
    return course, ctx


@bp.get("/cohorts/<int:cohort_id>/cards/paper/<activity>.pdf")
@trainer_required
def paper_pdf(cohort_id: int, activity: str):
    """One questionnaire per card in use (or cards ``first`` to ``last``), in one language."""
    cohort = _managed(cohort_id)
    course = db.session.get(Course, cohort.course_id)
    lang = request.args.get("lang", "")
    if lang not in course.languages:
        lang = current_language() if current_language() in course.languages else course.languages[0]
    _course, ctx = _cohort_survey(cohort, activity, lang)
    printed = services.printable(current_user, cohort, whole_number(request.args, "first"),
                                 whole_number(request.args, "last"))
    if not printed:
        abort(404)
    with force_locale(lang):
        html = render_template("cards/paper_pdf.html", ctx=ctx, lang=lang, cards=_printed_numbers(printed),
                               items=[PaperItem(item, localized(item.text, lang), entry.boxes(item),
                                                _box_labels(item, lang)) for item in ctx.items])
    audit.record(current_user, "export.paper_forms", f"cohort {cohort.id} ({cohort.name})", request.remote_addr,
                 survey=activity, forms=len(printed))
    db.session.commit()
    return Response(render_pdf(html), mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="questionnaires-{cohort.id}-{activity}-{lang}.pdf"'})


def _printed_numbers(cards: list[tuple[int, str]]) -> list[dict]:
    return [{"serial": serial, "number": codes.grouped(number)} for serial, number in cards]


@dataclass(frozen=True)
class PaperItem:
    """An item as the paper questionnaire prints it and the entry page types it back: its wording
    in one language, the numbers by its boxes and, on paper, what each box stands for."""

    item: SurveyItem
    label: str
    boxes: list[str]
    shown: Sequence[str] = ()

    @property
    def id(self) -> str:
        return self.item.id

    @property
    def type(self) -> str:
        return self.item.type


def _box_labels(item: SurveyItem, lang: str) -> Sequence[str]:
    if item.type in CHOICE_TYPES:
        return [localized(choice, lang) for choice in item.choices]
    return item.scale_labels(lang) or ["" for _ in range(item.points or 0)]


def _entry_page(cohort: Cohort, ctx, error=None, values=None, status: int = 200):
    waiting, disagreeing = entry.waiting_counts(cohort, ctx.survey.id)
    return render_template(
        "cards/entry.html", cohort=cohort, ctx=ctx, form=ConfirmForm(), error=error, values=values or {},
        items=[PaperItem(item, localized(item.text, current_language()), entry.boxes(item)) for item in ctx.items],
        double=entry.double_entry(cohort.id), waiting=waiting, disagreeing=disagreeing,
        disagreements=entry.disagreements(cohort, ctx), shown_value=entry.shown_value, batch=entry.SYNC_BATCH,
        languages=db.session.get(Course, cohort.course_id).languages), status


@bp.get("/cohorts/<int:cohort_id>/cards/entry/<activity>")
@trainer_required
def entry_page(cohort_id: int, activity: str):
    cohort = _managed(cohort_id)
    _course, ctx = _cohort_survey(cohort, activity)
    return _entry_page(cohort, ctx)


@bp.post("/cohorts/<int:cohort_id>/cards/entry/<activity>")
@trainer_required
def enter(cohort_id: int, activity: str):
    """Save one typed form; Enter in any box sends it, and the next form starts empty."""
    cohort = _managed(cohort_id)
    _course, ctx = _cohort_survey(cohort, activity)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        done = entry.enter(current_user, cohort, activity, request.form.get("card", "")[:60], request.form,
                           current_language())
    except services.CardError as problem:
        db.session.rollback()
        values = {key: request.form.get(key, "")[:200] for key in request.form if key.startswith("i-")}
        values["card"] = entry.number_from(request.form.get("card", ""))
        return _entry_page(cohort, ctx, error=problem, values=values, status=422)
    audit.record(current_user, "cards.enter", f"cohort {cohort.id} ({cohort.name})", request.remote_addr,
                 survey=activity, serial=done.serial, outcome=done.outcome)
    db.session.commit()
    flash({"counted": _("Card #%(serial)d: saved, and it counts.", serial=done.serial),
           "waiting": _("Card #%(serial)d: saved. It counts once a second person has typed the same form.",
                        serial=done.serial),
           "disagreement": _("Card #%(serial)d: the two entries disagree. Decide below with the paper in hand.",
                             serial=done.serial)}[done.outcome], "success" if done.outcome != "disagreement" else "error")
    return redirect(url_for("cards.entry_page", cohort_id=cohort.id, activity=activity))


@bp.post("/cohorts/<int:cohort_id>/cards/entry/<activity>/double")
@trainer_required
def set_double(cohort_id: int, activity: str):
    cohort = _managed(cohort_id)
    _cohort_survey(cohort, activity)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    on = request.form.get("double") == "on"
    entry.set_double_entry(current_user, cohort, on)
    audit.record(current_user, "cards.double_entry", f"cohort {cohort.id} ({cohort.name})", request.remote_addr, on=on)
    db.session.commit()
    flash(_("Double entry is on: each form counts once two people have typed it alike.") if on else
          _("Double entry is off: each form counts as soon as it is typed."), "success")
    return redirect(url_for("cards.entry_page", cohort_id=cohort.id, activity=activity))


@bp.post("/cohorts/<int:cohort_id>/cards/entry/<activity>/decide/<int:serial>")
@trainer_required
def decide(cohort_id: int, activity: str, serial: int):
    cohort = _managed(cohort_id)
    _course, ctx = _cohort_survey(cohort, activity)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    chosen = {key[7:]: value for key, value in request.form.items() if key.startswith("choice-")}
    try:
        entry.resolve(current_user, cohort, activity, serial, chosen, current_language())
    except services.CardError as problem:
        db.session.rollback()
        return refuse(problem, url_for("cards.entry_page", cohort_id=cohort.id, activity=activity))
    audit.record(current_user, "cards.decide", f"cohort {cohort.id} ({cohort.name})", request.remote_addr,
                 survey=activity, serial=serial)
    db.session.commit()
    flash(_("Card #%(serial)d: decided, and it counts.", serial=serial), "success")
    return redirect(url_for("cards.entry_page", cohort_id=cohort.id, activity=activity))


# ---------------------------------------------------------------------------------------------
# The entry page offline: a service worker keeps it, the page queues forms and sends them here


@bp.get("/cohorts/<int:cohort_id>/cards/entry/<activity>/sync")
@trainer_required
def sync_token(cohort_id: int, activity: str):
    """A fresh CSRF token for the queue's next batch (the page's own may predate a new log-in)."""
    cohort = _managed(cohort_id)
    _cohort_survey(cohort, activity)
    from flask_wtf.csrf import generate_csrf

    return jsonify(csrf_token=generate_csrf(), batch=entry.SYNC_BATCH)


@bp.post("/cohorts/<int:cohort_id>/cards/entry/<activity>/sync")
@trainer_required
def sync(cohort_id: int, activity: str):
    """Forms queued on a device: ``{"entries": [{"id", "card", "answers": {"i-...": "..."}}]}``,
    each answered with its outcome (``entry.sync``). CSRF is checked from the X-CSRFToken header."""
    cohort = _managed(cohort_id)
    _cohort_survey(cohort, activity)
    payload = request.get_json(silent=True)
    records = payload.get("entries") if isinstance(payload, dict) else None
    if not isinstance(records, list) or len(records) > entry.SYNC_BATCH:
        return jsonify(error=_("Send at most %(n)d forms at a time, as a list.", n=entry.SYNC_BATCH)), 400
    try:
        results = entry.sync(current_user, cohort, activity, records, current_language())
    except services.CardError as problem:
        db.session.rollback()
        return jsonify(error=str(problem.message)), 404
    counted = sum(1 for r in results if r.outcome in ("counted", "waiting", "disagreement"))
    if counted:
        audit.record(current_user, "cards.enter", f"cohort {cohort.id} ({cohort.name})", request.remote_addr,
                     survey=activity, forms=counted, offline=True)
    db.session.commit()
    return jsonify(results=[{"id": r.id, "outcome": r.outcome, "serial": r.serial, "message": r.message}
                            for r in results])


def _tablet_page(cohort: Cohort, ctx, error=None, card_value: str = "", answers: dict | None = None,
                 status: int = 200):
    shown = items_for_display(ctx, None, current_language())
    for index, row in enumerate(shown):  # what she chose stays chosen when the page comes back with a message
        value = (answers or {}).get(row.id)
        if value not in (None, "", []):
            try:
                shown[index] = replace(row, value=surveys_services.clean_answer(row.item, value))
            except ValueError:
                shown[index] = replace(row, value=None)
    return render_template("cards/tablet.html", cohort=cohort, ctx=ctx, items=shown, form=ConfirmForm(),
                           error=error, card_value=card_value, kiosk=True, batch=entry.SYNC_BATCH), status


@bp.get("/cohorts/<int:cohort_id>/cards/tablet/<activity>")
@trainer_required
def tablet(cohort_id: int, activity: str):
    """The survey on the trainer's tablet, passed round: each woman types her card's number."""
    cohort = _managed(cohort_id)
    _course, ctx = _cohort_survey(cohort, activity)
    return _tablet_page(cohort, ctx)


@bp.post("/cohorts/<int:cohort_id>/cards/tablet/<activity>")
@trainer_required
def tablet_answer(cohort_id: int, activity: str):
    cohort = _managed(cohort_id)
    _course, ctx = _cohort_survey(cohort, activity)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    raw = surveys_services.answers_from_form(ctx.items, request.form)
    typed = request.form.get("card", "")[:60]
    try:
        serial = entry.answer_on_tablet(current_user, cohort, activity, typed, raw, current_language())
    except surveys_services.SurveyError as problem:
        db.session.rollback()
        return _tablet_page(cohort, ctx, error=problem, card_value=entry.number_from(typed), answers=raw, status=422)
    audit.record(current_user, "cards.enter", f"cohort {cohort.id} ({cohort.name})", request.remote_addr,
                 survey=activity, serial=serial, outcome="answered on the tablet")
    db.session.commit()
    flash(_("Thank you. Your answers are sent. Keep your card."), "success")
    return redirect(url_for("cards.tablet", cohort_id=cohort.id, activity=activity))


# ---------------------------------------------------------------------------------------------
# The card holder's pages (no log-in)


def _private(response):
    """Her answers are not kept by the browser or a cache on the way, signed in or not."""
    response = make_response(response)
    response.headers["Cache-Control"] = "no-store"
    return response


def _refused_card(response) -> bool:
    return response.status_code == 404


def _card():
    number = session.get("card")
    if not number:
        return None
    try:
        return services.find(number)
    except services.CardError:
        session.pop("card", None)
        return None


def _card_limit() -> str:
    return current_app.config["AMICUS_CARD_ADDRESS_LIMIT"]


@bp.get("/r/<number>")
# Per address only numbers that open no card count: a room answering on one connection must
# not use up what is there to stop someone trying numbers.
@limiter.limit(_card_limit, deduct_when=_refused_card)
def open_card(number: str):
    """Where a card's QR code leads: the card is remembered in this browser, then its surveys."""
    try:
        card = services.find(number)
    except services.CardError as problem:
        form = CardNumberForm()
        form.card.errors = [str(problem.message)]
        return _private(render_template("cards/home.html", card=None, number_form=form)), 404
    session["card"] = card.number
    return redirect(url_for("cards.home"))


@bp.route("/r", methods=["GET", "POST"])
@limiter.limit(_card_limit, methods=["POST"], deduct_when=_refused_card)
def home():
    """Her card's surveys, or a box to type the number printed on a card."""
    form = CardNumberForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            return _private(render_template("cards/home.html", card=None, number_form=form)), 422
        try:
            card = services.find(form.card.data)
        except services.CardError as problem:
            form.card.errors = [str(problem.message)]
            return _private(render_template("cards/home.html", card=None, number_form=form)), 404
        session["card"] = card.number
        return redirect(url_for("cards.home"))
    card = _card()
    listed = services.card_surveys(card, current_language()) if card else []
    return _private(render_template("cards/home.html", card=card, number_form=form, surveys=listed,
                                    form=ConfirmForm(), grouped=codes.grouped,
                                    phase_label=_phase_label))


@bp.post("/r/forget")
def forget():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    session.pop("card", None)
    flash(_("This phone no longer remembers the card."), "success")
    return redirect(url_for("cards.home"))


@bp.route("/r/surveys/<activity>", methods=["GET", "POST"])
def answer(activity: str):
    card = _card()
    if card is None:
        flash(_("Scan your card again, or type its number."), "error")
        return redirect(url_for("cards.home"))
    ctx = services.card_survey(card, activity, current_language())
    if ctx is None:
        abort(404)
    form = ConfirmForm()
    if request.method == "POST":
        return _private(post_answers(ctx, lambda raw: services.save(card, ctx, raw),
                                     lambda raw: services.submit(card, ctx, raw),
                                     here=url_for("cards.answer", activity=activity), done=url_for("cards.home"),
                                     thanks=_("Thank you. Your answers are sent. Keep your card."),
                                     submitted=ctx.submitted))
    items = items_for_display(ctx, ctx.response, current_language())
    return _private(render_template("cards/answer.html", ctx=ctx, form=form, items=items,
                                    locked=ctx.submitted or not ctx.is_open))


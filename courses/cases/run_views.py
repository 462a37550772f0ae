"""The trainer's run of a case exercise (/case-runs/<id>) and the judges' pages, on the cases blueprint."""
from __future__ import annotations

from datetime import datetime
from functools import wraps
from typing import TypeVar

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from courses.cases import judging, runs, services
from courses.cases.forms import (
    AnswerForm,
    GuestJudgeForm,
    JudgeForm,
    MemberForm,
    NewTeamForm,
    PenaltyForm,
    PublishForm,
    RunForm,
    ScheduleForm,
    TeamsOpenForm,
)
from courses.cases.models import CaseRun, CaseTeam
from courses.cases.services import CaseError
from courses.cases.views import bp, download, rubric_view
from training import audit, timezones
from training.cohorts import Cohort, can_manage, participants
from training.extensions import db
from training.forms import ConfirmForm
from training.i18n import current_language
from training.params import whole_number
from training.public_links import public_url
from training.refusals import refuse

# --- the trainer's run --------------------------------------------------------------------------

def _run(run_id: int) -> tuple[services.RunState, bool]:
    """The run and whether the current user manages it; 404 if there is no such run."""
    run = db.get_or_404(CaseRun, run_id)
    state = services.run_state(run, current_language())
    return state, can_manage(current_user, state.cohort)


def _managed_run(run_id: int) -> services.RunState:
    state, manager = _run(run_id)
    if not manager:
        abort(403)
    return state


@bp.post("/cohorts/<int:cohort_id>/cases/<activity>")
@login_required
def set_up(cohort_id: int, activity: str):
    """The cohort's run of the exercise (set up on first use); its trainers only."""
    cohort = db.get_or_404(Cohort, cohort_id)
    if not can_manage(current_user, cohort):
        abort(403)
    exercise = runs.exercise_by_slug(cohort.course_id, activity) or abort(404)
    try:
        run = runs.set_up(current_user, cohort, exercise)
    except CaseError as error:
        return refuse(error, url_for("cohorts.show", cohort_id=cohort.id))
    db.session.commit()
    return redirect(url_for("cases.run", run_id=run.id))


@bp.get("/case-runs/<int:run_id>")
@login_required
def run(run_id: int):
    state = _managed_run(run_id)
    # The trainer sees and types the schedule in her own time zone; it is stored in UTC.
    zone = timezones.zone_of(current_user)
    form = ScheduleForm(data={"due": timezones.to_local_naive(state.run.submissions_due, zone),
                              "late_until": timezones.to_local_naive(state.run.late_until, zone)})
    stage_inputs = {s.slug: timezones.to_local_naive(s.opens_at, zone).strftime("%Y-%m-%dT%H:%M")
                    for s in state.stages if s.opens_at is not None}
    every = services.results(state)
    team_rows = runs.teams(state.run)
    placed = {m.id for row in team_rows for m in row.members}
    return render_template(
        "cases/run.html", state=state, teams=team_rows, judges=runs.judges(state.run),
        free=[p for p in participants(state.cohort) if p.id not in placed], trainers_and_people=runs.cohort_people(state.cohort),
        clarifications=runs.clarifications(state.run), results=every, form=ConfirmForm(), schedule_form=form,
        course_slug=state.course.slug, stage_inputs=stage_inputs, your_zone=timezones.zone_label(zone),
    )


# --- the trainer's changes: one route each, back to the run page ---------------------------------

Form = TypeVar("Form", bound=RunForm)


def _posted(form: Form, refusal: str | None = None) -> Form:
    """``form`` as the run page posts it. What she types and the page cannot read (a deadline,
    points) is refused with ``refusal``; what the page fills in itself (ids in its lists and
    hidden fields) is wrong only in a forged request: 400, as for any id that does not read."""
    if not form.validate():
        if refusal is None:
            abort(400)
        raise CaseError(refusal)
    return form


def run_change(rule: str, anchor: str = ""):
    """Register ``change(state, **path_args) -> message`` as ``POST /case-runs/<run_id><rule>``,
    for the trainer who manages the run (403 for anyone else). A CaseError undoes the change and
    says why at the top of the run page; else it is saved, said, and the page opens at ``anchor``
    (the section of the button)."""
    def register(change):
        @bp.post("/case-runs/<int:run_id>" + rule, endpoint=change.__name__)
        @login_required
        @wraps(change)
        def view(run_id: int, **args):
            state = _managed_run(run_id)
            here = url_for("cases.run", run_id=run_id)
            try:
                message = change(state, **args)
            except CaseError as error:
                return refuse(error, here)
            db.session.commit()
            flash(message, "success")
            return redirect(here + anchor)
        return view
    return register


def _team(state: services.RunState, number: int) -> CaseTeam:
    return judging.team_by_number(state, number) or abort(404)


@run_change("/start")
def start_run(state: services.RunState) -> str:
    runs.start(current_user, state)
    return _("The exercise has started: the case file is open to the teams.")


@run_change("/stages/<stage>/open")
def open_stage(state: services.RunState, stage: str) -> str:
    runs.open_stage(current_user, state, stage)
    return _("The stage is open.")


@run_change("/schedule")
def save_schedule(state: services.RunState) -> str:
    form = _posted(ScheduleForm(), _("Give the deadline as a date and time."))
    zone = timezones.zone_of(current_user)
    stage_times = {}
    for stage in state.stages:
        raw = request.form.get(f"stage-{stage.slug}")  # one field per scheduled stage, named by its slug
        if raw is not None:
            stage_times[stage.slug] = _parse_local(raw, zone)
    runs.schedule(current_user, state, timezones.from_local(form.due.data, zone),
                  timezones.from_local(form.late_until.data, zone), stage_times)
    return _("The schedule is saved.")


def _parse_local(raw: str, zone: str) -> datetime | None:
    """A stage's opening time as typed (a datetime-local value) in the trainer's ``zone``, in UTC."""
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return timezones.from_local(datetime.fromisoformat(raw).replace(tzinfo=None), zone)
    except ValueError:
        raise CaseError(_("Give each stage's opening time as a date and time, or leave it empty.")) from None


@run_change("/teams", anchor="#teams")
def add_team(state: services.RunState) -> str:
    form = _posted(NewTeamForm(), _("Choose the applicant's or the respondent's side."))
    team = runs.add_team(current_user, state, form.side.data)
    return _("Team %(n)d is formed.", n=team.number)


@run_change("/teams/<int:number>/members", anchor="#teams")
def add_member(state: services.RunState, number: int) -> str:
    team = _team(state, number)
    form = _posted(MemberForm())
    runs.assign_member(current_user, state, team, form.user.data or 0)
    return _("Added to team %(n)d.", n=team.number)


@run_change("/teams/<int:number>/members/<int:user_id>/remove", anchor="#teams")
def remove_member(state: services.RunState, number: int, user_id: int) -> str:
    team = _team(state, number)
    runs.remove_member(current_user, state, team, user_id)
    return _("Removed from team %(n)d.", n=team.number)


@run_change("/teams/<int:number>/penalty", anchor="#teams")
def set_penalty(state: services.RunState, number: int) -> str:
    team = _team(state, number)
    form = _posted(PenaltyForm(), _("A penalty is from 0 to 100 points."))
    runs.set_penalty(current_user, state, team, form.points.data, form.reason.data)
    audit.record(current_user, "case.penalty", f"case run {state.run.id}, team {team.number}", request.remote_addr,
                 points=form.points.data)
    return _("The penalty for team %(n)d is saved.", n=team.number)


@run_change("/teams-open")
def set_teams_open(state: services.RunState) -> str:
    runs.set_teams_open(current_user, state, _posted(TeamsOpenForm()).open.data)
    return _("Saved.")


@run_change("/judges", anchor="#judges")
def add_judge(state: services.RunState) -> str:
    form = _posted(JudgeForm())
    runs.add_judge(current_user, state, form.user.data or 0, form.presiding.data)
    return _("The judge is added.")


@run_change("/judges/<int:user_id>/remove", anchor="#judges")
def remove_judge(state: services.RunState, user_id: int) -> str:
    runs.remove_judge(current_user, state, user_id)
    return _("The judge is removed.")


@run_change("/clarifications/<int:clarification_id>/answer", anchor="#clarifications")
def answer_clarification(state: services.RunState, clarification_id: int) -> str:
    form = _posted(AnswerForm())
    runs.answer(current_user, state, clarification_id, form.question.data, form.answer.data)
    return _("The answer is published to everyone in the exercise.")


@run_change("/peer-reviews")
def assign_peer_reviews(state: services.RunState) -> str:
    n = judging.assign_peer_reviews(state)
    return _("Peer reviews are assigned to %(n)d teams.", n=n)


@bp.post("/case-runs/<int:run_id>/guest-judges")
@login_required
def invite_guest_judge(run_id: int):
    """A guest judge's account and its one-time link, shown once to the trainer."""
    state = _managed_run(run_id)
    here = url_for("cases.run", run_id=run_id)
    form = _posted(GuestJudgeForm())
    try:
        guest, token = runs.invite_guest_judge(current_user, state, form.handle.data)
    except CaseError as error:
        return refuse(error, here)
    audit.record(current_user, "case.guest_judge", f"case run {state.run.id}, guest {guest.handle}", request.remote_addr)
    db.session.commit()
    return render_template("admin/reset_link.html", user=guest, hours=runs.GUEST_LINK_HOURS,
                           link=public_url("accounts.reset", token=token), back=here)


@bp.post("/case-runs/<int:run_id>/publish")
@login_required
def publish_results(run_id: int):
    """Publishing is final: the first press shows a page saying what becomes final (or exactly what
    is missing); the button there, with ``confirmed``, publishes."""
    state = _managed_run(run_id)
    here = url_for("cases.run", run_id=run_id)
    form = _posted(PublishForm())
    try:
        if not form.confirmed.data:
            teams = runs.check_publishable(current_user, state)
            return render_template("cases/publish_confirm.html", state=state, teams=teams, form=ConfirmForm(),
                                   show_rank=form.show_rank.data)
        runs.publish(current_user, state, form.show_rank.data)
    except CaseError as error:
        return refuse(error, here)
    audit.record(current_user, "case.publish", f"case run {state.run.id} ({state.cohort.name})", request.remote_addr)
    db.session.commit()
    flash(_("The results are published to the teams."), "success")
    return redirect(here)


@bp.get("/case-runs/<int:run_id>/teams/<int:number>")
@login_required
def team_submission(run_id: int, number: int):
    """A team's submission as the trainer reads it (not blind: the trainer formed the teams)."""
    state = _managed_run(run_id)
    team = judging.team_by_number(state, number) or abort(404)
    row = services.draft_of(team)
    return render_template("cases/read.html", state=state, team=team, row=row,
                           members=services.team_members(team), versions=services.versions(row),
                           attachment=services.attachment_of(row))


@bp.get("/case-runs/<int:run_id>/teams/<int:number>/attachment")
@login_required
def team_attachment(run_id: int, number: int):
    """A team's attachment for its trainer and for judges, under a name that does not identify anyone."""
    state, _roles, manager = _run_reader(run_id)
    team = judging.team_by_number(state, number) or abort(404)
    if not manager and judging.own_team_id(state, current_user) == team.id:
        abort(403)
    submission = services.find_submission(team)
    row = services.attachment_of(submission)
    if row is None or (not manager and submission.submitted_at is None):
        abort(404)
    return download(row, f"team-{team.number}{services.uploads.EXTENSIONS[row.mimetype]}")


# --- judging ------------------------------------------------------------------------------------

def _judge_run(run_id: int) -> services.RunState:
    state, _manager = _run(run_id)
    try:
        judging.require_judge(state, current_user)
    except PermissionError:
        abort(403)
    return state


def _run_reader(run_id: int) -> tuple[services.RunState, set[str], bool]:
    """A run opened by its trainer or one of its judges: (state, roles she reads as, manager?)."""
    state, manager = _run(run_id)
    judge = services.judge_of(state.run, current_user)
    if not manager and judge is None:
        abort(403)
    roles = services.reader_roles(services.team_of(state.run, current_user), judge, in_cohort=True)
    return state, roles, manager


@bp.get("/case-runs/<int:run_id>/documents/<doc>")
@login_required
def run_document(run_id: int, doc: str):
    """The case file as a judge reads it (guest judges take no course), or as the trainer does."""
    state, roles, manager = _run_reader(run_id)
    try:
        view = services.open_document(state, state.exercise, roles, manager, doc, current_language())
    except CaseError as error:
        return render_template("errors/error.html", code=403, title=_("You cannot open this document"),
                               text=str(error.message)), 403
    if view is None:
        abort(404)
    return render_template("cases/document.html", ctx=None, state=state, doc=view)


@bp.get("/case-runs/<int:run_id>/judging")
@login_required
def judging_list(run_id: int):
    state = _judge_run(run_id)
    _state, roles, _manager = _run_reader(run_id)
    return render_template("cases/judging.html", state=state, entries=judging.queue(state, current_user),
                           docs=services.visible_documents(state, state.exercise, roles, False, current_language()),
                           has_oral=bool(state.settings.oral_rubric), hearing_open=judging.hearing_open(state))


@bp.route("/case-runs/<int:run_id>/judging/<int:number>", methods=["GET", "POST"])
@login_required
def score(run_id: int, number: int):
    state = _judge_run(run_id)
    team = judging.team_by_number(state, number) or abort(404)
    back = url_for("cases.judging_list", run_id=run_id)
    if request.method == "POST":
        try:
            judging.score_written(state, current_user, team, request.form, request.form.get("feedback", ""))
        except CaseError as error:
            return refuse(error, url_for("cases.score", run_id=run_id, number=number))
        db.session.commit()
        flash(_("Your score for team %(n)d is saved.", n=number), "success")
        return redirect(back)
    try:
        sheet = judging.sheet(state, current_user, team)
    except CaseError as error:
        return refuse(error, back)
    return render_template("cases/score.html", state=state, sheet=sheet, form=ConfirmForm(),
                           rubric=rubric_view(state.settings.written_rubric),
                           marks=sheet.mine.marks if sheet.mine else {},
                           attachment=services.attachment_of(sheet.submission))


def _int(name: str) -> int | None:
    return whole_number(request.form, name)


@bp.route("/case-runs/<int:run_id>/hearing/<int:number>", methods=["GET", "POST"])
@login_required
def hearing(run_id: int, number: int):
    state = _judge_run(run_id)
    team = judging.team_by_number(state, number) or abort(404)
    here = url_for("cases.hearing", run_id=run_id, number=number)
    if request.method == "POST":
        try:
            judging.score_speaker(state, current_user, team, _int("speaker") or 0, request.form,
                                  request.form.get("feedback", ""))
        except CaseError as error:
            return refuse(error, here)
        db.session.commit()
        flash(_("The speaker's score is saved."), "success")
        return redirect(here)
    if not state.settings.oral_rubric:
        abort(404)
    return render_template("cases/hearing.html", state=state, team=team, form=ConfirmForm(),
                           speakers=services.team_members(team), mine=judging.oral_scores(state, current_user, team),
                           rubric=rubric_view(state.settings.oral_rubric), open=judging.hearing_open(state))


@bp.get("/case-runs/<int:run_id>/timer")
@login_required
def timer(run_id: int):
    """The clerk's timer for the hearing: trainers and judges."""
    state, _roles, _manager = _run_reader(run_id)
    if not state.settings.hearing:
        abort(404)  # the case has no oral hearing
    return render_template("cases/timer.html", state=state, hearing=state.settings.hearing)

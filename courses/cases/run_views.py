"""The trainer's run of a case exercise (/case-runs/<id>) and the judges' pages, on the cases blueprint."""
from __future__ import annotations

from datetime import UTC, datetime

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from courses.cases import judging, runs, services
from courses.cases.forms import ScheduleForm
from courses.cases.models import CaseRun, CaseTeam
from courses.cases.services import CaseError
from courses.cases.views import bp, csrf, download, refuse, rubric_view
from training import audit
from training.cohorts import Cohort, can_manage, participants
from training.extensions import db
from training.forms import ConfirmForm
from training.i18n import current_language


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
    csrf()
    try:
        run = runs.set_up(current_user, cohort, exercise)
    except CaseError as error:
        return refuse(error, url_for("cohorts.show", cohort_id=cohort.id))
    db.session.commit()
    return redirect(url_for("cases.run", run_id=run.id))


def _utc_naive(value: datetime | None) -> datetime | None:
    return value.astimezone(UTC).replace(tzinfo=None) if value else None


@bp.get("/case-runs/<int:run_id>")
@login_required
def run(run_id: int):
    state = _managed_run(run_id)
    form = ScheduleForm(data={"due": _utc_naive(state.run.submissions_due), "late_until": _utc_naive(state.run.late_until)})
    every = services.results(state)
    team_rows = runs.teams(state.run)
    placed = {m.id for row in team_rows for m in row.members}
    return render_template(
        "cases/run.html", state=state, teams=team_rows, judges=runs.judges(state.run),
        free=[p for p in participants(state.cohort) if p.id not in placed], trainers_and_people=runs.cohort_people(state.cohort),
        clarifications=runs.clarifications(state.run), results=every, form=ConfirmForm(), schedule_form=form,
        course_slug=state.course.slug,
    )


def _int(name: str) -> int | None:
    return request.form.get(name, type=int)


@bp.post("/case-runs/<int:run_id>/manage")
@login_required
def manage(run_id: int):
    """Every change a trainer makes to a run, named by the form's ``action``."""
    state = _managed_run(run_id)
    csrf()
    here = url_for("cases.run", run_id=run_id)
    action = request.form.get("action", "")
    if action == "invite_guest":
        return _invite_guest(state)
    team = None
    if _int("team") is not None:
        team = db.session.get(CaseTeam, _int("team"))
        if team is None or team.run_id != state.run.id:
            abort(404)
    try:
        message = _do(action, state, team)
    except CaseError as error:
        return refuse(error, here)
    db.session.commit()
    flash(message, "success")
    return redirect(here + request.form.get("anchor", ""))


def _invite_guest(state: services.RunState):
    """A guest judge's account and its one-time link, shown once to the trainer."""
    try:
        guest, token = runs.invite_guest_judge(current_user, state, request.form.get("handle", ""))
    except CaseError as error:
        return refuse(error, url_for("cases.run", run_id=state.run.id) + "#judges")
    audit.record(current_user, "case.guest_judge", f"case run {state.run.id}, guest {guest.handle}", request.remote_addr)
    db.session.commit()
    return render_template("admin/reset_link.html", user=guest, hours=runs.GUEST_LINK_HOURS,
                           link=url_for("accounts.reset", token=token, _external=True),
                           back=url_for("cases.run", run_id=state.run.id))


def _do(action: str, state: services.RunState, team: CaseTeam | None) -> str:
    form, user = request.form, current_user
    if action == "start":
        runs.start(user, state)
        return _("The exercise has started: the case file is open to the teams.")
    if action == "open_stage":
        runs.open_stage(user, state, form.get("stage", ""))
        return _("The stage is open.")
    if action == "schedule":
        schedule = ScheduleForm()
        if not schedule.validate():
            raise CaseError(_("Give the deadline as a date and time."))
        stage_times = {}
        for stage in state.stages:
            raw = form.get(f"stage-{stage.slug}")
            if raw is not None:
                stage_times[stage.slug] = _parse_local(raw)
        runs.schedule(user, state, _aware(schedule.due.data), _aware(schedule.late_until.data), stage_times)
        return _("The schedule is saved.")
    if action == "add_team":
        new = runs.add_team(user, state, form.get("side", ""))
        return _("Team %(n)d is formed.", n=new.number)
    if action == "add_member" and team is not None:
        runs.assign_member(user, state, team, _int("user") or 0)
        return _("Added to team %(n)d.", n=team.number)
    if action == "remove_member" and team is not None:
        runs.remove_member(user, state, team, _int("user") or 0)
        return _("Removed from team %(n)d.", n=team.number)
    if action == "teams_open":
        runs.set_teams_open(user, state, form.get("value") == "1")
        return _("Saved.")
    if action == "add_judge":
        runs.add_judge(user, state, _int("user") or 0, form.get("presiding") == "1")
        return _("The judge is added.")
    if action == "remove_judge":
        runs.remove_judge(user, state, _int("user") or 0)
        return _("The judge is removed.")
    if action == "penalty" and team is not None:
        try:
            points = float(form.get("points", "").replace(",", "."))
        except ValueError:
            raise CaseError(_("A penalty is from 0 to 100 points.")) from None
        runs.set_penalty(user, state, team, points, form.get("reason", ""))
        audit.record(user, "case.penalty", f"case run {state.run.id}, team {team.number}", request.remote_addr,
                     points=points)
        return _("The penalty for team %(n)d is saved.", n=team.number)
    if action == "answer":
        runs.answer(user, state, _int("clarification") or 0, form.get("question", ""), form.get("answer", ""))
        return _("The answer is published to everyone in the exercise.")
    if action == "peer_reviews":
        n = judging.assign_peer_reviews(state)
        return _("Peer reviews are assigned to %(n)d teams.", n=n)
    if action == "publish":
        runs.publish(user, state, form.get("show_rank") == "1")
        audit.record(user, "case.publish", f"case run {state.run.id} ({state.cohort.name})", request.remote_addr)
        return _("The results are published to the teams.")
    abort(400)


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None else None


def _parse_local(raw: str) -> datetime | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return datetime.fromisoformat(raw).replace(tzinfo=UTC)
    except ValueError:
        raise CaseError(_("Give each stage's opening time as a date and time, or leave it empty.")) from None


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
                           has_oral=bool(state.settings.get("oral_rubric")), hearing_open=judging.hearing_open(state))


@bp.route("/case-runs/<int:run_id>/judging/<int:number>", methods=["GET", "POST"])
@login_required
def score(run_id: int, number: int):
    state = _judge_run(run_id)
    team = judging.team_by_number(state, number) or abort(404)
    back = url_for("cases.judging_list", run_id=run_id)
    if request.method == "POST":
        csrf()
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
                           rubric=rubric_view(state.settings["written_rubric"]),
                           marks=sheet.mine.marks if sheet.mine else {},
                           attachment=services.attachment_of(sheet.submission))


@bp.route("/case-runs/<int:run_id>/hearing/<int:number>", methods=["GET", "POST"])
@login_required
def hearing(run_id: int, number: int):
    state = _judge_run(run_id)
    team = judging.team_by_number(state, number) or abort(404)
    here = url_for("cases.hearing", run_id=run_id, number=number)
    if request.method == "POST":
        csrf()
        try:
            judging.score_speaker(state, current_user, team, _int("speaker") or 0, request.form,
                                  request.form.get("feedback", ""))
        except CaseError as error:
            return refuse(error, here)
        db.session.commit()
        flash(_("The speaker's score is saved."), "success")
        return redirect(here)
    if not state.settings.get("oral_rubric"):
        abort(404)
    return render_template("cases/hearing.html", state=state, team=team, form=ConfirmForm(),
                           speakers=services.team_members(team), mine=judging.oral_scores(state, current_user, team),
                           rubric=rubric_view(state.settings["oral_rubric"]), open=judging.hearing_open(state))


@bp.get("/case-runs/<int:run_id>/timer")
@login_required
def timer(run_id: int):
    """The clerk's timer for the hearing: trainers and judges."""
    state, _roles, _manager = _run_reader(run_id)
    if not state.settings.get("hearing"):
        abort(404)  # the case has no oral hearing
    return render_template("cases/timer.html", state=state, hearing=state.settings["hearing"])

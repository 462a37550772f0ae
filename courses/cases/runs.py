"""Running a case exercise for a cohort: the trainer's side.

Every function takes the acting user and checks that she manages the cohort (``require_manager``
raises PermissionError); refusals a trainer can fix are ``CaseError`` with a message.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from courses.cases.models import (
    SIDES,
    CaseClarification,
    CaseExercise,
    CaseJudge,
    CaseRun,
    CaseScore,
    CaseStage,
    CaseSubmission,
    CaseTeam,
    CaseTeamMember,
)
from courses.cases.services import CaseError, RunState, day_start, default_due, results
from courses.models import Activity
from training import messages
from training.accounts import AccountError, Role, User, create_user, issue_password_token
from training.cohorts import Cohort, CohortMember, require_manager
from training.db import utcnow
from training.extensions import db
from training.i18n import list_join, sentences_join

PENALTY_MAX = 100.0
ANSWER_MAX = 2000


def exercise_by_slug(course_id: int, slug: str) -> CaseExercise | None:
    return db.session.execute(select(CaseExercise).join(Activity, Activity.id == CaseExercise.activity_id).where(
        Activity.course_id == course_id, Activity.slug == slug)).scalar_one_or_none()


def set_up(trainer: User, cohort: Cohort, exercise: CaseExercise) -> CaseRun:
    """The cohort's run of the exercise, created on first use with the package's schedule.

    Stages set to open on "day N" get that day's start; the deadline is the end of day ``due``.
    """
    require_manager(trainer, cohort)
    activity = db.session.get(Activity, exercise.activity_id)
    if activity.course_id != cohort.course_id:
        raise CaseError(_l("This exercise is not part of the cohort's course."))
    run = db.session.execute(select(CaseRun).where(
        CaseRun.exercise_id == exercise.id, CaseRun.cohort_id == cohort.id)).scalar_one_or_none()
    if run is not None:
        return run
    settings = exercise.settings
    try:
        with db.session.begin_nested():
            run = CaseRun(exercise_id=exercise.id, cohort_id=cohort.id,
                          submissions_due=default_due(cohort, settings.due_days))
            db.session.add(run)
            db.session.flush()
            for stage in settings.stages:
                opens_at = day_start(cohort, stage.opens) if isinstance(stage.opens, int) else None
                db.session.add(CaseStage(run_id=run.id, slug=stage.slug, opens_at=opens_at))
    except IntegrityError:  # set up from another tab at the same moment
        run = db.session.execute(select(CaseRun).where(
            CaseRun.exercise_id == exercise.id, CaseRun.cohort_id == cohort.id)).scalar_one()
    return run


def start(trainer: User, state: RunState) -> None:
    """Start the exercise: stages that open "at start" open now."""
    require_manager(trainer, state.cohort)
    if state.started:
        raise CaseError(_l("The exercise has already started."))
    if not db.session.execute(select(func.count()).select_from(CaseTeam).where(
            CaseTeam.run_id == state.run.id)).scalar_one():
        raise CaseError(_l("Form at least one team before starting."))
    now = utcnow()
    state.run.started_at = now
    for row in db.session.execute(select(CaseStage).where(CaseStage.run_id == state.run.id)).scalars():
        spec = state.settings.stage(row.slug)
        if spec is not None and spec.opens_at_start:
            row.opened_at = now


def open_stage(trainer: User, state: RunState, slug: str) -> None:
    """Open a stage by hand now (an inject of new evidence, the hearing...)."""
    require_manager(trainer, state.cohort)
    if not state.started:
        raise CaseError(_l("Start the exercise first."))
    row = db.session.execute(select(CaseStage).where(
        CaseStage.run_id == state.run.id, CaseStage.slug == slug)).scalar_one_or_none()
    if row is None:
        raise CaseError(_l("There is no such stage."))
    if row.opened_at is not None or (row.opens_at is not None and row.opens_at <= state.now):
        raise CaseError(_l("That stage is already open."))
    row.opened_at = utcnow()
    _tell_the_teams(state, "case_stage", stage=next((s.title for s in state.stages if s.slug == slug), slug))


def _tell_the_teams(state: RunState, event: str, **params) -> None:
    """Every team member's notification (training/messages.py), titled as the trainer's page
    shows the case: her language."""
    members = db.session.execute(select(CaseTeamMember.user_id).where(CaseTeamMember.run_id == state.run.id)).scalars()
    messages.notify(members, event, f"/courses/{state.course.slug}/cases/{state.activity_slug}",
                    activity=state.activity_title, **params)


def schedule(trainer: User, state: RunState, due: datetime, late_until: datetime | None,
             stage_times: dict[str, datetime | None]) -> None:
    """Set the deadline, the late limit and the opening time of scheduled stages."""
    require_manager(trainer, state.cohort)
    if state.published:
        raise CaseError(_l("The results are published; the schedule can no longer change."))
    if late_until is not None and late_until <= due:
        raise CaseError(_l("Late submissions must be accepted until a time after the deadline."))
    state.run.submissions_due, state.run.late_until = due, late_until
    rows = {r.slug: r for r in db.session.execute(select(CaseStage).where(CaseStage.run_id == state.run.id)).scalars()}
    for slug, when in stage_times.items():
        if slug in rows and rows[slug].opened_at is None:
            rows[slug].opens_at = when


# --- teams and judges ---------------------------------------------------------------------------

@dataclass
class TeamRow:
    team: CaseTeam
    members: list[User]
    submission: CaseSubmission | None


def teams(run: CaseRun) -> list[TeamRow]:
    """The run's teams in number order, with members (by handle) and submission, in three queries."""
    rows = db.session.execute(
        select(CaseTeam).where(CaseTeam.run_id == run.id).order_by(CaseTeam.number)
        .options(selectinload(CaseTeam.members).joinedload(CaseTeamMember.user), selectinload(CaseTeam.submission))
    ).scalars()
    return [TeamRow(team=t, members=sorted((m.user for m in t.members), key=lambda user: user.handle_key),
                    submission=t.submission) for t in rows]


def add_team(trainer: User, state: RunState, side: str) -> CaseTeam:
    require_manager(trainer, state.cohort)
    if side not in SIDES:
        raise CaseError(_l("Choose the applicant's or the respondent's side."))
    number = (db.session.execute(select(func.max(CaseTeam.number)).where(
        CaseTeam.run_id == state.run.id)).scalar_one() or 0) + 1
    team = CaseTeam(run_id=state.run.id, number=number, side=side)
    db.session.add(team)
    db.session.flush()
    return team


def cohort_people(cohort: Cohort) -> list[tuple[User, str]]:
    """Everyone in the cohort with their role there (trainers first), who may judge."""
    return list(db.session.execute(select(User, CohortMember.role).join(
        CohortMember, CohortMember.user_id == User.id).where(CohortMember.cohort_id == cohort.id)
        .order_by(CohortMember.role.desc(), User.handle_key)).all())


def _cohort_role(cohort: Cohort, user_id: int) -> str | None:
    """The person's role in the cohort (participant or trainer), None if not in it."""
    return db.session.execute(select(CohortMember.role).where(
        CohortMember.cohort_id == cohort.id, CohortMember.user_id == user_id)).scalar_one_or_none()


def assign_member(trainer: User, state: RunState, team: CaseTeam, user_id: int) -> None:
    """Put a participant of the cohort in a team (moving her from another team before anyone submitted)."""
    require_manager(trainer, state.cohort)
    join_team(state, team, user_id, by_trainer=True)


def join_team(state: RunState, team: CaseTeam, user_id: int, by_trainer: bool = False) -> None:
    """Add a cohort participant to ``team``: the team must have room and not have submitted."""
    if team.run_id != state.run.id:
        raise CaseError(_l("There is no such team."))
    if _cohort_role(state.cohort, user_id) != "participant":
        raise CaseError(_l("Only participants of the cohort can be in a team."))
    if not by_trainer and not state.run.teams_open:
        raise CaseError(_l("Your trainer forms the teams."))
    size = db.session.execute(select(func.count()).select_from(CaseTeamMember).where(
        CaseTeamMember.team_id == team.id)).scalar_one()
    if size >= state.settings.team_size:
        raise CaseError(_l("That team is full (at most %(n)d people).", n=state.settings.team_size))
    existing = db.session.execute(select(CaseTeamMember).where(
        CaseTeamMember.run_id == state.run.id, CaseTeamMember.user_id == user_id)).scalar_one_or_none()
    for t in {team.id} | ({existing.team_id} if existing else set()):
        sub = db.session.execute(select(CaseSubmission).where(CaseSubmission.team_id == t)).scalar_one_or_none()
        if sub is not None and sub.submitted_at is not None:
            raise CaseError(_l("A team that has submitted cannot change its members."))
    if existing is not None:
        if not by_trainer:
            raise CaseError(_l("You are already in a team."))
        existing.team_id = team.id
        return
    try:
        with db.session.begin_nested():
            db.session.add(CaseTeamMember(run_id=state.run.id, team_id=team.id, user_id=user_id))
    except IntegrityError:
        raise CaseError(_l("You are already in a team.")) from None


def remove_member(trainer: User, state: RunState, team: CaseTeam, user_id: int) -> None:
    require_manager(trainer, state.cohort)
    sub = db.session.execute(select(CaseSubmission).where(CaseSubmission.team_id == team.id)).scalar_one_or_none()
    if sub is not None and sub.submitted_at is not None:
        raise CaseError(_l("A team that has submitted cannot change its members."))
    db.session.execute(delete(CaseTeamMember).where(CaseTeamMember.team_id == team.id,
                                                    CaseTeamMember.user_id == user_id))


def set_teams_open(trainer: User, state: RunState, value: bool) -> None:
    require_manager(trainer, state.cohort)
    state.run.teams_open = value


def judges(run: CaseRun) -> list[tuple[CaseJudge, User]]:
    return list(db.session.execute(select(CaseJudge, User).join(User, User.id == CaseJudge.user_id).where(
        CaseJudge.run_id == run.id).order_by(CaseJudge.presiding.desc(), User.handle_key)).all())


def add_judge(trainer: User, state: RunState, user_id: int, presiding: bool) -> None:
    """Make a person of the cohort (participant or trainer) a judge; one judge presides."""
    require_manager(trainer, state.cohort)
    if _cohort_role(state.cohort, user_id) is None:
        raise CaseError(_l("Judges are chosen from the cohort's participants and trainers."))
    row = db.session.execute(select(CaseJudge).where(
        CaseJudge.run_id == state.run.id, CaseJudge.user_id == user_id)).scalar_one_or_none()
    if row is None:
        row = CaseJudge(run_id=state.run.id, user_id=user_id)
        db.session.add(row)
    if presiding:
        for other in db.session.execute(select(CaseJudge).where(CaseJudge.run_id == state.run.id)).scalars():
            other.presiding = False
    row.presiding = presiding


GUEST_LINK_HOURS = 72


def invite_guest_judge(trainer: User, state: RunState, handle: str) -> tuple[User, str]:
    """Make a guest judge's account (it judges this run and takes no course) and a one-time link
    for the guest to choose a password; returns (user, token). The trainer passes the link on."""
    require_manager(trainer, state.cohort)
    try:
        guest = create_user(handle, secrets.token_urlsafe(24), role=Role.GUEST)
    except AccountError as error:
        raise CaseError(error.message) from None
    db.session.flush()
    db.session.add(CaseJudge(run_id=state.run.id, user_id=guest.id))
    return guest, issue_password_token(trainer, guest, GUEST_LINK_HOURS)


def remove_judge(trainer: User, state: RunState, user_id: int) -> None:
    require_manager(trainer, state.cohort)
    if db.session.execute(select(CaseScore.id).where(
            CaseScore.run_id == state.run.id, CaseScore.judge_id == user_id)).first():
        raise CaseError(_l("This judge has already scored; the scores stay with the judge."))
    db.session.execute(delete(CaseJudge).where(CaseJudge.run_id == state.run.id, CaseJudge.user_id == user_id))


# --- penalties, clarifications, publication -----------------------------------------------------

def set_penalty(trainer: User, state: RunState, team: CaseTeam, points: float, reason: str) -> None:
    """A format penalty in percentage points off the team's written score, with a reason."""
    require_manager(trainer, state.cohort)
    if team.run_id != state.run.id:
        raise CaseError(_l("There is no such team."))
    if state.published:
        raise CaseError(_l("The results are published; penalties can no longer change."))
    if not 0 <= points <= PENALTY_MAX:
        raise CaseError(_l("A penalty is from 0 to 100 points."))
    reason = " ".join((reason or "").split())[:500]
    if points and not reason:
        raise CaseError(_l("Give the reason for the penalty: the team will read it."))
    submission = db.session.execute(select(CaseSubmission).where(CaseSubmission.team_id == team.id)).scalar_one_or_none()
    if submission is None or submission.submitted_at is None:
        raise CaseError(_l("This team has not submitted."))
    submission.penalty, submission.penalty_reason = float(points), reason or None


def clarifications(run: CaseRun) -> list[CaseClarification]:
    return list(db.session.execute(select(CaseClarification).where(CaseClarification.run_id == run.id)
                                   .order_by(CaseClarification.published_at.is_(None).desc(),
                                             CaseClarification.asked_at)).scalars())


def answer(trainer: User, state: RunState, clarification_id: int, question: str, text: str) -> None:
    """Answer a question and publish it to everyone in the run, without the asker's name.

    The trainer may reword the question first (to take out anything that identifies the asker).
    """
    require_manager(trainer, state.cohort)
    row = db.session.get(CaseClarification, clarification_id)
    if row is None or row.run_id != state.run.id:
        raise CaseError(_l("There is no such question."))
    question, text = (question or "").strip(), (text or "").strip()
    if not question or not text:
        raise CaseError(_l("Both the question and the answer are needed."))
    if len(text) > ANSWER_MAX or len(question) > ANSWER_MAX:
        raise CaseError(_l("The text is too long."))
    row.question, row.answer = question, text
    if row.published_at is None:
        _tell_the_teams(state, "clarification")
    row.published_at = row.published_at or utcnow()


def missing_scores(state: RunState) -> list[str]:
    """What keeps each submitted team from a final score, one sentence per team and stage, naming
    the judges who may give the missing score (not members of that team): why publishing waits."""
    every = results(state)
    submitted = [row.team for row in teams(state.run) if row.submission and row.submission.submitted_at]
    scored = set(db.session.execute(select(CaseScore.team_id, CaseScore.kind).where(
        CaseScore.run_id == state.run.id)).all())
    own_team = dict(db.session.execute(select(CaseTeamMember.user_id, CaseTeamMember.team_id).where(
        CaseTeamMember.run_id == state.run.id)).all())
    bench = judges(state.run)
    stages = ["written"]
    if state.settings.oral_rubric and state.settings.weights.oral:  # as scoring.team_result
        stages.append("oral")
    out = []
    for team in submitted:
        if every[team.id].final is not None:
            continue
        able = list_join([user.handle for _judge, user in bench if own_team.get(user.id) != team.id], "or")
        for kind in stages:
            if (team.id, kind) in scored:
                continue
            if kind == "written" and able:
                message = _l("Team %(n)d has no score for its written submission from any of its judges (%(judges)s).",
                             n=team.number, judges=able)
            elif kind == "written":
                message = _l("Team %(n)d has no score for its written submission, and no judge may give one: add a judge.",
                             n=team.number)
            elif able:
                message = _l("Team %(n)d has no oral-hearing score from any of its judges (%(judges)s).",
                             n=team.number, judges=able)
            else:
                message = _l("Team %(n)d has no oral-hearing score, and no judge may give one: add a judge.",
                             n=team.number)
            out.append(str(message))
    return out


def check_publishable(trainer: User, state: RunState) -> int:
    """How many submitted teams the results would be published to; CaseError saying exactly what
    is missing (each team, stage and judge) when they cannot be yet. Changes nothing."""
    require_manager(trainer, state.cohort)
    if state.published:
        raise CaseError(_l("The results are already published."))
    submitted = sum(1 for row in teams(state.run) if row.submission and row.submission.submitted_at)
    if not submitted:
        raise CaseError(_l("No team has submitted yet."))
    missing = missing_scores(state)
    if missing:
        raise CaseError(_l("The results cannot be published yet. %(missing)s", missing=sentences_join(missing)))
    return submitted


def publish(trainer: User, state: RunState, show_rank: bool) -> int:
    """Publish the results to the teams; returns how many teams have a final score.

    Refused while a submitted team has no judge's score: its members would see nothing.
    """
    submitted = check_publishable(trainer, state)
    if state.run.results_published_at is None:
        _tell_the_teams(state, "results")
    state.run.results_published_at = utcnow()
    state.run.show_rank = show_rank
    return submitted

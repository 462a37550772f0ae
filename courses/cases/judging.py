"""Judging: blind scoring of written submissions and of speakers at the hearing, and peer review.

Judges know teams by number only. A judge never scores his own team, and sees the other judges'
marks for a team only after giving his own.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, exists, select

from courses.cases import scoring
from courses.cases.models import (
    CaseExercise,
    CaseJudge,
    CasePeerReview,
    CaseRun,
    CaseScore,
    CaseSubmission,
    CaseTeam,
    CaseTeamMember,
)
from courses.cases.services import CaseError, RunState, find_submission
from courses.cases.settings import Rubric
from courses.models import Activity, localized
from training.accounts import User
from training.cohorts import Cohort
from training.db import utcnow
from training.extensions import db

FEEDBACK_MAX = 5000


@dataclass
class Entry:
    """A submitted team as a judge sees it in his list."""

    team: CaseTeam
    own: bool  # his own team: not his to score
    scored: bool
    speakers_scored: int = 0


# Built once: My learning asks on every visit of a judge.
_RUNS_JUDGED_BY = (
    select(CaseRun.id, Activity.titles, Cohort.name).join(CaseJudge, CaseJudge.run_id == CaseRun.id)
    .join(CaseExercise, CaseExercise.id == CaseRun.exercise_id).join(Activity, Activity.id == CaseExercise.activity_id)
    .join(Cohort, Cohort.id == CaseRun.cohort_id).where(CaseJudge.user_id == bindparam("user_id"))
    .order_by(CaseRun.id.desc())
)


def runs_judged_by(user: User, locale: str) -> list[tuple[int, str, str]]:
    """(run id, exercise title, cohort name) of every run this person judges, newest first."""
    rows = db.session.execute(_RUNS_JUDGED_BY, {"user_id": user.id}).all()
    return [(run_id, localized(titles, locale), cohort) for run_id, titles, cohort in rows]


def judges_anything(course_id):
    """Whether the reader (bind parameter ``user_id``) judges any run: read with My learning's
    courses (courses.services.reader_column), so that most people's page asks nothing more."""
    return exists().where(CaseJudge.user_id == bindparam("user_id"))


def require_judge(state: RunState, user: User) -> CaseJudge:
    judge = db.session.execute(select(CaseJudge).where(
        CaseJudge.run_id == state.run.id, CaseJudge.user_id == user.id)).scalar_one_or_none()
    if judge is None:
        raise PermissionError("not a judge of this run")
    return judge


def own_team_id(state: RunState, user: User) -> int | None:
    return db.session.execute(select(CaseTeamMember.team_id).where(
        CaseTeamMember.run_id == state.run.id, CaseTeamMember.user_id == user.id)).scalar_one_or_none()


def queue(state: RunState, user: User) -> list[Entry]:
    """The submitted teams, by number, with what this judge has scored."""
    require_judge(state, user)
    own = own_team_id(state, user)
    teams = db.session.execute(select(CaseTeam).join(CaseSubmission, CaseSubmission.team_id == CaseTeam.id).where(
        CaseTeam.run_id == state.run.id, CaseSubmission.submitted_at.is_not(None)).order_by(CaseTeam.number)).scalars()
    mine: dict[int, list[CaseScore]] = {}
    for score in db.session.execute(select(CaseScore).where(
            CaseScore.run_id == state.run.id, CaseScore.judge_id == user.id)).scalars():
        mine.setdefault(score.team_id, []).append(score)
    return [Entry(team=t, own=t.id == own, scored=any(s.kind == "written" for s in mine.get(t.id, [])),
                  speakers_scored=sum(s.kind == "oral" for s in mine.get(t.id, [])))
            for t in teams]


def team_by_number(state: RunState, number: int) -> CaseTeam | None:
    return db.session.execute(select(CaseTeam).where(
        CaseTeam.run_id == state.run.id, CaseTeam.number == number)).scalar_one_or_none()


@dataclass
class ScoringSheet:
    team: CaseTeam
    submission: CaseSubmission
    mine: CaseScore | None
    others: list[CaseScore]  # shown only once he has scored


def sheet(state: RunState, user: User, team: CaseTeam) -> ScoringSheet:
    """What a judge sees to score a team's written submission."""
    require_judge(state, user)
    submission = _scorable(state, user, team)
    scores = list(db.session.execute(select(CaseScore).where(
        CaseScore.team_id == team.id, CaseScore.kind == "written").order_by(CaseScore.id)).scalars())
    mine = next((s for s in scores if s.judge_id == user.id), None)
    return ScoringSheet(team=team, submission=submission, mine=mine,
                        others=[s for s in scores if s.judge_id != user.id] if mine else [])


def _scorable(state: RunState, user: User, team: CaseTeam) -> CaseSubmission:
    if team.run_id != state.run.id:
        raise CaseError(_l("There is no such team."))
    if own_team_id(state, user) == team.id:
        raise CaseError(_l("You cannot score your own team."))
    if state.published:
        raise CaseError(_l("The results are published; scores can no longer change."))
    submission = db.session.execute(select(CaseSubmission).where(CaseSubmission.team_id == team.id)).scalar_one_or_none()
    if submission is None or submission.submitted_at is None:
        raise CaseError(_l("This team has not submitted."))
    return submission


def _clean_feedback(text: str) -> str:
    text = (text or "").strip()
    if len(text) > FEEDBACK_MAX:
        raise CaseError(_l("Feedback may be at most %(n)d characters.", n=FEEDBACK_MAX))
    return text


def _marks(rubric: Rubric, raw: dict) -> tuple[dict, float]:
    try:
        marks = scoring.clean_marks(rubric, raw)
    except scoring.MarksError as error:
        raise CaseError(_l("Give every criterion a mark within its scale.")) from error
    return marks, scoring.percent(rubric, marks)


def score_written(state: RunState, user: User, team: CaseTeam, raw: dict, feedback: str) -> CaseScore:
    """Record (or revise, until results are published) this judge's score of a team's submission."""
    require_judge(state, user)
    _scorable(state, user, team)
    marks, percent = _marks(state.settings.written_rubric, raw)
    return _store(state, user, team, "written", 0, marks, percent, _clean_feedback(feedback))


def _store(state, user, team, kind, speaker_id, marks, percent, feedback) -> CaseScore:
    row = db.session.execute(select(CaseScore).where(
        CaseScore.team_id == team.id, CaseScore.judge_id == user.id, CaseScore.kind == kind,
        CaseScore.speaker_id == speaker_id)).scalar_one_or_none()
    if row is None:
        row = CaseScore(run_id=state.run.id, team_id=team.id, judge_id=user.id, kind=kind, speaker_id=speaker_id)
        db.session.add(row)
    row.marks, row.percent, row.feedback, row.submitted_at = marks, percent, feedback, utcnow()
    return row


# --- the oral hearing ---------------------------------------------------------------------------

def oral_scores(state: RunState, user: User, team: CaseTeam) -> dict[int, CaseScore]:
    """This judge's hearing scores for a team, by speaker."""
    return {s.speaker_id: s for s in db.session.execute(select(CaseScore).where(
        CaseScore.team_id == team.id, CaseScore.judge_id == user.id, CaseScore.kind == "oral")).scalars()}


def score_speaker(state: RunState, user: User, team: CaseTeam, speaker_id: int, raw: dict, feedback: str) -> CaseScore:
    """Score one speaker of a team at the hearing with the oral rubric."""
    require_judge(state, user)
    rubric = state.settings.oral_rubric
    if not rubric:
        raise CaseError(_l("This exercise has no oral hearing."))
    if not hearing_open(state):
        raise CaseError(_l("The hearing has not opened yet."))
    _scorable(state, user, team)
    if not db.session.execute(select(CaseTeamMember.id).where(
            CaseTeamMember.team_id == team.id, CaseTeamMember.user_id == speaker_id)).first():
        raise CaseError(_l("That person does not speak for this team."))
    marks, percent = _marks(rubric, raw)
    return _store(state, user, team, "oral", speaker_id, marks, percent, _clean_feedback(feedback))


def hearing_open(state: RunState) -> bool:
    """The hearing opens with its stage (case.yaml `hearing: stage:`, by default the last stage)."""
    hearing = state.settings.hearing
    return bool(hearing) and hearing.stage in state.open_stages


# --- peer review ----------------------------------------------------------------------------------

def assign_peer_reviews(state: RunState) -> int:
    """Each submitted team reviews the next submitted team by number (the last reviews the first).

    Called by the trainer's view after its manager check; refused if the case has no peer review,
    if fewer than two teams submitted, or if reviews are already assigned.
    """
    if not state.settings.peer_review:
        raise CaseError(_l("This case has no peer review."))
    if db.session.execute(select(CasePeerReview.id).where(CasePeerReview.run_id == state.run.id)).first():
        raise CaseError(_l("Peer reviews are already assigned."))
    submitted = list(db.session.execute(select(CaseTeam).join(CaseSubmission, CaseSubmission.team_id == CaseTeam.id)
                                        .where(CaseTeam.run_id == state.run.id, CaseSubmission.submitted_at.is_not(None))
                                        .order_by(CaseTeam.number)).scalars())
    if len(submitted) < 2:
        raise CaseError(_l("Peer review needs at least two submitted teams."))
    for i, team in enumerate(submitted):
        target = submitted[(i + 1) % len(submitted)]
        db.session.add(CasePeerReview(run_id=state.run.id, reviewer_team_id=team.id, team_id=target.id))
    return len(submitted)


def my_peer_review(state: RunState, team: CaseTeam | None) -> tuple[CasePeerReview, CaseTeam, CaseSubmission] | None:
    """The review her team is to write: (review, the reviewed team, its submission), or None."""
    if team is None:
        return None
    review = db.session.execute(select(CasePeerReview).where(
        CasePeerReview.reviewer_team_id == team.id)).scalar_one_or_none()
    if review is None:
        return None
    target = db.session.get(CaseTeam, review.team_id)
    return review, target, find_submission(target)


def write_peer_review(state: RunState, team: CaseTeam | None, user: User, raw: dict, feedback: str) -> CasePeerReview:
    """Her team's review of another team's submission, with the written rubric; submitted once."""
    found = my_peer_review(state, team)
    if found is None:
        raise CaseError(_l("Your team has no submission to review."))
    review = found[0]
    if review.submitted_at is not None:
        raise CaseError(_l("Your team has already submitted its review."))
    if state.published:
        raise CaseError(_l("The results are published; reviews are closed."))
    feedback = _clean_feedback(feedback)
    if not feedback:
        raise CaseError(_l("Write your feedback for the other team."))
    review.marks, review.percent = _marks(state.settings.written_rubric, raw)
    review.feedback, review.submitted_at, review.submitted_by_id = feedback, utcnow(), user.id
    return review

"""What case exercises keep about a person, for her own download: her teams, the versions she
wrote, her questions, her reflections and the scores she gave as a judge."""
from __future__ import annotations

from sqlalchemy import select

from courses.cases.models import (
    CaseAttachment,
    CaseClarification,
    CaseReflection,
    CaseScore,
    CaseSubmissionVersion,
    CaseTeam,
    CaseTeamMember,
)
from training.accounts import User
from training.extensions import db
from training.personal_data import files, iso, section


@section("case_exercises")
def _cases(user: User) -> dict:
    teams = db.session.execute(select(CaseTeam).join(CaseTeamMember, CaseTeamMember.team_id == CaseTeam.id)
                               .where(CaseTeamMember.user_id == user.id)).scalars()
    versions = db.session.execute(select(CaseSubmissionVersion).where(
        CaseSubmissionVersion.author_id == user.id).order_by(CaseSubmissionVersion.saved_at)).scalars()
    questions = db.session.execute(select(CaseClarification).where(CaseClarification.asked_by_id == user.id)).scalars()
    reflections = db.session.execute(select(CaseReflection).where(CaseReflection.user_id == user.id)).scalars()
    scores = db.session.execute(select(CaseScore).where(CaseScore.judge_id == user.id)).scalars()
    return {
        "teams": [{"run": t.run_id, "team": t.number, "side": t.side} for t in teams],
        "submission_versions_written": [{"submission": v.submission_id, "version": v.number, "saved_at": iso(v.saved_at),
                                         "text": v.text} for v in versions],
        "questions_asked": [{"run": q.run_id, "question": q.question, "answer": q.answer, "asked_at": iso(q.asked_at)}
                            for q in questions],
        "reflections": [{"run": r.run_id, "text": r.text, "written_at": iso(r.written_at)} for r in reflections],
        "scores_given_as_judge": [{"run": s.run_id, "kind": s.kind, "marks": s.marks, "percent": s.percent,
                                   "feedback": s.feedback, "at": iso(s.submitted_at)} for s in scores],
    }


@files
def _uploads(user: User):
    """The attachments she uploaded for her teams (the current one of each submission)."""
    from werkzeug.utils import secure_filename

    for attachment in db.session.execute(select(CaseAttachment).where(CaseAttachment.uploaded_by_id == user.id)
                                         .order_by(CaseAttachment.id)).scalars():
        yield f"case-uploads/{attachment.id}-{secure_filename(attachment.filename) or 'file'}", attachment.data


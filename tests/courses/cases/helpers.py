"""A small case exercise for tests, and a cohort running it with two teams and two judges."""
from __future__ import annotations

from datetime import date, timedelta

from tests.conftest import PASSWORD

CASE_YAML = """\
title: The Wang application
summary: A fictional application for a protection order.
content_warning: Threats and an assault are described.
team_size: 2
pass_mark: 60
weights: {written: 60, oral: 40}
stages:
  - {slug: case-file, title: Case file, opens: start}
  - {slug: inject, title: New evidence, opens: trainer}
  - {slug: hearing, title: Hearing, opens: trainer}
submissions: {due: 7, max_words: 50}
documents:
  - {file: intake, stage: case-file, roles: [applicant]}
  - {file: instructions, stage: case-file, roles: [respondent]}
  - {file: police, stage: case-file, roles: all}
  - {file: breach, stage: inject, roles: all}
  - {file: memo, stage: case-file, roles: [judge]}
written_rubric:
  criteria:
    - slug: law
      title: Law
      weight: 3
      levels: [None, Some, Good, Very good, Complete]
    - slug: survivor
      title: Survivor-centred conduct
      weight: 1
      levels: [Harmful, Careless, Adequate, Careful, Exemplary]
oral_rubric:
  criteria:
    - slug: bench
      title: Answering the bench
      weight: 1
      levels: [Poor, Weak, Fair, Good, Excellent]
hearing: {stage: hearing, speaker_minutes: 10, rebuttal_minutes: 3}
peer_review: true
"""

CASE_FILES = {
    "case.yaml": CASE_YAML,
    "documents/intake.md": "# Intake notes\n\nThe client, Ms Wang, wants **safety**.\n",
    "documents/instructions.md": "# Respondent's instructions\n\nHe denies it.\n",
    "documents/police.md": "# Police record\n\nA call-out on 3 March.\n",
    "documents/breach.md": "# Breach report\n\nHe came to her workplace.\n",
    "documents/memo.md": "# Bench memo\n\nAsk about the warning letter.\n",
}


def case_files(**replace: str) -> dict[str, str]:
    files = dict(CASE_FILES)
    files.update(replace)
    return files


def setup_moot(make_user, make_course, with_oral_scores=False):
    """A course with the case, a cohort (started yesterday) with trainer tess, teams 1 (ana, bo:
    applicant) and 2 (cy, di: respondent), judges jo (a participant) and tess, the run started."""
    from courses.cases import runs, services
    from courses.cases.models import CaseExercise
    from training import cohorts
    from training.extensions import db
    from training.progress import enrol

    course = make_course("moot-course", modules=1, lessons=1, case=case_files())
    tess = make_user("tess", role="trainer")
    people = {h: make_user(h) for h in ("ana1", "bob", "cyd", "dia", "joe", "obi")}
    cohort = cohorts.create_cohort(tess, course.id, "Spring", date.today() - timedelta(days=1), None)
    for user in people.values():
        cohorts.join_cohort(user, cohort.invite_code, date.today())
        enrol(user, course.id, cohort.id)
    exercise = db.session.query(CaseExercise).one()
    run = runs.set_up(tess, cohort, exercise)
    state = services.run_state(run, "en")
    t1 = runs.add_team(tess, state, "applicant")
    t2 = runs.add_team(tess, state, "respondent")
    for handle, team in (("ana1", t1), ("bob", t1), ("cyd", t2), ("dia", t2)):
        runs.assign_member(tess, state, team, people[handle].id)
    runs.add_judge(tess, state, people["joe"].id, presiding=True)
    runs.add_judge(tess, state, tess.id, presiding=False)
    runs.start(tess, state)
    db.session.commit()
    return {"course": course, "cohort": cohort, "run": run, "exercise": exercise, "tess": tess,
            "t1": t1, "t2": t2, **people, "password": PASSWORD}

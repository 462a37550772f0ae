"""`flask demo load` with the starter library: the demo moot court, set up once and ready to look at."""
import re

from sqlalchemy import func, select

from courses.cases import runs
from courses.cases.models import CaseJudge, CaseRun, CaseSubmission, CaseTeam
from courses.demo import DEMO_PASSWORD, MOOT_CASE, MOOT_CODE, MOOT_COURSE, MOOT_DRAFT
from courses.models import Activity
from tests.conftest import login
from training.cohorts import Cohort
from training.extensions import db

CASE = f"/courses/{MOOT_COURSE}/cases/{MOOT_CASE}"


def count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_demo_load_sets_up_the_moot_court_once(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["courses", "sync"]).exit_code == 0
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    again = runner.invoke(args=["demo", "load"])
    assert again.exit_code == 0, again.output
    assert "Moot court: log in as trainer" in again.output and "MOOT-2026" in again.output

    cohort = db.session.execute(select(Cohort).where(Cohort.invite_code == MOOT_CODE)).scalar_one()
    run = db.session.execute(select(CaseRun)).scalar_one()
    assert run.cohort_id == cohort.id and run.started_at is not None
    teams = db.session.execute(select(CaseTeam).order_by(CaseTeam.number)).scalars().all()
    assert [t.side for t in teams] == ["applicant", "respondent"]
    assert (count(Cohort), count(CaseTeam), count(CaseJudge), count(CaseSubmission)) == (4, 2, 2, 1)
    assert [[m.handle for m in row.members] for row in runs.teams(run)] == [
        ["lawyer-chen", "lawyer-li"], ["lawyer-liu", "lawyer-zhou"]]
    assert [(u.handle, j.presiding) for j, u in runs.judges(run)] == [("trainer", True), ("judge-demo", False)]
    submission = db.session.execute(select(CaseSubmission)).scalar_one()
    assert submission.team_id == teams[0].id and submission.submitted_at is None

    # lawyer-li reached the capstone module: her team's case page and its draft open.
    li = app.test_client()
    login(li, "lawyer-li", DEMO_PASSWORD)
    page = li.get(CASE)
    assert page.status_code == 200
    assert "Write the submission" in page.get_data(as_text=True)
    draft = li.get(f"{CASE}/submission")
    assert draft.status_code == 200
    assert "Written submissions for the applicant (draft)" in draft.get_data(as_text=True)
    assert MOOT_DRAFT.splitlines()[0] in draft.get_data(as_text=True)

    # The trainer (presiding) sees the run with both teams; the guest judge logs in.
    trainer = app.test_client()
    login(trainer, "trainer", DEMO_PASSWORD)
    run_page = trainer.get(f"/case-runs/{run.id}")
    assert run_page.status_code == 200
    html = run_page.get_data(as_text=True)
    assert all(handle in html for handle in ("lawyer-li", "lawyer-chen", "lawyer-liu", "lawyer-zhou", "judge-demo"))
    login(app.test_client(), "judge-demo", DEMO_PASSWORD)


def test_the_finished_demo_cohort_shows_what_changed(app):
    """A newcomer opening "What changed" for the finished cohort sees results: at least k people
    answered before and after, and their knowledge score rose."""
    from courses.demo import RESULTS_CODE, RESULTS_PEOPLE

    runner = app.test_cli_runner()
    assert runner.invoke(args=["courses", "sync"]).exit_code == 0
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    assert len(RESULTS_PEOPLE) >= app.config["AMICUS_MIN_CELL"]
    cohort = db.session.execute(select(Cohort).where(Cohort.invite_code == RESULTS_CODE)).scalar_one()
    trainer = app.test_client()
    login(trainer, "trainer", DEMO_PASSWORD)
    page = trainer.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
    url = f"/courses/anti-gbv-campaigning/surveys/before-the-course/results?cohort={cohort.id}"
    assert url.replace("&", "&amp;") in page
    results = trainer.get(url).get_data(as_text=True)
    assert f'Matched (both)</th><td class="num">{len(RESULTS_PEOPLE)}</td>' in results
    assert "Knowledge score (measured)" in results and "rose from" in results
    # Regions are codes: the breakdown names them (or says they were withheld), never a raw code.
    assert "beijing" not in results


def test_the_demo_workshop_answered_with_respondent_cards(app):
    """The Sunday workshop of the migrant workers' course: women answered with cards before and
    after, so "What changed" shows matched results counted as card answers; a spare card opens."""
    from quizzes.surveys.cards import demo as card_demo
    from quizzes.surveys.cards.models import RespondentCard

    runner = app.test_cli_runner()
    assert runner.invoke(args=["courses", "sync"]).exit_code == 0
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    assert runner.invoke(args=["demo", "load"]).exit_code == 0  # once: no second set of cards
    assert count(RespondentCard) == card_demo.CARDS
    cohort = db.session.execute(select(Cohort).where(Cohort.invite_code == card_demo.CODE)).scalar_one()
    trainer = app.test_client()
    login(trainer, "trainer", DEMO_PASSWORD)
    assert "12 made, 0 void." in trainer.get(f"/cohorts/{cohort.id}/cards").get_data(as_text=True)
    survey = db.session.execute(select(Activity.slug).where(
        Activity.course_id == cohort.course_id, Activity.kind == "survey").order_by(Activity.position)).scalars().first()
    results = trainer.get(f"/courses/{card_demo.COURSE}/surveys/{survey}/results?cohort={cohort.id}").get_data(as_text=True)
    assert f'Matched (both)</th><td class="num">{card_demo.ANSWERED_AFTER}</td>' in results
    assert f"0 with an account, {card_demo.ANSWERED_BEFORE} with a card" in results
    spare = re.search(r"open /r and type (\d{17})", first.output).group(1)
    phone = app.test_client()
    assert phone.get(f"/r/{spare}").status_code == 302
    assert "Answer now" in phone.get("/r").get_data(as_text=True)

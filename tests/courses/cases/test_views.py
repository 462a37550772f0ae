"""The case pages through HTTP: what each role sees, what is refused, and a moot from submission to reflection."""
from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy import func, select

from courses.cases import judging, services
from courses.cases.models import CaseAttachment, CaseScore, CaseTeam, CaseTeamMember
from tests.conftest import login
from tests.courses.cases.helpers import docx_with_author, pdf_bytes, setup_moot
from training.audit import AuditEntry
from training.extensions import db
from training.progress import ActivityCompletion

BASE = "/courses/moot-course/cases/moot"
PDF = pdf_bytes()


@pytest.fixture
def moot(app, make_user, make_course):
    return setup_moot(make_user, make_course)


def client_for(app, handle):
    client = app.test_client()
    login(client, handle)
    return client


def text(response) -> str:
    return response.get_data(as_text=True)


def test_the_case_page_shows_her_role_and_her_case_file(app, moot):
    page = text(client_for(app, "ana1").get(BASE))
    assert "You are in team 1, counsel for the applicant." in page
    assert "Intake notes" in page and "Police record" in page
    assert "Respondent&#39;s instructions" not in page and "Bench memo" not in page and "Breach report" not in page
    assert "Write the submission" in page
    client_for(app, "ana1").get(f"{BASE}/submission")
    from courses.cases.models import CaseSubmission

    assert db.session.execute(select(func.count()).select_from(CaseSubmission)).scalar_one() == 0, "reading writes nothing"
    page = text(client_for(app, "joe").get(BASE))
    assert "You are a judge" in page and "Bench memo" in page and "Intake notes" not in page


def test_documents_by_url_are_refused_unless_released_to_her(app, moot):
    client = client_for(app, "ana1")
    assert client.get(f"{BASE}/documents/intake").status_code == 200
    for doc, message in (("memo", "not part of your case file"), ("instructions", "not part of your case file"),
                         ("breach", "not been released")):
        response = client.get(f"{BASE}/documents/{doc}")
        assert response.status_code == 403 and message in text(response), doc
    assert client.get(f"{BASE}/documents/nothing").status_code == 404
    assert client_for(app, "joe").get(f"{BASE}/documents/memo").status_code == 200


def test_autosave_then_submit_then_a_second_submit_is_refused(app, moot):
    client = client_for(app, "ana1")
    response = client.post(f"{BASE}/submission", data={"text": "Our case theory.", "version": "0"},
                           headers={"X-Amicus-Autosave": "1"})
    assert response.status_code == 200 and response.json["saved"] is True and response.json["version"] == 1
    response = client.post(f"{BASE}/submission", data={"text": "Our case theory, final.", "version": "1",
                                                       "action": "submit"})
    page = text(response)  # saved, and she is asked to confirm what becomes final
    assert response.status_code == 200 and "Submit for team 1?" in page and "version 2, 4 words" in page
    assert "nobody can change the text or the attachment afterwards" in page
    assert services.read_submission(moot["t1"]).submitted_at is None
    assert services.read_submission(moot["t1"]).text == "Our case theory, final."
    response = client.post(f"{BASE}/submission", data={"version": "2", "action": "submit", "confirmed": "1"},
                           follow_redirects=True)
    assert "Your team&#39;s submission is in." in text(response)
    other = client_for(app, "bob")
    response = other.post(f"{BASE}/submission", data={"text": "Sneaky edit.", "version": "1", "action": "submit"},
                          follow_redirects=True)
    assert "already submitted" in text(response)
    response = other.post(f"{BASE}/submission", data={"text": "Sneaky edit.", "version": "1"},
                          headers={"X-Amicus-Autosave": "1"})
    assert response.status_code == 409 and "already submitted" in response.json["error"]
    assert services.read_submission(moot["t1"]).text == "Our case theory, final."


def test_a_save_over_a_teammates_newer_text_is_a_conflict_with_both_texts_not_saved(app, moot):
    ana, bob = client_for(app, "ana1"), client_for(app, "bob")
    autosave = {"X-Amicus-Autosave": "1"}
    assert ana.post(f"{BASE}/submission", data={"text": "Ana's argument.", "version": "0"},
                    headers=autosave).json["version"] == 1
    response = bob.post(f"{BASE}/submission", data={"text": "Bob's argument.", "version": "0"}, headers=autosave)
    assert response.status_code == 409 and response.json["saved"] is False and response.json["conflict"] is True
    assert response.json["their_text"] == "Ana's argument." and response.json["their_version"] == 1
    assert "ana1 saved the team's text while you were writing" in response.json["error"]
    assert services.read_submission(moot["t1"]).text == "Ana's argument."
    # Submitting from a stale editor submits nothing.
    response = bob.post(f"{BASE}/submission", data={"text": "Bob's argument!", "version": "0", "action": "submit"})
    kept = response.json if response.is_json else None
    assert kept is None and response.status_code == 302 and "kept=3" in response.location
    page = text(bob.get(response.location))
    assert "Two texts: merge them" in page and "Bob&#39;s argument!" in page and "Ana&#39;s argument." in page
    assert "(kept aside, not the team's text)" in page
    row = services.read_submission(moot["t1"])
    assert (row.text, row.submitted_at) == ("Ana's argument.", None)
    # Once merged from her version, it is the team's text.
    response = bob.post(f"{BASE}/submission", data={"text": "Ana's argument. Bob's argument!", "version": "1"},
                        headers=autosave)
    assert response.status_code == 200 and response.json["saved"] is True
    assert services.read_submission(moot["t1"]).text == "Ana's argument. Bob's argument!"
    assert 'id="conflict" class="card flash-error" aria-labelledby="conflict-heading" hidden' in text(
        bob.get(f"{BASE}/submission?kept=3")), "a merged version is not shown as a conflict"


def test_uploads_disguised_or_oversized_change_nothing(app, moot):
    client = client_for(app, "ana1")
    for name, data, message in (("brief.pdf", b"MZ\x90\x00 an executable", "neither"),
                                ("brief.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024 + 10), "larger than 10 MB")):
        response = client.post(f"{BASE}/submission/attachment", data={"file": (io.BytesIO(data), name)},
                               content_type="multipart/form-data", follow_redirects=True)
        assert message in text(response)
    assert db.session.execute(select(func.count()).select_from(CaseAttachment)).scalar_one() == 0
    response = client.post(f"{BASE}/submission/attachment", data={"file": (io.BytesIO(PDF), "brief.pdf")},
                           content_type="multipart/form-data", follow_redirects=True)
    assert "The document is attached." in text(response)
    download = client.get(f"{BASE}/submission/attachment")
    stored = db.session.execute(select(CaseAttachment)).scalar_one()
    assert download.data == stored.data and download.mimetype == "application/pdf"
    assert "attachment" in download.headers["Content-Disposition"]
    # Another team's member has no way to it: her own team's attachment URL is the only one.
    assert client_for(app, "cyd").get(f"{BASE}/submission/attachment").status_code == 404


def submit_both(app):
    for handle in ("ana1", "cyd"):
        client = client_for(app, handle)
        client.post(f"{BASE}/submission", data={
            "text": f"Submission by {handle}'s team.", "version": "0", "action": "submit"})
        client.post(f"{BASE}/submission", data={"version": "1", "action": "submit", "confirmed": "1"})


def test_a_confirmation_from_before_a_teammates_save_submits_nothing(app, moot):
    ana, bob = client_for(app, "ana1"), client_for(app, "bob")
    assert "Submit for team 1?" in text(ana.post(f"{BASE}/submission", data={
        "text": "Ana's argument.", "version": "0", "action": "submit"}))
    bob.post(f"{BASE}/submission", data={"text": "Ana's argument. Bob's point.", "version": "1"},
             headers={"X-Amicus-Autosave": "1"})
    response = ana.post(f"{BASE}/submission", data={"version": "1", "action": "submit", "confirmed": "1"},
                        follow_redirects=True)
    assert "A teammate changed the submission since you opened it" in text(response)
    assert services.read_submission(moot["t1"]).submitted_at is None


def test_an_empty_submission_is_refused_before_the_confirmation(app, moot):
    response = client_for(app, "ana1").post(f"{BASE}/submission", data={"text": "  ", "version": "0", "action": "submit"},
                                            follow_redirects=True)
    assert "The submission is empty" in text(response) and "Submit for team 1?" not in text(response)


def test_judges_read_blind_and_score_with_the_rubric(app, moot):
    client_for(app, "ana1").post(f"{BASE}/submission/attachment",
                                 data={"file": (io.BytesIO(pdf_bytes(author="Ana Wang")), "Ana Wang brief.pdf")},
                                 content_type="multipart/form-data")
    submit_both(app)
    run_id = moot["run"].id
    judge = client_for(app, "joe")
    page = text(judge.get(f"/case-runs/{run_id}/judging/1"))
    assert "Team 1" in page and "Submission by ana1" in page
    assert "bob" not in page and "Ana Wang" not in page
    download = judge.get(f"/case-runs/{run_id}/teams/1/attachment")
    assert download.status_code == 200 and 'filename="team-1.pdf"' in download.headers["Content-Disposition"]
    assert b"Ana Wang" not in download.data and b"/Metadata" not in download.data  # stripped on upload
    response = judge.post(f"/case-runs/{run_id}/judging/1", data={"law": "9", "survivor": "2"}, follow_redirects=True)
    assert "Give every criterion a mark within its scale." in text(response)
    response = judge.post(f"/case-runs/{run_id}/judging/1", data={"law": "4", "survivor": "3", "feedback": "Clear."},
                          follow_redirects=True)
    assert "Your score for team 1 is saved." in text(response)
    score = db.session.execute(select(CaseScore)).scalar_one()
    assert score.marks == {"law": 4, "survivor": 3} and score.percent == pytest.approx(75)
    # Not a judge: no judging pages.
    assert client_for(app, "bob").get(f"/case-runs/{run_id}/judging/2").status_code == 403


def test_a_judge_downloads_a_word_attachment_that_names_no_one(app, moot):
    client = client_for(app, "ana1")
    response = client.post(f"{BASE}/submission/attachment", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(pdf_bytes(author="Ana Wang", password="secret")), "brief.pdf")},
                           follow_redirects=True)
    assert "protected by a password" in text(response)
    assert db.session.execute(select(func.count()).select_from(CaseAttachment)).scalar_one() == 0
    original = docx_with_author("Ana Wang", "AW")
    response = client.post(f"{BASE}/submission/attachment", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(original), "Ana Wang brief.docx")}, follow_redirects=True)
    assert "The document is attached." in text(response)
    submit_both(app)
    download = client_for(app, "joe").get(f"/case-runs/{moot['run'].id}/teams/1/attachment")
    assert download.status_code == 200 and 'filename="team-1.docx"' in download.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(download.data)) as archive:
        named = [info.filename for info in archive.infolist() if b"Ana Wang" in archive.read(info)]
        document = archive.read("word/document.xml")
    with zipfile.ZipFile(io.BytesIO(original)) as archive:
        assert document == archive.read("word/document.xml").replace(b'"Ana Wang"', b'"Author"')
    assert named == []


def test_a_participant_judge_cannot_score_or_download_her_own_team(app, moot):
    from courses.cases import runs

    runs.add_judge(moot["tess"], services.run_state(moot["run"], "en"), moot["ana1"].id, presiding=False)
    db.session.commit()
    submit_both(app)
    client = client_for(app, "ana1")
    run_id = moot["run"].id
    response = client.post(f"/case-runs/{run_id}/judging/1", data={"law": "5", "survivor": "5"}, follow_redirects=True)
    assert "You cannot score your own team." in text(response)
    assert client.get(f"/case-runs/{run_id}/teams/1/attachment").status_code == 403
    assert db.session.execute(select(func.count()).select_from(CaseScore)).scalar_one() == 0
    assert "your own team: not yours to score" in text(client.get(f"/case-runs/{run_id}/judging"))


def test_the_trainer_runs_it_and_publishing_opens_results_and_reflection(app, moot):
    submit_both(app)
    run_id = moot["run"].id
    trainer = client_for(app, "tess")
    page = text(trainer.get(f"/case-runs/{run_id}"))
    assert "Team 1" in page and "ana1" in page and "Submitted" in page
    response = trainer.post(f"/case-runs/{run_id}/publish", follow_redirects=True)
    assert ("Team 1 has no score for its written submission from any of its judges (joe or tess)."
            in text(response).replace("&#39;", "'"))
    state = services.run_state(moot["run"], "en")
    for j in (moot["joe"], moot["tess"]):
        judging.score_written(state, j, moot["t1"], {"law": 4, "survivor": 4}, "Well argued.")
        judging.score_written(state, j, moot["t2"], {"law": 3, "survivor": 3}, "")
    db.session.commit()
    page = text(trainer.post(f"/case-runs/{run_id}/publish", follow_redirects=True))
    assert "The results cannot be published yet. Team 1 has no oral-hearing score from any of its judges" in page
    assert "Team 2 has no oral-hearing score" in page and "Team 1 has no score for its written" not in page
    response = trainer.post(f"/case-runs/{run_id}/stages/hearing/open", follow_redirects=True)
    assert "The stage is open." in text(response)
    state = services.run_state(moot["run"], "en")
    for team, handles in ((moot["t1"], ("ana1", "bob")), (moot["t2"], ("cyd", "dia"))):
        for h in handles:
            judging.score_speaker(state, moot["joe"], team, moot[h].id, {"bench": 5}, "")
    db.session.commit()
    response = trainer.post(f"/case-runs/{run_id}/teams/2/penalty", data={"points": "2,5", "reason": "Over the word limit"},
                            follow_redirects=True)
    assert "The penalty for team 2 is saved." in text(response)
    assert services.find_submission(moot["t2"]).penalty == 2.5  # a decimal comma reads as a point
    response = trainer.post(f"/case-runs/{run_id}/publish", data={"show_rank": "1"})
    page = text(response)  # final: she confirms, told what becomes final
    assert response.status_code == 200 and "Publish the results?" in page and "2 teams that submitted see" in page
    assert "Each team sees its rank." in page and "scores, penalties and peer reviews can no longer change" in page
    assert '<input type="hidden" name="show_rank" value="1">' in page
    assert services.run_state(moot["run"], "en").published is False
    response = trainer.post(f"/case-runs/{run_id}/publish", data={"show_rank": "1", "confirmed": "1"},
                            follow_redirects=True)
    assert "The results are published to the teams." in text(response)
    assert db.session.execute(select(AuditEntry.action).order_by(AuditEntry.id)).scalars().all() == [
        "case.penalty", "case.publish"]
    client = client_for(app, "ana1")
    page = text(client.get(f"{BASE}/results"))
    assert "Well argued." in page and "Judge A" in page and "joe" not in page and "tess" not in page
    assert "1 of 2 teams" in page
    response = client.post(f"{BASE}/results", data={"reflection": "Too short."}, follow_redirects=True)
    assert "Write at least 50 characters" in text(response)
    response = client.post(f"{BASE}/results", data={
        "reflection": "Next time I would ask for a specific distance in the stay-away order."}, follow_redirects=True)
    assert "You have completed this exercise." in text(response)
    assert db.session.execute(select(ActivityCompletion.user_id)).scalars().all() == [moot["ana1"].id]


def test_trainer_actions_refuse_bad_input_with_a_message(app, moot):
    run_id = moot["run"].id
    trainer = client_for(app, "tess")
    for path, data, message in (
        ("teams", {"side": "judge"}, "Choose the applicant"),
        ("teams", {}, "Choose the applicant"),
        ("stages/case-file/open", {}, "already open"),
        ("stages/nothing/open", {}, "There is no such stage."),
        ("teams/1/members", {"user": str(moot["obi"].id)}, "full"),
        ("judges", {"user": "99999"}, "Judges are chosen from the cohort"),
        ("teams/1/penalty", {"points": "lots", "reason": "x"}, "from 0 to 100"),
        ("teams/1/penalty", {"points": "nan", "reason": "x"}, "from 0 to 100"),
        ("teams/1/penalty", {"points": "", "reason": "x"}, "from 0 to 100"),
        ("schedule", {"due": "not a date"}, "Give the deadline"),
        ("schedule", {"due": "2026-12-01T10:00", "late_until": "2026-11-30T10:00"}, "after the deadline"),
        ("schedule", {"due": "2026-12-01T10:00", "stage-inject": "soon"}, "Give each stage's opening time"),
        ("clarifications/99999/answer", {"question": "Q?", "answer": "A."}, "There is no such question."),
    ):
        response = trainer.post(f"/case-runs/{run_id}/{path}", data=data)
        assert response.status_code == 302 and response.headers["Location"].endswith(f"/case-runs/{run_id}#messages")
        assert message in text(trainer.get(f"/case-runs/{run_id}")).replace("&#39;", "'"), (path, data)
    assert db.session.execute(select(func.count()).select_from(CaseTeam)).scalar_one() == 2
    db.session.refresh(moot["run"])
    assert moot["run"].late_until is None  # no refused schedule was saved
    # A list's or a path's id that no page sends: 400 or 404, and nothing changes.
    for path, data, status in (("teams/1/members", {"user": "99999999999999999999"}, 400),
                               ("teams/1/members", {"user": "abc"}, 400), ("judges", {"user": "-1"}, 400),
                               ("teams/9/members", {"user": str(moot["obi"].id)}, 404),
                               ("teams/9/penalty", {"points": "1", "reason": "x"}, 404),
                               ("teams/1/members/99999999999/remove", {}, 404)):
        assert trainer.post(f"/case-runs/{run_id}/{path}", data=data).status_code == status, (path, data)
    assert db.session.execute(select(func.count()).select_from(CaseTeamMember).where(
        CaseTeamMember.user_id == moot["obi"].id)).scalar_one() == 0
    response = trainer.post(f"/case-runs/{run_id}/schedule", data={"due": "2026-12-01T10:00",
                                                                   "late_until": "2026-12-02T10:00",
                                                                   "stage-inject": "2026-11-29T08:00"},
                            follow_redirects=True)
    assert "The schedule is saved." in text(response)
    db.session.refresh(moot["run"])
    # Typed in the trainer's zone: she has chosen none, so the site's (Asia/Shanghai, UTC+8).
    assert moot["run"].submissions_due.isoformat() == "2026-12-01T02:00:00+00:00"
    assert moot["run"].late_until.isoformat() == "2026-12-02T02:00:00+00:00"


def test_clarification_asked_then_answered_for_everyone(app, moot):
    client = client_for(app, "ana1")
    response = client.post(f"{BASE}/questions", data={"question": "Was the respondent served?"}, follow_redirects=True)
    assert "Your question is sent." in text(response)
    from courses.cases.models import CaseClarification

    row = db.session.execute(select(CaseClarification)).scalar_one()
    response = client_for(app, "tess").post(f"/case-runs/{moot['run'].id}/clarifications/{row.id}/answer", data={
        "question": row.question, "answer": "Yes, on 5 March."})
    assert response.headers["Location"].endswith("#clarifications")
    page = text(client_for(app, "cyd").get(BASE))
    assert "Was the respondent served?" in page and "Yes, on 5 March." in page


def test_a_participant_outside_any_run_is_told_how_to_take_part(app, make_user, make_course):
    from training.progress import enrol

    setup_moot(make_user, make_course)
    loner = make_user("loner")
    from courses.services import get_course

    enrol(loner, get_course("moot-course").id)
    db.session.commit()
    page = text(client_for(app, "loner").get(BASE))
    assert "This exercise is run by a trainer for a cohort" in page
    assert client_for(app, "loner").get(f"{BASE}/documents/police").status_code == 403


def test_a_guest_judge_judges_and_does_nothing_else(app, moot):
    submit_both(app)
    run_id = moot["run"].id
    trainer = client_for(app, "tess")
    response = trainer.post(f"/case-runs/{run_id}/guest-judges", data={"handle": "judge-liu"})
    assert response.status_code == 200
    link = text(response).split('id="reset-link" class="copy" readonly value="')[1].split('"')[0]
    assert "/reset/" in link
    response = trainer.post(f"/case-runs/{run_id}/guest-judges", data={"handle": "judge-liu"},
                            follow_redirects=True)
    assert "That handle is taken" in text(response)
    guest = app.test_client()
    path = link.split("localhost", 1)[-1]
    response = guest.post(path, data={"password": "a long new passphrase", "confirm": "a long new passphrase"})
    assert response.status_code == 302
    login(guest, "judge-liu", "a long new passphrase")
    assert f"/case-runs/{run_id}/judging" in text(guest.get("/learning"))
    page = text(guest.get(f"/case-runs/{run_id}/judging"))
    assert "Bench memo" in page and "Intake notes" not in page
    assert guest.get(f"/case-runs/{run_id}/documents/memo").status_code == 200
    assert guest.get(f"/case-runs/{run_id}/documents/intake").status_code == 403
    response = guest.post(f"/case-runs/{run_id}/judging/2", data={"law": "3", "survivor": "3"}, follow_redirects=True)
    assert "Your score for team 2 is saved." in text(response)
    response = guest.post("/courses/moot-course/enrol", follow_redirects=True)
    assert "judges case exercises only" in text(response)
    response = guest.post("/join", data={"code": moot["cohort"].invite_code}, follow_redirects=True)
    assert "judges case exercises only" in text(response)
    assert guest.get(f"/case-runs/{run_id}").status_code == 403
    from training.accounts import find_user
    from training.progress import Enrolment

    liu = find_user("judge-liu")
    assert liu.is_guest
    assert db.session.execute(select(func.count()).select_from(Enrolment).where(Enrolment.user_id == liu.id)).scalar_one() == 0

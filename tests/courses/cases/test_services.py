"""A whole small moot through the services: release, visibility, submissions, judging, results."""
from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from courses.cases import judging, runs, services
from courses.cases.models import CaseScore, CaseSubmissionVersion, CaseTeamMember
from courses.cases.services import CaseError
from tests.courses.cases.helpers import docx_with_author, pdf_bytes, setup_moot
from training.db import utcnow
from training.extensions import db
from training.messages import Notification
from training.progress import ActivityCompletion

PDF = pdf_bytes()


def docx_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", '<Types><Override ContentType="application/'
                   'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
        z.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


@pytest.fixture
def moot(app, make_user, make_course):
    return setup_moot(make_user, make_course)


def state_of(moot, now=None):
    return services.run_state(moot["run"], "en", now)


def slugs(moot, user, roles, trainer=False):
    return [d.slug for d in services.visible_documents(state_of(moot), moot["exercise"], roles, trainer, "en")]


def test_each_role_sees_its_documents_once_their_stage_opens(moot):
    assert slugs(moot, moot["ana1"], {"applicant"}) == ["intake", "police"]
    assert slugs(moot, moot["cyd"], {"respondent"}) == ["instructions", "police"]
    assert slugs(moot, moot["joe"], {"judge"}) == ["police", "memo"]
    assert slugs(moot, moot["obi"], {"observer"}) == ["police"]
    assert slugs(moot, moot["tess"], set(), trainer=True) == ["intake", "instructions", "police", "breach", "memo"]
    runs.open_stage(moot["tess"], state_of(moot), "inject")
    assert slugs(moot, moot["ana1"], {"applicant"}) == ["intake", "police", "breach"]


def test_an_unreleased_or_foreign_document_is_refused(moot):
    state = state_of(moot)
    with pytest.raises(CaseError, match="not been released"):
        services.open_document(state, moot["exercise"], {"applicant"}, False, "breach", "en")
    with pytest.raises(CaseError, match="not part of your case file"):
        services.open_document(state, moot["exercise"], {"applicant"}, False, "instructions", "en")
    with pytest.raises(CaseError, match="not part of your case file"):
        services.open_document(state, moot["exercise"], {"applicant"}, False, "memo", "en")
    assert services.open_document(state, moot["exercise"], {"applicant"}, False, "nope", "en") is None
    doc = services.open_document(state, moot["exercise"], {"applicant"}, False, "intake", "en")
    assert "<strong>safety</strong>" in doc.html


def test_nothing_is_released_before_the_trainer_starts(app, make_user, make_course):
    moot = setup_moot(make_user, make_course)
    moot["run"].started_at = None
    assert slugs(moot, moot["ana1"], {"applicant"}) == []


def test_a_team_member_who_judges_reads_as_her_side_not_the_bench_memo(moot):
    runs.add_judge(moot["tess"], state_of(moot), moot["ana1"].id, presiding=False)
    judge = services.judge_of(moot["run"], moot["ana1"])
    assert services.reader_roles(moot["t1"], judge, True) == {"applicant"}
    assert services.reader_roles(None, judge, True) == {"judge"}
    assert services.reader_roles(None, None, True) == {"observer"}


def test_drafts_keep_versions_and_a_teammates_simultaneous_change_is_kept_aside_not_replacing(moot):
    state = state_of(moot)
    sub, conflict = services.save_draft(state, moot["t1"], moot["ana1"], "First words.", 0)
    assert (sub.version, conflict) == (1, None)
    sub, _ = services.save_draft(state, moot["t1"], moot["ana1"], "First words, more.", 1)
    assert sub.version == 2, "every save of the team's text gives it a new number"
    assert [v.text for v, _ in services.versions(sub)] == ["First words, more."], "her saves within minutes update her version"
    sub, conflict = services.save_draft(state, moot["t1"], moot["bob"], "Bo's text.", 2)
    assert (sub.version, conflict) == (3, None)
    # Ana's editor still started from version 2: Bo saved since. His text stays the team's.
    sub, conflict = services.save_draft(state, moot["t1"], moot["ana1"], "Ana's later text.", 2)
    assert sub.text == "Bo's text." and sub.version == 3
    assert (conflict.their_text, conflict.their_version, conflict.their_author, conflict.kept_version) == (
        "Bo's text.", 3, "bob", 4)
    # She types on before merging: her kept text is updated, the team's still not replaced.
    sub, conflict = services.save_draft(state, moot["t1"], moot["ana1"], "Ana's later text, more.", 2)
    assert conflict.kept_version == 5 and sub.text == "Bo's text.", "renumbered above the team's, not added"
    assert [(v.text, services.is_kept_aside(sub, v)) for v, _ in services.versions(sub)] == [
        ("Ana's later text, more.", True), ("Bo's text.", False), ("First words, more.", False)]
    # She merges, starting from Bo's version: both texts are now the team's, every version kept.
    merged = "Bo's text.\n\nAna's later text, more."
    sub, conflict = services.save_draft(state, moot["t1"], moot["ana1"], merged, conflict.their_version)
    assert (sub.text, sub.version, conflict) == (merged, 6, None)
    assert [v.text for v, _ in services.versions(sub)] == [merged, "Ana's later text, more.", "Bo's text.",
                                                           "First words, more."]


def test_a_teammate_typing_on_in_his_version_is_a_conflict_too(moot):
    state = state_of(moot)
    sub, _ = services.save_draft(state, moot["t1"], moot["bob"], "Bo's first line.", 0)
    loaded = sub.version  # Ana opens the editor now
    sub, conflict = services.save_draft(state, moot["t1"], moot["bob"], "Bo's first line. Bo's second.", loaded)
    assert conflict is None and sub.version > loaded
    sub, conflict = services.save_draft(state, moot["t1"], moot["ana1"], "Ana's line.", loaded)
    assert conflict is not None and conflict.their_text == "Bo's first line. Bo's second."
    assert sub.text == "Bo's first line. Bo's second."
    # Her own save from another tab is not a conflict with herself.
    sub, conflict = services.save_draft(state, moot["t1"], moot["bob"], "Bo, from his other tab.", loaded)
    assert conflict is None and sub.text == "Bo, from his other tab."
    # Writing the team's text as it is changes nothing and is no conflict.
    before = sub.version
    sub, conflict = services.save_draft(state, moot["t1"], moot["ana1"], "Bo, from his other tab.", loaded)
    assert (conflict, sub.version) == (None, before)


def test_submit_once_then_nothing_changes(moot):
    state = state_of(moot)
    with pytest.raises(CaseError, match="empty"):
        services.submit(state, moot["t1"], moot["ana1"], 0)
    sub, _ = services.save_draft(state, moot["t1"], moot["ana1"], "Our argument.", 0)
    services.submit(state, moot["t1"], moot["ana1"], sub.version)
    assert sub.submitted_at is not None and sub.late is False and sub.submitted_by_id == moot["ana1"].id
    db.session.commit()
    with pytest.raises(CaseError, match="already submitted"):
        services.submit(state, moot["t1"], moot["bob"], sub.version)
    with pytest.raises(CaseError, match="already submitted"):
        services.save_draft(state, moot["t1"], moot["bob"], "Changed.", sub.version)
    with pytest.raises(CaseError, match="already submitted"):
        services.attach(state, moot["t1"], moot["bob"], "a.pdf", PDF)
    assert services.submission_of(moot["t1"]).text == "Our argument."


def test_submit_refuses_words_over_the_limit_and_a_stale_version(moot):
    state = state_of(moot)
    sub, _ = services.save_draft(state, moot["t1"], moot["ana1"], "word " * 51, 0)
    with pytest.raises(CaseError, match="51 words; at most 50"):
        services.submit(state, moot["t1"], moot["ana1"], sub.version)
    with pytest.raises(CaseError, match="teammate changed"):
        services.submit(state, moot["t1"], moot["ana1"], sub.version - 1)
    assert services.count_words("保护令 order 申请") == 6


def test_deadline_and_late_window(moot):
    run = moot["run"]
    run.submissions_due = utcnow() - timedelta(hours=1)
    with pytest.raises(CaseError, match="deadline"):
        services.save_draft(state_of(moot), moot["t1"], moot["ana1"], "Too late.", 0)
    run.late_until = utcnow() + timedelta(hours=1)
    sub, _ = services.save_draft(state_of(moot), moot["t1"], moot["ana1"], "Late but in.", 0)
    services.submit(state_of(moot), moot["t1"], moot["ana1"], sub.version)
    assert sub.late is True


def test_only_team_members_write(moot):
    with pytest.raises(CaseError, match="Only members of a team"):
        services.save_draft(state_of(moot), None, moot["obi"], "x", 0)


def test_attachments_are_checked_by_content(moot):
    state = state_of(moot)
    row = services.attach(state, moot["t1"], moot["ana1"], "../../etc/Our brief.PDF", PDF)
    assert (row.mimetype, row.filename, row.size) == ("application/pdf", "Our brief.pdf", len(row.data))
    row = services.attach(state, moot["t1"], moot["ana1"], "brief.docx", docx_bytes())
    assert row.mimetype.endswith("wordprocessingml.document") and row.filename == "brief.docx"
    for name, data, message in [
        ("virus.pdf", b"MZ\x90\x00" + b"\0" * 100, "neither"),
        ("page.pdf", b"<html><script>alert(1)</script></html>", "neither"),
        ("fake.docx", b"PK\x03\x04 not really a zip", "neither"),
        ("big.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024), "larger than 10 MB"),
        ("empty.pdf", b"", "empty"),
    ]:
        with pytest.raises(CaseError, match=message):
            services.attach(state, moot["t1"], moot["ana1"], name, data)
    assert services.attachment_of(services.submission_of(moot["t1"])).filename == "brief.docx"


def test_attachments_are_stored_without_their_authors_names(moot):
    state = state_of(moot)
    row = services.attach(state, moot["t1"], moot["ana1"], "brief.docx", docx_with_author("Ana Wang", "AW"))
    with zipfile.ZipFile(io.BytesIO(row.data)) as archive:
        assert not [info.filename for info in archive.infolist() if b"Ana Wang" in archive.read(info)]
    assert row.size == len(row.data) and row.sha256 == hashlib.sha256(row.data).hexdigest()
    row = services.attach(state, moot["t1"], moot["ana1"], "brief.pdf", pdf_bytes(author="Ana Wang"))
    assert b"Ana Wang" not in row.data and row.size == len(row.data)
    db.session.commit()
    for data, message in [(pdf_bytes(author="Ana Wang", password="secret"), "protected by a password"),
                          (b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "could not be read")]:
        with pytest.raises(CaseError, match=message):
            services.attach(state, moot["t1"], moot["ana1"], "other.pdf", data)
    stored = services.attachment_of(services.submission_of(moot["t1"]))
    assert (stored.filename, stored.data) == ("brief.pdf", row.data)


def submit_both(moot):
    state = state_of(moot)
    for team, user in ((moot["t1"], moot["ana1"]), (moot["t2"], moot["cyd"])):
        sub, _ = services.save_draft(state, team, user, f"Submission of team {team.number}.", 0)
        services.submit(state, team, user, sub.version)
    db.session.commit()
    return state


def test_a_judge_cannot_score_his_own_team_or_an_unsubmitted_one(moot):
    state = state_of(moot)
    with pytest.raises(CaseError, match="not submitted"):
        judging.score_written(state, moot["joe"], moot["t1"], {"law": 3, "survivor": 3}, "")
    runs.add_judge(moot["tess"], state, moot["ana1"].id, presiding=False)
    submit_both(moot)
    with pytest.raises(CaseError, match="your own team"):
        judging.score_written(state, moot["ana1"], moot["t1"], {"law": 3, "survivor": 3}, "")
    with pytest.raises(PermissionError):
        judging.score_written(state, moot["bob"], moot["t2"], {"law": 3, "survivor": 3}, "")
    entries = {e.team.number: e for e in judging.queue(state, moot["ana1"])}
    assert entries[1].own and not entries[2].own
    assert db.session.execute(select(func.count()).select_from(CaseScore)).scalar_one() == 0


def test_a_judge_sees_other_marks_only_after_his_own(moot):
    state = submit_both(moot)
    judging.score_written(state, moot["tess"], moot["t1"], {"law": 5, "survivor": 5}, "Excellent.")
    sheet = judging.sheet(state, moot["joe"], moot["t1"])
    assert sheet.mine is None and sheet.others == []
    judging.score_written(state, moot["joe"], moot["t1"], {"law": "4", "survivor": "2"}, "Good law.")
    sheet = judging.sheet(state, moot["joe"], moot["t1"])
    assert sheet.mine.percent == pytest.approx(70) and [s.percent for s in sheet.others] == [100]
    with pytest.raises(CaseError, match="within its scale"):
        judging.score_written(state, moot["joe"], moot["t1"], {"law": 9, "survivor": 2}, "")
    assert sheet.mine.marks == {"law": 4, "survivor": 2}


def score_everything(moot, state):
    for judge in (moot["joe"], moot["tess"]):
        judging.score_written(state, judge, moot["t1"], {"law": 4, "survivor": 4}, f"{judge.handle}: clear.")
        judging.score_written(state, judge, moot["t2"], {"law": 2, "survivor": 3}, "")
    runs.open_stage(moot["tess"], state, "hearing")
    state = state_of(moot)
    for team, speakers in ((moot["t1"], ("ana1", "bob")), (moot["t2"], ("cyd", "dia"))):
        for handle in speakers:
            judging.score_speaker(state, moot["joe"], team, moot[handle].id, {"bench": 4}, "")
    return state


def test_hearing_scores_wait_for_the_hearing_and_name_a_speaker_of_the_team(moot):
    state = submit_both(moot)
    with pytest.raises(CaseError, match="not opened"):
        judging.score_speaker(state, moot["joe"], moot["t1"], moot["ana1"].id, {"bench": 4}, "")
    runs.open_stage(moot["tess"], state, "hearing")
    state = state_of(moot)
    with pytest.raises(CaseError, match="does not speak for this team"):
        judging.score_speaker(state, moot["joe"], moot["t1"], moot["cyd"].id, {"bench": 4}, "")
    assert judging.score_speaker(state, moot["joe"], moot["t1"], moot["ana1"].id, {"bench": 4}, "").percent == 80


def test_publish_waits_for_scores_then_results_penalties_and_reflection_complete_the_exercise(moot):
    state = submit_both(moot)
    with pytest.raises(CaseError) as refused:
        runs.publish(moot["tess"], state, show_rank=True)
    assert refused.value.message == (  # each team, stage and the judges who may score it
        "The results cannot be published yet. "
        "Team 1 has no score for its written submission from any of its judges (joe or tess). "
        "Team 1 has no oral-hearing score from any of its judges (joe or tess). "
        "Team 2 has no score for its written submission from any of its judges (joe or tess). "
        "Team 2 has no oral-hearing score from any of its judges (joe or tess).")
    with pytest.raises(CaseError, match="not been published"):
        services.my_result(state, moot["t1"], moot["ana1"], "en")
    state = score_everything(moot, state)
    with pytest.raises(CaseError, match="reason"):
        runs.set_penalty(moot["tess"], state, moot["t2"], 5, "")
    runs.set_penalty(moot["tess"], state, moot["t2"], 5, "Over the page limit")
    with pytest.raises(PermissionError):
        runs.publish(moot["joe"], state, show_rank=True)
    runs.publish(moot["tess"], state, show_rank=True)
    db.session.commit()
    told = db.session.execute(select(Notification.user_id).where(Notification.event == "results")).scalars().all()
    assert sorted(told) == sorted(u.id for u in (moot["ana1"], moot["bob"], moot["cyd"], moot["dia"]))  # the teams
    state = state_of(moot)
    mine = services.my_result(state, moot["t1"], moot["ana1"], "en")
    # written 4/5*3 + 4/5*1 = 80% from both judges; oral 80%: final 80
    assert mine.result.final == pytest.approx(80) and mine.result.rank == 1 and mine.passed
    assert [who for who, _ in mine.feedback] == ["Judge A, written submission", "Judge B, written submission"]
    theirs = services.my_result(state, moot["t2"], moot["cyd"], "en")
    # written (2/5*3 + 3/5*1)/4 = 45% - 5 = 40; oral 80: 40*0.6 + 80*0.4 = 56 < 60
    assert theirs.result.final == pytest.approx(56) and not theirs.passed and theirs.penalty_reason == "Over the page limit"
    with pytest.raises(CaseError, match="at least 50"):
        services.write_reflection(state, moot["t1"], moot["ana1"], moot["exercise"].activity_id, "Short.", "en")
    text = "We should have asked for a stay-away distance. The bench pushed on the warning letter."
    assert services.write_reflection(state, moot["t1"], moot["ana1"], moot["exercise"].activity_id, text, "en") is True
    assert services.write_reflection(state, moot["t2"], moot["cyd"], moot["exercise"].activity_id, text, "en") is False
    db.session.commit()
    done = set(db.session.execute(select(ActivityCompletion.user_id)).scalars())
    assert done == {moot["ana1"].id}
    with pytest.raises(CaseError, match="published"):
        judging.score_written(state, moot["joe"], moot["t1"], {"law": 1, "survivor": 1}, "")
    with pytest.raises(CaseError, match="published"):
        runs.set_penalty(moot["tess"], state, moot["t1"], 5, "late")


def test_peer_review_rotates_between_submitted_teams(moot):
    state = submit_both(moot)
    assert judging.assign_peer_reviews(state) == 2
    with pytest.raises(CaseError, match="already assigned"):
        judging.assign_peer_reviews(state)
    review, target, submission = judging.my_peer_review(state, moot["t1"])
    assert target.id == moot["t2"].id and "team 2" in submission.text
    with pytest.raises(CaseError, match="Write your feedback"):
        judging.write_peer_review(state, moot["t1"], moot["ana1"], {"law": 3, "survivor": 3}, " ")
    judging.write_peer_review(state, moot["t1"], moot["ana1"], {"law": 3, "survivor": 3}, "Cite article 29.")
    with pytest.raises(CaseError, match="already submitted its review"):
        judging.write_peer_review(state, moot["t1"], moot["bob"], {"law": 1, "survivor": 1}, "Again.")
    assert review.percent == pytest.approx(60)


def test_clarifications_are_published_without_the_asker(moot):
    state = state_of(moot)
    with pytest.raises(CaseError, match="Only the people taking part"):
        services.ask(state, moot["tess"], False, "Is the warning letter dated?")
    row = services.ask(state, moot["ana1"], True, "I am Ana from Team 1: is the warning letter dated?")
    db.session.flush()
    assert services.published_clarifications(moot["run"]) == []
    runs.answer(moot["tess"], state, row.id, "Is the warning letter dated?", "Yes: 3 March.")
    published = services.published_clarifications(moot["run"])
    assert [(c.question, c.answer) for c in published] == [("Is the warning letter dated?", "Yes: 3 March.")]
    runs.answer(moot["tess"], state, row.id, "Is the warning letter dated?", "Yes: 3 March 2025.")  # reworded
    told = db.session.execute(select(Notification.user_id).where(Notification.event == "clarification")).scalars().all()
    assert len(told) == len(set(told)) == 4 and moot["ana1"].id in told  # every team member, once
    with pytest.raises(PermissionError):
        runs.answer(moot["joe"], state, row.id, "q", "a")


def test_teams_keep_their_size_and_members_join_one_team(moot):
    state = state_of(moot)
    t3 = runs.add_team(moot["tess"], state, "applicant")
    with pytest.raises(CaseError, match="full"):
        runs.assign_member(moot["tess"], state, moot["t1"], moot["obi"].id)
    with pytest.raises(CaseError, match="Your trainer forms the teams"):
        runs.join_team(state, t3, moot["obi"].id)
    runs.set_teams_open(moot["tess"], state, True)
    runs.join_team(state, t3, moot["obi"].id)
    with pytest.raises(CaseError, match="already in a team"):
        runs.join_team(state, t3, moot["obi"].id)
    with pytest.raises(CaseError, match="Only participants"):
        runs.assign_member(moot["tess"], state, t3, moot["tess"].id)
    runs.assign_member(moot["tess"], state, t3, moot["ana1"].id)  # the trainer moves her
    assert db.session.execute(select(CaseTeamMember.team_id).where(
        CaseTeamMember.user_id == moot["ana1"].id)).scalar_one() == t3.id
    with pytest.raises(CaseError, match="Choose"):
        runs.add_team(moot["tess"], state, "judge")


def test_only_the_cohorts_trainer_runs_it(moot, make_user):
    other = make_user("otto", role="trainer")
    state = state_of(moot)
    for call in (lambda: runs.open_stage(other, state, "inject"), lambda: runs.add_team(other, state, "applicant"),
                 lambda: runs.add_judge(other, state, other.id, False), lambda: runs.publish(other, state, False),
                 lambda: runs.set_penalty(other, state, moot["t1"], 1, "x"), lambda: runs.start(other, state)):
        with pytest.raises(PermissionError):
            call()


def test_versions_are_attributed(moot):
    state = state_of(moot)
    services.save_draft(state, moot["t1"], moot["bob"], "Bo wrote this.", 0)
    db.session.commit()
    row = db.session.execute(select(CaseSubmissionVersion)).scalar_one()
    assert row.author_id == moot["bob"].id


def test_a_refused_publish_names_the_judges_who_may_still_score_each_team(moot):
    state = submit_both(moot)
    for handle in ("joe", "tess"):
        runs.remove_judge(moot["tess"], state, moot[handle].id)
    assert runs.missing_scores(state_of(moot))[0] == (
        "Team 1 has no score for its written submission, and no judge may give one: add a judge.")
    runs.add_judge(moot["tess"], state, moot["joe"].id, presiding=True)
    runs.add_judge(moot["tess"], state, moot["tess"].id, presiding=False)
    runs.add_judge(moot["tess"], state, moot["ana1"].id, presiding=False)  # she is in team 1
    for judge in (moot["joe"], moot["tess"]):
        judging.score_written(state, judge, moot["t2"], {"law": 3, "survivor": 3}, "")
    assert runs.missing_scores(state_of(moot)) == [
        "Team 1 has no score for its written submission from any of its judges (joe or tess).",
        "Team 1 has no oral-hearing score from any of its judges (joe or tess).",
        "Team 2 has no oral-hearing score from any of its judges (joe, ana1, or tess).",
    ]

"""Taking a quiz: saving, restoring, submitting once, time limits, marking, completion."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from courses.services import course_outline, get_course
from quizzes import services
from quizzes.models import QuizAttempt, QuizQuestion, QuizResponse
from tests.conftest import login
from training.extensions import db
from training.progress import ActivityCompletion, enrol

GIFT = """
::Court:: Which court issued the 2022 provisions? {=Supreme People's Court#Right. ~A district court#No. ~A police station}

::Hours:: How many hours for an ordinary ruling? {#72}

::Evidence:: Which are evidence? {~%50%Medical records ~%50%Police records ~%-100%Rumours}
"""


@pytest.fixture
def course(make_course):
    return make_course(modules=1, lessons=1, sequential=False, quiz=GIFT, quiz_settings="pass_mark: 60\nattempts: 2")


@pytest.fixture
def mei(make_user, course):
    user = make_user("mei")
    enrol(user, course.id)
    db.session.commit()
    return user


def ids(attempt):
    rows = db.session.execute(select(QuizQuestion).where(QuizQuestion.id.in_(attempt.question_ids))).scalars()
    return {q.data["title"]: q.id for q in rows}


def context(user, slug="check"):
    return services.quiz_context(get_course("test-course"), slug, user, "en")


def test_quizzes_follow_module_locks_and_count_toward_the_course(make_course, make_user):
    from courses.services import Locked, complete_lesson

    course = make_course(modules=2, lessons=1, sequential=True, quiz=GIFT, quiz_settings="pass_mark: 60\nattempts: 2")
    mei = make_user("mei")
    enrol(mei, course.id)
    outline = course_outline(course, mei, "en")
    assert [a.kind for a in outline.activities] == ["lesson", "lesson", "quiz"]
    with pytest.raises(Locked):
        context(mei)
    complete_lesson(course, "001-lesson", mei, "en")
    attempt = services.start_attempt(context(mei), mei)
    q = ids(attempt)
    services.save_answers(attempt, mei, {q["Court"]: 1, q["Hours"]: "72", q["Evidence"]: ["0"]})
    assert services.finish(attempt, mei)
    assert attempt.score == pytest.approx(50.0)  # (0 + 1 + 0.5) / 3
    assert services.summary(context(mei).quiz, mei).passed is False
    second = services.start_attempt(context(mei), mei)
    q = ids(second)
    services.save_answers(second, mei, {q["Court"]: 0, q["Hours"]: "72", q["Evidence"]: ["0", "1"]})
    services.finish(second, mei)
    db.session.commit()
    assert second.score == 100.0
    state = services.summary(context(mei).quiz, mei)
    assert state.passed and state.grade == 100.0 and state.attempts_left == 0 and not state.can_start
    with pytest.raises(services.NotAllowed):
        services.start_attempt(context(mei), mei)
    activity_id = context(mei).activity.id
    assert db.session.execute(select(func.count()).select_from(ActivityCompletion)
                              .where(ActivityCompletion.activity_id == activity_id)).scalar_one() == 1
    complete_lesson(course, "002-lesson", mei, "en")
    outline = course_outline(course, mei, "en")
    assert (outline.done, outline.total) == (3, 3)


def test_answers_are_restored_and_a_tampered_save_changes_nothing(course, mei, make_user):
    attempt = services.start_attempt(context(mei), mei)
    q = ids(attempt)
    services.save_answers(attempt, mei, {q["Court"]: "2", q["Hours"]: "71"})
    db.session.commit()
    shown = {s.question.title: s.value for s in services.shown_questions(attempt)}
    assert shown == {"Court": 2, "Hours": "71", "Evidence": None}
    with pytest.raises(services.QuizError, match="did not fit"):
        services.save_answers(attempt, mei, {q["Hours"]: "72", q["Court"]: 17})
    db.session.rollback()
    with pytest.raises(services.QuizError, match="did not belong"):
        services.save_answers(attempt, mei, {q["Hours"]: "72", 999_999: "x"})
    db.session.rollback()
    assert {s.question.title: s.value for s in services.shown_questions(attempt)}["Hours"] == "71"
    other = make_user("other")
    with pytest.raises(LookupError):
        services.save_answers(attempt, other, {q["Hours"]: "1"})


def test_submitting_twice_gives_one_graded_attempt(client, course, mei):
    login(client, "mei")
    response = client.post("/courses/test-course/quizzes/check/start")
    attempt_id = int(response.headers["Location"].rsplit("/", 1)[1])
    attempt = db.session.get(QuizAttempt, attempt_id)
    q = ids(attempt)
    form = {"shown": [str(i) for i in attempt.question_ids], f"q{q['Court']}": "0", f"q{q['Hours']}": "72",
            f"q{q['Evidence']}": ["0", "1"]}
    first = client.post(f"/quizzes/attempts/{attempt_id}/submit", data=form)
    second = client.post(f"/quizzes/attempts/{attempt_id}/submit", data={**form, f"q{q['Court']}": "1"})
    assert first.headers["Location"] == second.headers["Location"] == f"/quizzes/attempts/{attempt_id}/review"
    assert db.session.execute(select(func.count(QuizAttempt.id))).scalar_one() == 1
    db.session.refresh(attempt)
    assert attempt.state == "finished" and attempt.score == 100.0
    # Saving after submitting is refused and changes nothing.
    refused = client.post(f"/quizzes/attempts/{attempt_id}/save", data={**form, f"q{q['Court']}": "1"},
                          headers={"X-Amicus-Autosave": "1"})
    assert refused.status_code == 409 and "submitted" in refused.get_json()["error"]
    assert db.session.execute(select(QuizResponse.value).where(QuizResponse.question_id == q["Court"])).scalar_one() == 0
    page = client.get(f"/quizzes/attempts/{attempt_id}/review").get_data(as_text=True)
    assert "Score: 100" in page and "Right." in page


def test_autosave_endpoint_and_no_js_save(client, course, mei):
    login(client, "mei")
    attempt_id = int(client.post("/courses/test-course/quizzes/check/start").headers["Location"].rsplit("/", 1)[1])
    attempt = db.session.get(QuizAttempt, attempt_id)
    q = ids(attempt)
    shown = [str(i) for i in attempt.question_ids]
    saved = client.post(f"/quizzes/attempts/{attempt_id}/save", data={"shown": shown, f"q{q['Hours']}": "72"},
                        headers={"X-Amicus-Autosave": "1"})
    assert saved.status_code == 200 and saved.get_json()["saved"] is True
    page = client.get(f"/quizzes/attempts/{attempt_id}").get_data(as_text=True)
    assert 'value="72"' in page
    plain = client.post(f"/quizzes/attempts/{attempt_id}/save", data={"shown": shown, f"q{q['Evidence']}": ["1"]})
    assert plain.status_code == 302
    page = client.get(f"/quizzes/attempts/{attempt_id}").get_data(as_text=True)
    assert 'value="72"' not in page  # the full-form save stored the now empty field too
    assert "Your answers are saved" in page
    # Starting again resumes the same attempt.
    assert client.post("/courses/test-course/quizzes/check/start").headers["Location"].endswith(f"/{attempt_id}")


def test_the_time_limit_is_enforced_on_the_server(client, make_course, make_user):
    make_course(modules=1, lessons=1, sequential=False, quiz=GIFT, quiz_settings="time_limit: 5")
    user = make_user("mei")
    enrol(user, get_course("test-course").id)
    db.session.commit()
    attempt = services.start_attempt(context(user), user)
    q = ids(attempt)
    services.save_answers(attempt, user, {q["Court"]: 0})
    attempt.deadline_at = attempt.deadline_at - timedelta(minutes=6)
    db.session.commit()
    with pytest.raises(services.QuizError, match="time for this attempt is over"):
        services.save_answers(attempt, user, {q["Hours"]: "72"})
    db.session.rollback()
    login(client, "mei")
    response = client.get(f"/quizzes/attempts/{attempt.id}")
    assert response.headers["Location"] == f"/quizzes/attempts/{attempt.id}/review"
    db.session.refresh(attempt)
    assert attempt.state == "finished" and attempt.score == pytest.approx(100 / 3, abs=0.01)


def test_essays_wait_for_a_trainer_and_then_count(client, app, make_course, make_user):
    from datetime import date

    from training import cohorts

    course = make_course(modules=1, lessons=1, sequential=False, quiz=GIFT + "\n::Essay:: Explain. {}\n",
                         quiz_settings="pass_mark: 80")
    trainer = make_user("coach", role="trainer")
    user = make_user("mei")
    cohort = cohorts.create_cohort(trainer, course.id, "C", date.today(), None)
    cohorts.join_cohort(user, cohort.invite_code, date.today())
    enrol(user, course.id, cohort.id)
    db.session.commit()
    attempt = services.start_attempt(context(user), user)
    q = ids(attempt)
    services.save_answers(attempt, user, {q["Court"]: 0, q["Hours"]: "72", q["Evidence"]: [0, 1],
                                          q["Essay"]: "Survivors lead; <b>safety</b> first."})
    services.finish(attempt, user)
    db.session.commit()
    assert attempt.needs_marking and attempt.score is None
    assert not services.summary(context(user).quiz, user).passed

    login(client, "coach")
    page = client.get("/quizzes/marking").get_data(as_text=True)
    assert "Survivors lead; &lt;b&gt;safety&lt;/b&gt; first." in page  # shown as text, never as HTML
    response_id = db.session.execute(select(QuizResponse.id).where(QuizResponse.question_id == q["Essay"])).scalar_one()
    assert client.post(f"/quizzes/responses/{response_id}/mark", data={"fraction": "2", "comment": ""}).status_code == 302
    db.session.refresh(attempt)
    assert attempt.needs_marking  # "2" is not an offered mark: nothing changed
    client.post(f"/quizzes/responses/{response_id}/mark", data={"fraction": "0.5", "comment": "Good start."})
    db.session.refresh(attempt)
    assert not attempt.needs_marking and attempt.score == pytest.approx(87.5)
    assert services.summary(context(user).quiz, user).passed
    assert "Nothing to mark" in client.get("/quizzes/marking").get_data(as_text=True)
    mei = app.test_client()
    login(mei, "mei")
    review = mei.get(f"/quizzes/attempts/{attempt.id}/review").get_data(as_text=True)
    assert "Good start." in review and "Score: 87% (3.5 of 4 points)" in review  # not 87.5%: whole percent, and points


def test_review_hides_what_the_quiz_settings_hide(client, make_course, make_user):
    make_course(modules=1, lessons=1, sequential=False, quiz=GIFT,
                quiz_settings="review:\n  score: false\n  answers: false\n  feedback: false")
    user = make_user("mei")
    enrol(user, get_course("test-course").id)
    db.session.commit()
    attempt = services.start_attempt(context(user), user)
    q = ids(attempt)
    services.save_answers(attempt, user, {q["Court"]: 1})
    services.finish(attempt, user)
    db.session.commit()
    login(client, "mei")
    page = client.get(f"/quizzes/attempts/{attempt.id}/review").get_data(as_text=True)
    assert "Score:" not in page and "Right answer:" not in page and "No." not in page
    assert "A district court" in page  # her own answer is always shown


def test_review_shows_each_feedback_rendered_by_its_format_and_sanitised(client, make_course, make_user):
    make_course(modules=1, lessons=1, sequential=False, quiz="""
::Court:: Which court issues a protection order? {
    =The people's court#[markdown]**Right**: article 27.
    ~The police#[html]<p class\\="x">No<script>alert(1)</script>, they <em>enforce</em> it.</p>
}
""")
    user = make_user("mei")
    enrol(user, get_course("test-course").id)
    db.session.commit()
    attempt = services.start_attempt(context(user), user)
    q = ids(attempt)
    services.save_answers(attempt, user, {q["Court"]: 1})
    services.finish(attempt, user)
    db.session.commit()
    assert attempt.score == 0.0
    login(client, "mei")
    page = client.get(f"/quizzes/attempts/{attempt.id}/review").get_data(as_text=True)
    assert '<div class="feedback"><p>No, they <em>enforce</em> it.</p></div>' in page
    assert "alert(" not in page and "&lt;em&gt;" not in page
    # The right answer's Markdown feedback, in a second attempt.
    second = services.start_attempt(context(user), user)
    services.save_answers(second, user, {q["Court"]: 0})
    services.finish(second, user)
    db.session.commit()
    page = client.get(f"/quizzes/attempts/{second.id}/review").get_data(as_text=True)
    assert '<div class="feedback"><p><strong>Right</strong>: article 27.</p></div>' in page
    assert "**Right**" not in page


def test_review_shows_the_feedback_for_any_other_number(client, make_course, make_user):
    make_course(modules=1, lessons=1, sequential=False, quiz="""
::Hours:: Within how many hours must the court decide? {#
    =72:0#Right.
    =%50%24#That is for urgent cases.
    ~#[markdown]**Sorry**: read *article 28*.<script>alert(2)</script>
}
""")
    user = make_user("mei")
    enrol(user, get_course("test-course").id)
    db.session.commit()
    login(client, "mei")
    pages = {}
    for typed in ("13", "24", "72"):
        attempt = services.start_attempt(context(user), user)
        services.save_answers(attempt, user, {ids(attempt)["Hours"]: typed})
        services.finish(attempt, user)
        db.session.commit()
        pages[typed] = (attempt.score, client.get(f"/quizzes/attempts/{attempt.id}/review").get_data(as_text=True))
    sorry = '<div class="feedback"><p><strong>Sorry</strong>: read <em>article 28</em>.</p></div>'
    score, page = pages["13"]
    assert score == 0.0 and sorry in page and "alert(" not in page
    score, page = pages["24"]
    assert score == 50.0 and "That is for urgent cases." in page and "Sorry" not in page
    score, page = pages["72"]
    assert score == 100.0 and "Right." in page and "Sorry" not in page


@pytest.mark.parametrize("method, expected", [("highest", 80), ("last", 40), ("first", 60), ("average", 60)])
def test_grading_methods(method, expected):
    from quizzes.models import Quiz

    attempts = [QuizAttempt(state="finished", score=s) for s in (60, 80, 40)]
    attempts.append(QuizAttempt(state="finished", score=None))  # waiting for marking: not counted
    assert services.quiz_grade(Quiz(grading=method), attempts) == expected


def test_resync_keeps_unchanged_questions_and_retires_removed_ones(app, tmp_path, make_user):
    from courses.package import read_packages
    from courses.sync import sync_courses
    from tests.conftest import write_course

    folder = write_course(tmp_path, modules=1, lessons=1, sequential=False, quiz=GIFT)
    sync_courses(read_packages([folder])[0])
    db.session.commit()
    user = make_user("mei")
    enrol(user, get_course("test-course").id)
    attempt = services.start_attempt(context(user), user)
    db.session.commit()
    before = ids(attempt)
    (folder / "quizzes" / "check.gift").write_text(GIFT.replace("::Hours::", "::Hours2::").replace("{#72}", "{#24}"))
    specs, errors, _ = read_packages([folder])
    assert not errors
    sync_courses(specs)
    db.session.commit()
    active = {q.data["title"]: q.id for q in db.session.execute(
        select(QuizQuestion).where(QuizQuestion.active.is_(True))).scalars()}
    assert active["Court"] == before["Court"] and active["Evidence"] == before["Evidence"]
    assert "Hours" not in active and active["Hours2"] != before["Hours"]
    assert len(services.shown_questions(attempt)) == 3  # the old attempt still shows its questions


def test_gift_errors_stop_the_sync_with_file_and_line(app, tmp_path):
    from courses.package import read_packages
    from tests.conftest import write_course

    folder = write_course(tmp_path, modules=1, lessons=1, quiz="::A:: Fine? {T}\n\n::B:: Broken {=a ~b\n")
    _specs, errors, _ = read_packages([folder])
    assert len(errors) == 1 and errors[0].startswith(f"{folder.as_posix()}/quizzes/check.gift:3: ")


GIFT_ZH = """
::法院:: 2022年的规定是哪个法院发布的？ {=最高人民法院#对。 ~区法院#不对。 ~派出所}

::小时:: 一般情况下多少小时内作出裁定？ {#72}

::证据:: 哪些是证据？ {~%50%病历 ~%50%报警记录 ~%-100%传言}
"""


def test_a_translated_quiz_shows_its_texts_and_grades_the_same(client, app, tmp_path, make_user):
    from courses.package import read_packages
    from courses.sync import sync_courses
    from tests.conftest import write_course

    folder = write_course(tmp_path, modules=1, lessons=1, sequential=False, languages=("en", "zh"),
                          quiz=GIFT.replace("{#72}", "{=72 hours =72#Right.}").replace("::Hours::", "::Hours::[plain]"))
    (folder / "quizzes" / "check.zh.gift").write_text(
        GIFT_ZH.replace("{#72}", "{=72小时 =七十二小时#对。}").replace("::小时::", "::小时::[plain]"), encoding="utf-8")
    specs, errors, _ = read_packages([folder])
    assert not errors, errors
    sync_courses(specs)
    db.session.commit()
    user = make_user("mei")
    enrol(user, get_course("test-course").id)
    attempt = services.start_attempt(context(user), user)
    db.session.commit()
    q = ids(attempt)
    zh = {sq.question.title: sq for sq in services.shown_questions(attempt, lang="zh")}
    assert "最高人民法院" in zh["法院"].rendered["choices"][0] and "2022年" in zh["法院"].rendered["text"]
    en = {sq.question.title: sq for sq in services.shown_questions(attempt, lang="en")}
    assert en["Court"].rendered["choices"][0].startswith("Supreme People")
    # Answered partly in Chinese: the short answer typed in Chinese counts; choices are by position.
    services.save_answers(attempt, user, {q["Court"]: "0", q["Hours"]: "七十二小时", q["Evidence"]: ["0", "1"]})
    services.finish(attempt, user)
    db.session.commit()
    assert attempt.score == pytest.approx(100.0)
    lines = {line.question.question.title: line for line in services.review_lines(attempt, "zh")}
    assert lines["法院"].given == [zh["法院"].rendered["choices"][0]]
    assert lines["小时"].question.feedback == ["对。"]
    login(client, "mei")
    page = client.get(f"/quizzes/attempts/{attempt.id}/review", headers={"Accept-Language": "zh-CN"})
    assert "最高人民法院" in page.get_data(as_text=True) and "Supreme People" not in page.get_data(as_text=True)
    # Her two choices of a multiple-answer question are listed as Chinese lists them, not "A, B".
    evidence = [line for line in lines.values() if len(line.given) == 2][0]
    assert f"{evidence.given[0]}和{evidence.given[1]}" in page.get_data(as_text=True)
    english = client.get(f"/quizzes/attempts/{attempt.id}/review", headers={"Accept-Language": "en"})
    assert "Score: 100% (" in english.get_data(as_text=True)


def test_a_translations_own_short_answer_keeps_the_format_of_its_feedback():
    # Its answers count in every language, so its feedback may be shown to a reader of another.
    from quizzes.gift import parse_gift
    from quizzes.package import with_translations
    from quizzes.questions import Question
    from quizzes.services import rendered_feedback

    base = parse_gift("[markdown]Hours? {=72 hours#**Right**}")[0]
    zh = parse_gift("[plain]小时？{=七十二小时#<对>}")[0]
    data, rendered = with_translations(base, {"zh": zh})
    q = Question.from_dict(data)
    assert rendered_feedback(q, rendered, "72 hours") == ["<p><strong>Right</strong></p>"]
    assert rendered_feedback(q, rendered, "七十二小时") == ["&lt;对&gt;"]


def test_a_review_shows_the_feedback_rendered_at_sync_without_rendering_again(client, make_course, make_user,
                                                                             monkeypatch):
    """A worker serving quiz pages never loads Python-Markdown (issue #22): the review takes each
    answer's feedback, also a number's "any other answer", from what sync rendered."""
    from quizzes import services as quiz_services

    make_course(modules=1, lessons=1, sequential=False, quiz="""
::Court:: Which court? {=The people's court#[markdown]**Right**: article 27. ~The police#[markdown]*No*.}

::Hours:: How many hours? {#=72:0#[markdown]**Yes** ~#[markdown]**Sorry**}
""")
    user = make_user("mei")
    enrol(user, get_course("test-course").id)
    db.session.commit()
    attempt = services.start_attempt(context(user), user)
    q = ids(attempt)
    services.save_answers(attempt, user, {q["Court"]: 0, q["Hours"]: "13"})
    services.finish(attempt, user)
    db.session.commit()

    def no_rendering(*args):
        raise AssertionError("the review rendered a text again")

    monkeypatch.setattr(quiz_services, "render_text", no_rendering)
    login(client, "mei")
    page = client.get(f"/quizzes/attempts/{attempt.id}/review").get_data(as_text=True)
    assert "<p><strong>Right</strong>: article 27.</p>" in page and "<p><strong>Sorry</strong></p>" in page
    assert "<em>No</em>" not in page and "<strong>Yes</strong>" not in page


def test_a_translation_that_differs_from_the_quiz_stops_the_sync(app, tmp_path):
    from courses.package import read_packages
    from tests.conftest import write_course

    folder = write_course(tmp_path, modules=1, lessons=1, languages=("en", "zh"), quiz=GIFT)
    (folder / "quizzes" / "check.zh.gift").write_text(GIFT_ZH.replace("~%50%报警记录 ", ""), encoding="utf-8")
    _specs, errors, _ = read_packages([folder])
    assert len(errors) == 1 and errors[0].startswith(f"{folder.as_posix()}/quizzes/check.zh.gift:6: question 3 differs")
    (folder / "quizzes" / "check.zh.gift").write_text(GIFT_ZH.split("::证据::")[0], encoding="utf-8")
    _specs, errors, _ = read_packages([folder])
    assert len(errors) == 1 and "the translation has 2 questions; the quiz has 3" in errors[0]

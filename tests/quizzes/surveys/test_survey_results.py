"""A cohort's survey results on a fixed dataset, and what stays hidden for small groups."""
from datetime import date

import pytest
from scipy.stats import binomtest

from courses.services import get_course
from quizzes.surveys import services
from tests.conftest import SURVEY_YAML, login
from training import cohorts
from training.accounts import find_user
from training.extensions import db
from training.progress import enrol

# handle: (pre year, pre confidence), (post year, post confidence, confidence before, increased, comment)
PLAN = {
    "ada": ((0, 2), (1, 4, 2, 5, "Evidence first.")),
    "bob": ((0, 1), (1, 3, 1, 4, "Slower interviews.")),
    "cyd": ((1, 3), (1, 4, 3, 4, "Safety plan.")),
    "dee": ((0, 2), (1, 2, 2, 2, "")),
    "eve": ((0, 3), (0, 5, 2, 5, "Ask the court to collect evidence.")),
    "fay": ((1, 4), (1, 4, 4, 3, "Check the order's wording.")),
}


def answer(handle, plan, phases=("pre", "post")):
    user = find_user(handle)
    course = get_course("test-course")
    (pre_year, pre_conf), (year, conf, before, increased, comment) = plan
    if "pre" in phases:
        services.submit(services.survey_context(course, "pre", user, "en"), user,
                        {"year": str(pre_year), "confidence": str(pre_conf)})
    if "post" in phases:
        services.submit(services.survey_context(course, "post", user, "en"), user,
                        {"year": str(year), "confidence": str(conf), "confidence-before": str(before),
                         "increased": str(increased), "comment": comment})


def join(cohort, make_user, handle, profession="lawyer"):
    user = make_user(handle, profession=profession)
    cohorts.join_cohort(user, cohort.invite_code, date.today())
    enrol(user, cohort.course_id, cohort.id)
    return user


def test_results_on_a_fixed_dataset(client, cohort, make_user):
    for handle, plan in PLAN.items():
        join(cohort, make_user, handle)
        answer(handle, plan)
    join(cohort, make_user, "gus")  # enrolled, answered nothing
    db.session.commit()
    login(client, "coach")
    page = client.get(f"/courses/test-course/surveys/pre/results?cohort={cohort.id}").get_data(as_text=True)
    for label, value in (("Enrolled in the cohort", 7), ("Answered before", 6), ("Answered after", 6), ("Matched (both)", 6)):
        assert f'<th scope="row">{label}</th><td class="num">{value}</td>' in page
    # Knowledge item: right before 2/6, after 5/6; discordant wrong->right 3 (ada, bob, dee), right->wrong 0.
    assert "<td class=\"num\">33%</td><td class=\"num\">83%</td>" in page
    exact_p = binomtest(0, 3, 0.5).pvalue  # 0.25
    assert f"{exact_p:.3f}" in page
    assert "<td>McNemar, exact conditional</td>" in page  # the variant, named
    # Self-report: 4 of 6 answered 4 or 5.
    assert "67% of 6 respondents agreed" in page
    # Comments: five non-empty, shown sorted.
    assert page.index("Ask the court") < page.index("Evidence first.") and "Slower interviews." in page


def test_small_groups_show_counts_only(client, cohort, make_user):
    for handle in ("ada", "bob", "cyd", "dee"):
        join(cohort, make_user, handle)
        answer(handle, PLAN[handle])
    db.session.commit()
    login(client, "coach")
    page = client.get(f"/courses/test-course/surveys/post/results?cohort={cohort.id}").get_data(as_text=True)
    assert "Fewer than 5 matched pairs" in page
    assert "Item by item" not in page and "agreed" not in page and "Evidence first." not in page


def test_other_trainers_and_participants_cannot_read_results(app, cohort, make_user):
    make_user("other-coach", role="trainer")
    join(cohort, make_user, "ada")
    db.session.commit()
    for handle in ("other-coach", "ada"):
        c = app.test_client()
        login(c, handle)
        assert c.get(f"/courses/test-course/surveys/pre/results?cohort={cohort.id}").status_code == 403


def test_exports_breakdowns_and_the_cli(app, client, cohort, make_user):
    import csv
    import io
    import json

    for handle in PLAN:  # the cohort is formed, then answers
        join(cohort, make_user, handle, profession="journalist" if handle == "fay" else "lawyer")
    for handle, plan in PLAN.items():
        answer(handle, plan)
    db.session.commit()
    login(client, "coach")
    page = client.get(f"/courses/test-course/surveys/pre/results?cohort={cohort.id}").get_data(as_text=True)
    # One journalist among six: her profession was withheld when she answered, and the lawyers'
    # too, or 6 - 5 would reveal her (quizzes/surveys/services.generalised); one group of six.
    assert "not given, or withheld (small group)" in page and "Journalist" not in page
    rows = list(csv.reader(io.StringIO(client.get(f"/courses/test-course/surveys/pre/results.csv?cohort={cohort.id}")
                                       .get_data(as_text=True).lstrip("\ufeff"))))
    assert ["counts", "matched", "", "6", "", "", "", "", "", "", "", "", "", ""] in rows
    assert [r[1:4] for r in rows if r[0] == "knowledge_by_profession"] == [["-", "", "6"]]
    assert [r[2] for r in rows if r[:2] == ["item", "year"]] == ["McNemar, exact conditional"]
    pairs = list(csv.reader(io.StringIO(client.get(f"/courses/test-course/surveys/pre/responses.csv?cohort={cohort.id}")
                                        .get_data(as_text=True).lstrip("\ufeff"))))
    assert pairs[0] == ["pair", "item", "phases", "pre", "post"]
    year = [r for r in pairs[1:] if r[1] == "year"]
    assert len(year) == 6 and sorted((r[3], r[4]) for r in year).count(("0", "1")) == 3
    assert {r[2] for r in year} == {"pre+post"}
    # Items of the post-survey only are there too, with their phase: the headline can be rebuilt.
    increased = [r for r in pairs[1:] if r[1] == "increased"]
    assert len(increased) == 6 and {(r[2], r[3]) for r in increased} == {("post", "")}
    assert all(len(r[0]) == 16 for r in pairs[1:]) and "ada" not in str(pairs)
    assert "comment" not in {r[1] for r in pairs[1:]}  # free text is never exported per person

    runner = app.test_cli_runner()
    result = runner.invoke(args=["surveys", "report", "--cohort", str(cohort.id), "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["matched"] == 6 and report["self_report"]["n"] == 6
    assert [g["n"] for g in report["breakdowns"]["profession"]] == [6]
    result = runner.invoke(args=["surveys", "report", "--cohort", str(cohort.id), "--format", "csv"])
    assert result.exit_code == 0 and "counts,matched,,6" in result.output
    assert runner.invoke(args=["surveys", "report", "--cohort", "999"]).exit_code == 1


def _pdf_text(data: bytes) -> str:
    import io

    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_the_pdf_report_in_english_and_chinese(client, cohort, make_user):
    for handle, plan in PLAN.items():
        join(cohort, make_user, handle)
        answer(handle, plan)
    db.session.commit()
    login(client, "coach")
    response = client.get(f"/courses/test-course/surveys/pre/report.pdf?cohort={cohort.id}")
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF")
    from tests.e2e.conftest import ARTIFACTS

    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "survey-report.pdf").write_bytes(response.data)
    text = _pdf_text(response.data)
    assert "What changed" in text and "Matched (both)" in text and "67% of 6 respondents agreed" in text
    assert "Evidence first." in text
    assert "McNemar, exact conditional" in " ".join(text.split())  # a table cell may wrap
    client.post("/language", data={"lang": "zh"})
    text_zh = _pdf_text(client.get(f"/courses/test-course/surveys/pre/report.pdf?cohort={cohort.id}").data)
    assert "培训带来的变化" in text_zh and "前后匹配" in text_zh
    assert "McNemar检验（精确条件检验）" in "".join(text_zh.split())


def test_pdfs_read_only_static_files(app):
    from training.pdf import ExternalResourceError, static_path

    assert static_path("amicus-static:/css/report.css", app.static_folder).name == "report.css"
    for url in ("https://fonts.example.org/font.woff", "file:///etc/passwd", "amicus-static:/../wsgi.py",
                "amicus-static:/css/missing.css", "data:text/css,body{}"):
        with pytest.raises(ExternalResourceError):
            static_path(url, app.static_folder)


def test_course_view_across_cohorts(app, client, cohort, make_user):
    trainer = find_user("coach")
    second = cohorts.create_cohort(trainer, cohort.course_id, "Autumn", date.today(), None)
    db.session.commit()
    for handle, plan in PLAN.items():  # six in Spring
        join(cohort, make_user, handle)
        answer(handle, plan)
    for n in range(3):  # three in Autumn: too few to show on their own
        join(second, make_user, f"autumn-{n}")
        answer(f"autumn-{n}", PLAN["ada"])
    loner = make_user("solo")  # enrolled directly, no cohort: only admins' course-wide view counts her
    enrol(loner, cohort.course_id)
    answer("solo", PLAN["bob"])
    make_user("boss", role="admin")
    db.session.commit()

    login(client, "coach")
    page = client.get("/courses/test-course/surveys/pre/results").get_data(as_text=True)
    assert "Who: Spring and Autumn" in page or "Who: Autumn and Spring" in page
    assert '<th scope="row">Matched (both)</th><td class="num">9</td>' in page
    assert "Knowledge score by cohort" in page and page.count("hidden so that nobody can be recognised") >= 2  # Autumn, and Spring with it
    filtered = client.get(f"/courses/test-course/surveys/pre/results?cohort={second.id}").get_data(as_text=True)
    assert "Fewer than 5 matched pairs" in filtered
    admin = app.test_client()
    login(admin, "boss")
    everyone = admin.get("/courses/test-course/surveys/pre/results").get_data(as_text=True)
    assert "Who: Everyone in the course" in everyone
    assert '<th scope="row">Matched (both)</th><td class="num">10</td>' in everyone


def test_follow_up_compared_with_before(client, make_course, make_user):
    instrument = SURVEY_YAML.replace("""  - id: comment""", """  - id: applied
    type: single
    phases: [followup]
    text: Since the training, have you applied for a protection order?
    choices: ["Yes", "No"]
  - id: comment""").replace("""    choices: ["2015", "2016"]
    answer: 1""", """    choices: ["2015", "2016"]
    answer: 1
    phases: [pre, post, followup]""")
    course = make_course(modules=1, lessons=1, sequential=False, surveys=instrument,
                         survey_phases=("pre", "post", "followup"))
    trainer = make_user("coach", role="trainer")
    group = cohorts.create_cohort(trainer, course.id, "Spring", date.today(), None)
    db.session.commit()
    for n, (pre_year, follow_year, applied) in enumerate([(0, 1, 0), (0, 1, 0), (0, 0, 1), (1, 1, 0), (0, 1, 1)]):
        user = join(group, make_user, f"person-{n}")
        ctx = lambda phase, user=user: services.survey_context(get_course("test-course"), phase, user, "en")  # noqa: E731
        services.submit(ctx("pre"), user, {"year": str(pre_year), "confidence": "2"})
        services.submit(ctx("followup"), user, {"year": str(follow_year), "applied": str(applied)})
    db.session.commit()
    login(client, "coach")
    page = client.get(f"/courses/test-course/surveys/pre/results?cohort={group.id}&compare=followup").get_data(as_text=True)
    assert '<th scope="row">Answered the follow-up</th><td class="num">5</td>' in page
    assert "Since the training (follow-up)" in page
    assert '<th scope="row">Yes</th><td class="num">3</td>' in page and '<th scope="row">No</th><td class="num">2</td>' in page
    assert "<td class=\"num\">20%</td><td class=\"num\">80%</td>" in page  # right before 1/5, at follow-up 4/5
    after = client.get(f"/courses/test-course/surveys/pre/results?cohort={group.id}").get_data(as_text=True)
    assert "Fewer than 5 matched pairs" in after  # nobody answered the post-survey


def test_identified_cohorts_show_people_and_anonymous_ones_never_store_them(client, make_course, make_user):
    from quizzes.surveys.models import SurveyResponse

    course = make_course(modules=1, lessons=1, sequential=False, surveys=SURVEY_YAML)
    trainer = make_user("coach", role="trainer")
    named = cohorts.create_cohort(trainer, course.id, "Named", date.today(), None, identified_surveys=True)
    anonymous = cohorts.create_cohort(trainer, course.id, "Anonymous", date.today(), None)
    db.session.commit()
    join(named, make_user, "nora")
    join(anonymous, make_user, "anna")
    answer("nora", PLAN["ada"])
    answer("anna", PLAN["ada"])
    db.session.commit()
    rows = {r.cohort_id: r.user_id for r in db.session.execute(db.select(SurveyResponse)).scalars()}
    assert rows[anonymous.id] is None and rows[named.id] == find_user("nora").id
    login(client, "coach")
    page = client.get(f"/courses/test-course/surveys/pre/results?cohort={named.id}").get_data(as_text=True)
    assert '<th scope="row">nora</th><td class="num">0 / 1</td><td class="num">1 / 1</td>' in page
    assert "anna" not in client.get(f"/courses/test-course/surveys/pre/results?cohort={anonymous.id}").get_data(as_text=True)
    nora = client.application.test_client()
    login(nora, "nora")
    assert "your trainer sees your handle" in nora.get("/courses/test-course/surveys/pre").get_data(as_text=True)

"""Final actions are confirmed and explained, in Chinese (#27 §5), as a person sees them in the
browser: submitting a quiz or a survey with questions left empty, a team's "Submit for the team",
and a trainer's "Publish the results" (refused first, naming each team, stage and judge).

Each confirmation page is in Chinese with no English left in its own text (only the course's
content, handles and file names may be in Latin letters), going back keeps what was entered and
submits nothing, and confirming submits. The survey runs at phone width (375 px) with and
without JavaScript, the quiz and the team's submission at phone width too.
"""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from courses.cases import judging, runs
from courses.cases import services as case_services
from tests.conftest import PASSWORD, new_course
from tests.courses.cases.helpers import case_files, pdf_bytes
from tests.e2e.conftest import screenshot
from training import accounts, cohorts
from training.db import utcnow
from training.extensions import db
from training.progress import enrol

PHONE = (375, 812)

# A quiz written in Chinese, so that the whole confirmation (its list of questions included) is Chinese.
GIFT_ZH = """
::法院:: 2022年的规定由哪个法院发布？ {=最高人民法院 ~区人民法院}

::时限:: 普通案件中，法院最多可以用多少小时作出裁定？ {#72}

::文书:: 警方向施暴者发出什么文书以示警告？ {=告诫书}
"""

SURVEY_ZH = """items:
  - id: year
    type: knowledge
    text: {en: "Which year?", zh: "最高人民法院的规定是哪一年发布的？"}
    choices: [{en: "2015", zh: "2015年"}, {en: "2016", zh: "2016年"}]
    answer: 1
  - id: confidence
    type: self
    text: {en: "My confidence", zh: "我代理此类案件的信心"}
  - id: comment
    type: text
    phases: [pre, post]
    text: {en: "Anything else?", zh: "还有什么想说的吗？"}
"""


def log_in(page, handle):
    """Log in by the form's fields (the log-in page is in English until she chooses)."""
    page.goto("/login")
    page.locator("#handle").fill(handle)
    page.locator("#password").fill(PASSWORD)
    page.locator("#submit").click()
    expect(page.locator("#lang-select")).to_be_attached()


def choose_chinese(page):
    """She chooses 中文 with the language selector at the foot of every page."""
    page.get_by_label("Language").select_option(label="中文")
    page.get_by_role("button", name="Change").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")


def assert_no_english(locator, content=()):
    """The confirmation's own text has no Latin letters once the given content (course text, handles,
    file names: not the interface's words) is taken out."""
    text = locator.inner_text()
    for words in content:
        text = text.replace(words, "")
    assert not re.findall(r"[A-Za-z]+", text), f"English left in the Chinese confirmation: {text!r}"


def assert_fits(page, width=PHONE[0]):
    """Nothing makes the phone's page scroll sideways, and the confirmation's buttons are on screen."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    for button in page.locator(".quiz-actions").get_by_role("button").all() + \
            page.locator(".quiz-actions").get_by_role("link").all():
        box = button.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, box


def enrolled(handle: str, course) -> None:
    """A participant account enrolled in ``course`` (no cohort)."""
    user = accounts.create_user(handle, PASSWORD)
    db.session.flush()
    enrol(user, course.id)
    db.session.commit()


def expect_empty_questions_page(page, final: str):
    """The quiz's or survey's confirmation page, in Chinese: its heading, that her answers are
    saved, and what becomes final (``final``); returns its section."""
    section = page.locator("section.narrow")
    expect(page.get_by_role("heading", name="还有未作答的题目，仍要提交吗？")).to_be_visible()
    expect(section).to_contain_text("您的答案已保存。以下题目尚未作答：")
    expect(section).to_contain_text(final)
    return section


# --- (a) a quiz with unanswered questions ------------------------------------------------------

def test_quiz_unanswered_questions_are_confirmed_in_chinese_on_a_phone(page_factory, tmp_path):
    course = new_course(tmp_path, slug="quiz-zh", modules=1, lessons=1, sequential=False, quiz=GIFT_ZH,
                        quiz_settings="pass_mark: 60\nshuffle_answers: false")
    enrolled("quiz-mei", course)

    page = page_factory(viewport=PHONE)
    log_in(page, "quiz-mei")
    choose_chinese(page)
    page.goto("/courses/quiz-zh/quizzes/check")
    page.get_by_role("button", name="开始测验").click()
    page.get_by_label("最高人民法院").check()
    page.get_by_role("button", name="提交并结束").click()

    section = expect_empty_questions_page(page, "提交后即为最终结果：本次作答将按现状评分，答案不能再修改。")
    unanswered = page.locator("#unanswered li")
    expect(unanswered).to_have_count(2)
    expect(unanswered.nth(0)).to_contain_text("第2题")
    expect(unanswered.nth(0)).to_contain_text("普通案件中，法院最多可以用多少小时作出裁定？")
    expect(unanswered.nth(1)).to_contain_text("第3题")
    expect(page.get_by_role("button", name="返回测验")).to_be_visible()
    assert_no_english(section)
    assert_fits(page)
    screenshot(page, "quiz-confirm-zh-phone")

    # Back to the quiz: her answer is still there; she answers one more.
    page.get_by_role("button", name="返回测验").click()
    expect(page.get_by_label("最高人民法院")).to_be_checked()
    page.locator("input[name^=q]").nth(2).fill("72")
    page.get_by_role("button", name="提交并结束").click()
    expect(unanswered).to_have_count(1)
    expect(unanswered.nth(0)).to_contain_text("第3题")
    section.get_by_role("button", name="提交并结束").click()

    expect(page.get_by_role("heading", name="查看作答：Check")).to_be_visible()
    expect(page.locator("section.question").nth(0)).to_contain_text("最高人民法院")
    expect(page.locator("section.question").nth(1)).to_contain_text("72")
    expect(page.locator("section.question").nth(2)).to_contain_text("未作答")


# --- (b) a survey with questions left empty ----------------------------------------------------

@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_survey_empty_questions_are_confirmed_in_chinese_on_a_phone(page_factory, tmp_path, javascript):
    slug = f"survey-zh-{'js' if javascript else 'nojs'}"
    handle = f"survey-lan-{'js' if javascript else 'nojs'}"
    course = new_course(tmp_path, slug=slug, modules=1, lessons=1, sequential=False, languages=("en", "zh"),
                        surveys=SURVEY_ZH, survey_phases=("pre",))
    enrolled(handle, course)

    page = page_factory(javascript=javascript, viewport=PHONE)
    log_in(page, handle)
    choose_chinese(page)
    page.goto(f"/courses/{slug}/surveys/pre")
    confidence = page.locator("fieldset", has_text="我代理此类案件的信心")
    confidence.get_by_label("4", exact=True).check()
    page.get_by_role("button", name="提交", exact=True).click()

    section = expect_empty_questions_page(page, "提交后即为最终结果：答案不能再修改，未作答的题目将保持空白。")
    empty = page.locator("#unanswered li")
    expect(empty).to_have_count(2)
    expect(empty.nth(0)).to_have_text("1. 最高人民法院的规定是哪一年发布的？")
    expect(empty.nth(1)).to_have_text("3. 还有什么想说的吗？")
    assert_no_english(section)
    assert_fits(page)
    screenshot(page, f"survey-confirm-zh-phone-{'js' if javascript else 'nojs'}")

    # Back to the survey: her answer is kept and nothing is submitted; she answers one more.
    page.get_by_role("button", name="返回问卷").click()
    expect(page.get_by_text("您的答案已保存。")).to_be_visible()
    expect(confidence.get_by_label("4", exact=True)).to_be_checked()
    expect(page.get_by_text("您已提交本问卷。谢谢！")).to_have_count(0)
    page.get_by_label("2016年").check()
    page.get_by_role("button", name="提交", exact=True).click()
    expect(empty).to_have_count(1)
    expect(empty.nth(0)).to_have_text("3. 还有什么想说的吗？")
    section.get_by_role("button", name="提交", exact=True).click()

    expect(page.get_by_text("谢谢！您的答案已提交。")).to_be_visible()
    page.goto(f"/courses/{slug}/surveys/pre")
    expect(page.get_by_text("您已提交本问卷。谢谢！")).to_be_visible()
    expect(page.get_by_label("2016年")).to_be_checked()
    expect(confidence.get_by_label("4", exact=True)).to_be_checked()
    expect(page.get_by_label("您的答案")).to_have_value("")


# --- (c) and (d): a moot court ------------------------------------------------------------------

def set_up_moot(tmp_path, slug, prefix):
    """A cohort running the case: trainer <prefix>-tess (her account in Chinese), team 1 (<prefix>-ana,
    applicant), team 2 (<prefix>-cyd, respondent), judges <prefix>-joe (presiding) and the trainer."""
    course = new_course(tmp_path, slug=slug, modules=1, lessons=1, case=case_files())
    tess = accounts.create_user(f"{prefix}-tess", PASSWORD, role="trainer")
    people = {h: accounts.create_user(f"{prefix}-{h}", PASSWORD) for h in ("ana", "cyd", "joe")}
    db.session.flush()
    cohort = cohorts.create_cohort(tess, course.id, "模拟法庭班", date.today() - timedelta(days=1), None)
    for user in people.values():
        cohorts.join_cohort(user, cohort.invite_code, date.today())
        enrol(user, course.id, cohort.id)
    exercise = runs.exercise_by_slug(course.id, "moot")
    run = runs.set_up(tess, cohort, exercise)
    state = case_services.run_state(run, "en")
    t1, t2 = runs.add_team(tess, state, "applicant"), runs.add_team(tess, state, "respondent")
    runs.assign_member(tess, state, t1, people["ana"].id)
    runs.assign_member(tess, state, t2, people["cyd"].id)
    runs.add_judge(tess, state, people["joe"].id, presiding=True)
    runs.add_judge(tess, state, tess.id, presiding=False)
    runs.start(tess, state)
    db.session.commit()
    return {"run": run, "tess": tess, "t1": t1, "t2": t2, **people}


def test_submit_for_the_team_is_confirmed_in_chinese_on_a_phone(page_factory, tmp_path):
    moot = set_up_moot(tmp_path, "moot-zh-submit", "sub")
    moot["ana"].locale = "zh"  # her account's language is Chinese
    # The deadline has passed, the late window is open: the confirmation says it will be late.
    moot["run"].submissions_due = utcnow() - timedelta(hours=1)
    moot["run"].late_until = utcnow() + timedelta(days=2)
    db.session.commit()
    case = "/courses/moot-zh-submit/cases/moot"

    page = page_factory(viewport=PHONE)
    log_in(page, "sub-ana")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    page.goto(case)
    page.get_by_role("link", name="撰写书面意见").click()
    page.locator("#file").set_input_files(files=[{"name": "申请书.pdf", "mimeType": "application/pdf",
                                                  "buffer": pdf_bytes()}])
    page.get_by_role("button", name="上传附件").click()
    expect(page.get_by_text("文件已附上。")).to_be_visible()
    words = "申请人面临现实的家暴危险，请求法院发出人身安全保护令。"
    page.get_by_label("书面意见", exact=True).fill(words)
    expect(page.locator("#save-status")).to_have_text("已保存")
    page.get_by_role("button", name="代表小组提交").click()

    section = page.locator("section.narrow")
    expect(page.get_by_role("heading", name="要代表第1组提交吗？")).to_be_visible()
    expect(section).to_contain_text("您的文本已保存。")
    final = page.locator("#what-becomes-final li")
    expect(final.nth(0)).to_have_text(re.compile(rf"^文本：第\d+版，共{case_services.count_words(words)}字。$"))
    expect(final.nth(1)).to_have_text("附件：申请书.pdf。")
    expect(section).to_contain_text("提交后即对全组生效、不可撤回：此后任何人都不能再修改文本或附件。")
    expect(section).to_contain_text("之后评委将阅读它，只看到小组编号。")
    expect(section).to_contain_text("截止时间已过：本次提交将被标记为逾期，培训师会看到这一点。")
    expect(section.get_by_role("link", name="返回文本")).to_be_visible()
    assert_no_english(section, content=["申请书.pdf"])
    assert_fits(page)
    screenshot(page, "moot-submit-confirm-zh-phone")

    # Back to the text: it is all there, the attachment too, and nothing is submitted.
    section.get_by_role("link", name="返回文本").click()
    expect(page.get_by_label("书面意见", exact=True)).to_have_value(words)
    expect(page.get_by_role("link", name="申请书.pdf")).to_be_visible()
    db.session.expire_all()
    assert case_services.read_submission(moot["t1"]).submitted_at is None
    page.get_by_role("button", name="代表小组提交").click()
    section.get_by_role("button", name="代表小组提交").click()

    expect(page.get_by_text("您小组的书面意见已提交。 本次提交已逾期，培训师会看到这一点。")).to_be_visible()
    db.session.expire_all()
    submitted = case_services.read_submission(moot["t1"])
    assert submitted.submitted_at is not None and submitted.late and submitted.text == words


def test_publishing_the_results_is_refused_then_confirmed_in_chinese(page_factory, tmp_path):
    moot = set_up_moot(tmp_path, "moot-zh-publish", "pub")
    moot["tess"].locale = "zh"  # the trainer's account is in Chinese
    state = case_services.run_state(moot["run"], "en")
    for team, handle, text in ((moot["t1"], "ana", "申请人请求发出保护令。"), (moot["t2"], "cyd", "被申请人请求驳回申请。")):
        row, _conflict = case_services.save_draft(state, team, moot[handle], text, 0)
        case_services.submit(state, team, moot[handle], row.version)
    db.session.commit()
    run_page = f"/case-runs/{moot['run'].id}"

    tess = page_factory()
    log_in(tess, "pub-tess")
    expect(tess.locator("html")).to_have_attribute("lang", "zh-Hans")
    tess.goto(run_page)
    tess.get_by_role("button", name="公布结果").click()
    # Refused: each team, each stage, and the judges who may still score it.
    refusal = tess.locator(".flash-error")
    expect(refusal).to_contain_text("结果暂时还不能公布。")
    for n in (1, 2):
        expect(refusal).to_contain_text(f"第{n}组的书面意见还没有任何一位评委（pub-joe或pub-tess）评分。")
        expect(refusal).to_contain_text(f"第{n}组的口头庭审还没有任何一位评委（pub-joe或pub-tess）评分。")
    assert_no_english(refusal, content=["pub-joe", "pub-tess"])
    screenshot(tess, "moot-publish-refused-zh")

    # The judges score the written submissions and, once the hearing is open, the speakers.
    db.session.expire_all()
    state = case_services.run_state(moot["run"], "en")
    runs.open_stage(moot["tess"], state, "hearing")
    state = case_services.run_state(moot["run"], "en")
    for team, speaker in ((moot["t1"], moot["ana"]), (moot["t2"], moot["cyd"])):
        for judge in (moot["joe"], moot["tess"]):
            judging.score_written(state, judge, team, {"law": 4, "survivor": 4}, "论证清楚。")
        judging.score_speaker(state, moot["joe"], team, speaker.id, {"bench": 4}, "")
    db.session.commit()

    tess.goto(run_page)
    tess.get_by_role("button", name="公布结果").click()
    section = tess.locator("section.narrow")
    expect(tess.get_by_role("heading", name="要公布结果吗？")).to_be_visible()
    final = tess.locator("#what-becomes-final li")
    expect(final.nth(0)).to_have_text("已提交的2个小组将看到各项标准的得分和评委的反馈（不显示评委姓名）。")
    expect(final.nth(1)).to_have_text("不显示名次。")
    expect(section).to_contain_text("公布后即为最终结果：评分、扣分和同伴互评都不能再修改，结果也无法撤回。")
    assert_no_english(section)
    screenshot(tess, "moot-publish-confirm-zh")

    # Back to the exercise: nothing is published.
    section.get_by_role("link", name="返回练习").click()
    expect(tess.get_by_role("button", name="公布结果")).to_be_visible()
    db.session.expire_all()
    assert case_services.run_state(moot["run"], "en").published is False

    # With ranks this time; confirming publishes.
    tess.get_by_label("向每个小组显示其名次").check()
    tess.get_by_role("button", name="公布结果").click()
    expect(final.nth(1)).to_have_text("每个小组将看到自己的名次。")
    section.get_by_role("button", name="公布结果").click()
    expect(tess.get_by_text("结果已向各小组公布。")).to_be_visible()
    db.session.expire_all()
    published = case_services.run_state(moot["run"], "en")
    assert published.published and published.run.show_rank


def test_a_refused_publish_is_seen_where_the_trainer_pressed_the_button(page_factory, tmp_path):
    moot = set_up_moot(tmp_path, "moot-zh-refused", "ref")
    moot["tess"].locale = "zh"
    state = case_services.run_state(moot["run"], "en")
    row, _conflict = case_services.save_draft(state, moot["t1"], moot["ana"], "申请人请求发出保护令。", 0)
    case_services.submit(state, moot["t1"], moot["ana"], row.version)
    db.session.commit()

    tess = page_factory()
    log_in(tess, "ref-tess")
    tess.goto(f"/case-runs/{moot['run'].id}")
    tess.get_by_role("button", name="公布结果").click()
    refusal = tess.locator(".flash-error")
    expect(refusal).to_contain_text("结果暂时还不能公布。")
    expect(refusal).to_be_in_viewport(timeout=2000)

"""The Studio's quiz editor (quizzes/studio.py): a quiz's GIFT file and its translation as
questions and fields, saved as drafts of both files through the Studio's drafts; what it writes
reads back as meant, bad input is refused on its field, conflicts and roles as in the Studio."""
from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from courses.models import Course
from courses.studio import drafts, editors
from courses.studio.models import StudioDraft
from quizzes import studio
from quizzes import studio_forms as forms
from quizzes.gift import parse_gift
from quizzes.models import QuizQuestion
from tests.conftest import write_course
from tests.studio_helpers import client_of, imported
from training.extensions import db

LIBRARY = Path(__file__).resolve().parents[2] / "courses" / "library"
QUIZ = "/studio/quiz-course/quiz/quizzes/check.gift"

GIFT_EN = """// A check for tests: fictional facts only.
$CATEGORY: tests/check

::Court::Which court issued the 2022 provisions? {
  =Supreme People's Court#Right.
  ~A district court#No.
  ~A police station
}

::Hours::How many hours for an ordinary ruling? {#72}

::Orders::A protection order needs a divorce case first. {FALSE#It does not.#Right.}
"""
GIFT_ZH = """// 测试用的自测。
$CATEGORY: tests/check

::法院::2022年的规定由哪个法院发布？ {
  =最高人民法院#对。
  ~区法院#不对。
  ~派出所
}

::小时::普通裁定需要多少小时？ {#72}

::保护令::申请保护令必须先提起离婚诉讼。 {FALSE#不必。#对。}
"""


# --------------------------------------------------------------------------- text <-> fields


def _posted(form: forms.QuestionForm) -> MultiDict:
    """What a browser would send for the form as filled."""
    data = MultiDict()

    def walk(fields):
        for f in fields:
            if f.type == "FieldList":
                for entry in f:
                    walk(entry.form)
            elif f.type == "FormField":
                walk(f.form)
            elif f.type != "SubmitField" and f.data is not None:
                data.add(f.name, f.data if isinstance(f.data, str) else str(f.data))

    walk(form)
    return data


def _library_quizzes():
    return sorted(p for p in LIBRARY.glob("*/quizzes/*.gift") if studio.QUIZ_PATH.fullmatch(f"quizzes/{p.name}"))


def test_every_question_of_the_library_comes_back_the_same_through_its_fields(app):
    """Each question of the starter library's quizzes, and its Chinese translation, put into the
    form, sent as a browser sends it and read back: the same question in both languages."""
    count = 0
    with app.test_request_context():
        for path in _library_quizzes():
            questions = parse_gift(path.read_text(encoding="utf-8"))
            translated = parse_gift(path.with_suffix(".zh.gift").read_text(encoding="utf-8"))
            for q, t in zip(questions, translated, strict=True):
                form = forms.QuestionForm(formdata=None)
                forms.fill(form, q, t)
                built = forms.build(forms.QuestionForm(formdata=_posted(form)), q.kind, q, t, True)
                assert built is not None, (path, q.title)
                assert built.question.to_dict() == q.to_dict(), (path, q.title)
                assert built.translation.to_dict() == t.to_dict(), (path, q.title)
                count += 1
    assert count > 100


def test_every_library_quiz_written_back_reads_the_same_and_its_translation_still_matches(app):
    for path in _library_quizzes():
        text = path.read_text(encoding="utf-8")
        tr_text = path.with_suffix(".zh.gift").read_text(encoding="utf-8")
        files = studio.QuizFiles(studio._read(f"quizzes/{path.name}", text, False), "zh",
                                 studio._read(f"quizzes/{path.stem}.zh.gift", tr_text, False))
        assert files.paired
        written = studio.texts(files, files.main.questions, files.translation.questions)
        main = written.get(files.main.path, text)
        assert main.startswith(files.main.header) and files.main.header.startswith("//")  # its opening comment kept
        assert [q.to_dict() for q in parse_gift(main)] == [q.to_dict() for q in files.main.questions]
        again = written.get(files.translation.path, tr_text)
        assert [q.to_dict() for q in parse_gift(again)] == [q.to_dict() for q in files.translation.questions]
        # Written twice, the text is what it was: saving an unchanged quiz changes nothing.
        second = studio.QuizFiles(studio._read(files.main.path, main, False), "zh",
                                  studio._read(files.translation.path, again, False))
        assert studio.texts(second, second.main.questions, second.translation.questions) == {}


def test_the_editor_is_registered_for_main_quiz_files_only(app):
    assert editors.for_path("quizzes/01-check.gift").endpoint == "quiz_studio.quiz"
    assert editors.for_path("quizzes/01-check.zh.gift") is None
    assert editors.for_path("lessons/01-check.gift") is None


# --------------------------------------------------------------------------- pages


@pytest.fixture
def quiz_course(app, make_user, tmp_path):
    """A course in English and Chinese with the quiz "check" in both, authored by tess and tom."""
    make_user("tess", role="trainer")
    make_user("tom", role="trainer")
    make_user("other", role="trainer")
    make_user("mei")
    root = make_user("root", role="admin")
    folder = write_course(tmp_path / "src", slug="quiz-course", modules=1, lessons=1, languages=("en", "zh"),
                          quiz=GIFT_EN)
    (folder / "quizzes" / "check.zh.gift").write_text(GIFT_ZH, encoding="utf-8")
    return imported(app, folder, root, "tess", "tom")


def _hidden(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" type="hidden" value="([0-9a-f]*)"', page)
    assert found, page[:3000]
    return found.group(1)


def _form(client, url: str) -> MultiDict:
    """The fields of the question form at ``url`` as the page fills them."""
    page = client.get(url).get_data(as_text=True)
    start = page.find('<form method="post" novalidate>')
    assert start > 0 and 'name="save"' in page, page[:3000]
    page = page[start:page.find("</form>", start)]
    data = MultiDict()
    for tag in re.finditer(r"<input\b([^>]*)>|<textarea\b([^>]*)>(.*?)</textarea>|<select\b([^>]*)>(.*?)</select>",
                           page, re.S):
        attrs = tag.group(1) or tag.group(2) or tag.group(4)
        name = re.search(r'\bname="([^"]+)"', attrs)
        if not name or name.group(1) in ("csrf_token", "save"):
            continue
        if tag.group(1) is not None:
            value = re.search(r'\bvalue="([^"]*)"', attrs)
            data.add(name.group(1), html.unescape(value.group(1)) if value else "")
        elif tag.group(2) is not None:
            data.add(name.group(1), html.unescape(re.sub(r"^\r?\n", "", tag.group(3))))
        else:
            chosen = re.search(r'<option[^>]*\bselected[^>]*>', tag.group(5))
            value = re.search(r'value="([^"]*)"', chosen.group(0)) if chosen else None
            data.add(name.group(1), value.group(1) if value else "")
    return data


def _draft(path: str) -> str | None:
    row = db.session.get(StudioDraft, ("quiz-course", path))
    return None if row is None else row.text


def _drafts() -> int:
    return db.session.execute(select(func.count()).select_from(StudioDraft)).scalar_one()


def test_an_author_edits_a_question_in_both_languages_and_publishes_it(app, quiz_course):
    tess = client_of(app, "tess")
    page = tess.get(QUIZ).get_data(as_text=True)
    assert "Which court issued the 2022 provisions?" in page and "earlier attempts keep the questions they answered" in page
    url = "/studio/quiz-course/quiz-question/1/quizzes/check.gift"
    data = _form(tess, url)
    assert data["text_tr"] == "2022年的规定由哪个法院发布？" and data["choices-0-weight"] == "100"
    data["text"] = "Which court issued the **2022** provisions on protection orders?"
    data["text_tr"] = "哪个法院发布了2022年关于保护令的规定？"
    data["choices-2-feedback"] = "No: the police issue warning letters."
    data["choices-3-text"], data["choices-3-text_tr"], data["choices-3-weight"] = "A notary", "公证处", "0"
    saved = tess.post(url, data=data)
    assert saved.status_code == 302 and saved.location.endswith("#question-1")
    main, zh = parse_gift(_draft("quizzes/check.gift")), parse_gift(_draft("quizzes/check.zh.gift"))
    assert main[0].text == "Which court issued the **2022** provisions on protection orders?"
    assert [c.text for c in main[0].choices] == ["Supreme People's Court", "A district court", "A police station", "A notary"]
    assert main[0].choices[2].feedback == "No: the police issue warning letters."
    assert zh[0].text == "哪个法院发布了2022年关于保护令的规定？" and zh[0].choices[3].text == "公证处"
    assert zh[0].choices[2].feedback == "No: the police issue warning letters."  # untranslated: the English
    assert _draft("quizzes/check.gift").startswith("// A check for tests: fictional facts only.\n")
    assert [q.to_dict() for q in main[1:]] == [q.to_dict() for q in parse_gift(GIFT_EN)[1:]]

    old = db.session.execute(select(QuizQuestion).where(QuizQuestion.position == 0)).scalar_one()
    assert tess.post("/studio/quiz-course/publish").status_code == 302
    db.session.expire_all()
    assert db.session.get(QuizQuestion, old.id).active is False  # kept for earlier attempts
    active = db.session.execute(select(QuizQuestion).where(QuizQuestion.active, QuizQuestion.position == 0)).scalar_one()
    assert "on protection orders" in active.data["text"]
    assert "公证处" in active.rendered["languages"]["zh"]["choices"][3]


def test_a_new_question_is_added_to_both_files_its_translation_flagged(app, quiz_course):
    tess = client_of(app, "tess")
    url = "/studio/quiz-course/quiz-question/new/numerical/quizzes/check.gift"
    data = _form(tess, url)
    for key, value in {"text": "How many days may an order last at most?", "numbers-0-answer": "180",
                       "numbers-0-tolerance": "0", "numbers-0-feedback": "Six months.",
                       "other_feedback": "Check the law."}.items():
        data[key] = value
    saved = tess.post(url, data=data)
    assert saved.status_code == 302, re.findall(r'class="error"[^>]*>([^<]*)<|role="alert">(.*?)</div>', saved.get_data(as_text=True), re.S)
    main, zh = parse_gift(_draft("quizzes/check.gift")), parse_gift(_draft("quizzes/check.zh.gift"))
    assert len(main) == len(zh) == 4
    assert main[3].kind == "numerical" and main[3].numeric[0].low == 180.0 and main[3].other_answer.feedback == "Check the law."
    assert main[3].category == "tests/check"  # with the questions before it
    assert zh[3].text == main[3].text  # not translated yet: the English, which the package accepts
    page = tess.get(QUIZ).get_data(as_text=True)
    assert page.count("Not translated yet") == 1


def test_moving_and_removing_keep_the_translation_in_step(app, quiz_course):
    tess = client_of(app, "tess")
    page = tess.get(QUIZ).get_data(as_text=True)
    bases = {"base": _hidden(page, "base"), "base_tr": _hidden(page, "base_tr")}
    assert tess.post("/studio/quiz-course/quiz-arrange/3/quizzes/check.gift", data={**bases, "up": "1"}).status_code == 302
    assert [q.title for q in parse_gift(_draft("quizzes/check.gift"))] == ["Court", "Orders", "Hours"]
    assert [q.title for q in parse_gift(_draft("quizzes/check.zh.gift"))] == ["法院", "保护令", "小时"]
    page = tess.get(QUIZ).get_data(as_text=True)
    bases = {"base": _hidden(page, "base"), "base_tr": _hidden(page, "base_tr")}
    assert tess.post("/studio/quiz-course/quiz-arrange/1/quizzes/check.gift", data={**bases, "remove": "1"}).status_code == 302
    assert [q.title for q in parse_gift(_draft("quizzes/check.zh.gift"))] == ["保护令", "小时"]
    # A quiz keeps one question to answer.
    for _n in range(2):
        page = tess.get(QUIZ).get_data(as_text=True)
        bases = {"base": _hidden(page, "base"), "base_tr": _hidden(page, "base_tr")}
        last = tess.post("/studio/quiz-course/quiz-arrange/1/quizzes/check.gift", data={**bases, "remove": "1"})
    assert last.status_code == 422 and "at least one question" in last.get_data(as_text=True)
    assert len(parse_gift(_draft("quizzes/check.gift"))) == 1


def test_pasted_gift_is_added_and_a_bad_paste_saves_nothing(app, quiz_course):
    tess = client_of(app, "tess")
    url = "/studio/quiz-course/quiz-paste/quizzes/check.gift"
    page = tess.get(QUIZ).get_data(as_text=True)
    bases = {"base": _hidden(page, "base"), "base_tr": _hidden(page, "base_tr")}
    bad = tess.post(url, data={**bases, "gift": "::A::Fine? {=yes ~no}\n\n::B::Broken {=yes ~no"})
    body = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "Line 3 of the pasted text" in body and "Broken {=yes ~no" in body
    assert _drafts() == 0
    empty = tess.post(url, data={**bases, "gift": "// only a comment"})
    assert empty.status_code == 422 and _drafts() == 0
    good = tess.post(url, data={**bases, "gift": "::A::Fine? {=yes ~no}\n\n::B::Also fine? {T}"}, follow_redirects=True)
    assert good.status_code == 200 and "2 questions added as a draft." in good.get_data(as_text=True)
    assert [q.title for q in parse_gift(_draft("quizzes/check.zh.gift"))] == ["法院", "小时", "保护令", "A", "B"]


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"choices-0-weight": "0"}, "choices", "none of the choices is right"),
    ({"choices-1-weight": "lots"}, "choices-1-weight", "Write a percentage"),
    ({"text": ""}, "text", "Write the question."),
    ({"choices-3-feedback": "feedback with no answer"}, "choices-3-text", "Write the answer"),
    ({"text": "x" * 20_001}, "text", "Field cannot be longer"),
])
def test_bad_input_is_shown_on_its_field_and_nothing_is_saved(app, quiz_course, change, field, message):
    tess = client_of(app, "tess")
    url = "/studio/quiz-course/quiz-question/1/quizzes/check.gift"
    data = _form(tess, url)
    for key, value in change.items():
        data[key] = value
    refused = tess.post(url, data=data)
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422, body[:2000]
    assert message in body
    if field != "choices":
        assert re.search(rf'id="{field}-error"[^>]*>[^<]*{re.escape(message)}', body), body
    assert _drafts() == 0


def test_a_numerical_answer_must_be_a_number(app, quiz_course):
    tess = client_of(app, "tess")
    url = "/studio/quiz-course/quiz-question/2/quizzes/check.gift"
    data = _form(tess, url)
    assert data["numbers-0-answer"] == "72" and data["numbers-0-tolerance"] == "0"
    data["numbers-0-answer"] = "seventy-two"
    refused = tess.post(url, data=data)
    assert refused.status_code == 422 and 'id="numbers-0-answer-error"' in refused.get_data(as_text=True)
    assert _drafts() == 0


def test_a_save_after_another_authors_is_refused_and_her_entries_kept(app, quiz_course):
    tess, tom = client_of(app, "tess"), client_of(app, "tom")
    url = "/studio/quiz-course/quiz-question/1/quizzes/check.gift"
    data = _form(tess, url)
    # Tom changes the file in the text editor meanwhile.
    edit = "/studio/quiz-course/edit/quizzes/check.gift"
    tom_page = tom.get(edit).get_data(as_text=True)
    assert tom.post(edit, data={"text": GIFT_EN.replace("A district court", "A county court"),
                                "base": _hidden(tom_page, "base"), "save": "y"}).status_code == 302
    data["text"] = "Tess's new wording?"
    clash = tess.post(url, data=data)
    body = clash.get_data(as_text=True)
    assert clash.status_code == 409 and "Someone saved this quiz after you opened this question." in body
    assert "Tess&#39;s new wording?" in body and "A county court" in body  # hers kept, his shown
    assert "A county court" in _draft("quizzes/check.gift") and _draft("quizzes/check.zh.gift") is None
    # The same on the quiz page's buttons.
    moved = tess.post("/studio/quiz-course/quiz-arrange/1/quizzes/check.gift",
                      data={"base": data["base"], "base_tr": data["base_tr"], "down": "1"})
    assert moved.status_code == 409 and "A county court" in moved.get_data(as_text=True)


def test_who_may_use_the_quiz_editor(app, quiz_course):
    url = "/studio/quiz-course/quiz-question/1/quizzes/check.gift"
    assert app.test_client().get(QUIZ).status_code == 302  # to the log-in
    for handle, status in (("mei", 403), ("other", 403), ("tess", 200), ("root", 200)):
        client = client_of(app, handle)
        assert client.get(QUIZ).status_code == status, handle
        assert client.get(url).status_code == status, handle
    other = client_of(app, "other")
    assert other.post(url, data={"text": "x"}).status_code == 403
    assert other.post("/studio/quiz-course/quiz-arrange/1/quizzes/check.gift", data={"remove": "1"}).status_code == 403
    assert other.post("/studio/quiz-course/quiz-paste/quizzes/check.gift", data={"gift": "{T}"}).status_code == 403
    tess = client_of(app, "tess")
    for missing in ("/studio/quiz-course/quiz/quizzes/check.zh.gift", "/studio/quiz-course/quiz/quizzes/none.gift",
                    "/studio/quiz-course/quiz/lessons/001-lesson.md", "/studio/quiz-course/quiz-question/9/quizzes/check.gift",
                    "/studio/quiz-course/quiz-question/new/poll/quizzes/check.gift", "/studio/nothing/quiz/quizzes/check.gift"):
        assert tess.get(missing).status_code == 404, missing
    assert _drafts() == 0


def test_a_course_managed_from_files_is_refused_and_a_missing_translation_said(app, make_user, tmp_path):
    make_user("root", role="admin")
    folder = write_course(tmp_path / "src", slug="lib-quiz", modules=1, lessons=1, languages=("en", "zh"), quiz=GIFT_EN)
    assert app.test_cli_runner().invoke(args=["courses", "sync", str(folder)]).exit_code == 0
    root = client_of(app, "root")
    page = root.get("/studio/lib-quiz/quiz/quizzes/check.gift").get_data(as_text=True)
    assert "This quiz has no Chinese translation yet" in page
    url = "/studio/lib-quiz/quiz-question/3/quizzes/check.gift"
    data = _form(root, url)
    assert "text_tr" not in data  # no translation to edit beside it
    data["truth"] = "true"
    refused = root.post(url, data=data)
    assert refused.status_code == 422 and "managed from files" in refused.get_data(as_text=True)
    assert root.post("/studio/lib-quiz/adopt").status_code == 302
    assert root.post(url, data=data).status_code == 302
    assert parse_gift(db.session.get(StudioDraft, ("lib-quiz", "quizzes/check.gift")).text)[2].choices[0].fraction == 1.0
    assert db.session.get(StudioDraft, ("lib-quiz", "quizzes/check.zh.gift")) is None
    text, _drafted = drafts.current_text(db.session.execute(select(Course).where(Course.slug == "lib-quiz")).scalar_one(),
                                        "quizzes/check.gift")
    assert text.startswith("// A check for tests")


@pytest.mark.parametrize(("kind", "fields"), [
    ("single", {"text": "Pick one.", "choices-0-text": "Right", "choices-0-weight": "100", "choices-1-text": "Wrong"}),
    ("multi", {"text": "Pick two.", "choices-0-text": "A", "choices-0-weight": "50", "choices-1-text": "B",
               "choices-1-weight": "50", "choices-1-text_tr": "乙"}),
    ("truefalse", {"text": "True?", "truth": "false", "feedback_false": "Yes, false."}),
    ("short", {"text": "Who issues warning letters?", "choices-0-text": "police", "choices-0-text_tr": "公安机关"}),
    ("numerical", {"text": "How many days?", "numbers-0-answer": "3.5", "numbers-0-tolerance": "0.5"}),
    ("matching", {"text": "Match.", "pairs-0-left": "a", "pairs-0-right": "1", "pairs-1-left": "b", "pairs-1-right": "2",
                  "pairs-2-right": "3", "pairs-2-right_tr": "三"}),
    ("missingword", {"text": "The", "text_after": "issues warning letters.", "missingword_kind": "short",
                     "choices-0-text": "police"}),
    ("essay", {"text": "Explain.", "general_feedback": "A model answer."}),
    ("description", {"text": "Read this first."}),
])
def test_each_kind_is_added_through_its_form(app, quiz_course, kind, fields):
    tess = client_of(app, "tess")
    url = f"/studio/quiz-course/quiz-question/new/{kind}/quizzes/check.gift"
    data = _form(tess, url)
    for key, value in fields.items():
        data[key] = value
    saved = tess.post(url, data=data)
    assert saved.status_code == 302, re.findall(r'class="error"[^>]*>([^<]*)<', saved.get_data(as_text=True))
    main, zh = parse_gift(_draft("quizzes/check.gift")), parse_gift(_draft("quizzes/check.zh.gift"))
    assert main[-1].kind == zh[-1].kind == kind and main[-1].text == zh[-1].text == fields["text"]
    # Opened again, the form shows what was saved, and saving it unchanged changes nothing.
    edit = "/studio/quiz-course/quiz-question/4/quizzes/check.gift"
    before = _draft("quizzes/check.gift"), _draft("quizzes/check.zh.gift")
    assert tess.post(edit, data=_form(tess, edit)).status_code == 302
    assert (_draft("quizzes/check.gift"), _draft("quizzes/check.zh.gift")) == before


def test_hostile_fields_are_refused_not_crashed_on(app, quiz_course):
    tess = client_of(app, "tess")
    url = "/studio/quiz-course/quiz-question/2/quizzes/check.gift"
    data = _form(tess, url)
    for key, value in {"numbers-0-answer": "1e999999", "numbers-0-tolerance": "-1", "numbers-0-weight": "NaN",
                       "numbers-99-answer": "5", "text_format": "<script>", "other_weight": "200"}.items():
        data[key] = value
    refused = tess.post(url, data=data)
    assert refused.status_code == 422 and _drafts() == 0
    assert tess.post("/studio/quiz-course/quiz-arrange/1/quizzes/check.gift", data={"sideways": "1"}).status_code == 400
    page = tess.get(QUIZ).get_data(as_text=True)
    huge = tess.post("/studio/quiz-course/quiz-paste/quizzes/check.gift",
                     data={"base": _hidden(page, "base"), "base_tr": _hidden(page, "base_tr"),
                           "gift": "::Q::x {T}\n\n" * 40_000})
    assert huge.status_code == 422 and _drafts() == 0

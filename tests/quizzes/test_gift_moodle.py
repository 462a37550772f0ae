"""GIFT as Moodle writes it (issue #17): a text format on every part, categories with context
prefixes, ID numbers and tags, a numerical "any other answer", and what Amicus still refuses
(docs/gift.md)."""
from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from sqlalchemy import select

from courses.services import get_course
from quizzes import bank
from quizzes.gift import GiftError, GiftWriteError, category_name, parse_gift, write_gift
from quizzes.grading import feedback_for, grade
from quizzes.models import QuizQuestion
from quizzes.package import render_question
from quizzes.questions import TEXT_FORMATS, Choice, MatchPair, NumericAnswer, OtherAnswer, Question
from training.extensions import db

SAMPLES = Path(__file__).parent / "gift_samples"
TAGS = [None, *TEXT_FORMATS]  # no tag, or one of Moodle's four
# The same source text rendered by each format: tells which format a part was rendered with.
SOURCE = "*a* <b>b</b>"
RENDERED = {
    "moodle": "*a* <b>b</b>",
    "html": "*a* <b>b</b>",
    "plain": "*a* &lt;b&gt;b&lt;/b&gt;",
    "markdown": "<p><em>a</em> <b>b</b></p>",
}


def one(source: str) -> Question:
    questions = parse_gift(source)
    assert len(questions) == 1, questions
    return questions[0]


def tagged(tag: str | None, text: str = SOURCE) -> str:
    return (f"[{tag}]" if tag else "") + text


def own(tag: str | None, question_format: str) -> str:
    """The format a part keeps as its own: none when untagged or tagged as its question."""
    return "" if tag is None or tag == question_format else tag


def effective(tag: str | None, question_format: str) -> str:
    return own(tag, question_format) or question_format


def check_round_trip(q: Question) -> None:
    again = one(write_gift([q]))
    again.line = q.line
    assert again == q


# Every combination of a question's format (its tag, or none) with the tag of one of its parts.
COMBINATIONS = list(itertools.product(TAGS, TAGS))


@pytest.mark.parametrize("q_tag, part_tag", COMBINATIONS)
def test_a_choice_and_its_feedback_each_keep_their_format(q_tag, part_tag):
    q = one(f"{tagged(q_tag, 'Q')} {{={tagged(part_tag)}#{tagged(part_tag)} ~b#{tagged(part_tag)}}}")
    fmt = q.text_format
    assert fmt == (q_tag or "moodle")
    assert q.choices[0] == Choice(SOURCE, 1.0, SOURCE, own(part_tag, fmt), own(part_tag, fmt))
    assert q.choices[1] == Choice("b", 0.0, SOURCE, "", own(part_tag, fmt))
    rendered = render_question(q)
    assert rendered["choices"][0] == RENDERED[effective(part_tag, fmt)]
    assert rendered["choice_feedback"] == [RENDERED[effective(part_tag, fmt)]] * 2
    assert rendered["choices"][1] == ("<p>b</p>" if fmt == "markdown" else "b")
    check_round_trip(q)


@pytest.mark.parametrize("q_tag, answer_tag, feedback_tag", list(itertools.product(TAGS, TAGS, TAGS)))
def test_answer_and_feedback_formats_vary_independently(q_tag, answer_tag, feedback_tag):
    q = one(f"{tagged(q_tag, 'Q')} {{~%50%{tagged(answer_tag)}#{tagged(feedback_tag)} ~%50%x ~y}}")
    fmt = q.text_format
    c = q.choices[0]
    assert (c.text_format, c.feedback_format) == (own(answer_tag, fmt), own(feedback_tag, fmt))
    rendered = render_question(q)
    assert rendered["choices"][0] == RENDERED[effective(answer_tag, fmt)]
    assert rendered["choice_feedback"][0] == RENDERED[effective(feedback_tag, fmt)]
    check_round_trip(q)


@pytest.mark.parametrize("q_tag, part_tag", COMBINATIONS)
def test_a_matching_sub_question_keeps_its_format(q_tag, part_tag):
    q = one(f"{tagged(q_tag, 'Q')} {{={tagged(part_tag)} -> 1 =x -> 2 =y -> 3 ####{tagged(part_tag)}}}")
    fmt = q.text_format
    assert q.pairs[0] == MatchPair(SOURCE, "1", own(part_tag, fmt))
    assert q.pairs[1] == MatchPair("x", "2")
    assert (q.general_feedback, q.general_feedback_format) == (SOURCE, own(part_tag, fmt))
    rendered = render_question(q)
    assert rendered["left"][0] == RENDERED[effective(part_tag, fmt)]
    assert rendered["general_feedback"] == RENDERED[effective(part_tag, fmt)]
    check_round_trip(q)


@pytest.mark.parametrize("q_tag, wrong_tag, right_tag", list(itertools.product(TAGS, TAGS, TAGS)))
def test_true_false_feedbacks_keep_their_formats(q_tag, wrong_tag, right_tag):
    q = one(f"{tagged(q_tag, 'Q')} {{TRUE#{tagged(wrong_tag, 'wrong')}#{tagged(right_tag, 'right')}}}")
    fmt = q.text_format
    assert q.choices == [
        Choice("true", 1.0, "right", feedback_format=own(right_tag, fmt)),
        Choice("false", 0.0, "wrong", feedback_format=own(wrong_tag, fmt)),
    ]
    check_round_trip(q)


@pytest.mark.parametrize("q_tag, part_tag", COMBINATIONS)
def test_short_and_numerical_feedback_keep_their_format_and_answers_drop_theirs(q_tag, part_tag):
    # Moodle keeps no format for a short answer's or a numerical answer's own text.
    q = one(f"{tagged(q_tag, 'Q')} {{={tagged(part_tag, 'yes')}#{tagged(part_tag)} =%50%ok}}")
    fmt = q.text_format
    assert q.choices[0] == Choice("yes", 1.0, SOURCE, "", own(part_tag, fmt))
    assert render_question(q)["choice_feedback"][0] == RENDERED[effective(part_tag, fmt)]
    check_round_trip(q)
    q = one(f"{tagged(q_tag, 'Q')} {{#={tagged(part_tag, '3:1')}#{tagged(part_tag)}}}")
    assert q.numeric == [NumericAnswer(2.0, 4.0, 1.0, SOURCE, "tolerance", own(part_tag, fmt))]
    assert render_question(q)["numeric_feedback"][0] == RENDERED[effective(part_tag, fmt)]
    check_round_trip(q)


@pytest.mark.parametrize("q_tag, part_tag", COMBINATIONS)
def test_essay_general_feedback_keeps_its_format(q_tag, part_tag):
    q = one(f"{tagged(q_tag, 'Q')} {{####{tagged(part_tag)}}}")
    assert q.general_feedback_format == own(part_tag, q.text_format)
    check_round_trip(q)


def test_an_empty_part_has_no_format_of_its_own():
    q = one("[html]Q {=a#[markdown] ~b####[plain]}")
    assert q.choices[0] == Choice("a", 1.0, "", "", "")
    assert (q.general_feedback, q.general_feedback_format) == ("", "")


def test_html_of_any_part_is_sanitised_when_rendered():
    q = one("[plain]Q {=[html]<p onclick\\='x()'>a</p><script>x()</script>"
            "#[markdown]<img src\\=x onerror\\=alert(1)> ~[moodle]<iframe src\\=//evil></iframe>b}")
    rendered = render_question(q)
    assert rendered["choices"] == ["<p>a</p>", "b"]
    assert rendered["choice_feedback"][0] == '<p><img src="x"></p>'


def test_writer_refuses_part_formats_that_would_not_read_back():
    base = dict(kind="single", text="Q", text_format="html")
    for choice, message in [
        (Choice("a", 1.0, "", feedback_format="plain"), "is empty, so it has no format"),
        (Choice("a", 1.0, text_format="html"), "the question's own"),
        (Choice("a", 1.0, text_format="rtf"), "unknown text format"),
    ]:
        with pytest.raises(GiftWriteError, match=message):
            write_gift([Question(**base, choices=[choice, Choice("b", 0.0)])])
    with pytest.raises(GiftWriteError, match="short answer"):
        write_gift([Question("short", "Q", choices=[Choice("a", 1.0, text_format="html")])])


# ------------------------------------------------------- numerical: any other answer ('*')


def test_tilde_in_a_numerical_question_is_any_other_answer():
    # Moodle's documentation and importer: an answer '*' worth 0% with the feedback after '~#'.
    q = one("Q {#3:1 ~#Sorry, wrong}")
    assert q.numeric == [NumericAnswer(2.0, 4.0, 1.0, "", "tolerance")]
    assert q.other_answer == OtherAnswer(0.0, "Sorry, wrong")
    assert grade(q, "7") == 0.0 and feedback_for(q, "7") == [("Sorry, wrong", "moodle")]
    assert grade(q, "3.5") == 1.0 and feedback_for(q, "3.5") == []
    assert write_gift([q]) == "Q {#\n\t=3:1\n\t~#Sorry, wrong\n}\n"
    check_round_trip(q)


def test_any_other_answer_as_moodle_exports_it():
    # Moodle's writequestion: every answer as '=%weight%answer:tolerance#feedback', the answer
    # '*' as '~#feedback', then the general feedback.
    q = one("// question: 7  name: Hours\n::Hours::[html]<p>How many hours?</p>{#\n"
            "\t=%100%72:0#[moodle]Right.\n\t=%50%24:0#\n\t~#[markdown]**No**\\: read *article 27*.\n"
            "\t####[plain]Article 27.\n}\n")
    assert q.numeric == [NumericAnswer(72.0, 72.0, 1.0, "Right.", "tolerance", "moodle"),
                         NumericAnswer(24.0, 24.0, 0.5, "", "tolerance")]
    assert q.other_answer == OtherAnswer(0.0, "**No**: read *article 27*.", "markdown")
    assert q.general_feedback == "Article 27."
    assert render_question(q)["other_feedback"] == "<p><strong>No</strong>: read <em>article 27</em>.</p>"
    assert grade(q, "13") == 0.0 and feedback_for(q, "13") == [("**No**: read *article 27*.", "markdown")]
    assert grade(q, "24") == 0.5
    assert "\t~#[markdown]**No**\\: read *article 27*.\n\t####[plain]Article 27.\n}" in write_gift([q])
    check_round_trip(q)


@pytest.mark.parametrize("source, other, written", [
    # Moodle's '*' answer, with its weight; written with it ('~' would lose it, as Moodle's export does).
    ("Q {#=3 =*#Anything else}", OtherAnswer(1.0, "Anything else"), "\t=*#Anything else\n"),
    ("Q {#=3 =%50%*#Half}", OtherAnswer(0.5, "Half"), "\t=%50%*#Half\n"),
    ("Q {#=3 =%0%*}", OtherAnswer(0.0, ""), "\t~#\n"),
    ("Q {#3 ~}", OtherAnswer(0.0, ""), "\t~#\n"),  # Moodle stores an answer '*' with no feedback
    ("Q {#3 ~#}", OtherAnswer(0.0, ""), "\t~#\n"),
    # As Moodle's commentparser: the feedback starts after the first '#'.
    ("Q {#3 ~#a # b\\~}", OtherAnswer(0.0, "a # b~"), "\t~#a \\# b\\~\n"),
])
def test_an_answer_star_is_any_other_answer_with_its_weight(source, other, written):
    q = one(source)
    assert len(q.numeric) == 1 and q.other_answer == other
    assert grade(q, "-1") == other.fraction and grade(q, "3") == 1.0
    assert written in write_gift([q])
    check_round_trip(q)


@pytest.mark.parametrize("q_tag, part_tag", COMBINATIONS)
def test_any_other_answer_feedback_keeps_its_format(q_tag, part_tag):
    q = one(f"{tagged(q_tag, 'Q')} {{#=3:1 ~#{tagged(part_tag)}}}")
    fmt = q.text_format
    assert q.other_answer == OtherAnswer(0.0, SOURCE, own(part_tag, fmt))
    assert render_question(q)["other_feedback"] == RENDERED[effective(part_tag, fmt)]
    assert feedback_for(q, "9") == [(SOURCE, effective(part_tag, fmt))]
    check_round_trip(q)


def test_a_numerical_question_without_any_other_answer_keeps_its_stored_data():
    q = one("Q {#3:1#Right.}")
    assert q.other_answer is None and "other_answer" not in q.to_dict()
    assert "other_feedback" not in render_question(q)
    assert Question.from_dict(one("Q {#3 ~#No.}").to_dict()).other_answer == OtherAnswer(0.0, "No.")


# ------------------------------------------------------------------------------- categories


@pytest.mark.parametrize("path, name", [
    ("$course$/top/Default for DV101", "Default for DV101"),
    ("$system$/top/Shared", "Shared"),
    ("$module$/top/Qbank", "Qbank"),
    ("$cat1$/top/Law school", "Law school"),
    ("$cat2$/top/Faculty/Year 1", "Faculty/Year 1"),
    ("$course$/Default", "Default"),
    ("$course$/top/Parent/Child", "Parent/Child"),
    ("top/Parent/Child", "Parent/Child"),
    ("Parent / Child", "Parent/Child"),
    ("tom/dick/harry", "tom/dick/harry"),
    ("$course$/top/Civil // criminal", "Civil // criminal"),  # '//' is a '/' inside a name
    ("培训/反家暴法", "培训/反家暴法"),
])
def test_categories_with_moodle_context_prefixes(path, name):
    questions = parse_gift(f"$CATEGORY: {path}\n\nA?{{T}}\n\nB?{{T}}")
    assert [q.category for q in questions] == [name, name]
    assert category_name(path) == name
    assert category_name(name) == name
    assert "$" not in name
    # Written back as Amicus names it, and read as the same category.
    assert f"$CATEGORY: {name}\n" in write_gift(questions)
    assert [q.category for q in parse_gift(write_gift(questions))] == [name, name]


def test_a_category_path_naming_only_the_context_keeps_the_current_category():
    # Moodle finds no category below "top" to change to and keeps the one it has.
    questions = parse_gift("$CATEGORY: Law\n\nA?{T}\n\n$CATEGORY: $course$/top\n\nB?{T}\n\n$CATEGORY: $system$\n\nC?{T}")
    assert [q.category for q in questions] == ["Law", "Law", "Law"]


def test_a_category_path_with_an_empty_name_is_refused_with_its_line():
    with pytest.raises(GiftError) as info:
        parse_gift("A?{T}\n\n$CATEGORY: $course$/top/a/ /b\n\nB?{T}")
    assert info.value.line == 3 and "empty name" in info.value.message


def test_writer_refuses_a_category_moodle_would_read_as_another():
    with pytest.raises(GiftWriteError, match="would be read back as 'X'"):
        write_gift([Question("essay", "Q", category="$course$/top/X")])


# ------------------------------------------------------------------------ ID numbers and tags


def test_id_number_and_tags_as_moodle_writes_them():
    q = one("// question: 5  name: Q\n// [id:A\\]1] [tag:law] [tag:a\\]b] [tag:]\n::Q::Text {T}")
    assert (q.idnumber, q.tags) == ("A]1", ["law", "a]b"])
    text = write_gift([q])
    assert text.startswith("// [id:A\\]1] [tag:law] [tag:a\\]b]\n::Q::Text")
    check_round_trip(q)


def test_writer_refuses_tags_moodle_would_read_otherwise():
    for tags in (["a<b"], ["x [id:1]"], ["a\nb"], [""]):
        with pytest.raises(GiftWriteError):
            write_gift([Question("essay", "Q", tags=tags)])


# ------------------------------------------------------------------- a file Moodle exported


def test_a_moodle_export_with_mixed_formats_and_prefixed_categories():
    questions = parse_gift((SAMPLES / "moodle_export.gift").read_bytes())
    assert [(q.kind, q.category) for q in questions] == [
        ("single", "Default for DV101"), ("multi", "Default for DV101"), ("truefalse", "Default for DV101"),
        ("short", "Default for DV101/Evidence"), ("numerical", "Default for DV101/Evidence"),
        ("matching", "Qbank of DV101"), ("essay", "Shared"), ("description", "Shared"),
        ("missingword", "Law school"),
    ]
    court = questions[0]
    assert (court.title, court.text_format, court.idnumber, court.tags) == (
        "Protection order court", "html", "PO-1", ["protection orders", "courts"])
    assert court.text == ('<p dir="ltr" style="text-align: left;">Which court issues a '
                          "<b>protection order</b>?</p>")
    assert court.choices[0] == Choice("The people's court", 1.0, "*Right*: article 27.", "moodle", "markdown")
    assert court.choices[1] == Choice("The <procuratorate>", 0.0, "It supervises; it does not issue orders.",
                                      "plain", "")
    assert court.general_feedback_format == "markdown"
    rendered = render_question(court)
    assert rendered["choice_feedback"][0] == "<p><em>Right</em>: article 27.</p>"
    assert rendered["choices"][1] == "The &lt;procuratorate&gt;"
    assert "script" not in rendered["choice_feedback"][2]
    assert [p.left_format for p in questions[5].pairs] == ["moodle", "markdown", "", "plain"]
    assert questions[4].numeric[0] == NumericAnswer(24.0, 24.0, 1.0, "Right.", "tolerance", "moodle")
    assert questions[4].other_answer == OtherAnswer(
        0.0, "**No**: article 27 says *24 hours*.<script>alert(1)</script>", "markdown")
    assert render_question(questions[4])["other_feedback"] == (
        "<p><strong>No</strong>: article 27 says <em>24 hours</em>.</p>")
    # Round trip: what Amicus writes reads back as the same questions.
    again = parse_gift(write_gift(questions))
    for q in again + questions:
        q.line = 0
    assert again == questions


def test_every_example_of_moodles_documentation_reads_with_the_id_and_tags_line():
    text = (SAMPLES / "moodle_docs.gift").read_text(encoding="utf-8")
    questions = parse_gift("// [id:123] [tag:basic]\n" + text.split("\n\n", 1)[1])
    assert (questions[0].idnumber, questions[0].tags) == ("123", ["basic"])


def test_bank_import_of_a_moodle_export_and_back(app, make_course):
    make_course(slug="dv101", modules=1, lessons=1)
    course = get_course("dv101")
    text = (SAMPLES / "moodle_export.gift").read_text(encoding="utf-8")
    report = bank.import_questions(course, text)
    db.session.commit()
    assert report.added == 9
    assert report.categories == ["Default for DV101", "Default for DV101/Evidence", "Qbank of DV101",
                                 "Shared", "Law school"]
    rows = db.session.execute(select(QuizQuestion).where(QuizQuestion.course_id == course.id)
                              .order_by(QuizQuestion.position)).scalars().all()
    first = rows[0]
    assert first.rendered["choice_feedback"][0] == "<p><em>Right</em>: article 27.</p>"
    assert all("<script" not in str(row.rendered) for row in rows)
    assert all("onclick" not in str(row.rendered) for row in rows)
    exported = bank.export_course(course)
    assert "$course$" not in exported and "$CATEGORY: Default for DV101/Evidence\n" in exported
    back = parse_gift(exported)
    original = parse_gift(text)
    for q in back + original:
        q.line = 0
    assert sorted(back, key=lambda q: q.title) == sorted(original, key=lambda q: q.title)
    # Importing it again finds every question already there.
    assert bank.import_questions(course, exported).duplicates == 9


def test_export_of_a_category_stored_with_its_moodle_prefix(app, make_course):
    # A bank category stored before prefixes were read keeps working, and exports as Moodle's.
    make_course(slug="old", modules=1, lessons=1)
    course = get_course("old")
    bank.import_questions(course, "Q {T}", category="$course$/top/Old")
    assert "$CATEGORY: Old\n" in bank.export_course(course)


# ------------------------------------------------- what Moodle reads and Amicus still refuses


@pytest.mark.parametrize("source, line, reason", [
    ("A?{T}\n\n// note\nQ {#3:1\n~Sorry}", 5, "Moodle would drop 'Sorry'"),
    ("Q {#\n=*#anything\n=3:1}", 2, "put it last"),
    ("Q {#\n~#other\n=3:1}", 3, "put the '~' last"),
    ("Q {#\n=3:1\n~#one\n~#two}", 4, "a second '~'"),
    ("Q {#\n=3:1\n=*\n~#other}", 3, "keep one"),
    ("Q {#=3 =*:1}", 1, "takes no tolerance"),
    ("Q {#=*#only this}", 1, "one number besides '*'"),
    ("A?{=a}\n\n$question->usecase = 1;", 3, "case-sensitive"),
    ("Q {=a ~b} and {=c ~d}", 1, "second answer block"),
    ("Q {=a {~b}", 1, "second '{'"),
    ("Q } {T}", 1, "'}' without a '{'"),
    ("Q\n{=a ~b", 2, "never closed"),
    ("::title\nQ {T}", 1, "title is not closed"),
    ("$CATEGORY: a\nQ {T}", 2, "followed by a blank line"),
    ("Q {\n~%150%a\n=b}", 2, "outside -100% to 100%"),
    ("Q {\n~%.5%a\n=b}", 2, "not a weight Moodle can read"),
    ("Q {\n=%50%a\n~b}", 2, "ignores a weight after '='"),
    ("Q {x =a ~b}", 1, "text before the first answer"),
    ("Q {=a}\n\nQ {~a ~b}", 3, "none of the choices"),
    ("Q {\n~%60%a\n~%60%b}", 1, "more than 100%"),
    ("Q {=a =%-50%b}", 1, "negative weight"),
    ("Q {=a -> 1 =b -> 2}", 1, "at least 3 pairs"),
    ("Q {=a -> 1 =b -> 2 =c -> 3#fb}", 1, "matching pairs cannot have feedback"),
    ("Q {#three}", 1, "is not a number"),
    ("::only a title::", 1, "no text"),
    ("$CATEGORY: a/ /b", 1, "empty name"),
])
def test_each_refusal_gives_the_line_and_the_reason(source, line, reason):
    with pytest.raises(GiftError) as info:
        parse_gift(source)
    assert info.value.line == line and reason in info.value.message, info.value

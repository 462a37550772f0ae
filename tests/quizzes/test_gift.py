"""The GIFT reader and writer (quizzes/gift.py; rules in docs/gift.md)."""
from __future__ import annotations

import dataclasses
import pickle
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quizzes.gift import GiftError, GiftWriteError, category_name, parse_gift, write_gift
from quizzes.questions import KINDS, TEXT_FORMATS, Choice, MatchPair, NumericAnswer, OtherAnswer, Question

SAMPLES = Path(__file__).parent / "gift_samples"


def one(source: str) -> Question:
    questions = parse_gift(source)
    assert len(questions) == 1, questions
    return questions[0]


def error(source: str) -> GiftError:
    with pytest.raises(GiftError) as info:
        parse_gift(source)
    return info.value


def without_line(questions: list[Question]) -> list[Question]:
    return [dataclasses.replace(q, line=0) for q in questions]


def assert_round_trip(questions: list[Question]) -> str:
    text = write_gift(questions)
    assert without_line(parse_gift(text)) == without_line(questions), text
    return text


# ----------------------------------------------------------------------------- the file


@pytest.mark.parametrize("source", [None, "", "\n\n", "   \n\t\n", "// only a comment\n\n// another\n", "\ufeff"])
def test_empty_or_comment_only_files_give_no_questions(source):
    assert parse_gift(source) == []


def test_blank_lines_separate_questions_and_line_numbers_are_where_they_start():
    questions = parse_gift("\n\n// c\nA?{T}\n\n\n\n::t::\nB?\n{F}\n")
    assert [(q.text, q.line) for q in questions] == [("A?", 4), ("B?", 8)]


def test_utf8_bom_crlf_and_chinese_sample_file():
    data = (SAMPLES / "chinese_crlf_bom.gift").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    questions = parse_gift(data)
    assert parse_gift(data.decode("utf-8")) == questions
    first, second, third, fourth = questions
    assert (first.kind, first.title, first.category, first.line) == ("single", "问题一", "培训/反家暴法", 4)
    assert first.choices[1] == Choice("2016年", 1.0, "正确！")
    assert first.general_feedback == "该法于2016年3月1日起施行。"
    assert (second.kind, second.missingword_kind, second.text, second.text_after) == (
        "missingword", "short", "人身安全保护令由", "作出。"
    )
    assert third.choices == [Choice("true", 0.0, "还包括精神侵害。"), Choice("false", 1.0, "正确，精神侵害也是家庭暴力。")]
    assert (fourth.kind, fourth.text_format, fourth.text) == ("essay", "html", "<p>请说明{证据}的种类：</p>")
    assert_round_trip(questions)


def test_old_mac_line_ends():
    assert [q.line for q in parse_gift("A?{T}\r\rB?{F}\r")] == [1, 3]


def test_bytes_that_are_not_utf8():
    assert error(b"A?{T}\n\nB\xe9?{F}\n").line == 3
    assert "UTF-16" in error("A?{T}".encode("utf-16")).message


def test_wrong_input_type_is_a_gift_error():
    assert error(42).line == 0


def test_errors_carry_line_and_message_and_pickle():
    exc = error("A?{T}\n\nB?{=a ~b\n")
    assert isinstance(exc, ValueError)
    assert (exc.line, str(exc)) == (3, f"line 3: {exc.message}")
    again = pickle.loads(pickle.dumps(exc))
    assert (again.line, again.message) == (exc.line, exc.message)


# --------------------------------------------------------------------------- constructs


def test_comments_are_whole_lines_only():
    q = one("// a comment\n   // indented comment\nSee http://example.org/x {=a ~b}\n// after\n")
    assert q.text == "See http://example.org/x"


def test_a_comment_inside_the_text_leaves_a_line_with_a_space_as_in_moodle():
    assert one("One\n// hidden\ntwo {T}").text == "One\n \ntwo"


def test_title():
    q = one("::My title:: The text {T}")
    assert (q.title, q.text) == ("My title", "The text")
    assert one("::::No title {T}").title == ""


def test_title_with_escapes_and_on_its_own_line():
    q = one("::Q\\: one \\{a\\}::\nText {T}")
    assert (q.title, q.text) == ("Q: one {a}", "Text")


def test_categories_apply_to_the_following_questions():
    questions = parse_gift("A?{T}\n\n$CATEGORY: $course$/top/Law\n\nB?{T}\n\nC?{T}\n\n$CATEGORY: other\n\nD?{T}")
    assert [q.category for q in questions] == ["", "Law", "Law", "other"]


@pytest.mark.parametrize("fmt", TEXT_FORMATS)
def test_text_formats(fmt):
    q = one(f"::t::[{fmt}]The *text* {{=a ~b}}")
    assert (q.text_format, q.text) == (fmt, "The *text*")


def test_default_format_and_unknown_tags_are_text():
    assert one("Plain {T}").text_format == "moodle"
    q = one("[HTML]Text {T}")
    assert (q.text_format, q.text) == ("moodle", "[HTML]Text")


def test_a_format_tag_repeating_the_questions_format_is_accepted_on_answers():
    q = one("[markdown]Q {=[markdown]**a**#[markdown]*yes* ~b####[markdown]gf}")
    assert q.choices[0] == Choice("**a**", 1.0, "*yes*")
    assert q.general_feedback == "gf"


def test_escapes():
    q = one(r"Is 1\=1 \{really\} \~ \# \: a\nb \\ c \x? {=yes \#1 ~no}")
    assert q.text == "Is 1=1 {really} ~ # : a\nb \\ c \\x?"
    assert q.choices[0].text == "yes #1"


def test_escaped_backslash_before_a_special_character():
    # \\ is a backslash; the { after it is a real brace
    q = one(r"C:\\{=a ~b}")
    assert q.text == "C:\\"


def test_weights_fractions_and_percentages_with_decimals():
    q = one("Q {~%33.33333%a ~%33.33333%b ~%33.33333%c ~%-100%d}")
    assert q.kind == "multi"
    assert [c.fraction for c in q.choices] == [0.3333333, 0.3333333, 0.3333333, -1.0]


def test_answer_feedback_and_general_feedback():
    q = one("Q {=a#Right! ~b#Wrong, it is a ####Think about it.}")
    assert q.choices == [Choice("a", 1.0, "Right!"), Choice("b", 0.0, "Wrong, it is a")]
    assert q.general_feedback == "Think about it."


@pytest.mark.parametrize("word, right", [("T", True), ("TRUE", True), ("F", False), ("FALSE", False)])
def test_true_false(word, right):
    q = one(f"The sky is blue. {{{word}}}")
    assert q.kind == "truefalse"
    assert q.choices == [Choice("true", 1.0 if right else 0.0), Choice("false", 0.0 if right else 1.0)]


def test_true_false_feedback_first_for_a_wrong_answer_then_for_a_right_one():
    # Moodle's documentation: "The first is shown if the student gives the wrong answer. The
    # second if the student gives the right answer." Each lands on the choice that shows it.
    q = one("Grant is buried in Grant's tomb.{FALSE#No one is.#Well done.####Trivia.}")
    assert q.choices == [Choice("true", 0.0, "No one is."), Choice("false", 1.0, "Well done.")]
    assert q.general_feedback == "Trivia."
    q = one("Water is wet.{T#Think again.#Yes.}")
    assert q.choices == [Choice("true", 1.0, "Yes."), Choice("false", 0.0, "Think again.")]
    q = one("Water is wet.{TRUE##Yes.}")
    assert q.choices == [Choice("true", 1.0, "Yes."), Choice("false", 0.0, "")]


def test_lowercase_true_is_a_short_answer_as_in_moodle():
    q = one("Say true {true}")
    assert (q.kind, q.choices) == ("short", [Choice("true", 1.0)])


def test_numerical_tolerance_range_and_exact():
    assert one("Q {#3:0.5}").numeric == [NumericAnswer(2.5, 3.5, 1.0, "", "tolerance")]
    assert one("Q {#2..5}").numeric == [NumericAnswer(2.0, 5.0, 1.0, "", "range")]
    assert one("Q {#3}").numeric == [NumericAnswer(3.0, 3.0, 1.0, "", "tolerance")]
    assert one("Q {#-5..-2.5}").numeric == [NumericAnswer(-5.0, -2.5, 1.0, "", "range")]
    assert one("Q {#1e3:1.5E1}").numeric == [NumericAnswer(985.0, 1015.0, 1.0, "", "tolerance")]


def test_numerical_tolerance_is_computed_exactly():
    assert one("Q {#0.1:0.2}").numeric[0] == NumericAnswer(-0.1, 0.3, 1.0, "", "tolerance")


def test_numerical_with_several_graded_answers_and_feedback():
    q = one("Q {# =%100%3:0 =%50%3:0.5 #fb}")
    assert q.kind == "numerical"
    assert q.numeric == [
        NumericAnswer(3.0, 3.0, 1.0, "", "tolerance"),
        NumericAnswer(2.5, 3.5, 0.5, "fb", "tolerance"),
    ]


def test_matching():
    q = one("Match. { =a -> b =c -> d =e -> f ####gf}")
    assert q.kind == "matching"
    assert q.pairs == [MatchPair("a", "b"), MatchPair("c", "d"), MatchPair("e", "f")]
    assert q.general_feedback == "gf"


def test_matching_one_line_per_pair_and_a_distractor_with_no_item():
    q = one("Match. {\n=猫 -> 猫粮\n=狗 -> 狗粮\n= -> 鱼\n}")
    assert q.pairs == [MatchPair("猫", "猫粮"), MatchPair("狗", "狗粮"), MatchPair("", "鱼")]


def test_missing_word_with_choices_and_with_typed_answers():
    q = one("Grant is {~buried =entombed ~living} in Grant's tomb.")
    assert (q.kind, q.missingword_kind, q.text, q.text_after) == (
        "missingword", "single", "Grant is", "in Grant's tomb."
    )
    assert [c.fraction for c in q.choices] == [0.0, 1.0, 0.0]
    q = one("Two plus {=two =2} equals four.")
    assert (q.kind, q.missingword_kind, q.text_after) == ("missingword", "short", "equals four.")


def test_other_kinds_with_text_after_the_block_get_moodles_blank_in_the_text():
    q = one("Pi is about {#3.14:0.01} to two places.")
    assert (q.kind, q.text, q.text_after) == ("numerical", "Pi is about _____ to two places.", "")


def test_essay_and_description():
    q = one("Write about it. {}")
    assert (q.kind, q.text) == ("essay", "Write about it.")
    assert one("Write. {####Look at section 2.}").general_feedback == "Look at section 2."
    q = one("::Intro::The next questions are about the 2016 law.")
    assert (q.kind, q.title, q.text) == ("description", "Intro", "The next questions are about the 2016 law.")


def test_short_answers_with_weights_and_without_equals_sign():
    q = one("Who? {=no one =%50%nobody#almost}")
    assert q.choices == [Choice("no one", 1.0), Choice("nobody", 0.5, "almost")]
    assert one("Two plus two is {four}").choices == [Choice("four", 1.0)]


def test_single_choice_and_multiple_response():
    q = one("Q {=a ~b ~%50%c}")
    assert (q.kind, [c.fraction for c in q.choices]) == ("single", [1.0, 0.0, 0.5])
    q = one("Q {~%50%a ~%50%b ~%-100%c}")
    assert (q.kind, [c.fraction for c in q.choices]) == ("multi", [0.5, 0.5, -1.0])


def test_answers_on_one_line_or_many():
    assert one("Q {=a ~b ~c}") == dataclasses.replace(one("Q {\n  =a\n\t~b\n  ~c\n}"), line=1)


def test_chinese_everywhere():
    q = one("::标题::以下哪项是正确的？{=正确答案#很好 ~错误答案#再想想 ####总体反馈}")
    assert (q.title, q.text, q.general_feedback) == ("标题", "以下哪项是正确的？", "总体反馈")
    assert q.choices == [Choice("正确答案", 1.0, "很好"), Choice("错误答案", 0.0, "再想想")]


def test_the_examples_in_docs_gift_md():
    doc = (Path(__file__).parents[2] / "docs" / "gift.md").read_text(encoding="utf-8")
    block = doc.split("```gift\n", 1)[1].split("```", 1)[0]
    questions = parse_gift(block)
    assert [(q.kind, q.missingword_kind) for q in questions] == [
        ("description", ""), ("single", ""), ("multi", ""), ("truefalse", ""), ("short", ""),
        ("numerical", ""), ("numerical", ""), ("numerical", ""), ("matching", ""),
        ("missingword", "single"), ("missingword", "short"), ("essay", ""),
    ]
    assert {q.category for q in questions} == {"Protection orders"}
    assert [a.written_as for a in questions[6].numeric] == ["range"]
    assert questions[7].other_answer == OtherAnswer(0.0, "It took effect on 1 March 2016.")
    assert questions[3].choices == [Choice("true", 1.0, "Yes."), Choice("false", 0.0, "Read article 23 again.")]
    assert_round_trip(questions)


# ------------------------------------------------------- Moodle's documentation examples


def test_the_moodle_documentation_examples_file():
    """Every example of docs.moodle.org's "GIFT format" page, in one file (see its header)."""
    questions = parse_gift((SAMPLES / "moodle_docs.gift").read_text(encoding="utf-8"))
    summary = [(q.kind, q.missingword_kind) for q in questions]
    assert len(questions) == 43
    assert summary[:7] == [
        ("truefalse", ""), ("single", ""), ("missingword", "short"), ("numerical", ""),
        ("numerical", ""), ("short", ""), ("essay", ""),
    ]
    by_text = {}
    for q in questions:
        by_text.setdefault(q.text, q)
    assert by_text["What two people are entombed in Grant's tomb?"].kind == "multi"
    assert by_text["Match the following countries with their corresponding capitals."].pairs[3] == MatchPair(
        "India", "New Delhi"
    )
    assert by_text["You can use your pencil and paper for these next math questions."].kind == "description"
    kanji = by_text["Japanese characters originally\ncame from what country?"]
    assert (kanji.title, kanji.kind, kanji.choices) == ("Kanji Origins", "short", [Choice("China", 1.0)])
    control = questions[40]
    assert control.title == "GIFT Control Characters"
    assert [c.text for c in control.choices] == ["~", "=", "#", "{", "}", "\\"]
    assert control.choices[5].feedback == (
        "Correct! \\ (backslash) is not a control character. BUT,\nit is used to escape the control characters."
    )
    assert [q.category for q in questions[-2:]] == ["tom/dick/harry", "mycategory"]
    assert questions[-1].general_feedback == "The correct answer is 4."
    assert_round_trip(questions)


DOC_EXAMPLES = [
    # (source, kind, missingword_kind, answers as the test compares them)
    ("::Q1:: 1+1=2 {T}", "truefalse", "", [("true", 1.0, ""), ("false", 0.0, "")]),
    (
        "::Q2:: What's between orange and green in the spectrum?\n"
        "{ =yellow # right; good! ~red # wrong, it's yellow ~blue # wrong, it's yellow }",
        "single", "",
        [("yellow", 1.0, "right; good!"), ("red", 0.0, "wrong, it's yellow"), ("blue", 0.0, "wrong, it's yellow")],
    ),
    ("::Q3:: Two plus {=two =2} equals four.", "missingword", "short", [("two", 1.0, ""), ("2", 1.0, "")]),
    ("::Q5:: What is a number from 1 to 5? {#3:2}", "numerical", "", [(1.0, 5.0, 1.0, "tolerance")]),
    ("::Q6:: What is a number from 1 to 5? {#1..5}", "numerical", "", [(1.0, 5.0, 1.0, "range")]),
    (
        # The documentation's own Q7 has no '#' after '{': Moodle reads it as a short answer.
        "::Q7:: When was Ulysses S. Grant born? {\n =1822:0 # Correct! Full credit.\n"
        " =%50%1822:2 # He was born in 1822. Half credit for being close.\n}",
        "short", "",
        [("1822:0", 1.0, "Correct! Full credit."), ("1822:2", 0.5, "He was born in 1822. Half credit for being close.")],
    ),
    (
        "::Q7:: When was Ulysses S. Grant born? {#\n =1822:0 # Correct! Full credit.\n"
        " =%50%1822:2 # He was born in 1822. Half credit for being close.\n}",
        "numerical", "",
        [(1822.0, 1822.0, 1.0, "tolerance"), (1820.0, 1824.0, 0.5, "tolerance")],
    ),
    ("::Q8:: How are you? {}", "essay", "", []),
    (
        "What two people are entombed in Grant's tomb? {\n ~%-100%No one\n ~%50%Grant\n"
        " ~%50%Grant's wife\n ~%-100%Grant's father\n}",
        "multi", "",
        [("No one", -1.0, ""), ("Grant", 0.5, ""), ("Grant's wife", 0.5, ""), ("Grant's father", -1.0, "")],
    ),
    ("The sun rises in the West.{FALSE}", "truefalse", "", [("true", 0.0, ""), ("false", 1.0, "")]),
    ("Moodle costs {~lots of money =nothing ~a small amount} to download from moodle.org.",
     "missingword", "single", [("lots of money", 0.0, ""), ("nothing", 1.0, ""), ("a small amount", 0.0, "")]),
    ("What is the value of pi (to 3 decimal places)? {#3.141..3.142}.", "numerical", "", [(3.141, 3.142, 1.0, "range")]),
    ("Write a short biography of Dag Hammarskjold. {}", "essay", "", []),
    ("You can use your pencil and paper for these next math questions.", "description", "", []),
    ("// Subheading: Numerical questions below\nWhat's 2 plus 2? {#4}", "numerical", "", [(4.0, 4.0, 1.0, "tolerance")]),
    (
        "   42 is the Absolute Answer to everything.{\nFALSE#42is the Ultimate Answer.#You gave the right answer.}",
        "truefalse", "",
        [("true", 0.0, "42is the Ultimate Answer."), ("false", 1.0, "You gave the right answer.")],
    ),
    ("Difficult question.{~wrong answer ~%50%half credit answer =full credit answer}", "single", "",
     [("wrong answer", 0.0, ""), ("half credit answer", 0.5, ""), ("full credit answer", 1.0, "")]),
    (
        "::Jesus' hometown:: Jesus Christ was from {\n =Nazareth#Yes! That's right!\n"
        " =%75%Nazereth#Right, but misspelled.\n =%25%Bethlehem#He was born here, but not raised here.\n}",
        "short", "",
        [("Nazareth", 1.0, "Yes! That's right!"), ("Nazereth", 0.75, "Right, but misspelled."),
         ("Bethlehem", 0.25, "He was born here, but not raised here.")],
    ),
    ("Which answer equals 5? {\n ~ \\= 2 + 2\n = \\= 2 + 3\n ~ \\= 2 + 4\n}", "single", "",
     [("= 2 + 2", 0.0, ""), ("= 2 + 3", 1.0, ""), ("= 2 + 4", 0.0, "")]),
]


@pytest.mark.parametrize("source, kind, sub, answers", DOC_EXAMPLES)
def test_moodle_documentation_example(source, kind, sub, answers):
    q = one(source)
    assert (q.kind, q.missingword_kind) == (kind, sub)
    if kind == "numerical":
        assert [(a.low, a.high, a.fraction, a.written_as) for a in q.numeric] == answers
    else:
        assert [(c.text, c.fraction, c.feedback) for c in q.choices] == answers
    assert_round_trip([q])


def test_moodle_documentation_matching_q4_has_two_pairs_which_amicus_refuses():
    exc = error("// matching\n::Q4:: Which animal eats which food? { =cat -> cat food =dog -> dog food }")
    assert exc.line == 2 and "at least 3 pairs" in exc.message


def test_moodle_documentation_id_and_tags_comment_gives_the_id_number_and_tags():
    q = one("//  [id:123] [tag:basic] [tag:set 1]\n::Q1:: 1+1=2 {T}")
    assert (q.idnumber, q.tags, q.line) == ("123", ["basic", "set 1"], 2)
    q = one("// question: 1  name: x\n// [tag:basic]\n::Q1:: 1+1=2 {T}")
    assert (q.idnumber, q.tags) == ("", ["basic"])


def test_moodle_documentation_usecase_line_is_refused():
    exc = error("A?{=a}\n\n$question->usecase = 1;\n\nB?{=b}")
    assert exc.line == 3 and "case-sensitive" in exc.message


# --------------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "source, line, words",
    [
        ("A?{T}\n\nB?{=a ~b\n\nC?{T}", 3, "never closed"),
        ("A?{T}\n\nB? =a ~b}", 3, "without a '{'"),
        ("Q {T} and }", 1, "without a '{'"),
        ("Q {\n=a\n~b\n{\n}", 4, "is a '}' missing"),
        ("::A:: one {T}\n::B:: two {F}", 2, "blank line missing"),
        ("::Title without end {T}", 1, "title is not closed"),
        ("Q {\n~%150%a\n=b\n}", 2, "outside -100% to 100%"),
        ("Q {\n~%-101%a\n=b\n}", 2, "outside -100% to 100%"),
        ("Q {\n~%.5%a\n=b\n}", 2, "not a weight"),
        ("Q {\n~%50 %a\n=b\n}", 2, "not a weight"),
        ("Q {\n=a\n=%50%b\n~c\n}", 3, "weight after '='"),
        ("Q {\n~a\n~b\n}", 1, "none of the choices"),
        ("Q {~%0%a ~%-50%b}", 1, "none of the choices"),
        ("Q {~%60%a ~%60%b}", 1, "more than 100%"),
        ("Q {~a}", 1, "at least 2 choices"),
        ("Q {\n~a\n~\n=c}", 3, "answer 2 is empty"),
        ("Q {x ~a =b}", 1, "before the first answer"),
        ("Q {=%50%a =%20%b}", 1, "full marks"),
        ("Q {=a =%-50%b}", 1, "negative weight"),
        ("Match {\n=a -> 1\n=b -> 2\n}", 1, "at least 3 pairs"),
        ("Match {\n=a -> 1\n=b 2\n=c -> 3\n}", 3, "no '->'"),
        ("Match {\n=a -> 1\n=b -> 2#fb\n=c -> 3\n}", 3, "cannot have feedback"),
        ("Match {\n=a -> 1\n=%50%b -> 2\n=c -> 3\n}", 3, "cannot have weights"),
        ("Match {\n=a -> 1\n=b -> \n=c -> 3\n}", 3, "nothing after '->'"),
        ("Match {\n= -> 1\n= -> 2\n=c -> 3\n}", 1, "at least 2 pairs with an item"),
        ("Q {#three}", 1, "is not a number"),
        ("Q {#\n=3:0.5\n=3,5:1\n}", 3, "is not a number"),
        ("Q {#3:x}", 1, "tolerance, 'x', is not a number"),
        ("Q {#5..2}", 1, "goes downwards"),
        ("Q {#3:-1}", 1, "negative"),
        ("Q {#1e999}", 1, "too large"),
        ("Q {#}", 1, "at least one answer"),
        ("Q {#3:1 ~x#any other}", 1, "Moodle would drop 'x'"),
        ("Q {#=*#anything}", 1, "one number besides '*'"),
        ("Q {#=%50%3}", 1, "full marks"),
        ("::only a title::", 1, "no text"),
        ("$CATEGORY: a\nQ {T}", 2, "followed by a blank line"),
        ("Q {T}\n$CATEGORY: a", 2, "blank line before it"),
    ],
)
def test_errors_name_the_problem_and_its_line(source, line, words):
    exc = error(source)
    assert exc.line == line, exc
    assert words in exc.message, exc


def test_error_line_counts_comment_lines_inside_a_question():
    exc = error("\n\n::t::\n// a comment\nQ {\n=a\n// another\n~%999%b\n}")
    assert exc.line == 8


# -------------------------------------------------------------------------------- writer


def test_writer_output_for_each_kind():
    questions = [
        Question("single", "2 + 2 = ?", title="Sum", choices=[Choice("4", 1.0, "Yes"), Choice("5", 0.0)],
                 general_feedback="Count.", category="maths"),
        Question("multi", "Pick", choices=[Choice("a", 0.5), Choice("b", 0.5), Choice("c", -1 / 3)], category="maths"),
        Question("truefalse", "Sky is blue", choices=[Choice("true", 1.0, "Yes"), Choice("false", 0.0, "No")]),
        Question("short", "Who?", choices=[Choice("no one", 1.0), Choice("nobody", 0.75, "Almost")]),
        Question("numerical", "Pi?", numeric=[NumericAnswer(3.14, 3.15, 1.0, "", "range")]),
        Question("numerical", "e?", numeric=[NumericAnswer(2.7, 2.72, 1.0), NumericAnswer(2.5, 3.0, 0.5, "close")]),
        Question("matching", "Match", pairs=[MatchPair("a", "1"), MatchPair("b", "2"), MatchPair("c", "3")]),
        Question("missingword", "Two plus", text_after="is four.", missingword_kind="short", choices=[Choice("two", 1.0)]),
        Question("essay", "Write", text_format="markdown"),
        Question("description", "Read this: {braces}", text_format="html"),
    ]
    text = assert_round_trip(questions)
    assert text == (
        "$CATEGORY: maths\n\n"
        "::Sum::2 + 2 \\= ? {\n\t=4#Yes\n\t~5\n\t####Count.\n}\n\n"
        "Pick {\n\t~%50%a\n\t~%50%b\n\t~%-33.33333333333333%c\n}\n\n"
        "$CATEGORY:\n\n"
        "Sky is blue {TRUE#No#Yes}\n\n"
        "Who? {\n\t=no one\n\t=%75%nobody#Almost\n}\n\n"
        "Pi? {#3.14..3.15}\n\n"
        "e? {#\n\t=2.71:0.01\n\t=%50%2.75:0.25#close\n}\n\n"
        "Match {\n\t=a -> 1\n\t=b -> 2\n\t=c -> 3\n}\n\n"
        "Two plus {\n\t=two\n} is four.\n\n"
        "[markdown]Write {}\n\n"
        "[html]Read this\\: \\{braces\\}\n"
    )


def test_writer_escapes_and_guards_texts_that_would_read_as_syntax():
    questions = [
        Question("single", "//not a comment", choices=[Choice("%50% of people", 1.0), Choice("[html] literally", 0.0)]),
        Question("short", "[plain] is a tag", title="t", choices=[Choice("a->b", 1.0, "x -> y")]),
        Question("single", "All right", choices=[Choice("a", 1.0), Choice("b", 1.0)]),
        Question("description", "$question->usecase = 1;"),
        Question("essay", "a\\nb\nc {x} ~y =z #w :v \\"),
    ]
    text = assert_round_trip(questions)
    assert "[moodle]//not a comment" in text
    assert "=[moodle]%50% of people" in text
    assert "\t~%100%b" in text
    assert "a\\\\nb\\nc \\{x\\} \\~y \\=z \\#w \\:v \\\\ {}" in text


def test_writer_emits_a_category_line_only_when_the_category_changes():
    qs = [Question("essay", f"Q{i}", category=c) for i, c in enumerate(["a", "a", "b", "b", "a"])]
    assert assert_round_trip(qs).count("$CATEGORY") == 3


def test_writer_writes_weights_as_integers_when_it_can_else_exactly():
    q = Question("multi", "Q", choices=[Choice("a", 0.29), Choice("b", 0.3333333), Choice("c", 1 / 3 - 0.29)])
    text = assert_round_trip([q])
    assert "~%29%a" in text and "~%33.33333%b" in text


@pytest.mark.parametrize(
    "question, words",
    [
        (Question("single", " padded ", choices=[Choice("a", 1.0), Choice("b", 0.0)]), "whitespace"),
        (Question("essay", "a\r\nb"), "carriage return"),
        (Question("short", "Q", choices=[Choice("a", 1.0)], case_sensitive=True), "case-sensitive"),
        (Question("poll", "Q"), "unknown kind"),
        (Question("essay", "Q", text_format="rtf"), "unknown text format"),
        (Question("essay", "Q", choices=[Choice("a", 1.0)]), "has no choices"),
        (Question("single", "Q", choices=[Choice("a", 0.0), Choice("b", 0.0)]), "none of the choices"),
        (Question("single", "Q", choices=[Choice("a", 1.0), Choice("b", 1.5)]), "outside"),
        (Question("multi", "Q", choices=[Choice("a", float("nan")), Choice("b", 1.0)]), "finite"),
        (Question("truefalse", "Q", choices=[Choice("yes", 1.0), Choice("no", 0.0)]), "'true' then 'false'"),
        (Question("short", "Q", choices=[Choice("a->b", 1.0), Choice("c", 1.0)]), "'->'"),
        (Question("matching", "Q", pairs=[MatchPair("a->", "1"), MatchPair("b", "2"), MatchPair("c", "3")]), "'->'"),
        (Question("matching", "Q", pairs=[MatchPair("a", "1"), MatchPair("b", "2")]), "at least 3 pairs"),
        (Question("numerical", "Q", numeric=[NumericAnswer(5.0, 2.0)]), "low end above"),
        (Question("numerical", "Q", numeric=[NumericAnswer(1.0, 2.0, 1.0, "", "exact")]), "written_as"),
        (Question("numerical", "Q", numeric=[NumericAnswer(1.0, 2.0)], other_answer=OtherAnswer(-0.5)), "'*'"),
        (Question("numerical", "Q", other_answer=OtherAnswer()), "one number besides '*'"),
        (Question("essay", "Q", other_answer=OtherAnswer()), "no numerical answers"),
        (Question("missingword", "Q", missingword_kind="short", choices=[Choice("a", 1.0)]), "text after the blank"),
        (Question("missingword", "Q", text_after="x", missingword_kind="multi", choices=[]), "missingword_kind"),
        (Question("single", "Q", text_after="x", choices=[Choice("a", 1.0), Choice("b", 0.0)]), "only a missingword"),
        (Question("description", ""), "needs some text"),
        (Question("description", "Q", general_feedback="x"), "general feedback"),
        (Question("essay", "Q", category="a\nb"), "line break"),
    ],
)
def test_writer_refuses_what_gift_cannot_carry(question, words):
    with pytest.raises(GiftWriteError) as info:
        write_gift([Question("essay", "fine"), question])
    assert info.value.index == 1 and words in info.value.message, info.value


# ------------------------------------------------------------------------ property tests

GIFTISH = st.sampled_from(
    ["{", "}", "=", "~", "#", "####", "->", "::", "%50%", "%-33.3%", "%", "\\", "\\n", "\n", "\n\n", " ",
     "$CATEGORY:", "//", "[html]", "[moodle]", "T", "FALSE", "#3:1", "..", ":", "1", "2.5", "a", "答案", "\r\n",
     "\ufeff", "*", "-", ">", "[id:1]", "$question->"]
)


def tokens(*choices):
    return st.sampled_from(choices)


ANSWER_UNIT = st.tuples(
    tokens("=", "=", "=", "~", "~", "~", ""),
    tokens("", "", "", "", "%50%", "%100%", "%-100%", "%33.33333%", "%25%", "%150%", "%.5%"),
    tokens("a", "b", "答案", "c d", "T", "3:1", "x -> y", "\\=b", "[html]c", "*", "%", ""),
    tokens("", "", "", "#fb", "#", "#反馈\\n", "#a#b"),
    tokens(" ", " ", "\n", "\n// c\n"),
).map("".join)
NUMERIC_UNIT = st.tuples(
    tokens("=", "=", ""),
    tokens("", "", "%50%", "%100%", "%-50%"),
    tokens("3", "3:1", "2..5", "-1.5e2:0.5", "5..2", "x", "*", ""),
    tokens("", "", "#fb", "#"),
    tokens(" ", "\n"),
).map("".join)
PAIR_UNIT = st.tuples(
    tokens("=", "=", "=", "=", ""),
    tokens("猫", "dog", "", "a\\:b", "[html]x", "%50%x"),
    tokens(" -> ", "->", " - ", " -> -> "),
    tokens("cat food", "鱼", "", "[html]y", "z#fb"),
    tokens(" ", "\n"),
).map("".join)
# One question: [title] text {answers} [text after], several joined by blank lines.
QUESTIONISH = st.builds(
    lambda title, before, block, gf, after: f"{title}{before}{{{block}{gf}}}{after}",
    tokens("", "::t::", "::题目::\n"),
    tokens("Q", "", "[html]Q", "问题", "a\\{b"),
    st.one_of(
        st.lists(ANSWER_UNIT, max_size=6).map("".join),
        st.builds(lambda units, other: "#" + "".join(units) + other, st.lists(NUMERIC_UNIT, max_size=3),
                  tokens("", "", "~#other", "~", "~#[markdown]*x*", "~x#y", "~#a =3")),
        st.lists(PAIR_UNIT, max_size=5).map("".join),
    ),
    tokens("", "", "", "####gf", "####[html]x"),
    tokens("", "", " after.", "\n。"),
)
GIFT_FILES = st.lists(QUESTIONISH, min_size=1, max_size=4).map("\n\n".join)


def check_reads_or_refuses(text) -> list[Question] | None:
    try:
        questions = parse_gift(text)
    except GiftError as exc:
        assert isinstance(exc.line, int) and exc.message and "internal error" not in exc.message
        return None
    assert isinstance(questions, list)
    assert all(isinstance(q, Question) and q.kind in KINDS for q in questions)
    return questions


@settings(max_examples=300, deadline=None, database=None)
@given(st.text())
def test_any_text_gives_questions_or_a_gift_error(text):
    check_reads_or_refuses(text)


@settings(max_examples=800, deadline=None, database=None)
@given(st.one_of(st.lists(GIFTISH, max_size=40).map("".join), GIFT_FILES))
def test_gift_like_text_gives_questions_or_a_gift_error_and_reads_back_the_same(text):
    questions = check_reads_or_refuses(text)
    if questions:
        # Whatever the reader accepts, the writer writes, and reading that gives it back.
        assert without_line(parse_gift(write_gift(questions))) == without_line(questions)


WS = " \t\n\r\0\x0b"
ALPHABET = st.sampled_from(
    list("abcxyz 019.") + list("中文题目答案，。") + list("~=#{}:\\\n[]%->/$_*")
)
raw_text = st.text(ALPHABET, max_size=20)
text = raw_text.map(lambda s: s.replace("\r", "").strip(WS))
nonempty = text.filter(bool)
one_line = text.map(lambda s: s.replace("\n", " ").strip(WS))
fraction = st.one_of(st.sampled_from([0.0, 0.5, -0.5, 0.25, 0.3333333, -1.0, 1 / 3, 0.1]),
                     st.floats(min_value=-1.0, max_value=1.0))
finite = st.floats(allow_nan=False, allow_infinity=False)


def no_arrow(s: str) -> str:
    while "->" in s:
        s = s.replace("->", "-")
    return s


def own_format(draw, value: str, fmt: str) -> str:
    """A part's own format: "" (the question's) or, for a part with text, another one."""
    return draw(st.sampled_from([""] + [f for f in TEXT_FORMATS if f != fmt])) if value else ""


def with_formats(draw, question: Question) -> Question:
    """The question with random formats of its own on its parts (as Moodle allows)."""
    fmt = question.text_format
    sub = question.missingword_kind or question.kind
    for c in question.choices:
        if sub not in ("short", "truefalse"):
            c.text_format = own_format(draw, c.text, fmt)
        c.feedback_format = own_format(draw, c.feedback, fmt)
    for n in question.numeric:
        n.feedback_format = own_format(draw, n.feedback, fmt)
    if question.other_answer is not None:
        question.other_answer.feedback_format = own_format(draw, question.other_answer.feedback, fmt)
    for p in question.pairs:
        p.left_format = own_format(draw, p.left, fmt)
    question.general_feedback_format = own_format(draw, question.general_feedback, fmt)
    return question


moodle_id = one_line.map(lambda s: s.replace("\\", "").replace("[", "").strip(WS))


@st.composite
def common(draw, kind):
    return dict(
        kind=kind,
        text=draw(text),
        title=draw(text),
        text_format=draw(st.sampled_from(TEXT_FORMATS)),
        category=draw(one_line.map(category_name)),
        general_feedback=draw(text),
        idnumber=draw(moodle_id),
        tags=draw(st.lists(moodle_id.map(lambda s: s.replace(">", "").strip(WS)).filter(bool), max_size=2)),
    )


@st.composite
def single_choices(draw):
    choices = draw(st.lists(st.builds(Choice, nonempty, fraction, text), min_size=1, max_size=4))
    right = draw(st.builds(Choice, nonempty, st.just(1.0), text))
    choices.insert(draw(st.integers(0, len(choices))), right)
    return choices


@st.composite
def multi_choices(draw):
    n = draw(st.integers(1, 4))
    positive = [draw(st.floats(min_value=1e-9, max_value=1.0 / n)) for _ in range(n)]
    others = draw(st.lists(st.floats(min_value=-1.0, max_value=0.0), max_size=3))
    if n + len(others) < 2:
        others.append(0.0)
    weights = draw(st.permutations(positive + others))
    return [Choice(draw(nonempty), w, draw(text)) for w in weights]


@st.composite
def short_choices(draw):
    choices = draw(st.lists(st.builds(Choice, nonempty, st.floats(0.0, 1.0), text), max_size=3))
    choices.insert(draw(st.integers(0, len(choices))), Choice(draw(nonempty), 1.0, draw(text)))
    if len(choices) > 1:  # '->' is only writable in a lone short answer
        choices = [Choice(no_arrow(c.text), c.fraction, no_arrow(c.feedback)) for c in choices]
    return choices


@st.composite
def numeric_answers(draw):
    def answer(weight):
        low, high = sorted((draw(finite), draw(finite)))
        if draw(st.booleans()):
            high = low
        return NumericAnswer(low, high, weight, draw(text), draw(st.sampled_from(["tolerance", "range"])))

    answers = [answer(draw(st.floats(0.0, 1.0))) for _ in range(draw(st.integers(0, 2)))]
    answers.insert(draw(st.integers(0, len(answers))), answer(1.0))
    return answers


other_answers = st.one_of(st.none(), st.builds(OtherAnswer, st.sampled_from([0.0, 0.0, 0.5, 1.0]), text),
                          st.builds(OtherAnswer, st.floats(0.0, 1.0), text))


@st.composite
def pairs(draw):
    left = nonempty.map(lambda s: no_arrow(s).strip(WS)).filter(bool)
    result = [MatchPair(draw(left), draw(nonempty)) for _ in range(draw(st.integers(3, 5)))]
    if draw(st.booleans()):
        result.append(MatchPair("", draw(nonempty)))
    return result


@st.composite
def questions(draw):
    kind = draw(st.sampled_from(sorted(KINDS)))
    fields = draw(common(kind))
    if kind == "single":
        fields["choices"] = draw(single_choices())
    elif kind == "multi":
        fields["choices"] = draw(multi_choices())
    elif kind == "short":
        fields["choices"] = draw(short_choices())
    elif kind == "truefalse":
        right = draw(st.booleans())
        fields["choices"] = [Choice("true", float(right), draw(text)), Choice("false", float(not right), draw(text))]
    elif kind == "numerical":
        fields["numeric"] = draw(numeric_answers())
        fields["other_answer"] = draw(other_answers)
    elif kind == "matching":
        fields["pairs"] = draw(pairs())
    elif kind == "missingword":
        sub = draw(st.sampled_from(["single", "short"]))
        fields.update(missingword_kind=sub, text_after=draw(nonempty))
        fields["choices"] = draw(single_choices() if sub == "single" else short_choices())
    elif kind == "description":
        fields["text"] = draw(nonempty)
        fields["general_feedback"] = ""
    return with_formats(draw, Question(**fields))


@settings(max_examples=400, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(questions(), min_size=1, max_size=4))
def test_round_trip_of_random_questions(qs):
    assert_round_trip(qs)

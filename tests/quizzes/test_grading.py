"""Grading of every question kind."""
import pytest

from quizzes.grading import clean_response, feedback_for, grade, parse_number
from quizzes.questions import Choice, MatchPair, NumericAnswer, OtherAnswer, Question


def single():
    return Question(kind="single", text="Q", choices=[
        Choice("right", 1.0, "Yes."), Choice("wrong", 0.0, "No."), Choice("penalised", -0.5)])


def multi():
    return Question(kind="multi", text="Q", choices=[
        Choice("a", 0.5), Choice("b", 0.5), Choice("c", -1.0), Choice("d", -0.25)])


@pytest.mark.parametrize("response, expected", [(0, 1.0), (1, 0.0), (2, 0.0), (None, 0.0), (7, 0.0), ("0", 1.0), (True, 0.0)])
def test_single_choice(response, expected):
    assert grade(single(), response) == expected


@pytest.mark.parametrize("response, expected", [
    ([0, 1], 1.0), ([0], 0.5), ([0, 1, 3], 0.75), ([0, 2], 0.0), ([2, 3], 0.0), ([], 0.0), ([0, 0], 0.5), ("x", 0.0)])
def test_multiple_response_weights_never_below_zero(response, expected):
    assert grade(multi(), response) == pytest.approx(expected)


def test_true_false():
    q = Question(kind="truefalse", text="The sky is green.", choices=[Choice("true", 0.0, "No!"), Choice("false", 1.0, "Right.")])
    assert grade(q, 1) == 1.0 and grade(q, 0) == 0.0
    assert feedback_for(q, 0) == [("No!", "moodle")]


def test_short_answer_case_wildcards_and_weights():
    q = Question(kind="short", text="Who?", choices=[
        Choice("Supreme People's Court", 1.0, "Exactly."), Choice("SPC", 1.0), Choice("*court*", 0.5, "Which court?"),
        Choice("最高人民法院", 1.0)])
    assert grade(q, "  supreme  people's COURT ") == 1.0
    assert grade(q, "spc") == 1.0
    assert grade(q, "a district court") == 0.5
    assert feedback_for(q, "a district court") == [("Which court?", "moodle")]
    assert grade(q, "最高人民法院") == 1.0
    assert grade(q, "") == 0.0 and grade(q, None) == 0.0
    q.case_sensitive = True
    assert grade(q, "spc") == 0.0 and grade(q, "SPC") == 1.0


def test_short_answer_literal_star():
    q = Question(kind="short", text="?", choices=[Choice("5\\*3", 1.0)])
    assert grade(q, "5*3") == 1.0 and grade(q, "5x3") == 0.0


def test_numerical_tolerance_range_and_partial():
    q = Question(kind="numerical", text="Hours?", numeric=[
        NumericAnswer(72, 72, 1.0), NumericAnswer(24, 24, 0.5, "That is for urgent cases.")])
    assert grade(q, "72") == 1.0 and grade(q, "72.0") == 1.0 and grade(q, "24") == 0.5
    assert feedback_for(q, "24") == [("That is for urgent cases.", "moodle")]
    assert grade(q, "seventy") == 0.0 and grade(q, "nan") == 0.0 and grade(q, "inf") == 0.0
    r = Question(kind="numerical", text="?", numeric=[NumericAnswer(2.5, 3.5, 1.0)])
    assert grade(r, "3,1") == 1.0 and grade(r, "3.6") == 0.0


def test_parse_number():
    assert parse_number(" -2 ") == -2 and parse_number("1e3") == 1000 and parse_number("１２") == 12
    assert parse_number("1,234.5") is None and parse_number("") is None


def test_matching_counts_right_pairs():
    q = Question(kind="matching", text="Match", pairs=[MatchPair("72 h", "ruling"), MatchPair("24 h", "urgent"),
                                                        MatchPair("6 months", "duration")])
    assert grade(q, {"0": 0, "1": 1, "2": 2}) == 1.0
    assert grade(q, {"0": 1, "1": 0, "2": 2}) == pytest.approx(1 / 3)
    assert grade(q, {}) == 0.0 and grade(q, "junk") == 0.0


def test_missing_word_uses_its_inner_kind():
    q = Question(kind="missingword", text="Orders last up to", text_after="months.", missingword_kind="single",
                 choices=[Choice("six", 1.0), Choice("three", 0.0)])
    assert grade(q, 0) == 1.0
    typed = Question(kind="missingword", text="Orders last up to", text_after="months.", missingword_kind="short",
                     choices=[Choice("six", 1.0), Choice("6", 1.0)])
    assert grade(typed, "6") == 1.0


def test_essay_and_description_are_not_auto_graded():
    assert grade(Question(kind="essay", text="Discuss."), "text") is None
    assert grade(Question(kind="description", text="Read this."), None) is None


def test_clean_response_refuses_tampered_values():
    with pytest.raises(ValueError):
        clean_response(single(), 9)
    with pytest.raises(ValueError):
        clean_response(multi(), [0, 99])
    with pytest.raises(ValueError):
        clean_response(Question(kind="essay", text="?"), "x" * 20_001)
    with pytest.raises(ValueError):
        clean_response(Question(kind="matching", text="?", pairs=[MatchPair("a", "b")] * 3), {"5": 0})
    with pytest.raises(ValueError):
        clean_response(Question(kind="description", text="?"), "x")
    assert clean_response(multi(), ["1", "0", "1"]) == [0, 1]
    assert clean_response(single(), "") is None


def numerical_with_other_answer(other: OtherAnswer) -> Question:
    return Question(kind="numerical", text="Hours?", text_format="html", numeric=[
        NumericAnswer(72, 72, 1.0, "Right."), NumericAnswer(24, 24, 0.5, "Urgent cases.", feedback_format="plain")],
        other_answer=other)


def test_numerical_any_other_answer_gives_its_fraction_and_feedback_to_a_wrong_number():
    q = numerical_with_other_answer(OtherAnswer(0.0, "**Sorry**: read article 27.", "markdown"))
    assert grade(q, "13") == 0.0
    assert feedback_for(q, "13") == [("**Sorry**: read article 27.", "markdown")]
    # A number that matches an answer is unaffected, right or partly right.
    assert grade(q, "72") == 1.0 and feedback_for(q, "72") == [("Right.", "html")]
    assert grade(q, "24") == 0.5 and feedback_for(q, "24") == [("Urgent cases.", "plain")]
    # What is not a number matches nothing, not even "any other answer" (as in Moodle).
    assert grade(q, "seventy") == 0.0 and feedback_for(q, "seventy") == []
    assert grade(q, None) == 0.0 and feedback_for(q, None) == []


def test_numerical_any_other_answer_with_a_weight_and_without_feedback():
    q = numerical_with_other_answer(OtherAnswer(0.25, "Close to a guess.", ""))
    assert grade(q, "-3") == 0.25 and feedback_for(q, "-3") == [("Close to a guess.", "html")]
    assert grade(q, "72") == 1.0
    q = numerical_with_other_answer(OtherAnswer())
    assert grade(q, "13") == 0.0 and feedback_for(q, "13") == []


def test_matching_pairs_without_a_left_side_are_distractors():
    q = Question(kind="matching", text="Match", pairs=[
        MatchPair("72 h", "ruling"), MatchPair("24 h", "urgent"), MatchPair("", "a year")])
    assert grade(q, {"0": 0, "1": 1}) == 1.0
    assert grade(q, {"0": 2, "1": 1}) == 0.5  # the distractor chosen for the first item
    with pytest.raises(ValueError):
        clean_response(q, {"2": 0})  # the distractor is not an item to answer


def test_question_to_dict_has_every_field():
    from dataclasses import asdict

    q = Question(kind="numerical", text="T", title="t", numeric=[NumericAnswer(1, 2, 0.5, "f", "range", "html")],
                 choices=[Choice("a", 1.0, "fb", "plain", "markdown")], pairs=[MatchPair("l", "r", "html")],
                 general_feedback="g", general_feedback_format="plain", category="c", case_sensitive=True,
                 missingword_kind="short", text_after="x", line=7, idnumber="Q-1", tags=["law"],
                 other_answer=OtherAnswer(0.5, "o", "markdown"))
    expected = asdict(q)
    expected.pop("line")
    assert q.to_dict() == expected
    assert Question.from_dict(q.to_dict()).to_dict() == expected


def test_question_to_dict_leaves_out_the_later_fields_when_unset():
    # Part formats, ID number and tags came later: a question without them keeps the data, and
    # so the content hash, it was stored with.
    q = Question(kind="single", text="T", choices=[Choice("a", 1.0, "fb")], numeric=[NumericAnswer(1, 2)],
                 pairs=[MatchPair("l", "r")])
    data = q.to_dict()
    assert "general_feedback_format" not in data and "idnumber" not in data and "tags" not in data
    assert "other_answer" not in data
    assert data["choices"] == [{"text": "a", "fraction": 1.0, "feedback": "fb"}]
    assert data["pairs"] == [{"left": "l", "right": "r"}]
    assert set(data["numeric"][0]) == {"low", "high", "fraction", "feedback", "written_as"}
    assert Question.from_dict(data) == q
    # A numerical question without "any other answer" keeps the content hash it was stored with
    # (computed with the model before the field existed).
    from quizzes.package import question_hash

    numerical = Question(kind="numerical", text="Hours?", numeric=[NumericAnswer(72, 72)])
    assert question_hash(numerical) == "90b933f337029035588384f8769e302b05f63942ff119527965056673e8625a1"
    assert Question.from_dict({**numerical.to_dict(), "other_answer": {"fraction": 0.0, "feedback": "No."}}
                              ).other_answer == OtherAnswer(0.0, "No.")


@pytest.mark.parametrize("fmt, text, expected", [
    ("moodle", "Line one\nline two", "Line one<br>\nline two"),
    ("moodle", "<b>bold</b><script>x()</script>", "<b>bold</b>"),
    ("html", "<p onclick='x()'>Hi</p>", "<p>Hi</p>"),
    ("plain", "<b>not bold</b>", "&lt;b&gt;not bold&lt;/b&gt;"),
    ("markdown", "**bold** <img src=x onerror=alert(1)>", "<p><strong>bold</strong> <img src=\"x\"></p>"),
    ("moodle", "Fish & chips", "Fish &amp; chips"),
])
def test_question_texts_are_rendered_safely(fmt, text, expected):
    from quizzes.package import render_text

    assert render_text(text, fmt) == expected

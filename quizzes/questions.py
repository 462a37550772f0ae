"""Questions as plain data: what the GIFT reader produces, the writer consumes, grading uses.

Nothing here touches the database; quizzes.models stores ``Question.to_dict()`` as JSON.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

# The question kinds Amicus knows, with the Moodle name each corresponds to.
KINDS = {
    "single": "multichoice (one right answer)",
    "multi": "multichoice with weights (multiple response)",
    "truefalse": "truefalse",
    "short": "shortanswer",
    "numerical": "numerical",
    "matching": "matching",
    "missingword": "multichoice or shortanswer with the blank inside the text",
    "essay": "essay",
    "description": "description",
}
#: The kinds named for people (the codes above are the files'): the Studio's quiz editor, and the
#: pages that list questions (templates/quizzes/_kinds.html).
KIND_LABELS = {
    "single": _l("Multiple choice"),
    "multi": _l("Multiple answers"),
    "truefalse": _l("True or false"),
    "short": _l("Short answer"),
    "numerical": _l("Number"),
    "matching": _l("Matching"),
    "missingword": _l("Missing word"),
    "essay": _l("Essay"),
    "description": _l("Text only (no answer)"),
}
TEXT_FORMATS = ("moodle", "html", "markdown", "plain")

# Each part of a question (an answer, a feedback, a matching item, the general feedback) may have
# a text format of its own, as in Moodle; "" means "the question's" (``Question.text_format``).
# Only a format that differs is stored, so a question with one format keeps the dict (and the
# content hash) it always had.


@dataclass
class Choice:
    """An answer option: of single/multi/missingword (choices), short (accepted answers),
    truefalse (two choices, texts "true" and "false")."""

    text: str
    fraction: float  # credit for choosing it: 1.0 right, 0.0 wrong; weights in [-1, 1]
    feedback: str = ""
    text_format: str = ""  # "" or a value of TEXT_FORMATS other than the question's
    feedback_format: str = ""

    def to_dict(self) -> dict:
        out = {"text": self.text, "fraction": self.fraction, "feedback": self.feedback}
        if self.text_format:
            out["text_format"] = self.text_format
        if self.feedback_format:
            out["feedback_format"] = self.feedback_format
        return out


@dataclass
class NumericAnswer:
    """A graded numeric answer: right when ``low <= given <= high``."""

    low: float
    high: float
    fraction: float = 1.0
    feedback: str = ""
    # How it was written, so that export gives it back: "tolerance" ({#3:0.5}) or "range" ({#2..5}).
    written_as: str = "tolerance"
    feedback_format: str = ""

    def to_dict(self) -> dict:
        out = {"low": self.low, "high": self.high, "fraction": self.fraction, "feedback": self.feedback,
               "written_as": self.written_as}
        if self.feedback_format:
            out["feedback_format"] = self.feedback_format
        return out


@dataclass
class OtherAnswer:
    """A numerical question's "any other answer" (Moodle's answer ``*``, written ``~#feedback``
    in GIFT): what a number that matches none of the question's answers earns, and the
    feedback it gets."""

    fraction: float = 0.0
    feedback: str = ""
    feedback_format: str = ""

    def to_dict(self) -> dict:
        out = {"fraction": self.fraction, "feedback": self.feedback}
        if self.feedback_format:
            out["feedback_format"] = self.feedback_format
        return out


@dataclass
class MatchPair:
    left: str  # the sub-question
    right: str  # its answer (plain text in Moodle: it has no format of its own)
    left_format: str = ""

    def to_dict(self) -> dict:
        out = {"left": self.left, "right": self.right}
        if self.left_format:
            out["left_format"] = self.left_format
        return out


@dataclass
class Question:
    kind: str  # a key of KINDS
    text: str  # the question text; for missingword, the part before the blank
    title: str = ""
    text_after: str = ""  # missingword only: the part after the blank
    text_format: str = "moodle"  # a value of TEXT_FORMATS ([html], [markdown], [plain], [moodle])
    choices: list[Choice] = field(default_factory=list)
    numeric: list[NumericAnswer] = field(default_factory=list)
    pairs: list[MatchPair] = field(default_factory=list)
    general_feedback: str = ""
    general_feedback_format: str = ""
    # From the last $CATEGORY: line before the question, as the category Moodle would use: the
    # path below "top", without the context ($course$, $module$...), '/' between nested names.
    category: str = ""
    case_sensitive: bool = False  # short answers: Moodle's "usecase"
    missingword_kind: str = ""  # missingword only: "single" (choices) or "short" (typed)
    line: int = 0  # line in the source file where the question starts (0 when not from a file)
    idnumber: str = ""  # Moodle's ID number, from "// [id:...]" (kept for export only)
    tags: list[str] = field(default_factory=list)  # Moodle's tags, from "// [tag:...]"
    # Numerical only: what any number matching none of ``numeric`` earns (Moodle's answer "*").
    other_answer: OtherAnswer | None = None

    def to_dict(self) -> dict:
        # Written out rather than dataclasses.asdict, which deep-copies and is ~10x slower:
        # a 10,000-question import calls this for every question.
        # Fields added later (part formats, ID number, tags, any other answer) are written only
        # when set, so that the stored data and content hash of every earlier question stay what
        # they were.
        out = {
            "kind": self.kind, "text": self.text, "title": self.title, "text_after": self.text_after,
            "text_format": self.text_format,
            "choices": [c.to_dict() for c in self.choices],
            "numeric": [n.to_dict() for n in self.numeric],
            "pairs": [p.to_dict() for p in self.pairs],
            "general_feedback": self.general_feedback, "category": self.category,
            "case_sensitive": self.case_sensitive, "missingword_kind": self.missingword_kind,
        }
        if self.general_feedback_format:
            out["general_feedback_format"] = self.general_feedback_format
        if self.idnumber:
            out["idnumber"] = self.idnumber
        if self.tags:
            out["tags"] = list(self.tags)
        if self.other_answer is not None:
            out["other_answer"] = self.other_answer.to_dict()
        return out

    @classmethod
    def from_dict(cls, data: dict) -> Question:
        data = dict(data)
        data["choices"] = [Choice(**c) for c in data.get("choices", [])]
        data["numeric"] = [NumericAnswer(**n) for n in data.get("numeric", [])]
        data["pairs"] = [MatchPair(**p) for p in data.get("pairs", [])]
        if data.get("other_answer") is not None:
            data["other_answer"] = OtherAnswer(**data["other_answer"])
        return cls(**data)

"""Questions as plain data: what the GIFT reader produces, the writer consumes, grading uses.

Nothing here touches the database; quizzes.models stores ``Question.to_dict()`` as JSON.
"""
from __future__ import annotations

from dataclasses import dataclass, field

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
TEXT_FORMATS = ("moodle", "html", "markdown", "plain")


@dataclass
class Choice:
    """An answer option: of single/multi/missingword (choices), short (accepted answers),
    truefalse (two choices, texts "true" and "false")."""

    text: str
    fraction: float  # credit for choosing it: 1.0 right, 0.0 wrong; weights in [-1, 1]
    feedback: str = ""


@dataclass
class NumericAnswer:
    """A graded numeric answer: right when ``low <= given <= high``."""

    low: float
    high: float
    fraction: float = 1.0
    feedback: str = ""
    # How it was written, so that export gives it back: "tolerance" ({#3:0.5}) or "range" ({#2..5}).
    written_as: str = "tolerance"


@dataclass
class MatchPair:
    left: str  # the sub-question
    right: str  # its answer


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
    category: str = ""  # from the last $CATEGORY: line before the question
    case_sensitive: bool = False  # short answers: Moodle's "usecase"
    missingword_kind: str = ""  # missingword only: "single" (choices) or "short" (typed)
    line: int = 0  # line in the source file where the question starts (0 when not from a file)

    def to_dict(self) -> dict:
        # Written out rather than dataclasses.asdict, which deep-copies and is ~10x slower:
        # a 10,000-question import calls this for every question.
        return {
            "kind": self.kind, "text": self.text, "title": self.title, "text_after": self.text_after,
            "text_format": self.text_format,
            "choices": [{"text": c.text, "fraction": c.fraction, "feedback": c.feedback} for c in self.choices],
            "numeric": [{"low": n.low, "high": n.high, "fraction": n.fraction, "feedback": n.feedback,
                         "written_as": n.written_as} for n in self.numeric],
            "pairs": [{"left": p.left, "right": p.right} for p in self.pairs],
            "general_feedback": self.general_feedback, "category": self.category,
            "case_sensitive": self.case_sensitive, "missingword_kind": self.missingword_kind,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Question:
        data = dict(data)
        data["choices"] = [Choice(**c) for c in data.get("choices", [])]
        data["numeric"] = [NumericAnswer(**n) for n in data.get("numeric", [])]
        data["pairs"] = [MatchPair(**p) for p in data.get("pairs", [])]
        return cls(**data)

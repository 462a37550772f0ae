"""A survey item as typed values: what quizzes.surveys.package reads from an instrument file
(docs/surveys.md lists the item types) and Survey stores as JSON (``Survey.items_json``, column
``items``); ``Survey.items`` gives them back as ``SurveyItem``s.

Which fields an item has depends on its type; a field it does not have is None (or an empty
tuple), and is not stored, so that ``SurveyItem.from_json(stored).to_json() == stored``.
"""
from __future__ import annotations

from dataclasses import dataclass

#: Items whose answer is one of ``choices`` (several for "multiple"), from 0.
CHOICE_TYPES = ("knowledge", "single", "multiple")
#: Items answered on a scale of ``points`` points, from 1.
SCALE_TYPES = ("likert", "self", "retro")


@dataclass(frozen=True)
class SurveyItem:
    id: str  # the same in every phase, so that answers match
    type: str  # knowledge, likert, self, retro, single, multiple, text
    text: dict[str, str]  # the question, per language
    phases: tuple[str, ...] = ()  # where it is asked: pre, post, followup
    choices: tuple[dict[str, str], ...] = ()  # CHOICE_TYPES: each choice per language
    answer: int | None = None  # knowledge: the right choice, from 0
    points: int | None = None  # SCALE_TYPES: 5 or 7
    reversed: bool | None = None  # SCALE_TYPES: worded negatively (its score is turned)
    labels: dict[str, tuple[str, ...]] | None = None  # SCALE_TYPES, if given: a label per point, per language
    of: str | None = None  # retro: the self item it looks back on
    headline: str | None = None  # "self_report": the likert item "my knowledge increased"

    @classmethod
    def from_json(cls, data: dict) -> SurveyItem:
        """An item as stored (or as the package reader made it)."""
        labels = data.get("labels")
        return cls(id=data["id"], type=data["type"], text=data["text"], phases=tuple(data.get("phases", ())),
                   choices=tuple(data.get("choices", ())), answer=data.get("answer"), points=data.get("points"),
                   reversed=data.get("reversed"),
                   labels=None if labels is None else {lang: tuple(v) for lang, v in labels.items()},
                   of=data.get("of"), headline=data.get("headline"))

    def to_json(self) -> dict:
        """The item as stored: its keys in the order the package reader has always written them."""
        stored: dict = {"id": self.id, "type": self.type, "text": self.text}
        if self.phases:
            stored["phases"] = list(self.phases)
        if self.choices:
            stored["choices"] = list(self.choices)
        for name in ("answer", "points", "reversed"):
            if getattr(self, name) is not None:
                stored[name] = getattr(self, name)
        if self.labels is not None:
            stored["labels"] = {lang: list(v) for lang, v in self.labels.items()}
        for name in ("of", "headline"):
            if getattr(self, name) is not None:
                stored[name] = getattr(self, name)
        return stored

    def scale_labels(self, lang: str) -> tuple[str, ...] | None:
        """The scale's labels in ``lang``, else in the first language that has them; None
        without labels (the points are shown as numbers)."""
        labels = self.labels or {}
        return labels.get(lang) or next(iter(labels.values()), None)

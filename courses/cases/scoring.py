"""Scores from rubrics: pure functions, no database (docs/cases.md, "How a score is made")."""
from __future__ import annotations

from dataclasses import dataclass, field
from statistics import fmean

from courses.cases.settings import Rubric, Weights

BAND_LOW, BAND_HIGH = 50, 100
# The bands of a 50-100 total, as moot courts use them (../shared/domain.md).
BANDS = ((50, 59, "poor"), (60, 69, "adequate"), (70, 79, "good"), (80, 89, "very good"),
         (90, 99, "excellent"), (100, 100, "perfect"))


class MarksError(ValueError):
    """Marks that do not fit the rubric; ``criterion`` names the first one at fault."""

    def __init__(self, criterion: str, message: str):
        super().__init__(message)
        self.criterion = criterion


def clean_marks(rubric: Rubric, raw: dict) -> dict:
    """The marks for every criterion of ``rubric`` as whole numbers; MarksError if one is missing or out of range.

    ``raw`` maps criterion slug (or "total" for a banded rubric without sub-criteria) to the
    value the judge gave, as text or number.
    """
    if rubric.banded and not rubric.criteria:
        keys = [("total", BAND_LOW, BAND_HIGH)]
    elif rubric.banded:
        keys = [(c.slug, BAND_LOW, BAND_HIGH) for c in rubric.criteria]
    else:
        keys = [(c.slug, 1, len(c.levels)) for c in rubric.criteria]
    marks = {}
    for slug, low, high in keys:
        value = raw.get(slug)
        try:
            number = int(str(value).strip())
        except (TypeError, ValueError):
            raise MarksError(slug, "missing") from None
        if not low <= number <= high:
            raise MarksError(slug, "out of range")
        marks[slug] = number
    return marks


def percent(rubric: Rubric, marks: dict) -> float:
    """A score from 0 to 100 from clean marks.

    Criteria: the weighted mean of level / number of levels. Banded: the total, or the weighted
    mean of the sub-criteria's 50-100 marks.
    """
    if rubric.banded and not rubric.criteria:
        return float(marks["total"])
    total_weight = sum(c.weight for c in rubric.criteria)
    if rubric.banded:
        return sum(c.weight * marks[c.slug] for c in rubric.criteria) / total_weight
    return 100 * sum(c.weight * marks[c.slug] / len(c.levels) for c in rubric.criteria) / total_weight


def band(total: float) -> str:
    """The name of the band a 50-100 total falls in (untranslated key)."""
    whole = int(total)
    return next((name for low, high, name in BANDS if low <= whole <= high), "poor")


@dataclass
class TeamResult:
    team_id: int
    written: float | None  # judges' mean, before the penalty
    penalty: float
    oral: float | None  # mean over judges and speakers
    final: float | None
    criteria: dict = field(default_factory=dict)  # criterion slug -> mean mark over judges
    judges: int = 0
    rank: int | None = None


def team_result(weights: Weights, written_scores: list[tuple[float, dict]], oral_scores: list[float],
                penalty: float, has_oral: bool) -> TeamResult:
    """A team's result from its judges' written scores (percent, marks), oral scores and penalty.

    The penalty comes off the written score (never below 0). If the exercise has an oral rubric,
    the final score waits for oral scores; without one it is the written score alone.
    """
    written = fmean(p for p, _ in written_scores) if written_scores else None
    oral = fmean(oral_scores) if oral_scores else None
    criteria: dict = {}
    for _, marks in written_scores:
        for slug, value in marks.items():
            criteria.setdefault(slug, []).append(value)
    result = TeamResult(team_id=0, written=written, penalty=penalty, oral=oral, final=None,
                        criteria={slug: fmean(values) for slug, values in criteria.items()},
                        judges=len(written_scores))
    if written is None:
        return result
    after_penalty = max(0.0, written - penalty)
    w_written, w_oral = weights.written, weights.oral if has_oral else 0.0
    if w_oral and oral is None:
        return result
    result.final = (after_penalty * w_written + (oral or 0.0) * w_oral) / (w_written + w_oral)
    return result


def rank(results: list[TeamResult]) -> None:
    """Set each result's rank by final score, highest first; equal scores share a rank (1, 2, 2, 4)."""
    scored = sorted((r for r in results if r.final is not None), key=lambda r: -r.final)
    for i, r in enumerate(scored):
        if i and round(r.final, 6) == round(scored[i - 1].final, 6):
            r.rank = scored[i - 1].rank
        else:
            r.rank = i + 1

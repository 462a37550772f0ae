"""Item analysis of a quiz for a group: pure functions over scores and fractions.

- facility: the mean fraction of full marks on a question (1.0 = everyone right);
- discrimination: the Pearson correlation between the question's fraction and the score on
  the *rest* of the quiz (the corrected item-total correlation), so a question does not
  correlate with itself; None when it cannot be computed (fewer than 3 people, or no spread).
"""
from __future__ import annotations

import math
from collections import Counter
from statistics import mean, median


def pearson(xs: list[float], ys: list[float]) -> float | None:
    if len(xs) != len(ys) or len(xs) < 3:
        return None
    mx, my = mean(xs), mean(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx == 0 or syy == 0:
        return None
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / math.sqrt(sxx * syy)


def facility(fractions: list[float]) -> float | None:
    return mean(fractions) if fractions else None


def discrimination(item: list[float], totals: list[float]) -> float | None:
    """Correlation of the item with the total minus the item (per person, same order)."""
    rest = [t - i for i, t in zip(item, totals, strict=True)]
    return pearson(item, rest)


def histogram(scores: list[float], bins: int = 10) -> list[int]:
    """Counts of percentage scores in equal bins; 100 goes in the last bin."""
    counts = [0] * bins
    for s in scores:
        counts[min(bins - 1, max(0, int(s * bins // 100)))] += 1
    return counts


def summary(scores: list[float], pass_mark: float | None) -> dict:
    if not scores:
        return {"n": 0, "mean": None, "median": None, "passed": None}
    return {
        "n": len(scores), "mean": mean(scores), "median": median(scores),
        "passed": None if pass_mark is None else sum(s >= pass_mark for s in scores) / len(scores),
    }


def common_wrong(answers: list[str], limit: int = 3) -> list[tuple[str, int]]:
    """The most frequent wrong answers, most frequent first (ties by text)."""
    counts = Counter(a for a in answers if a)
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]

"""Item statistics against values computed by hand (and checked with scipy's pearsonr)."""
import pytest
from scipy.stats import pearsonr

from quizzes import stats


def test_pearson_matches_scipy():
    xs, ys = [1, 0, 1, 1, 0, 1], [3.0, 1.0, 2.5, 2.0, 0.5, 3.0]
    assert stats.pearson(xs, ys) == pytest.approx(pearsonr(xs, ys).statistic)


def test_pearson_edge_cases():
    assert stats.pearson([1, 1], [1, 2]) is None  # too few
    assert stats.pearson([1, 1, 1], [1, 2, 3]) is None  # no spread in x
    assert stats.pearson([], []) is None


def test_discrimination_uses_the_rest_of_the_quiz():
    # Four people, three questions (fractions); totals are sums.
    items = [[1, 1, 0, 0], [1, 0, 1, 0], [1, 1, 1, 0]]
    totals = [sum(col) for col in zip(*items, strict=True)]  # [3, 2, 2, 0]
    # Question 1 against the rest: rest = [2, 1, 2, 0]; by hand r = 0.5 / sqrt(1 * 2.75) = 0.3015...
    assert stats.discrimination(items[0], totals) == pytest.approx(0.301511, abs=1e-6)
    assert stats.discrimination(items[0], totals) == pytest.approx(pearsonr(items[0], [2, 1, 2, 0]).statistic)
    everyone_right = [1, 1, 1, 1]
    assert stats.discrimination(everyone_right, [t + 1 for t in totals]) is None


def test_facility_histogram_summary_and_wrong_answers():
    assert stats.facility([1, 0.5, 0, 0.5]) == 0.5
    assert stats.facility([]) is None
    assert stats.histogram([0, 9.9, 10, 55, 100, 100]) == [2, 1, 0, 0, 0, 1, 0, 0, 0, 2]
    assert stats.summary([40, 60, 80], pass_mark=60) == {"n": 3, "mean": 60, "median": 60, "passed": 2 / 3}
    assert stats.summary([], 50)["n"] == 0
    assert stats.common_wrong(["b", "c", "b", "", "c", "a", "b"]) == [("b", 3), ("c", 2), ("a", 1)]

"""Scores from rubrics: weights, bands, averaging over judges, penalties, ranks."""
from __future__ import annotations

import pytest

from courses.cases import scoring
from courses.cases.settings import Rubric, Weights

CRITERIA = Rubric.from_json({"kind": "criteria", "criteria": [
    {"slug": "law", "weight": 3.0, "levels": ["a", "b", "c", "d", "e"]},
    {"slug": "conduct", "weight": 1.0, "levels": ["a", "b", "c", "d"]},
]})
BANDED = Rubric.from_json({"kind": "banded", "criteria": [{"slug": "argument", "weight": 2.0},
                                                          {"slug": "form", "weight": 1.0}]})
TOTAL = Rubric(kind="banded")
WEIGHTS = Weights(written=60.0, oral=40.0)


def test_criteria_are_the_weighted_mean_of_level_over_levels():
    marks = scoring.clean_marks(CRITERIA, {"law": "4", "conduct": 2})
    assert marks == {"law": 4, "conduct": 2}
    # law 4/5 = 80% weighted 3, conduct 2/4 = 50% weighted 1: (240 + 50) / 4
    assert scoring.percent(CRITERIA, marks) == pytest.approx(72.5)
    assert scoring.percent(CRITERIA, {"law": 5, "conduct": 4}) == pytest.approx(100)


def test_banded_totals_and_sub_criteria():
    assert scoring.percent(TOTAL, scoring.clean_marks(TOTAL, {"total": "73"})) == 73
    assert scoring.percent(BANDED, scoring.clean_marks(BANDED, {"argument": 90, "form": 60})) == pytest.approx(80)
    assert [scoring.band(t) for t in (50, 59, 60, 79.9, 85, 99, 100)] == [
        "poor", "poor", "adequate", "good", "very good", "excellent", "perfect"]


@pytest.mark.parametrize("rubric, raw, criterion", [
    (CRITERIA, {"law": 6, "conduct": 1}, "law"),
    (CRITERIA, {"law": 0, "conduct": 1}, "law"),
    (CRITERIA, {"law": 3}, "conduct"),
    (CRITERIA, {"law": "three", "conduct": 1}, "law"),
    (BANDED, {"argument": 49, "form": 60}, "argument"),
    (TOTAL, {"total": 101}, "total"),
])
def test_marks_outside_the_scale_are_refused(rubric, raw, criterion):
    with pytest.raises(scoring.MarksError) as caught:
        scoring.clean_marks(rubric, raw)
    assert caught.value.criterion == criterion


def test_judges_are_averaged_and_the_penalty_comes_off_the_written_score():
    result = scoring.team_result(WEIGHTS, [(80.0, {"law": 4}), (70.0, {"law": 3})], [60.0, 90.0], 5.0, True)
    assert result.written == 75 and result.oral == 75 and result.judges == 2
    assert result.criteria == {"law": 3.5}
    # (75 - 5) * 0.6 + 75 * 0.4
    assert result.final == pytest.approx(72)


def test_no_final_score_until_the_hearing_is_scored_and_written_alone_without_a_hearing():
    assert scoring.team_result(WEIGHTS, [(80.0, {})], [], 0.0, True).final is None
    assert scoring.team_result(Weights(100.0, 0.0), [(80.0, {})], [], 10.0, False).final == 70
    assert scoring.team_result(WEIGHTS, [], [90.0], 0.0, True).final is None


def test_a_penalty_never_takes_the_score_below_zero():
    assert scoring.team_result(Weights(100.0, 0.0), [(20.0, {})], [], 50.0, False).final == 0


def test_equal_scores_share_a_rank():
    results = [scoring.TeamResult(team_id=i, written=None, penalty=0, oral=None, final=f)
               for i, f in enumerate([70.0, 90.0, 70.0, None, 50.0])]
    scoring.rank(results)
    assert [r.rank for r in results] == [2, 1, 2, None, 4]

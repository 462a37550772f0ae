"""Pre/post survey statistics against values computed by hand and with scipy directly.

Differences are post - pre throughout. Hand computations are in the comments; where scipy is
the reference it is called here on the raw data, independently of the module.
"""
import itertools
import math
import subprocess
import sys
import warnings
from fractions import Fraction

import numpy as np
import pytest
from scipy import stats

from quizzes.surveys import stats as ss
from quizzes.surveys.stats import Pairs, paired

approx = pytest.approx


def test_importing_the_module_imports_neither_numpy_nor_scipy():
    # The app imports this module when it starts; only the results pages need them (issue #22).
    code = "import sys, quizzes.surveys.stats; print(sorted({'numpy', 'scipy'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# ------------------------------------------------------------------------------------------
# paired


def test_paired_drops_and_counts_incomplete_pairs():
    pairs = paired([1, None, 3, 4, None], [2, 5, None, 4, None])
    assert pairs.pre == [1, 4] and pairs.post == [2, 4]
    assert pairs.n_pairs == 2 and pairs.n_dropped == 3
    assert pairs.differences == [1, 0]


def test_paired_edge_cases():
    empty = paired([], [])
    assert (empty.n_pairs, empty.n_dropped, empty.pre, empty.post) == (0, 0, [], [])
    assert paired([None], [3]).n_dropped == 1  # a missing pre answer
    assert paired([2], [None]).n_pairs == 0  # a missing post answer
    with pytest.raises(ValueError):
        paired([1, 2], [1])
    with pytest.raises(ValueError):
        paired([1, float("nan")], [1, 2])  # missing must be None, not NaN
    with pytest.raises(TypeError):
        paired(["3"], [4])
    with pytest.raises(ValueError):
        Pairs([1, 2], [1])


# ------------------------------------------------------------------------------------------
# change_summary

PRE, POST = [1, 2, 3, 4], [2, 4, 3, 7]  # differences 1, 2, 0, 3


def test_change_summary_by_hand_and_against_scipy():
    result = ss.change_summary(paired(PRE, POST))
    # mean diff = 6/4 = 1.5; sd = sqrt((0.25 + 0.25 + 2.25 + 2.25) / 3) = sqrt(5/3) = 1.290994;
    # se = 1.290994 / 2 = 0.645497; t(0.975, 3) = 3.182446; half-width = 2.054260.
    assert result["n"] == 4 and result["n_dropped"] == 0
    assert result["mean_pre"] == 2.5 and result["mean_post"] == 4.0
    assert result["mean_change"] == 1.5
    assert result["ci95"] == approx((1.5 - 2.054260, 1.5 + 2.054260), abs=1e-6)
    ci = stats.ttest_rel(POST, PRE).confidence_interval(0.95)
    assert result["ci95"] == approx((ci.low, ci.high))
    assert (result["share_improved"], result["share_unchanged"], result["share_declined"]) == (
        0.75, 0.25, 0.0)


def test_change_summary_small_n_and_missing():
    empty = ss.change_summary(paired([None, 3], [2, None]))
    assert empty["n"] == 0 and empty["n_dropped"] == 2
    assert empty["mean_change"] is None and empty["ci95"] is None
    assert empty["share_improved"] is None

    one = ss.change_summary(paired([3, None], [1, 4]))
    assert one["n"] == 1 and one["n_dropped"] == 1
    assert one["mean_change"] == -2 and one["ci95"] is None
    assert one["share_declined"] == 1.0

    # n = 2: differences 1, 2; mean 1.5, sd 0.707107, se 0.5, t(0.975, 1) = 12.706205.
    two = ss.change_summary(paired([1, 2], [2, 4]))
    assert two["ci95"] == approx((1.5 - 6.353102, 1.5 + 6.353102), abs=1e-6)

    # everyone the same change: a zero-width interval, not an error
    same = ss.change_summary(paired([1, 2, 3], [2, 3, 4]))
    assert same["ci95"] == (1.0, 1.0) and same["share_improved"] == 1.0


# ------------------------------------------------------------------------------------------
# Wilcoxon signed-rank


def brute_force_signed_rank_p(diffs):
    """Exact two-sided p by enumerating every sign pattern of the non-zero differences."""
    d = [x for x in diffs if x != 0]
    ranks = stats.rankdata(np.abs(d))
    observed = sum(r for r, x in zip(ranks, d, strict=True) if x > 0)
    null = [sum(r for r, s in zip(ranks, signs, strict=True) if s) for signs in
            itertools.product([False, True], repeat=len(d))]
    low = sum(w <= observed + 1e-9 for w in null) / len(null)
    high = sum(w >= observed - 1e-9 for w in null) / len(null)
    return min(1.0, 2 * min(low, high))


def test_wilcoxon_exact_by_hand():
    pre, post = [1, 1, 1, 5, 0], [2, 3, 4, 1, 5]  # differences 1, 2, 3, -4, 5: no ties
    result = ss.wilcoxon_signed_rank(paired(pre, post))
    # ranks of |d| are 1..5; W+ = 1 + 2 + 3 + 5 = 11, W- = 4.
    # Exact: of the 32 sign patterns, 7 have W- <= 4 (sums 0, 1, 2, 3, 3, 4, 4), so
    # p = 2 * 7/32 = 0.4375.
    assert (result["w_plus"], result["w_minus"], result["statistic"]) == (11, 4, 4)
    assert result["method"] == "exact"
    assert result["p"] == approx(0.4375)
    assert result["p"] == approx(stats.wilcoxon(post, pre, method="exact").pvalue)
    # Z = (11 - 5*6/4) / sqrt(5*6*11/24) = 3.5 / sqrt(13.75) = 0.943880; r = Z / sqrt(5).
    assert result["z"] == approx(0.943880, abs=1e-6)
    assert result["effect_r"] == approx(0.943880 / math.sqrt(5), abs=1e-6)
    assert result["rank_biserial"] == approx((11 - 4) / 15)


def test_wilcoxon_drops_zero_differences():
    # The same five differences plus two people who did not change.
    pre, post = [1, 1, 1, 5, 0, 2, 3], [2, 3, 4, 1, 5, 2, 3]
    result = ss.wilcoxon_signed_rank(paired(pre, post))
    assert (result["n"], result["n_zero"], result["n_used"]) == (7, 2, 5)
    assert result["p"] == approx(0.4375)
    assert result["p"] == approx(stats.wilcoxon(post, pre, zero_method="wilcox",
                                                method="exact").pvalue)
    assert result["rank_biserial"] == approx(7 / 15)


def test_wilcoxon_ties_use_an_exact_permutation_test():
    pre, post = [2, 2, 3, 1, 2, 3, 4], [3, 4, 3, 2, 1, 4, 5]  # d = 1, 2, 0, 1, -1, 1, 1
    result = ss.wilcoxon_signed_rank(paired(pre, post))
    # Non-zero: five |d| = 1 (average rank 3) and one |d| = 2 (rank 6).
    # W+ = 4 * 3 + 6 = 18, W- = 3. Under the null W+ = 3j + 6e (j of the five 1s positive,
    # e = the 2 positive): W+ >= 18 for (j=4, e=1) in 5 ways and (j=5, e=1) in 1 way, so
    # P(W+ >= 18) = 6/64 and p = 2 * 6/64 = 0.1875.
    assert result["method"] == "permutation"
    assert (result["n_used"], result["w_plus"], result["w_minus"]) == (6, 18, 3)
    assert result["p"] == approx(0.1875)
    assert result["p"] == approx(brute_force_signed_rank_p([1, 2, 1, -1, 1, 1]))
    d = [1, 2, 1, -1, 1, 1]
    assert result["p"] == approx(stats.wilcoxon(d, method=stats.PermutationMethod()).pvalue)
    # Tie correction: var = 6*7*13/24 - (5^3 - 5)/48 = 22.75 - 2.5 = 20.25;
    # Z = (18 - 10.5) / 4.5 = 1.666667; r = Z / sqrt(6) = 0.680414.
    assert result["z"] == approx(5 / 3)
    assert result["effect_r"] == approx(0.680414, abs=1e-6)
    assert result["rank_biserial"] == approx(15 / 21)


def test_wilcoxon_large_with_ties_is_asymptotic():
    d = [1] * 10 + [-1] * 2 + [2] * 4  # 16 non-zero differences, tied
    result = ss.wilcoxon_signed_rank(paired([0] * 16, d))
    # |d| = 1 twelve times (average rank 6.5), |d| = 2 four times (average rank 14.5).
    # W+ = 10 * 6.5 + 4 * 14.5 = 123, W- = 2 * 6.5 = 13; mean = 16*17/4 = 68;
    # var = 16*17*33/24 - ((12^3 - 12) + (4^3 - 4)) / 48 = 374 - 37 = 337;
    # Z = 55 / sqrt(337) = 2.996041; p = 2 * (1 - Phi(Z)) = 0.002735.
    assert result["method"] == "asymptotic"
    assert (result["w_plus"], result["w_minus"], result["statistic"]) == (123, 13, 13)
    assert result["z"] == approx(2.996041, abs=1e-6)
    assert result["p"] == approx(math.erfc(55 / math.sqrt(337) / math.sqrt(2)))
    assert result["p"] == approx(0.002735, abs=1e-6)
    assert result["p"] == approx(stats.wilcoxon(d, method="asymptotic", correction=False).pvalue)
    assert result["rank_biserial"] == approx(110 / 136)


def test_wilcoxon_declines_give_negative_effects():
    result = ss.wilcoxon_signed_rank(paired([2, 3, 4, 5, 1], [1, 1, 1, 1, 2]))  # -1 -2 -3 -4 +1
    assert result["z"] < 0 and result["effect_r"] < 0 and result["rank_biserial"] < 0


def test_wilcoxon_edge_cases():
    empty = ss.wilcoxon_signed_rank(paired([None], [3]))
    assert empty["n"] == 0 and empty["n_dropped"] == 1
    assert empty["p"] is None and empty["effect_r"] is None and empty["rank_biserial"] is None

    nobody_changed = ss.wilcoxon_signed_rank(paired([3, 4, 2], [3, 4, 2]))
    assert nobody_changed["p"] == 1.0 and nobody_changed["statistic"] == 0
    assert nobody_changed["effect_r"] == 0 and nobody_changed["rank_biserial"] == 0
    assert nobody_changed["n_zero"] == 3 and nobody_changed["method"] is None

    # n = 1: W+ is 0 or 1 with probability 1/2 each, so p = 1.
    one = ss.wilcoxon_signed_rank(paired([1], [3]))
    assert one["p"] == 1.0 and one["rank_biserial"] == 1.0
    assert one["z"] == approx(1.0)  # (1 - 0.5) / sqrt(1*2*3/24)

    # n = 2, both up: W+ = 3 has probability 1/4, p = 2 * 1/4.
    two = ss.wilcoxon_signed_rank(paired([1, 1], [2, 3]))
    assert two["p"] == approx(0.5)
    assert two["p"] == approx(stats.wilcoxon([1, 2]).pvalue)

    # all |d| tied (every answer moved one step): variance n^2/4, no division by zero
    tied = ss.wilcoxon_signed_rank(paired([1, 2, 3, 2], [2, 3, 4, 1]))  # 1, 1, 1, -1
    assert tied["method"] == "permutation"
    assert tied["p"] == approx(brute_force_signed_rank_p([1, 1, 1, -1]))  # 2 * 5/16


def test_wilcoxon_matches_scipy_on_random_likert_items():
    rng = np.random.default_rng(20240501)
    for _ in range(60):
        n = int(rng.integers(1, 30))
        pre = rng.integers(1, 6, size=n).tolist()
        post = np.clip(np.array(pre) + rng.integers(-1, 3, size=n), 1, 5).tolist()
        result = ss.wilcoxon_signed_rank(paired(pre, post))
        d = [b - a for a, b in zip(pre, post, strict=True) if b != a]
        if not d:
            assert result["p"] == 1.0
            continue
        if result["method"] == "permutation":
            assert result["p"] == approx(brute_force_signed_rank_p(d))
        else:
            expected = stats.wilcoxon(d, method=result["method"], correction=False).pvalue
            assert result["p"] == approx(expected)
        r_plus = sum(r for r, x in zip(stats.rankdata(np.abs(d)), d, strict=True) if x > 0)
        assert result["rank_biserial"] == approx((2 * r_plus - len(d) * (len(d) + 1) / 2)
                                                 / (len(d) * (len(d) + 1) / 2))


# ------------------------------------------------------------------------------------------
# paired t


def test_paired_t_by_hand_and_against_scipy():
    result = ss.paired_t(paired(PRE, POST))
    # mean diff 1.5, sd sqrt(5/3) = 1.290994; t = 1.5 / (1.290994 / 2) = 2.323790, df = 3;
    # d_z = 1.5 / 1.290994 = 1.161895 = t / sqrt(4).
    assert result["t"] == approx(2.323790, abs=1e-6) and result["df"] == 3
    assert result["d_z"] == approx(1.161895, abs=1e-6)
    assert result["d_z"] == approx(result["t"] / 2)
    assert result["p"] == approx(2 * stats.t.sf(2.323790, 3), abs=1e-6)
    reference = stats.ttest_rel(POST, PRE)
    assert (result["t"], result["p"]) == (approx(reference.statistic), approx(reference.pvalue))


def test_paired_t_n_two_by_hand():
    # differences 1, 2: t = 1.5 / (0.707107 / sqrt 2) = 3, df = 1 (Cauchy):
    # p = 1 - (2/pi) * atan(3) = 0.204833.
    result = ss.paired_t(paired([1, 2], [2, 4]))
    assert result["t"] == approx(3.0) and result["df"] == 1
    assert result["p"] == approx(1 - 2 / math.pi * math.atan(3))


def test_paired_t_edge_cases():
    empty = ss.paired_t(paired([], []))
    assert empty == {"n": 0, "n_dropped": 0, "mean_diff": None, "sd_diff": None,
                     "t": None, "df": None, "p": None, "d_z": None}
    one = ss.paired_t(paired([3, 5], [4, None]))
    assert one["n"] == 1 and one["n_dropped"] == 1 and one["mean_diff"] == 1
    assert one["t"] is None and one["p"] is None and one["d_z"] is None

    unchanged = ss.paired_t(paired([3, 5, 7], [3, 5, 7]))
    assert (unchanged["t"], unchanged["p"], unchanged["d_z"], unchanged["df"]) == (0.0, 1.0,
                                                                                   0.0, 2)
    same_gain = ss.paired_t(paired([3, 5, 7], [5, 7, 9]))  # everyone +2: t undefined
    assert same_gain["mean_diff"] == 2 and same_gain["sd_diff"] == 0
    assert same_gain["t"] is None and same_gain["p"] is None and same_gain["d_z"] is None


# ------------------------------------------------------------------------------------------
# McNemar


def test_mcnemar_exact_by_hand():
    # 1 right->wrong (b), 6 wrong->right (c), 3 right twice, 2 wrong twice, 1 missing post.
    pre = [True] + [False] * 6 + [True] * 3 + [False] * 2 + [True]
    post = [False] + [True] * 6 + [True] * 3 + [False] * 2 + [None]
    result = ss.mcnemar(pre, post)
    # Exact: 2 * P(X <= 1 | Bin(7, 1/2)) = 2 * (1 + 7) / 128 = 0.125.
    assert (result["b"], result["c"], result["n"], result["n_dropped"]) == (1, 6, 12, 1)
    assert result["method"] == "exact" and result["statistic"] == 1
    assert result["p"] == approx(0.125)
    assert result["share_right_pre"] == approx(4 / 12)
    assert result["share_right_post"] == approx(9 / 12)
    assert result["difference"] == approx(5 / 12)  # (c - b) / n
    assert result["odds_ratio"] == 6.0  # c / b


def exact_conditional_p(b: int, c: int) -> float:
    """The exact conditional McNemar p-value, independently: twice the smaller tail of
    Bin(b + c, 1/2), summed from binomial coefficients in exact fractions, at most 1."""
    n = b + c
    tail = Fraction(sum(math.comb(n, i) for i in range(min(b, c) + 1)), 2 ** n)
    return float(min(Fraction(1), 2 * tail))


@pytest.mark.parametrize("b,c", [
    (0, 1), (1, 0), (2, 2), (5, 19), (5, 20), (20, 5), (12, 13), (15, 15), (30, 49), (3, 200),
    (140, 160), (480, 520), (1000, 1100), (2500, 2500),
])
def test_mcnemar_is_the_exact_conditional_test_at_every_size(b, c):
    # No switch to the chi-square approximation at 25 discordant pairs (issue #17): the same
    # test at every size, checked against exact fractions and against scipy's binomial test.
    result = ss.mcnemar_counted({(True, False): b, (False, True): c, (True, True): 7, (False, False): 4})
    assert result["method"] == "exact" and result["statistic"] == min(b, c)
    assert result["p"] == approx(exact_conditional_p(b, c), rel=1e-9, abs=1e-300)
    assert result["p"] == approx(stats.binomtest(c, b + c, 0.5).pvalue, rel=1e-9, abs=1e-300)


def test_mcnemar_at_25_discordant_pairs_and_beyond():
    below = ss.mcnemar([True] * 5 + [False] * 19, [False] * 5 + [True] * 19)  # b + c = 24
    # 2 * sum(C(24, i), i <= 5) / 2^24 = 2 * 55455 / 16777216 = 0.0066108
    assert below["method"] == "exact"
    assert below["p"] == approx(2 * 55455 / 2 ** 24)

    at = ss.mcnemar([True] * 5 + [False] * 20, [False] * 5 + [True] * 20)  # b + c = 25
    # 2 * sum(C(25, i), i <= 5) / 2^25 = 2 * 68406 / 33554432 = 0.0040773 (the chi-square
    # approximation with continuity correction said 0.005110).
    assert at["method"] == "exact" and at["statistic"] == 5
    assert at["p"] == approx(2 * 68406 / 2 ** 25)
    assert at["odds_ratio"] == 4.0 and at["difference"] == approx(15 / 25)


def test_mcnemar_edge_cases():
    empty = ss.mcnemar([None, True], [False, None])
    assert empty["n"] == 0 and empty["n_dropped"] == 2
    assert empty["p"] is None and empty["difference"] is None and empty["method"] is None

    concordant = ss.mcnemar([True, False, True], [True, False, True])  # b = c = 0
    assert concordant["p"] == 1.0 and concordant["difference"] == 0
    assert concordant["odds_ratio"] is None

    only_gains = ss.mcnemar([False, False, False], [True, True, True])  # b = 0, c = 3
    assert only_gains["odds_ratio"] is None and only_gains["difference"] == 1.0
    assert only_gains["p"] == approx(0.25)  # 2 * (1/2)^3

    balanced = ss.mcnemar([True] * 15 + [False] * 15, [False] * 15 + [True] * 15)
    assert balanced["method"] == "exact" and balanced["statistic"] == 15 and balanced["p"] == 1.0
    with pytest.raises(ValueError):
        ss.mcnemar([True], [])


# ------------------------------------------------------------------------------------------
# Holm


def test_holm_known_example():
    # sorted: 0.005*4 = 0.02, 0.01*3 = 0.03, 0.03*2 = 0.06, 0.04*1 = 0.04 -> max(0.06, 0.04)
    assert ss.holm([0.01, 0.04, 0.03, 0.005]) == approx([0.03, 0.06, 0.06, 0.02])


def test_holm_none_monotone_and_cap():
    assert ss.holm([0.01, None, 0.04, 0.03, 0.005]) == approx([0.03, None, 0.06, 0.06, 0.02])
    assert ss.holm([0.5, 0.6]) == [1.0, 1.0]  # 0.5 * 2 = 1.0, then max(1.0, 0.6)
    assert ss.holm([0.011, 0.01]) == approx([0.02, 0.02])  # 0.011 * 1 < 0.02: kept monotone
    assert ss.holm([0.04]) == [0.04]
    assert ss.holm([]) == [] and ss.holm([None, None]) == [None, None]
    for bad in (1.5, -0.1, float("nan")):
        with pytest.raises(ValueError):
            ss.holm([0.01, bad])
    adjusted = ss.holm([0.2, 0.001, 0.04, 0.04, 0.3])
    assert all(a >= p for a, p in zip(adjusted, [0.2, 0.001, 0.04, 0.04, 0.3], strict=True))
    order = sorted(range(5), key=[0.2, 0.001, 0.04, 0.04, 0.3].__getitem__)
    assert [adjusted[i] for i in order] == sorted(adjusted)


# ------------------------------------------------------------------------------------------
# Hake gain and mastery


def test_hake_class_average_differs_from_mean_of_individual_gains():
    result = ss.hake_gain([0, 5], [2, 10], max_score=10)
    # class average: (6 - 2.5) / (10 - 2.5) = 3.5 / 7.5 = 0.466667
    # individuals: (2 - 0) / 10 = 0.2 and (10 - 5) / 5 = 1.0, mean 0.6
    assert result["class_average_gain"] == approx(3.5 / 7.5)
    assert result["mean_individual_gain"] == approx(0.6)
    assert result["class_average_gain"] != approx(result["mean_individual_gain"])


def test_hake_skips_people_at_the_maximum_for_individual_gains():
    result = ss.hake_gain([0, 5, 10, None], [2, 10, 9, 8], max_score=10)
    # class: mean pre 5, mean post 7 -> 2 / 5 = 0.4 (the person at 10 counts here);
    # individual: 0.2 and 1.0 (the person at 10 before is skipped) -> 0.6.
    assert result["class_average_gain"] == approx(0.4)
    assert result["mean_individual_gain"] == approx(0.6)
    assert (result["n"], result["n_dropped"], result["n_individual"],
            result["n_excluded_at_max"]) == (3, 1, 2, 1)


def test_hake_edge_cases():
    at_max = ss.hake_gain([10, 10], [10, 9], max_score=10)
    assert at_max["class_average_gain"] is None and at_max["mean_individual_gain"] is None
    empty = ss.hake_gain([], [], max_score=10)
    assert empty["n"] == 0 and empty["class_average_gain"] is None
    worse = ss.hake_gain([4], [2], max_score=10)  # (2 - 4) / (10 - 4)
    assert worse["class_average_gain"] == approx(-1 / 3)
    assert worse["mean_individual_gain"] == approx(-1 / 3)
    with pytest.raises(ValueError):
        ss.hake_gain([4], [11], max_score=10)
    with pytest.raises(ValueError):
        ss.hake_gain([4], [5], max_score=0)


def test_mastery_share():
    assert ss.mastery_share([50, 80, 79.9, None, 100], threshold=80) == 0.5  # 80 and 100 of 4
    assert ss.mastery_share([], 80) is None
    assert ss.mastery_share([None, None], 80) is None
    assert ss.mastery_share([80], 80) == 1.0


# ------------------------------------------------------------------------------------------
# Suppression


def test_suppress_primary_and_secondary():
    cells = {"nurse": 12, "lawyer": 3, "police": 7, "social worker": 20, "other": 0}
    result = ss.suppress(cells, k=5)
    # lawyer (3) is hidden; alone it would be total (42) - shown (39) = 3, so the smallest
    # positive cell still shown (police, 7) is hidden too. Zeros stay shown.
    assert result == {"nurse": 12, "lawyer": None, "police": None, "social worker": 20,
                      "other": 0}
    assert list(result) == list(cells)


def test_suppress_two_primary_cells_need_no_secondary():
    # 2 + 3 = 5 could be 1+4, 2+3, 3+2 or 4+1: not recoverable.
    assert ss.suppress({"a": 2, "b": 3, "c": 10, "d": 8}, k=5) == {
        "a": None, "b": None, "c": 10, "d": 8}


def test_suppress_hidden_cells_that_the_total_would_pin_down():
    # two hidden cells summing to 2 must both be 1; summing to 8 (k = 5) must both be 4
    assert ss.suppress({"a": 1, "b": 1, "c": 10, "d": 8}, k=5) == {
        "a": None, "b": None, "c": 10, "d": None}
    assert ss.suppress({"a": 4, "b": 4, "c": 10, "d": 8}, k=5) == {
        "a": None, "b": None, "c": 10, "d": None}
    # five 1s and no other positive cell: nothing left to hide beside them, hide everything
    assert ss.suppress({"a": 1, "b": 1, "c": 1, "d": 1, "e": 1, "z": 0}, k=5) == dict.fromkeys(
        "abcdez")


def test_suppress_small_total_and_other_edges():
    assert ss.suppress({"a": 2, "b": 1, "c": 0}, k=5) == {"a": None, "b": None, "c": None}
    assert ss.suppress({"a": 5, "b": 0}, k=5) == {"a": 5, "b": 0}  # 5 is not < 5
    assert ss.suppress({"a": 5, "b": 9}, k=5) == {"a": 5, "b": 9}
    assert ss.suppress({"a": 3, "b": 6, "c": 6}, k=5) == {"a": None, "b": None, "c": 6}  # tie
    assert ss.suppress({"a": 3, "z": 0, "b": 9}, k=5) == {"a": None, "z": 0, "b": None}
    assert ss.suppress({"a": 1, "b": 2}, k=1) == {"a": 1, "b": 2}
    assert ss.suppress({}, k=5) == {}
    assert ss.suppress({"a": 2, "b": 30}, k=3) == {"a": None, "b": None}
    with pytest.raises(ValueError):
        ss.suppress({"a": 3}, k=0)
    with pytest.raises(ValueError):
        ss.suppress({"a": -1, "b": 10}, k=5)


def test_suppressed_cells_cannot_be_recovered_by_subtraction():
    rng = np.random.default_rng(7)
    for _ in range(200):
        size = int(rng.integers(1, 6))
        cells = {i: int(c) for i, c in enumerate(rng.integers(0, 12, size=size))}
        result = ss.suppress(cells, k=5)
        hidden = [key for key, value in result.items() if value is None]
        if sum(cells.values()) < 5:  # the total is hidden as well
            assert len(hidden) == len(cells)
            continue
        assert len(hidden) != 1
        assert all(result[key] == cells[key] for key in cells if key not in hidden)
        assert all(cells[key] >= 5 or cells[key] == 0 for key in cells if key not in hidden)


# ------------------------------------------------------------------------------------------
# No warnings escape, whatever the pytest configuration


@pytest.mark.parametrize("pre,post", [
    ([], []), ([1], [1]), ([1], [2]), ([1, 1], [1, 1]), ([1, 2], [2, 3]), ([1, 2], [3, 3]),
    ([None, 2], [3, None]), ([0.1, 0.2, 0.3], [0.4, 0.5, 0.6]),
])
def test_degenerate_inputs_never_warn(pre, post):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pairs = paired(pre, post)
        ss.change_summary(pairs)
        ss.wilcoxon_signed_rank(pairs)
        ss.paired_t(pairs)
        ss.mcnemar([p is not None and p > 1 for p in pre], [p is not None and p > 1 for p in post])
        ss.hake_gain(pre, post, max_score=10)
        ss.mastery_share(post, 1)


# ------------------------------------------------------------------------------------------
# Counted pairs: the same statistics without a list per person


@pytest.mark.parametrize("seed", range(12))
def test_counted_pairs_give_the_same_statistics_as_lists(seed):
    rng = np.random.default_rng(seed)
    size = int(rng.choice([1, 2, 6, 12, 40, 300, 2000]))
    pre = rng.integers(1, 6, size).tolist()
    post = np.clip(np.array(pre) + rng.integers(-1, 3, size), 1, 5).tolist()
    listed = paired(pre + [None], post + [3])
    counted = ss.Counted.of(listed)
    assert counted.n_pairs == size and counted.n_dropped == 1
    assert len(counted.counts) <= 25  # five points before and after, whatever the size
    for function in (ss.change_summary, ss.wilcoxon_signed_rank, ss.paired_t):
        by_count, by_list = function(counted), function(listed)
        assert by_count.keys() == by_list.keys()
        for key, value in by_list.items():
            assert by_count[key] == (value if value is None or isinstance(value, str) else approx(value)), key
    d = np.array(post, dtype=float) - np.array(pre, dtype=float)
    w = ss.wilcoxon_signed_rank(counted)
    if w["method"] == "asymptotic":
        assert w["p"] == approx(stats.wilcoxon(d[d != 0], correction=False, method="asymptotic").pvalue)
    t = ss.paired_t(counted)
    if t["t"] is not None:
        reference = stats.ttest_rel(post, pre)
        assert (t["t"], t["p"]) == (approx(reference.statistic), approx(reference.pvalue))


def test_counted_pairs_from_counts_directly():
    counted = ss.Counted({(1, 2): 5, (2, 2): 0, (4, 5): 1})
    assert counted.counts == {(1.0, 2.0): 5, (4.0, 5.0): 1}  # zeros dropped
    assert counted.n_pairs == 6 and counted.differences() == {1.0: 6}
    summary = ss.change_summary(counted)
    assert summary["mean_change"] == 1.0 and summary["ci95"] == (1.0, 1.0)  # one difference: zero width
    with pytest.raises(ValueError):
        ss.Counted({(1, 2): -1})
    with pytest.raises(ValueError):
        ss.Counted({(1, float("nan")): 2})
    with pytest.raises(TypeError):
        ss.Counted({("1", 2): 2})


def test_counted_pairs_expand_to_one_difference_per_person():
    # What the exact and permutation Wilcoxon tests run on: post - pre, once per person.
    counted = ss.Counted({(1, 3): 2, (2, 2): 1, (5, 4): 1})
    differences = counted.expanded_differences()
    assert isinstance(differences, np.ndarray) and differences.dtype == np.float64
    assert sorted(differences.tolist()) == [-1.0, 0.0, 2.0, 2.0]
    assert ss.Counted({}).expanded_differences().tolist() == []


def test_mcnemar_hake_and_mastery_from_counts():
    pre = [True, True, False, False, False, None, True]
    post = [True, False, True, True, None, True, True]
    counts = {}
    for key in zip(pre, post, strict=True):
        counts[key] = counts.get(key, 0) + 1
    assert ss.mcnemar_counted(counts) == ss.mcnemar(pre, post)
    assert ss.mcnemar_counted({(False, True): 30, (True, False): 5}) == ss.mcnemar(
        [False] * 30 + [True] * 5, [True] * 30 + [False] * 5)
    scores_pre, scores_post = [0, 5, 10, 3, 3], [2, 10, 9, 8, 8]
    by_list = ss.hake_gain(scores_pre, scores_post, max_score=10)
    by_count = ss.hake_gain_counted(ss.Counted({(0, 2): 1, (5, 10): 1, (10, 9): 1, (3, 8): 2}), 10)
    assert by_count == {key: approx(value) for key, value in by_list.items()}
    with pytest.raises(ValueError):
        ss.hake_gain_counted(ss.Counted({(4, 11): 1}), 10)
    assert ss.mastery_share({50: 1, 80: 2, 79.9: 1, 100: 0}, threshold=80) == 0.5
    assert ss.mastery_share({}, 80) is None

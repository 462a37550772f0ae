"""Pre/post survey statistics for matched participants: pure functions, no database, no Flask.

A trainer compares the answers the *same* people gave before and after a training
(see "Measuring change" in the domain notes). Every function here takes plain lists in which
``pre[i]`` and ``post[i]`` belong to the same person; ``None`` means a missing answer, and a
pair with ``None`` on either side is dropped and counted (``n_dropped``), never imputed.

Conventions shared by all functions:

- differences are ``post - pre``, so a positive change, t, Z or effect means *improvement* on
  an item where a higher value is better; reverse-code items where lower is better before
  calling;
- p-values are two-sided;
- degenerate inputs (no pairs, one pair, no variation) never raise and never warn: the
  quantities that cannot be computed are ``None`` and the documented fall-backs apply. The
  project runs pytest with warnings as errors, so numerical ``RuntimeWarning``s from scipy are
  silenced around the calls (after the degenerate cases have been handled explicitly);
- tests of significance come from scipy: ``scipy.stats`` for the exact and permutation tests,
  and for the normal, t and binomial tails its ``scipy.special`` functions (``ndtr``,
  ``stdtr``, ``stdtrit``, ``bdtr``: what ``scipy.stats.norm``, ``t`` and ``binom`` call, without
  their per-call overhead of about 0.2 ms); the effect sizes are computed here.

Results are plain dicts (typed with ``TypedDict``) so that they can go straight to a template
or to JSON.
"""
from __future__ import annotations

import math
import warnings
from collections.abc import Hashable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypedDict, TypeVar

# numpy and scipy are imported in the functions that use them: the app imports this module when
# it starts, and only the results pages need them (issue #22). Annotations are not evaluated
# (`from __future__ import annotations`), so the type checker's import below costs nothing.
if TYPE_CHECKING:
    import numpy as np

#: Wilcoxon: the exact null distribution (no ties) is used up to this many non-zero differences.
WILCOXON_EXACT_MAX = 50
#: Wilcoxon: with tied differences, an exact sign-flip permutation test up to this many
#: non-zero differences (2**13 = 8192 sign patterns, all enumerated), as scipy's ``method="auto"``.
WILCOXON_PERMUTATION_MAX = 13

K = TypeVar("K", bound=Hashable)


@contextmanager
def _quiet() -> Iterator[None]:
    """Silence numerical RuntimeWarnings from scipy/numpy (degenerate cases are handled first)."""
    import numpy as np

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with np.errstate(all="ignore"):
            yield


def _finite_or_none(x: float) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


def _check_number(x: object) -> float:
    import numpy as np

    if isinstance(x, bool) or not isinstance(x, (int, float, np.integer, np.floating)):
        raise TypeError(f"expected a number or None, got {x!r}")
    value = float(x)
    if not math.isfinite(value):
        raise ValueError(f"expected a finite number (use None for a missing answer), got {x!r}")
    return value


# --------------------------------------------------------------------------------------------
# Matching


@dataclass(frozen=True)
class Pairs:
    """Matched pre/post values: ``pre[i]`` and ``post[i]`` are the same person.

    ``n_pairs`` is the number of complete pairs; ``n_dropped`` the number of people left out
    because their pre or post answer (or both) was missing.
    """

    pre: list[float]
    post: list[float]
    n_dropped: int = 0
    n_pairs: int = field(init=False)

    def __post_init__(self) -> None:
        if len(self.pre) != len(self.post):
            raise ValueError("pre and post must have the same length")
        object.__setattr__(self, "n_pairs", len(self.pre))

    @property
    def differences(self) -> list[float]:
        """``post - pre`` for each pair."""
        return [b - a for a, b in zip(self.pre, self.post, strict=True)]


def paired(pre: Sequence[float | None], post: Sequence[float | None]) -> Pairs:
    """Match pre and post answers by position and drop the incomplete pairs.

    ``pre[i]`` and ``post[i]`` must belong to the same person (the caller matches them through
    the pseudonymous key). A pair with ``None`` on either side is dropped and counted in
    ``n_dropped``. Raises ``ValueError`` if the lists differ in length or hold NaN/infinity
    (missing answers must be ``None``, not NaN), ``TypeError`` for non-numbers.
    """
    if len(pre) != len(post):
        raise ValueError(f"pre has {len(pre)} values but post has {len(post)}")
    kept_pre: list[float] = []
    kept_post: list[float] = []
    dropped = 0
    for a, b in zip(pre, post, strict=True):
        if a is None or b is None:
            dropped += 1
            continue
        kept_pre.append(_check_number(a))
        kept_post.append(_check_number(b))
    return Pairs(kept_pre, kept_post, dropped)


@dataclass(frozen=True)
class Counted:
    """Matched pre/post values as counts: ``counts[(pre, post)]`` people gave that pair.

    The same information as ``Pairs`` without a list per person, so that a statistic over
    thousands of people costs as much as one over the handful of distinct answer pairs (a
    5-point item has at most 25). Every function below that takes ``Pairs`` also takes this;
    ``Counted.of(pairs)`` converts. Counts must be positive integers and values finite numbers.
    """

    counts: dict[tuple[float, float], int]
    n_dropped: int = 0
    n_pairs: int = field(init=False)

    def __post_init__(self) -> None:
        import numpy as np

        clean: dict[tuple[float, float], int] = {}
        for (a, b), n in self.counts.items():
            if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
                raise ValueError(f"count for {(a, b)!r} must be a non-negative integer, got {n!r}")
            if n:
                key = (_check_number(a), _check_number(b))
                clean[key] = clean.get(key, 0) + int(n)
        object.__setattr__(self, "counts", clean)
        object.__setattr__(self, "n_pairs", sum(clean.values()))

    @classmethod
    def of(cls, pairs: Pairs | Counted) -> Counted:
        if isinstance(pairs, Counted):
            return pairs
        counts: dict[tuple[float, float], int] = {}
        for key in zip(pairs.pre, pairs.post, strict=True):
            counts[key] = counts.get(key, 0) + 1
        return cls(counts, pairs.n_dropped)

    def differences(self) -> dict[float, int]:
        """How many people had each difference ``post - pre``."""
        out: dict[float, int] = {}
        for (a, b), n in self.counts.items():
            out[b - a] = out.get(b - a, 0) + n
        return out

    def expanded_differences(self) -> np.ndarray:
        """The differences one per person (for the exact tests, which run on small n only)."""
        import numpy as np

        diffs = self.differences()
        return np.repeat(np.array(list(diffs), dtype=float), list(diffs.values()))


def _weighted_sd(counts: dict[float, int], mean: float, n: int) -> float:
    """Sample sd (n - 1) of values given as value -> count; exactly 0 for a single value."""
    if len(counts) == 1:
        return 0.0
    return math.sqrt(math.fsum(w * (x - mean) ** 2 for x, w in counts.items()) / (n - 1))


def _weighted_mean(counts: dict[float, int], n: int) -> float:
    return math.fsum(x * w for x, w in counts.items()) / n


# --------------------------------------------------------------------------------------------
# Describing the change


class ChangeSummary(TypedDict):
    n: int
    n_dropped: int
    mean_pre: float | None
    mean_post: float | None
    mean_change: float | None
    ci95: tuple[float, float] | None
    share_improved: float | None
    share_unchanged: float | None
    share_declined: float | None


def change_summary(pairs: Pairs | Counted) -> ChangeSummary:
    """Describe the change for one item: means, mean change with its 95% CI, and shares.

    - ``mean_change`` is the mean of the individual differences ``post - pre`` (which equals
      ``mean_post - mean_pre`` for matched pairs);
    - ``ci95`` is the t-based 95% confidence interval of the mean change,
      ``mean ± t(0.975, n-1) · sd / √n`` with the sample sd (n - 1); ``None`` when n < 2.
      When every difference is the same the interval has zero width;
    - ``share_improved`` / ``share_unchanged`` / ``share_declined`` are fractions of n (the
      matched pairs), by the sign of ``post - pre``; they sum to 1.

    With no pairs, every statistic is ``None`` (n = 0).
    """
    from scipy import special

    counted = Counted.of(pairs)
    n = counted.n_pairs
    if n == 0:
        return ChangeSummary(n=0, n_dropped=counted.n_dropped, mean_pre=None, mean_post=None,
                             mean_change=None, ci95=None, share_improved=None,
                             share_unchanged=None, share_declined=None)
    diffs = counted.differences()
    mean_change = _weighted_mean(diffs, n)
    ci95: tuple[float, float] | None = None
    if n >= 2:
        half = float(special.stdtrit(n - 1, 0.975)) * _weighted_sd(diffs, mean_change, n) / math.sqrt(n)
        ci95 = (mean_change - half, mean_change + half)
    pre: dict[float, int] = {}
    post: dict[float, int] = {}
    for (a, b), count in counted.counts.items():
        pre[a] = pre.get(a, 0) + count
        post[b] = post.get(b, 0) + count
    return ChangeSummary(
        n=n, n_dropped=counted.n_dropped,
        mean_pre=_weighted_mean(pre, n), mean_post=_weighted_mean(post, n), mean_change=mean_change,
        ci95=ci95,
        share_improved=sum(w for d, w in diffs.items() if d > 0) / n,
        share_unchanged=sum(w for d, w in diffs.items() if d == 0) / n,
        share_declined=sum(w for d, w in diffs.items() if d < 0) / n,
    )


# --------------------------------------------------------------------------------------------
# Wilcoxon signed-rank (ordinal items)


class WilcoxonResult(TypedDict):
    n: int
    n_dropped: int
    n_zero: int
    n_used: int
    w_plus: float | None
    w_minus: float | None
    statistic: float | None
    z: float | None
    p: float | None
    method: str | None
    effect_r: float | None
    rank_biserial: float | None


def wilcoxon_signed_rank(pairs: Pairs | Counted) -> WilcoxonResult:
    """Wilcoxon signed-rank test of ``post - pre`` for an ordinal (e.g. Likert) item.

    Zeros: ``zero_method="wilcox"`` — pairs whose answer did not change are dropped before
    ranking (``n_zero`` of them); the test, the ranks and the effect sizes use the remaining
    ``n_used`` non-zero differences. (Pratt's method would keep them in the ranking.)
    Ties among the |differences| get average ranks.

    The p-value (two-sided) comes from ``scipy.stats``; ``method`` says how:

    - ``"exact"``: the exact null distribution, when there are no tied |differences| and
      ``n_used <= 50``;
    - ``"permutation"``: with ties and ``n_used <= 13``, an exact sign-flip permutation test
      of W+ (``scipy.stats.permutation_test``, the same p-value as ``scipy.stats.wilcoxon``
      with ``method=PermutationMethod()``; all 2**n sign patterns are enumerated, so it is
      exact given the ties and deterministic) — the same choice as scipy's ``method="auto"``;
    - ``"asymptotic"``: otherwise, the normal approximation with the tie correction of the
      variance and no continuity correction.

    ``statistic`` is the two-sided statistic ``min(W+, W-)`` (as scipy reports it);
    ``w_plus`` / ``w_minus`` are the rank sums of the improvements and of the declines.

    Two effect sizes, both in [-1, 1] and positive for improvement:

    - ``effect_r = Z / √N`` with ``N = n_used`` (non-zero differences) and Z the normal
      approximation ``(W+ - N(N+1)/4) / σ``, σ with the tie correction, no continuity
      correction — computed this way whatever method gave the p-value;
    - ``rank_biserial``: the matched-pairs rank-biserial correlation ``(W+ - W-) / (W+ + W-)``
      (Kerby 2014), which does not depend on an approximation; prefer it for small groups.

    Degenerate cases: no pairs -> every statistic ``None``; all differences zero (nobody
    changed) -> ``statistic`` 0, ``p`` 1.0, both effects 0.0, ``method`` ``None`` (scipy would
    raise or warn here, so it is not called).
    """
    counted = Counted.of(pairs)
    nonzero = {d: w for d, w in counted.differences().items() if d != 0}
    n, n_used = counted.n_pairs, sum(nonzero.values())
    counts = {"n": n, "n_dropped": counted.n_dropped, "n_zero": n - n_used, "n_used": n_used}
    if n == 0:
        return WilcoxonResult(**counts, w_plus=None, w_minus=None, statistic=None, z=None,
                              p=None, method=None, effect_r=None, rank_biserial=None)
    if n_used == 0:
        return WilcoxonResult(**counts, w_plus=0.0, w_minus=0.0, statistic=0.0, z=0.0, p=1.0,
                              method=None, effect_r=0.0, rank_biserial=0.0)

    # Average ranks of |d| from the counts: the t people tied at one |d| share the ranks
    # below + 1 .. below + t, i.e. below + (t + 1) / 2 each.
    tie_counts_of: dict[float, int] = {}
    for d, w in nonzero.items():
        tie_counts_of[abs(d)] = tie_counts_of.get(abs(d), 0) + w
    rank_of, below = {}, 0
    for size in sorted(tie_counts_of):
        rank_of[size] = below + (tie_counts_of[size] + 1) / 2
        below += tie_counts_of[size]
    w_plus = float(sum(rank_of[d] * w for d, w in nonzero.items() if d > 0))
    w_minus = float(sum(rank_of[-d] * w for d, w in nonzero.items() if d < 0))
    import numpy as np
    from scipy import special, stats

    tie_counts = np.array(list(tie_counts_of.values()), dtype=float)
    has_ties = bool((tie_counts > 1).any())
    mean_w = n_used * (n_used + 1) / 4
    var_w = n_used * (n_used + 1) * (2 * n_used + 1) / 24 - float(
        (tie_counts ** 3 - tie_counts).sum()) / 48
    # var_w > 0 whenever n_used >= 1 (even if all |d| are tied: var = n^2 / 4).
    z = (w_plus - mean_w) / math.sqrt(var_w)

    if not has_ties and n_used <= WILCOXON_EXACT_MAX:
        method = "exact"
    elif has_ties and n_used <= WILCOXON_PERMUTATION_MAX:
        method = "permutation"
    else:
        method = "asymptotic"
    with _quiet():
        if method == "asymptotic":
            # What stats.wilcoxon(d, correction=False, method="asymptotic") computes (the tests
            # check it), without a value per person: the normal approximation of z above.
            p = float(2 * special.ndtr(-abs(z)))
        elif method == "permutation":
            # What stats.wilcoxon(d, method=stats.PermutationMethod()) computes, with the
            # statistic vectorised: flipping signs leaves the ranks of |d| unchanged, so W+ of
            # a sign pattern is the sum of the ranks it makes positive. ~30x faster at n = 13.
            d = counted.expanded_differences()
            d = d[d != 0]
            ranks = stats.rankdata(np.abs(d))

            def w_plus_of(x: np.ndarray, axis: int) -> np.ndarray:
                return np.sum(np.where(x > 0, ranks, 0.0), axis=axis)

            p = float(stats.permutation_test(
                (d,), w_plus_of, permutation_type="samples", vectorized=True,
                n_resamples=np.inf, alternative="two-sided").pvalue)
        else:
            d = counted.expanded_differences()
            p = float(stats.wilcoxon(d[d != 0], zero_method="wilcox", correction=False,
                                     alternative="two-sided", method=method).pvalue)
    return WilcoxonResult(
        **counts, w_plus=w_plus, w_minus=w_minus, statistic=min(w_plus, w_minus), z=z,
        p=min(1.0, p), method=method,
        effect_r=z / math.sqrt(n_used),
        rank_biserial=(w_plus - w_minus) / (w_plus + w_minus),
    )


# --------------------------------------------------------------------------------------------
# Paired t-test (scores)


class PairedTResult(TypedDict):
    n: int
    n_dropped: int
    mean_diff: float | None
    sd_diff: float | None
    t: float | None
    df: int | None
    p: float | None
    d_z: float | None


def paired_t(pairs: Pairs | Counted) -> PairedTResult:
    """Paired t-test of ``post - pre`` for scores (``scipy.stats.ttest_rel``), with Cohen's d_z.

    ``d_z = mean(diff) / sd(diff)`` (sample sd, n - 1): the standardised mean *change*, not
    Cohen's d of the two time points (which divides by the sd of the scores and is usually
    smaller). Note ``t = d_z · √n``. ``df = n - 1``; ``p`` is two-sided.

    Degenerate cases (never an exception or a warning):

    - n < 2: ``t``, ``df``, ``p``, ``d_z`` are ``None`` (and ``sd_diff`` too); ``mean_diff``
      is given when n = 1;
    - every difference zero (nobody changed): ``t`` 0.0, ``p`` 1.0, ``d_z`` 0.0;
    - every difference the same non-zero value (zero variance, e.g. everyone gained exactly
      2 points): the test is undefined (t would be infinite), so ``t``, ``p`` and ``d_z`` are
      ``None``; show the mean change and the share improved instead.
    """
    counted = Counted.of(pairs)
    n = counted.n_pairs
    diffs = counted.differences()
    none = dict(t=None, df=None, p=None, d_z=None)
    if n < 2:
        return PairedTResult(n=n, n_dropped=counted.n_dropped,
                             mean_diff=_weighted_mean(diffs, n) if n else None, sd_diff=None, **none)
    mean_diff = _weighted_mean(diffs, n)
    if len(diffs) == 1:  # zero variance, exactly
        mean_diff = next(iter(diffs))
        if mean_diff == 0:
            return PairedTResult(n=n, n_dropped=counted.n_dropped, mean_diff=0.0, sd_diff=0.0,
                                 t=0.0, df=n - 1, p=1.0, d_z=0.0)
        return PairedTResult(n=n, n_dropped=counted.n_dropped, mean_diff=mean_diff, sd_diff=0.0,
                             **{**none, "df": n - 1})
    sd_diff = _weighted_sd(diffs, mean_diff, n)
    # What stats.ttest_rel(post, pre) computes (the tests check it), from the counts.
    from scipy import special

    t = mean_diff / (sd_diff / math.sqrt(n))
    with _quiet():
        p = float(2 * special.stdtr(n - 1, -abs(t)))
    return PairedTResult(n=n, n_dropped=counted.n_dropped, mean_diff=mean_diff, sd_diff=sd_diff,
                         t=_finite_or_none(t), df=n - 1,
                         p=_finite_or_none(p), d_z=mean_diff / sd_diff)


# --------------------------------------------------------------------------------------------
# McNemar (right/wrong items)


class McNemarResult(TypedDict):
    n: int
    n_dropped: int
    b: int
    c: int
    statistic: float | None
    p: float | None
    method: str | None
    share_right_pre: float | None
    share_right_post: float | None
    difference: float | None
    odds_ratio: float | None


def mcnemar(pre_right: Sequence[bool | None], post_right: Sequence[bool | None]) -> McNemarResult:
    """McNemar's test for a right/wrong item answered before and after by the same people.

    ``b`` = right before and wrong after, ``c`` = wrong before and right after (the discordant
    pairs; people right or wrong both times do not enter the test). ``None`` drops the pair.

    Whatever the counts, ``method="exact"``: the exact conditional test, i.e. the two-sided
    exact binomial test of ``c`` successes in ``b + c`` trials with p = 1/2, the p-value of
    ``scipy.stats.binomtest(c, b + c)`` (statsmodels' ``mcnemar(exact=True)``, R's
    ``binom.test``); ``statistic = min(b, c)`` (the statsmodels convention). The counts are
    cheap to sum over at any size, so there is no switch to the chi-square approximation;
    docs/surveys.md says why this variant and not the mid-p one.

    Effects (both positive for improvement):

    - ``difference`` = ``(c - b) / n`` = share right after minus share right before, over
      all n matched pairs;
    - ``odds_ratio`` = ``c / b``, the conditional (matched-pairs) odds ratio; ``None`` when
      b = 0 (it would be infinite, or undefined when c = 0 too).

    No pairs: everything ``None`` (b = c = 0). Pairs but no discordant ones: p = 1.0,
    statistic 0.
    """
    if len(pre_right) != len(post_right):
        raise ValueError(f"pre has {len(pre_right)} values but post has {len(post_right)}")
    counts: dict[tuple[bool | None, bool | None], int] = {}
    for a, z in zip(pre_right, post_right, strict=True):
        key = (None if a is None else bool(a), None if z is None else bool(z))
        counts[key] = counts.get(key, 0) + 1
    return mcnemar_counted(counts)


def mcnemar_counted(counts: dict[tuple[bool | None, bool | None], int]) -> McNemarResult:
    """``mcnemar`` from counts: ``counts[(right before, right after)]`` people, None for a
    missing answer (such pairs are dropped and counted)."""
    b = c = both_right = n = dropped = 0
    for (a, z), count in counts.items():
        if a is None or z is None:
            dropped += count
            continue
        n += count
        if a and not z:
            b += count
        elif z and not a:
            c += count
        elif a and z:
            both_right += count
    if n == 0:
        return McNemarResult(n=0, n_dropped=dropped, b=0, c=0, statistic=None, p=None,
                             method=None, share_right_pre=None, share_right_post=None,
                             difference=None, odds_ratio=None)
    statistic, p = float(min(b, c)), 1.0
    if b != c:
        from scipy import special

        # Bin(b + c, 1/2) is symmetric: the two-sided p-value is twice the smaller tail (with
        # b = c every outcome is as likely or less, and p = 1).
        p = 2 * float(special.bdtr(min(b, c), b + c, 0.5))
    return McNemarResult(
        n=n, n_dropped=dropped, b=b, c=c, statistic=statistic, p=min(1.0, p), method="exact",
        share_right_pre=(both_right + b) / n, share_right_post=(both_right + c) / n,
        difference=(c - b) / n, odds_ratio=c / b if b else None,
    )


# --------------------------------------------------------------------------------------------
# Multiple items


def holm(p_values: list[float | None]) -> list[float | None]:
    """Holm-Bonferroni adjusted p-values, in the input order.

    With the m non-``None`` p-values sorted ascending, ``p(1) <= ... <= p(m)``, the adjusted
    value of the i-th is ``max over j <= i of min(1, (m - j + 1) · p(j))`` — monotone in the
    sorted order and capped at 1. Rejecting where the adjusted value is below alpha controls
    the family-wise error rate at alpha. ``None`` (an item whose test could not be computed)
    is passed through and does not count in m. Raises ``ValueError`` for a p outside [0, 1]
    or NaN.
    """
    present = [(i, p) for i, p in enumerate(p_values) if p is not None]
    for _, p in present:
        if not 0.0 <= p <= 1.0:  # also rejects NaN
            raise ValueError(f"p-value out of [0, 1]: {p!r}")
    m = len(present)
    adjusted: list[float | None] = [None] * len(p_values)
    running = 0.0
    for rank, (i, p) in enumerate(sorted(present, key=lambda ip: ip[1])):
        running = max(running, min(1.0, (m - rank) * p))
        adjusted[i] = running
    return adjusted


# --------------------------------------------------------------------------------------------
# Gain and mastery


class HakeGain(TypedDict):
    n: int
    n_dropped: int
    mean_pre: float | None
    mean_post: float | None
    class_average_gain: float | None
    mean_individual_gain: float | None
    n_individual: int
    n_excluded_at_max: int


def hake_gain(pre_scores: Sequence[float | None], post_scores: Sequence[float | None],
              max_score: float) -> HakeGain:
    """Hake's normalised gain, two ways — they are different numbers; label them apart.

    - ``class_average_gain`` (Hake 1998's ⟨g⟩): ``(mean_post - mean_pre) / (max - mean_pre)``
      over all matched pairs — the gain of the group average as a fraction of the gain that
      was possible. ``None`` with no pairs or when ``mean_pre == max_score``.
    - ``mean_individual_gain``: the mean over people of ``(post - pre) / (max - pre)``,
      skipping people who already had the maximum before (their gain is undefined; counted
      in ``n_excluded_at_max``; ``n_individual`` people are averaged). ``None`` when nobody is
      left. It weighs every person equally, so people with high pre scores (small
      denominators) move it a lot: a person going 8 -> 9 of 10 has g = 0.5, as much as one
      going 0 -> 5. In general it is not equal to the class-average gain.

    Gains are negative when scores went down. Pairs with a missing score are dropped
    (``n_dropped``). Raises ``ValueError`` if ``max_score <= 0`` or a score is outside
    ``[0, max_score]``.
    """
    return hake_gain_counted(Counted.of(paired(pre_scores, post_scores)), max_score)


def hake_gain_counted(scores: Counted, max_score: float) -> HakeGain:
    """``hake_gain`` from counted (pre score, post score) pairs."""
    if not max_score > 0:
        raise ValueError("max_score must be positive")
    for pair in scores.counts:
        for score in pair:
            if not 0 <= score <= max_score:
                raise ValueError(f"score {score!r} is outside [0, {max_score!r}]")
    n = scores.n_pairs
    if n == 0:
        return HakeGain(n=0, n_dropped=scores.n_dropped, mean_pre=None, mean_post=None,
                        class_average_gain=None, mean_individual_gain=None, n_individual=0,
                        n_excluded_at_max=0)
    mean_pre = math.fsum(a * w for (a, _), w in scores.counts.items()) / n
    mean_post = math.fsum(b * w for (_, b), w in scores.counts.items()) / n
    class_gain = None if mean_pre == max_score else (mean_post - mean_pre) / (max_score - mean_pre)
    n_individual = sum(w for (a, _), w in scores.counts.items() if a != max_score)
    individual = math.fsum((b - a) / (max_score - a) * w for (a, b), w in scores.counts.items() if a != max_score)
    return HakeGain(
        n=n, n_dropped=scores.n_dropped, mean_pre=mean_pre, mean_post=mean_post,
        class_average_gain=class_gain,
        mean_individual_gain=individual / n_individual if n_individual else None,
        n_individual=n_individual, n_excluded_at_max=n - n_individual,
    )


def mastery_share(scores: Sequence[float | None] | dict[float, int], threshold: float) -> float | None:
    """The share of scores at or above ``threshold`` (``>=``); ``None`` scores are ignored.

    Returns ``None`` when there are no (non-missing) scores. Compute it on pre and on post
    scores separately to show the change in the share reaching mastery. ``scores`` may also
    be counts: score -> how many people had it.
    """
    if isinstance(scores, dict):
        counts = {_check_number(s): n for s, n in scores.items() if s is not None and n}
    else:
        counts = {}
        for s in scores:
            if s is not None:
                counts[_check_number(s)] = counts.get(_check_number(s), 0) + 1
    total = sum(counts.values())
    if not total:
        return None
    return sum(n for s, n in counts.items() if s >= threshold) / total


# --------------------------------------------------------------------------------------------
# Small-cell suppression


def suppress(cells: dict[K, int], k: int = 5) -> dict[K, int | None]:
    """Hide small counts in a breakdown whose total is also published (``None`` = hidden).

    The rule, for one table (e.g. respondents by profession), in this order:

    1. Small total: if the sum of all cells is below ``k``, every cell is hidden (and the
       caller must hide the total as well).
    2. Primary suppression: every cell with ``0 < count < k`` is hidden. Zeros are shown.
    3. Secondary (complementary) suppression: if exactly one cell is hidden, it could be
       recovered by subtracting the others from the published total, so the smallest cell
       still shown whose count is positive is hidden too (ties: the first in the dict's
       order). A zero cell is never chosen: hiding a 0 beside the hidden cell would still let
       it be read off the total. The same is done when several cells are hidden but their
       values would still follow from the total because a hidden cell is known to lie in
       ``1..k-1``: when they sum to exactly their number (all 1s) or to their number times
       ``k - 1`` (all ``k - 1``). If no positive cell is left to hide, the whole table is
       hidden.

    This protects against recovery by subtraction within one table; it does not audit
    several overlapping tables (e.g. the same people broken down two ways) against each other.

    Returns a new dict in the same key order. ``k`` must be at least 1 (``k = 1`` hides
    nothing); counts must be non-negative integers.
    """
    if k < 1:
        raise ValueError("k must be at least 1")
    import numpy as np

    for key, count in cells.items():
        if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or count < 0:
            raise ValueError(f"count for {key!r} must be a non-negative integer, got {count!r}")
    if sum(cells.values()) < k:
        return {key: None for key in cells}
    hidden = [key for key, count in cells.items() if 0 < count < k]
    m, hidden_sum = len(hidden), sum(cells[key] for key in hidden)
    if m == 1 or (m > 1 and hidden_sum in (m, m * (k - 1))):
        shown = [(count, order, key) for order, (key, count) in enumerate(cells.items())
                 if key not in hidden and count > 0]
        if not shown:
            return {key: None for key in cells}
        hidden.append(min(shown, key=lambda c: (c[0], c[1]))[2])
    return {key: None if key in hidden else count for key, count in cells.items()}

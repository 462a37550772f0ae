"""What changed for a cohort, from its matched pre- and post-survey answers.

Nothing is shown about fewer than k respondents (AMICUS_MIN_CELL, 5 by default): with fewer
matched pairs only the counts appear; free text appears only when k or more answered it.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, distinct, func, select
from sqlalchemy.orm import aliased

from courses.models import Activity, Course, localized
from quizzes.surveys import stats as st
from quizzes.surveys import tallies
from quizzes.surveys.items import SurveyItem
from quizzes.surveys.models import Survey, SurveyAnswer, SurveyResponse
from training.accounts import User
from training.cohorts import Cohort, CohortMember, cohorts_run_by
from training.extensions import db
from training.i18n import list_join
from training.progress import Enrolment


@dataclass
class ItemResult:
    id: str
    kind: str  # knowledge, likert, self, retro
    label: str
    test: str  # "McNemar, exact conditional", "Wilcoxon", ...
    n: int
    pre: float | None  # share right, or mean on the scale
    post: float | None
    change: dict | None  # change_summary for scales
    p: float | None
    p_adjusted: float | None = None
    effect: float | None = None
    effect_name: str = ""
    reversed: bool = False  # a negatively worded item: its score is turned so that higher is better
    # Before and after: counts per answer (labels in order), for the stacked bars and their table.
    labels: list[str] = field(default_factory=list)
    counts_pre: list[int] = field(default_factory=list)
    counts_post: list[int] = field(default_factory=list)

    @property
    def bars(self) -> list[tuple[int, list[tuple[float, float, str]]]]:
        """The stacked bars of the chart: (y, [(x, width, colour) per answer]) before and after,
        on a 250-unit track starting at x = 60."""
        out = []
        for counts, y in ((self.counts_pre, 4), (self.counts_post, 32)):
            total, x, segments = sum(counts), 60.0, []
            for index, count in enumerate(counts):
                width = 250 * count / total if total else 0
                if width > 0:
                    colour = (SHADES[0] if index == 0 else SHADES[4]) if len(counts) == 2 else SHADES[index]
                    segments.append((round(x, 2), round(width, 2), colour))
                x += width
            out.append((y, segments))
        return out


#: The bars' colours, lightest first: wrong/right items use the first and the fifth.
SHADES = ("#d9cce6", "#b79ccf", "#9470b5", "#6b2f8f", "#4f1f6b", "#3a1450", "#260b36")


@dataclass
class SurveyResults:
    cohort: Cohort | None  # None: several cohorts, or the whole course
    scope: str  # what the results cover, in words
    course: Course
    instrument: str
    title: str
    k: int
    enrolled: int
    pre: int
    post: int
    matched: int
    shown: bool  # enough matched pairs to show anything beyond counts
    items: list[ItemResult] = field(default_factory=list)
    score: dict | None = None  # knowledge score: paired t, Hake gains, mastery
    self_report: dict | None = None  # "my knowledge increased": share agreeing, n
    comments: list[str] = field(default_factory=list)
    later: str = "post"  # the phase compared with "pre"
    phases: list[str] = field(default_factory=list)  # later phases this instrument has
    # Items asked only in the later phase (e.g. "since the training, have you applied for an
    # order?"): label, answer labels, counts; only from k respondents.
    behaviour: list[tuple[str, list[str], list[int]]] = field(default_factory=list)
    # Identified cohorts only: (handle, knowledge right before, after, out of) per participant.
    people: list[tuple[str, int | None, int | None, int]] = field(default_factory=list)
    # dimension -> rows (label, matched n or None when suppressed, knowledge % before, after)
    breakdowns: dict[str, list[tuple[str, int | None, float | None, float | None]]] = field(default_factory=dict)
    pairs: list[tuple[str, str, str, object, object]] = field(default_factory=list)  # for the de-identified CSV
    # Who answered how, per phase ("pre", and the later phase as "post"): {"account": n, "card": n}.
    by_source: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def with_cards(self) -> bool:
        return any(counts.get("card") for counts in self.by_source.values())

    def to_dict(self) -> dict:
        """Everything shown, for `flask surveys report --format json`."""
        return {
            "cohort": {"id": self.cohort.id, "name": self.cohort.name} if self.cohort else None,
            "scope": self.scope, "course": self.course.slug,
            "instrument": self.instrument, "k": self.k, "enrolled": self.enrolled, "pre": self.pre,
            "post": self.post, "matched": self.matched, "shown": self.shown, "by_source": self.by_source,
            "self_report": self.self_report, "score": self.score,
            "items": [vars(i) for i in self.items],
            "breakdowns": {d: [{"group": g, "n": n, "knowledge_pre_percent": a, "knowledge_post_percent": b}
                               for g, n, a, b in rows] for d, rows in self.breakdowns.items()},
        }


def rounded(x: float | None, digits: int = 0, scale: int = 1) -> Decimal | None:
    """``x`` (times ``scale``) rounded half up from the decimal it stands for (2.275 -> 2.28,
    0.425 as a percentage -> 43), not from its binary float (2.27499...): the same on the page,
    the CSV and the PDF."""
    if x is None:
        return None
    return (Decimal(repr(float(x))) * scale).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def percent(share: float | None, digits: int = 0) -> Decimal | None:
    """A share (0..1) as a percentage, rounded as ``rounded`` rounds."""
    return rounded(share, digits, 100)


def direction(before: float | None, after: float | None, digits: int = 0) -> str:
    """"up", "down" or "same", as the two numbers read once rounded (a sentence saying "rose"
    must not print 31% and 31%)."""
    a, b = rounded(before, digits), rounded(after, digits)
    if a is None or b is None or a == b:
        return "same"
    return "up" if b > a else "down"


def _scale_value(item: SurveyItem, value):
    if not isinstance(value, int):
        return None
    return item.points + 1 - value if item.reversed else value


def visible_cohorts(user: User, course: Course) -> list[Cohort] | None:
    """The cohorts of ``course`` whose results ``user`` may read: None means every response of
    the course (admins); a trainer gets the cohorts he runs; PermissionError for anyone else."""
    if user.is_authenticated and user.is_admin:
        return None
    if not user.is_authenticated or not user.is_trainer:
        raise PermissionError("trainers and admins only")
    mine = [c for c in cohorts_run_by(user) if c.course_id == course.id]
    if not mine:
        raise PermissionError("runs no cohort of this course")
    return mine


def course_survey_results(user: User, course: Course, activity_slug: str, locale: str, cohort_id: int | None = None,
                          mastery: float = 75.0, later: str = "post", with_pairs: bool = False) -> SurveyResults | None:
    """Results across the cohorts ``user`` may see (all of the course for admins), or one of them."""
    allowed = visible_cohorts(user, course)
    if cohort_id is not None:
        chosen = db.session.get(Cohort, cohort_id)
        if chosen is None or chosen.course_id != course.id or (allowed is not None and chosen not in allowed):
            raise PermissionError("not a cohort this user may see")
        allowed = [chosen]
    return compute(course, activity_slug, locale, mastery, cohorts=allowed, later=later, with_pairs=with_pairs)


def compute(course: Course, activity_slug: str, locale: str, mastery: float = 75.0,
            cohorts: list[Cohort] | None = None, later: str = "post", with_pairs: bool = False) -> SurveyResults | None:
    """The results themselves, without the access check (the server's CLI uses it directly).

    ``cohorts`` limits them to those cohorts' participants; None takes every response of the
    course. ``later`` is the phase compared with the pre-survey: "post" or "followup".
    ``with_pairs`` also lists every matched answer (for the de-identified CSV).

    The counts come from the tallies kept as responses are submitted (quizzes/surveys/tallies.py),
    summed by the database over the chosen cohorts: how many people gave each pair of answers
    (per item, before and after), each pair of knowledge scores, each answer of the later phase.
    The statistics run on those counts, never on rows per person, so the page reads and computes
    as much for 100,000 answers as for 100.
    """
    k = int(current_app.config["AMICUS_MIN_CELL"])
    asked = select(Survey.instrument).join(Activity, Activity.id == Survey.activity_id).where(
        Activity.course_id == course.id, Activity.slug == activity_slug).scalar_subquery()
    rows = db.session.execute(select(Survey, Activity.slug).join(Activity, Activity.id == Survey.activity_id).where(
        Activity.course_id == course.id, Survey.instrument == asked)).all()
    if not any(slug == activity_slug for _survey, slug in rows):
        return None
    found = tallies.Instrument(course.id, rows[0][0].instrument, {survey.phase: survey for survey, _slug in rows})
    tallies.ensure_current(found)
    surveys = found.surveys
    cohort_ids = None if cohorts is None else [c.id for c in cohorts]
    counts = tallies.read(found, later, cohort_ids)
    scope = _Scope(surveys.get("pre"), surveys.get(later), cohort_ids)
    n_pre = counts.responses.get(scope.pre_id, 0) if scope.pre_id else 0
    n_post = counts.responses.get(scope.post_id, 0) if scope.post_id else 0
    matched = counts.matched if scope.pairable else 0
    if cohorts is None:
        enrolled = db.session.execute(select(func.count(Enrolment.id)).where(Enrolment.course_id == course.id)).scalar_one()
        scope_text = str(_l("Everyone in the course"))
    else:
        enrolled = db.session.execute(select(func.count(distinct(CohortMember.user_id))).where(
            CohortMember.cohort_id.in_(cohort_ids), CohortMember.role == "participant")).scalar_one()
        scope_text = list_join(c.name for c in cohorts)
    result = SurveyResults(
        cohort=cohorts[0] if cohorts is not None and len(cohorts) == 1 else None, scope=scope_text, course=course,
        instrument=found.name, title=localized(course.titles, locale), k=k,
        enrolled=enrolled, pre=n_pre, post=n_post, matched=matched, shown=matched >= k, later=later)
    result.by_source = answered_by_source(scope, cohort_ids)
    post_items = {i.id: i for i in surveys[later].items} if later in surveys else {}
    pre_items = {i.id: i for i in surveys["pre"].items} if "pre" in surveys else {}
    result.phases = [phase for phase in ("post", "followup") if phase in surveys]
    if n_post >= k:
        _later_only(result, scope, pre_items, post_items, counts, locale)
    if result.cohort is not None and result.cohort.identified_surveys:
        result.people = _people(result.cohort, surveys, later, pre_items)
    if not result.shown:
        return result

    # Items nobody in scope answered (a cohort's adjustment left them out) are not analysed.
    knowledge = [i for i in pre_items.values() if i.type == "knowledge" and i.id in post_items
                 and counts.pairs.get(i.id)]
    result.items = _item_results(knowledge, pre_items, post_items, counts, matched, n_post, locale)
    if with_pairs:
        both = [i for i in pre_items.values() if i.id in post_items and i.type != "text"]
        single = [(i, "pre") for i in pre_items.values() if i.id not in post_items and i.type != "text"] + \
                 [(i, later) for i in post_items.values() if i.id not in pre_items and i.type != "text"]
        result.pairs = _matched_answers(scope, both, single)

    if knowledge and counts.scores:
        _knowledge_score(result, scope, course, len(knowledge), counts, mastery, k)
    return result


def answered_by_source(scope: _Scope, cohort_ids: list[int] | None) -> dict[str, dict[str, int]]:
    """Submitted responses before and after by source: signed in ("account") or with a respondent
    card ("card", quizzes/surveys/cards). One grouped count on the responses' index."""
    phases = {survey_id: phase for survey_id, phase in ((scope.pre_id, "pre"), (scope.post_id, "post")) if survey_id}
    if not phases:
        return {}
    query = select(SurveyResponse.survey_id, SurveyResponse.source, func.count()).where(
        SurveyResponse.survey_id.in_(list(phases)), SurveyResponse.state == "submitted")
    if cohort_ids is not None:
        query = query.where(SurveyResponse.cohort_id.in_(cohort_ids))
    out = {phase: {"account": 0, "card": 0} for phase in phases.values()}
    for survey_id, source, n in db.session.execute(query.group_by(SurveyResponse.survey_id, SurveyResponse.source)):
        out[phases[survey_id]][source] = n
    return out


def _later_only(result: SurveyResults, scope: _Scope, pre_items: dict[str, SurveyItem], post_items: dict[str, SurveyItem],
                counts, locale: str) -> None:
    """What is read of the later phase alone, once k people answered it: the behaviour items
    (asked only then), the self-report, and the comments (none if fewer than k)."""
    result.behaviour = _behaviour(pre_items, post_items, counts.answers, locale)
    result.self_report = _self_report(post_items, counts.answers, locale)
    text_items = [i.id for i in post_items.values() if i.type == "text"]
    if text_items:
        result.comments = sorted(db.session.execute(
            scope.where(select(SurveyAnswer.text).select_from(scope.A).join(
                SurveyAnswer, SurveyAnswer.response_id == scope.A.id), scope.A)
            .where(scope.A.survey_id == scope.post_id, SurveyAnswer.item.in_(text_items),
                   SurveyAnswer.text.is_not(None))).scalars())
    if len(result.comments) < result.k:
        result.comments = []  # too few to show without pointing at someone


def _item_results(knowledge: list[SurveyItem], pre_items: dict[str, SurveyItem], post_items: dict[str, SurveyItem],
                  counts, matched: int, n_post: int, locale: str) -> list[ItemResult]:
    """Item by item, for the matched people: each knowledge item (McNemar), each scale asked
    before and after (Wilcoxon), each retrospective "then" item against its "now" (Wilcoxon);
    items nobody answered left out, p-values adjusted together (Holm)."""
    items: list[ItemResult] = []
    # Translated once, not per item.
    # The variant is named wherever the test is (page, PDF, CSV): stats.mcnemar_counted.
    mcnemar, difference, wrong, right_word = (str(_l("McNemar, exact conditional")),
                                              str(_l("difference in the share right")),
                                              str(_l("wrong")), str(_l("right")))
    wilcoxon, then_now, rank_biserial = (str(_l("Wilcoxon")), str(_l("Wilcoxon (then vs now)")),
                                         str(_l("rank-biserial correlation")))
    for item in knowledge:
        right = _right_counts(counts.pairs[item.id], matched, item)
        m = st.mcnemar_counted(right)
        items.append(ItemResult(
            id=item.id, kind="knowledge", label=localized(item.text, locale), test=mcnemar, n=m["n"],
            pre=m["share_right_pre"], post=m["share_right_post"], change=None, p=m["p"],
            effect=m["difference"], effect_name=difference,
            labels=[wrong, right_word],
            counts_pre=[sum(n for (a, _b), n in right.items() if a is v) for v in (False, True)],
            counts_post=[sum(n for (_a, b), n in right.items() if b is v) for v in (False, True)]))
    for item in pre_items.values():
        if item.type in ("likert", "self") and item.id in post_items:
            scale = lambda value, item=item: _scale_value(item, value)  # noqa: E731
            items.append(_scale_result(item, _counted(counts.pairs.get(item.id, {}), matched, scale),
                                       wilcoxon, rank_biserial, locale))
    for item in post_items.values():
        if item.type == "retro" and item.of in post_items:
            now = post_items[item.of]
            pairs = _counted(counts.retro.get(item.id, {}), n_post, lambda value, item=item: _scale_value(item, value),
                             lambda value, now=now: _scale_value(now, value))
            items.append(_scale_result(item, pairs, then_now, rank_biserial, locale))
    items = [i for i in items if i.n]
    for item, adjusted in zip(items, st.holm([i.p for i in items]), strict=True):
        item.p_adjusted = adjusted
    return items


def _knowledge_score(result: SurveyResults, scope: _Scope, course: Course, top: int, counts, mastery: float,
                     k: int) -> None:
    """The knowledge score before and after (a score counts the knowledge items answered right;
    every item anyone here answered is counted in ``top``, so no score exceeds it), its tests,
    gains and mastery, and the breakdowns by profession, region and cohort."""
    scores = st.Counted(counts.scores)
    people = scores.n_pairs
    percent = {"pre": {}, "post": {}}
    for (a, b), n in counts.scores.items():
        percent["pre"][100 * a / top] = percent["pre"].get(100 * a / top, 0) + n
        percent["post"][100 * b / top] = percent["post"].get(100 * b / top, 0) + n
    result.score = {
        "max": top,
        "pre_percent": 100 * sum(a * n for (a, _b), n in counts.scores.items()) / (top * people),
        "post_percent": 100 * sum(b * n for (_a, b), n in counts.scores.items()) / (top * people),
        "t": st.paired_t(scores),
        "hake": st.hake_gain_counted(scores, top),
        "mastery": mastery,
        "mastery_pre": st.mastery_share(percent["pre"], mastery),
        "mastery_post": st.mastery_share(percent["post"], mastery),
    }
    result.score["direction"] = direction(result.score["pre_percent"], result.score["post_percent"])
    names = {} if result.cohort is not None else dict(db.session.execute(  # only the "by cohort" table names them
        select(Cohort.id, Cohort.name).where(Cohort.course_id == course.id)).all())
    present = _groups_present(scope, names if result.cohort is None else {})
    result.breakdowns = {
        dimension: _breakdown(counts.groups, dimension, names, top, k, present[dimension])
        for dimension in ("profession", "region") + (("cohort",) if result.cohort is None else ())
    }


class _Scope:
    """The submitted responses a result covers: ``A`` the pre-survey's (or any phase's), ``B``
    the later phase's, of the same person, both within the chosen cohorts. (For what is read
    person by person: comments and the matched answers' CSV.)"""

    def __init__(self, pre: Survey | None, post: Survey | None, cohort_ids: list[int] | None):
        self.pre_id = pre.id if pre else None
        self.post_id = post.id if post else None
        self.pairable = pre is not None and post is not None
        self.cohort_ids = cohort_ids
        self.A, self.B = aliased(SurveyResponse), aliased(SurveyResponse)

    def where(self, query, response):
        query = query.where(response.state == "submitted")
        if self.cohort_ids is not None:
            query = query.where(response.cohort_id.in_(self.cohort_ids))
        return query

    def matched(self, query):
        """``query`` over the pairs of responses (A before, B later) of one person."""
        query = query.select_from(self.A).join(self.B, and_(self.B.respondent_key == self.A.respondent_key,
                                                            self.B.survey_id == self.post_id))
        return self.where(self.where(query, self.A), self.B).where(self.A.survey_id == self.pre_id)


def _mapped(counts: dict[tuple, int], before, after=None):
    """(value before, value after, how many) for counted answer pairs; ``before``/``after`` map an
    answer to what is analysed, a missing answer stays None."""
    after = after or before
    for (a, b), n in counts.items():
        yield (before(a) if a is not None else None), (after(b) if b is not None else None), n


def _counted(counts: dict[tuple, int], total: int, before, after=None) -> st.Counted:
    """Counted pairs of answers as the statistics take them: the complete pairs, and the rest of
    ``total`` people as dropped."""
    out: dict[tuple, int] = {}
    for x, y, n in _mapped(counts, before, after):
        if x is not None and y is not None:
            out[(x, y)] = out.get((x, y), 0) + n
    complete = sum(out.values())
    return st.Counted(out, n_dropped=max(0, total - complete))


def _right_counts(counts: dict[tuple, int], total: int, item: SurveyItem) -> dict[tuple, int]:
    """(right before, right after) -> how many, None for no answer; people in ``total`` with no
    answer on either side count as (None, None)."""
    out: dict[tuple, int] = {}
    for x, y, n in _mapped(counts, lambda value: value == item.answer):
        out[(x, y)] = out.get((x, y), 0) + n
    missing = total - sum(counts.values())
    if missing > 0:
        out[(None, None)] = out.get((None, None), 0) + missing
    return out


def _matched_answers(scope: _Scope, both: list[SurveyItem], single: list[tuple[SurveyItem, str]]) -> list[tuple]:
    """Rows (pair id, item, phases, before, after) for the de-identified CSV: items asked in both
    phases for every matched person; items asked in one phase only (the self-report headline,
    behaviour items) for everyone who answered that phase, so that what the page reports can be
    rebuilt from the file."""
    ids = [i.id for i in both] + [i.id for i, _phase in single]
    multiple = {i.id for i in [*both, *(i for i, _phase in single)] if i.type == "multiple"}
    answers: dict[tuple[str, str], dict[str, object]] = {}
    keys = sorted(db.session.execute(scope.matched(select(scope.A.respondent_key))).scalars())
    for phase, survey_id in (("pre", scope.pre_id), ("post", scope.post_id)):
        r = aliased(SurveyResponse)
        query = scope.where(select(r.respondent_key, SurveyAnswer.item, SurveyAnswer.value)
                            .select_from(r).join(SurveyAnswer, SurveyAnswer.response_id == r.id), r).where(
            r.survey_id == survey_id, SurveyAnswer.item.in_(ids), SurveyAnswer.value.is_not(None))
        for key, item, value in db.session.execute(query):
            given = answers.setdefault((phase, key), {})
            if item in multiple:  # every choice ticked
                given.setdefault(item, []).append(value)
            else:
                given[item] = value
    rows = [(_pair_id(key), item.id, "pre+post", _export_value(item, answers.get(("pre", key), {})),
             _export_value(item, answers.get(("post", key), {}))) for item in both for key in keys]
    for item, phase in single:
        side = "pre" if phase == "pre" else "post"
        for key in sorted(k for (p, k), given in answers.items() if p == side and item.id in given):
            value = _export_value(item, answers[(side, key)])
            rows.append((_pair_id(key), item.id, phase, value if side == "pre" else None,
                         value if side == "post" else None))
    return rows


def _export_value(item: SurveyItem, answers: dict):
    """Knowledge items as 1 (right) / 0 (wrong); scales as analysed (reversed items turned)."""
    value = answers.get(item.id)
    if value is None:
        return None
    if item.type == "knowledge":
        return int(value == item.answer)
    if item.type in ("single", "multiple"):
        return " ".join(str(v) for v in sorted(value)) if isinstance(value, list) else value  # choices, from 0
    return _scale_value(item, value)


def _pair_id(respondent_key: str) -> str:
    """A shorter pseudonym for exports, derived from the stored one (the same in every export)."""
    return hashlib.sha256(respondent_key.encode()).hexdigest()[:16]


def _groups_present(scope: _Scope, names: dict[int, str]) -> dict[str, set[str]]:
    """The groups that answered either survey in scope, matched or not (so that a group with
    fewer than k matched people still has its row, marked as hidden): dimension -> groups."""
    r = aliased(SurveyResponse)
    rows = db.session.execute(scope.where(select(r.profession, r.region, r.cohort_id).distinct(), r).where(
        r.survey_id.in_([i for i in (scope.pre_id, scope.post_id) if i]))).all()
    return {"profession": {p or "" for p, _r, _c in rows}, "region": {region or "" for _p, region, _c in rows},
            "cohort": {names.get(c or 0, "") for _p, _r, c in rows}}


def _breakdown(groups: dict[tuple[int, str, str], list[int]], dimension: str, names: dict[int, str], top: int,
               k: int, present: set[str] = frozenset()):
    """Knowledge score before/after per group; groups under k (and what would reveal them) hidden,
    with a row each (n None), also groups that answered but have nobody matched."""
    members: dict[str, list[int]] = {group: [0, 0, 0] for group in present}
    for (cohort_id, profession, region), (n, sum_pre, sum_post) in groups.items():
        group = {"profession": profession or "", "region": region, "cohort": names.get(cohort_id, "")}[dimension]
        totals = members.setdefault(group or "", [0, 0, 0])
        totals[0] += n
        totals[1] += sum_pre
        totals[2] += sum_post
    shown = st.suppress({group: totals[0] for group, totals in sorted(members.items())}, k)
    rows = []
    for group, count in shown.items():
        if not count:  # hidden, or nobody matched: "fewer than k" either way
            rows.append((group, None, None, None))
            continue
        rows.append((group, count, 100 * members[group][1] / (top * count), 100 * members[group][2] / (top * count)))
    return rows


def _scale_result(item: SurveyItem, pairs: st.Counted, test: str, effect_name: str, locale: str) -> ItemResult:
    w = st.wilcoxon_signed_rank(pairs)
    change = st.change_summary(pairs)
    points = item.points
    reverse = bool(item.reversed)
    # The answer table counts the answers as given (1..points as asked), not as turned for the score.
    as_asked = (lambda v: points + 1 - v) if reverse else (lambda v: v)
    return ItemResult(id=item.id, kind=item.type, label=localized(item.text, locale), test=test,
                      n=pairs.n_pairs, pre=change["mean_pre"], post=change["mean_post"], change=change, p=w["p"],
                      effect=w["rank_biserial"], effect_name=effect_name, reversed=reverse,
                      labels=[str(v) for v in range(1, points + 1)],
                      counts_pre=[sum(n for (a, _b), n in pairs.counts.items() if a == as_asked(v))
                                  for v in range(1, points + 1)],
                      counts_post=[sum(n for (_a, b), n in pairs.counts.items() if b == as_asked(v))
                                   for v in range(1, points + 1)])


def _people(cohort: Cohort, surveys: dict, later: str, items: dict[str, SurveyItem]) -> list:
    """Per participant of an identified cohort: her knowledge items right before and after."""
    knowledge = [i for i in items.values() if i.type == "knowledge"]
    phase_of = {s.id: phase for phase, s in surveys.items() if phase in ("pre", later)}
    answers: dict[str, dict[str, dict]] = {"pre": {}, later: {}}
    accounts: dict[str, int] = {}
    for r in db.session.execute(select(SurveyResponse).where(
            SurveyResponse.survey_id.in_(list(phase_of)), SurveyResponse.state == "submitted",
            SurveyResponse.cohort_id == cohort.id)).scalars():
        answers[phase_of[r.survey_id]][r.respondent_key] = r.answers or {}
        if r.user_id is not None:
            accounts[r.respondent_key] = r.user_id
    handles = dict(db.session.execute(select(User.id, User.handle).where(User.id.in_(set(accounts.values())))).all())

    def right(given):
        return None if given is None else sum(given.get(i.id) == i.answer for i in knowledge)

    rows = [(handles.get(user_id, "?"), right(answers["pre"].get(key)), right(answers[later].get(key)), len(knowledge))
            for key, user_id in accounts.items()]
    return sorted(rows, key=lambda row: row[0].casefold())


def _behaviour(pre_items: dict[str, SurveyItem], later_items: dict[str, SurveyItem], counts: dict[str, dict[int, int]], locale: str) -> list:
    """Choice items asked only in the later phase, as counts per answer."""
    rows = []
    for item in later_items.values():
        if item.id in pre_items or item.type not in ("single", "multiple"):
            continue
        given = counts.get(item.id, {})
        rows.append((localized(item.text, locale), [localized(c, locale) for c in item.choices],
                     [given.get(v, 0) for v in range(len(item.choices))]))
    return rows


def _self_report(post_items: dict[str, SurveyItem], counts: dict[str, dict[int, int]], locale: str) -> dict | None:
    item = next((i for i in post_items.values() if i.headline == "self_report"), None)
    if item is None:
        return None
    given = counts.get(item.id, {})
    n = sum(given.values())
    if not n:
        return None
    agree_from = 4 if item.points == 5 else 5
    return {"label": localized(item.text, locale), "n": n,
            "share": sum(count for value, count in given.items() if value >= agree_from) / n}


def results_table(r: SurveyResults) -> list[list]:
    """The results as rows, for CSV (the same whether downloaded or printed by the CLI).

    Numbers are rounded half up from their decimal value (``rounded``: 4 places, p-values 4 too);
    a suppressed group's n reads "fewer than k" with the reason in ``note``."""
    def num(x, digits=4):
        return "" if x is None or x == "" else rounded(x, digits)

    blank = [""] * 3
    rows = [["measure", "item", "test", "n", "pre", "post", "p", "p_holm", "effect", "effect_name",
             "mean_change", "ci95_low", "ci95_high", "note"],
            ["counts", "enrolled", "", r.enrolled, "", "", "", "", "", "", *blank, ""],
            ["counts", "answered_pre", "", r.pre, "", "", "", "", "", "", *blank, ""],
            ["counts", "answered_post", "", r.post, "", "", "", "", "", "", *blank, ""],
            ["counts", "matched", "", r.matched, "", "", "", "", "", "", *blank, ""]]
    for phase, counts in r.by_source.items():
        for source in ("account", "card"):
            rows.append(["counts", f"answered_{phase}_{source}", "", counts.get(source, 0), "", "", "", "", "", "",
                         *blank, "answered with a respondent card" if source == "card" else "answered signed in"])
    if r.self_report:
        rows.append(["self_report", r.self_report["label"], "", r.self_report["n"], "", num(r.self_report["share"]),
                     "", "", "", "share agreeing", *blank, "self-report"])
    if r.score:
        t = r.score["t"]
        rows.append(["knowledge_score_percent", "", "paired t", t["n"], num(r.score["pre_percent"]),
                     num(r.score["post_percent"]), num(t["p"]), "", num(t["d_z"]), "d_z", *blank, ""])
        rows.append(["hake_gain", "class_average", "", r.score["hake"]["n"], "",
                     num(r.score["hake"]["class_average_gain"]), "", "", "", "", *blank, ""])
        rows.append(["hake_gain", "mean_of_individuals", "", r.score["hake"]["n_individual"], "",
                     num(r.score["hake"]["mean_individual_gain"]), "", "", "", "", *blank, ""])
    for i in r.items:
        change = i.change or {}
        ci = change.get("ci95") or (None, None)
        rows.append(["item", i.id, i.test, i.n, num(i.pre), num(i.post), num(i.p), num(i.p_adjusted), num(i.effect),
                     i.effect_name, num(change.get("mean_change")), num(ci[0]), num(ci[1]),
                     "reversed item: score turned so that higher is better" if i.reversed else ""])
    for dimension, groups in r.breakdowns.items():
        for group, n, before, after in groups:
            rows.append([f"knowledge_by_{dimension}", group or "-", "", n if n is not None else f"fewer than {r.k}",
                         num(before), num(after), "", "", "", "", *blank,
                         "" if n is not None else f"suppressed: fewer than {r.k} matched people in this group"])
    return rows

"""What changed for a cohort, from its matched pre- and post-survey answers.

Nothing is shown about fewer than k respondents (AMICUS_MIN_CELL, 5 by default): with fewer
matched pairs only the counts appear; free text appears only when k or more answered it.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import aliased

from courses.models import Activity, Course, localized
from quizzes import survey_stats as st
from quizzes.surveys.models import Survey, SurveyAnswer, SurveyResponse
from training.accounts import User
from training.cohorts import Cohort, cohorts_run_by, participants
from training.progress import Enrolment
from training.extensions import db


@dataclass
class ItemResult:
    id: str
    kind: str  # knowledge, likert, self, retro
    label: str
    test: str  # "McNemar", "Wilcoxon", ...
    n: int
    pre: float | None  # share right, or mean on the scale
    post: float | None
    change: dict | None  # change_summary for scales
    p: float | None
    p_adjusted: float | None = None
    effect: float | None = None
    effect_name: str = ""
    # Before and after: counts per answer (labels in order), for the stacked bars and their table.
    labels: list[str] = field(default_factory=list)
    counts_pre: list[int] = field(default_factory=list)
    counts_post: list[int] = field(default_factory=list)


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
    pairs: list[tuple[str, str, object, object]] = field(default_factory=list)  # for the de-identified CSV

    def to_dict(self) -> dict:
        """Everything shown, for `flask surveys report --format json`."""
        return {
            "cohort": {"id": self.cohort.id, "name": self.cohort.name} if self.cohort else None,
            "scope": self.scope, "course": self.course.slug,
            "instrument": self.instrument, "k": self.k, "enrolled": self.enrolled, "pre": self.pre,
            "post": self.post, "matched": self.matched, "shown": self.shown,
            "self_report": self.self_report, "score": self.score,
            "items": [vars(i) for i in self.items],
            "breakdowns": {d: [{"group": g, "n": n, "knowledge_pre_percent": a, "knowledge_post_percent": b}
                               for g, n, a, b in rows] for d, rows in self.breakdowns.items()},
        }


def _scale_value(item: dict, value):
    if not isinstance(value, int):
        return None
    return item["points"] + 1 - value if item.get("reversed") else value


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

    The database does the counting (survey_answers, one row per answer): what comes back is
    how many people gave each pair of answers (per item, before and after), each pair of
    knowledge scores (per group), each answer of the later phase; the statistics run on those
    counts, never on rows per person, so the work does not grow with the number of answers.
    """
    k = int(current_app.config["AMICUS_MIN_CELL"])
    found = db.session.execute(select(Survey).join(Activity, Activity.id == Survey.activity_id).where(
        Activity.course_id == course.id, Activity.slug == activity_slug)).scalar_one_or_none()
    if found is None:
        return None
    surveys = {s.phase: s for s in db.session.execute(select(Survey).join(Activity, Activity.id == Survey.activity_id)
               .where(Activity.course_id == course.id, Survey.instrument == found.instrument)).scalars()}
    scope = _Scope(surveys.get("pre"), surveys.get(later), None if cohorts is None else [c.id for c in cohorts])
    counts = dict(db.session.execute(
        scope.where(select(scope.A.survey_id, func.count()), scope.A).where(
            scope.A.survey_id.in_([s.id for s in surveys.values()])).group_by(scope.A.survey_id)).all())
    n_pre = counts.get(scope.pre_id, 0) if scope.pre_id else 0
    n_post = counts.get(scope.post_id, 0) if scope.post_id else 0
    matched = db.session.execute(scope.matched(select(func.count()))).scalar_one() if scope.pairable else 0
    if cohorts is None:
        enrolled = db.session.execute(select(func.count(Enrolment.id)).where(Enrolment.course_id == course.id)).scalar_one()
        scope_text = str(_l("Everyone in the course"))
    else:
        enrolled = len({p.id for c in cohorts for p in participants(c)})
        scope_text = ", ".join(c.name for c in cohorts)
    result = SurveyResults(
        cohort=cohorts[0] if cohorts is not None and len(cohorts) == 1 else None, scope=scope_text, course=course,
        instrument=found.instrument, title=localized(course.titles, locale), k=k,
        enrolled=enrolled, pre=n_pre, post=n_post, matched=matched, shown=matched >= k, later=later)
    post_items = {i["id"]: i for i in surveys[later].items} if later in surveys else {}
    pre_items = {i["id"]: i for i in surveys["pre"].items} if "pre" in surveys else {}
    result.phases = [phase for phase in ("post", "followup") if phase in surveys]
    if n_post >= k:
        later_counts = _later_counts(scope, post_items)
        result.behaviour = _behaviour(pre_items, post_items, later_counts, locale)
        result.self_report = _self_report(post_items, later_counts, locale)
        text_items = [i["id"] for i in post_items.values() if i["type"] == "text"]
        if text_items:
            result.comments = sorted(db.session.execute(
                scope.where(select(SurveyAnswer.text).select_from(scope.A).join(
                    SurveyAnswer, SurveyAnswer.response_id == scope.A.id), scope.A)
                .where(scope.A.survey_id == scope.post_id, SurveyAnswer.item.in_(text_items),
                       SurveyAnswer.text.is_not(None))).scalars())
        if len(result.comments) < k:
            result.comments = []  # too few to show without pointing at someone
    if result.cohort is not None and result.cohort.identified_surveys:
        result.people = _people(result.cohort, surveys, later, pre_items)
    if not result.shown:
        return result

    pair_counts = _pair_counts(scope, [i["id"] for i in pre_items.values()
                                       if i["type"] in ("knowledge", "likert", "self") and i["id"] in post_items])
    # Items nobody in scope was asked (a cohort's adjustment left them out) are not analysed.
    knowledge = [i for i in pre_items.values() if i["type"] == "knowledge" and i["id"] in post_items
                 and any(before is not None for before, _after in pair_counts.get(i["id"], {}))]
    for item in knowledge:
        def right(value, item=item):
            return None if value is None else value == item["answer"]
        pre_right, post_right = _expand(pair_counts[item["id"]], matched, right)
        m = st.mcnemar(pre_right, post_right)
        result.items.append(ItemResult(
            id=item["id"], kind="knowledge", label=localized(item["text"], locale), test=str(_l("McNemar")), n=m["n"],
            pre=m["share_right_pre"], post=m["share_right_post"], change=None, p=m["p"],
            effect=m["difference"], effect_name=str(_l("difference in the share right")),
            labels=[str(_l("wrong")), str(_l("right"))],
            counts_pre=[pre_right.count(False), pre_right.count(True)],
            counts_post=[post_right.count(False), post_right.count(True)]))
    for item in pre_items.values():
        if item["type"] in ("likert", "self") and item["id"] in post_items:
            scale = lambda value, item=item: _scale_value(item, value)  # noqa: E731
            pairs = _pairs(pair_counts.get(item["id"], {}), matched, scale)
            result.items.append(_scale_result(item, pairs, str(_l("Wilcoxon")), locale))
    retro = [i for i in post_items.values() if i["type"] == "retro" and i.get("of") in post_items]
    if retro:
        then_now = _retro_counts(scope, [(i["id"], i["of"]) for i in retro])
        for item in retro:
            now = post_items[item["of"]]
            pairs = _pairs(then_now.get(item["id"], {}), n_post, lambda value, item=item: _scale_value(item, value),
                           lambda value, now=now: _scale_value(now, value))
            result.items.append(_scale_result(item, pairs, str(_l("Wilcoxon (then vs now)")), locale))
    result.items = [i for i in result.items if i.n]
    for item, adjusted in zip(result.items, st.holm([i.p for i in result.items]), strict=True):
        item.p_adjusted = adjusted
    if with_pairs:
        result.pairs = _matched_answers(scope, [pre_items[i.id] for i in result.items
                                                if i.kind in ("knowledge", "likert", "self")])

    if knowledge:
        top = len(knowledge)
        people = _score_counts(scope, knowledge, names={c.id: c.name for c in db.session.execute(
            select(Cohort).where(Cohort.course_id == course.id)).scalars()})
        pre_scores = [row.pre for row in people for _ in range(row.n)]
        post_scores = [row.post for row in people for _ in range(row.n)]
        result.score = {
            "max": top,
            "pre_percent": 100 * sum(pre_scores) / (top * len(pre_scores)),
            "post_percent": 100 * sum(post_scores) / (top * len(post_scores)),
            "t": st.paired_t(st.paired(pre_scores, post_scores)),
            "hake": st.hake_gain(pre_scores, post_scores, top),
            "mastery": mastery,
            "mastery_pre": st.mastery_share([100 * s / top for s in pre_scores], mastery),
            "mastery_post": st.mastery_share([100 * s / top for s in post_scores], mastery),
        }
        result.breakdowns = {
            dimension: _breakdown(people, dimension, top, k)
            for dimension in ("profession", "region") + (("cohort",) if result.cohort is None else ())
        }
    return result


class _Scope:
    """The submitted responses a result covers: ``A`` the pre-survey's (or any phase's), ``B``
    the later phase's, of the same person, both within the chosen cohorts."""

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


def _pair_counts(scope: _Scope, items: list[str]) -> dict[str, dict[tuple, int]]:
    """item -> {(answer before, answer after): how many matched people}, None for no answer.
    Pairs where only the later answer exists come from a second query (no FULL JOIN in SQLite)."""
    if not items or not scope.pairable:
        return {}
    before, after = aliased(SurveyAnswer), aliased(SurveyAnswer)
    out: dict[str, dict[tuple, int]] = {}
    both = scope.matched(select(before.item, before.value, after.value, func.count())).join(
        before, and_(before.response_id == scope.A.id, before.position == 0, before.item.in_(items))).outerjoin(
        after, and_(after.response_id == scope.B.id, after.position == 0, after.item == before.item)).group_by(
        before.item, before.value, after.value)
    only_after = scope.matched(select(after.item, after.value, func.count())).join(
        after, and_(after.response_id == scope.B.id, after.position == 0, after.item.in_(items))).outerjoin(
        before, and_(before.response_id == scope.A.id, before.position == 0, before.item == after.item)).where(
        before.item.is_(None)).group_by(after.item, after.value)
    for item, a, b, n in db.session.execute(both):
        out.setdefault(item, {})[(a, b)] = n
    for item, b, n in db.session.execute(only_after):
        out.setdefault(item, {})[(None, b)] = n
    return out


def _retro_counts(scope: _Scope, pairs: list[tuple[str, str]]) -> dict[str, dict[tuple, int]]:
    """retro item -> {(answer "before the training", answer "now"): how many}, in later responses."""
    then, now = aliased(SurveyAnswer), aliased(SurveyAnswer)
    out: dict[str, dict[tuple, int]] = {}
    for retro_id, now_id in pairs:
        query = scope.where(select(then.value, now.value, func.count()).select_from(scope.A).join(
            then, and_(then.response_id == scope.A.id, then.item == retro_id, then.position == 0)).join(
            now, and_(now.response_id == scope.A.id, now.item == now_id, now.position == 0)), scope.A).where(
            scope.A.survey_id == scope.post_id).group_by(then.value, now.value)
        out[retro_id] = {(a, b): n for a, b, n in db.session.execute(query)}
    return out


def _mapped(counts: dict[tuple, int], before, after=None):
    """(value before, value after, how many) for counted answer pairs; ``before``/``after`` map an
    answer to what is analysed, a missing answer stays None."""
    after = after or before
    for (a, b), n in counts.items():
        yield (before(a) if a is not None else None), (after(b) if b is not None else None), n


def _pairs(counts: dict[tuple, int], total: int, before, after=None) -> st.Pairs:
    """Counted pairs of answers as the statistics' Pairs (complete pairs; the rest of ``total``
    people dropped), without a list per person to check: the values come from the database."""
    xs, ys = [], []
    for x, y, n in _mapped(counts, before, after):
        if x is not None and y is not None:
            xs.extend([float(x)] * n)
            ys.extend([float(y)] * n)
    return st.Pairs(xs, ys, n_dropped=max(0, total - len(xs)))


def _expand(counts: dict[tuple, int], total: int, before, after=None) -> tuple[list, list]:
    """Counted pairs as two lists of values, padded with (None, None) to ``total`` people: the
    same lists as one per person."""
    xs, ys = [], []
    for x, y, n in _mapped(counts, before, after):
        xs.extend([x] * n)
        ys.extend([y] * n)
    missing = max(0, total - len(xs))
    return xs + [None] * missing, ys + [None] * missing


@dataclass
class _People:
    pre: int
    post: int
    profession: str
    region: str
    cohort: str
    n: int


def _score_counts(scope: _Scope, knowledge: list[dict], names: dict[int, str]) -> list[_People]:
    """How many matched people had each pair of knowledge scores, per profession, region and
    cohort (those of the pre-survey's response)."""
    right = or_(*[and_(SurveyAnswer.item == i["id"], SurveyAnswer.value == i["answer"]) for i in knowledge])
    ids = [i["id"] for i in knowledge]

    def scores(survey_id):
        r = aliased(SurveyResponse)
        query = select(r.respondent_key.label("key"), r.profession.label("profession"), r.region.label("region"),
                       r.cohort_id.label("cohort_id"),
                       func.coalesce(func.sum(case((right, 1), else_=0)), 0).label("score")).select_from(r).outerjoin(
            SurveyAnswer, and_(SurveyAnswer.response_id == r.id, SurveyAnswer.position == 0,
                               SurveyAnswer.item.in_(ids))).where(r.survey_id == survey_id)
        return scope.where(query, r).group_by(r.respondent_key, r.profession, r.region, r.cohort_id).subquery()

    before, after = scores(scope.pre_id), scores(scope.post_id)
    rows = db.session.execute(select(before.c.score, after.c.score, before.c.profession, before.c.region,
                                     before.c.cohort_id, func.count()).select_from(before).join(
        after, after.c.key == before.c.key).group_by(before.c.score, after.c.score, before.c.profession,
                                                     before.c.region, before.c.cohort_id))
    return [_People(int(a), int(b), profession or "other", region or "", names.get(cohort_id, ""), n)
            for a, b, profession, region, cohort_id, n in rows]


def _later_counts(scope: _Scope, later_items: dict) -> dict[str, dict[int, int]]:
    """item -> {answer: how many later-phase responses chose it}, for choice and scale items."""
    wanted = [i["id"] for i in later_items.values() if i["type"] in ("single", "multiple", "likert", "self")]
    if not wanted or scope.post_id is None:
        return {}
    query = scope.where(select(SurveyAnswer.item, SurveyAnswer.value, func.count()).select_from(scope.A).join(
        SurveyAnswer, SurveyAnswer.response_id == scope.A.id), scope.A).where(
        scope.A.survey_id == scope.post_id, SurveyAnswer.item.in_(wanted), SurveyAnswer.value.is_not(None)).group_by(
        SurveyAnswer.item, SurveyAnswer.value)
    out: dict[str, dict[int, int]] = {}
    for item, value, n in db.session.execute(query):
        out.setdefault(item, {})[value] = n
    return out


def _matched_answers(scope: _Scope, items: list[dict]) -> list[tuple[str, str, object, object]]:
    """Every matched person's answers to the analysed items (pair id, item, before, after)."""
    ids = [i["id"] for i in items]
    answers: dict[tuple[str, str], dict[str, int]] = {}
    keys = sorted(db.session.execute(scope.matched(select(scope.A.respondent_key))).scalars())
    for phase, survey_id in (("pre", scope.pre_id), ("post", scope.post_id)):
        r = aliased(SurveyResponse)
        query = scope.where(select(r.respondent_key, SurveyAnswer.item, SurveyAnswer.value).select_from(r).join(
            SurveyAnswer, SurveyAnswer.response_id == r.id), r).where(
            r.survey_id == survey_id, SurveyAnswer.item.in_(ids), SurveyAnswer.position == 0)
        for key, item, value in db.session.execute(query):
            answers.setdefault((phase, key), {})[item] = value
    return [(_pair_id(key), item["id"], _export_value(item, answers.get(("pre", key), {})),
             _export_value(item, answers.get(("post", key), {}))) for item in items for key in keys]


def _export_value(item: dict, answers: dict):
    """Knowledge items as 1 (right) / 0 (wrong); scales as analysed (reversed items turned)."""
    value = answers.get(item["id"])
    if value is None:
        return None
    if item["type"] == "knowledge":
        return int(value == item["answer"])
    return _scale_value(item, value)


def _pair_id(respondent_key: str) -> str:
    """A shorter pseudonym for exports, derived from the stored one (the same in every export)."""
    return hashlib.sha256(respondent_key.encode()).hexdigest()[:16]


def _breakdown(people: list[_People], dimension: str, top: int, k: int):
    """Knowledge score before/after per group; groups under k (and what would reveal them) hidden."""
    members: dict[str, list[_People]] = {}
    for row in people:
        members.setdefault(getattr(row, dimension) or "", []).append(row)
    shown = st.suppress({group: sum(r.n for r in rows) for group, rows in sorted(members.items())}, k)
    rows = []
    for group, count in shown.items():
        if count is None:
            rows.append((group, None, None, None))
            continue
        rows.append((group, count, 100 * sum(r.pre * r.n for r in members[group]) / (top * count),
                     100 * sum(r.post * r.n for r in members[group]) / (top * count)))
    return rows


def _scale_result(item: dict, pairs, test: str, locale: str) -> ItemResult:
    w = st.wilcoxon_signed_rank(pairs)
    change = st.change_summary(pairs)
    points = item["points"]
    return ItemResult(id=item["id"], kind=item["type"], label=localized(item["text"], locale), test=test,
                      n=pairs.n_pairs, pre=change["mean_pre"], post=change["mean_post"], change=change, p=w["p"],
                      effect=w["rank_biserial"], effect_name=str(_l("rank-biserial correlation")),
                      labels=[str(v) for v in range(1, points + 1)],
                      counts_pre=[pairs.pre.count(v) for v in range(1, points + 1)],
                      counts_post=[pairs.post.count(v) for v in range(1, points + 1)])


def _people(cohort: Cohort, surveys: dict, later: str, items: dict) -> list:
    """Per participant of an identified cohort: her knowledge items right before and after."""
    knowledge = [i for i in items.values() if i["type"] == "knowledge"]
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
        return None if given is None else sum(given.get(i["id"]) == i["answer"] for i in knowledge)

    rows = [(handles.get(user_id, "?"), right(answers["pre"].get(key)), right(answers[later].get(key)), len(knowledge))
            for key, user_id in accounts.items()]
    return sorted(rows, key=lambda row: row[0].casefold())


def _behaviour(pre_items: dict, later_items: dict, counts: dict[str, dict[int, int]], locale: str) -> list:
    """Choice items asked only in the later phase, as counts per answer."""
    rows = []
    for item in later_items.values():
        if item["id"] in pre_items or item["type"] not in ("single", "multiple"):
            continue
        given = counts.get(item["id"], {})
        rows.append((localized(item["text"], locale), [localized(c, locale) for c in item["choices"]],
                     [given.get(v, 0) for v in range(len(item["choices"]))]))
    return rows


def _self_report(post_items: dict, counts: dict[str, dict[int, int]], locale: str) -> dict | None:
    item = next((i for i in post_items.values() if i.get("headline") == "self_report"), None)
    if item is None:
        return None
    given = counts.get(item["id"], {})
    n = sum(given.values())
    if not n:
        return None
    agree_from = 4 if item["points"] == 5 else 5
    return {"label": localized(item["text"], locale), "n": n,
            "share": sum(count for value, count in given.items() if value >= agree_from) / n}


def results_table(r: SurveyResults) -> list[list]:
    """The results as rows, for CSV (the same whether downloaded or printed by the CLI)."""
    rows = [["measure", "item", "test", "n", "pre", "post", "p", "p_holm", "effect", "effect_name"],
            ["counts", "enrolled", "", r.enrolled, "", "", "", "", "", ""],
            ["counts", "answered_pre", "", r.pre, "", "", "", "", "", ""],
            ["counts", "answered_post", "", r.post, "", "", "", "", "", ""],
            ["counts", "matched", "", r.matched, "", "", "", "", "", ""]]
    if r.self_report:
        rows.append(["self_report", r.self_report["label"], "", r.self_report["n"], "", r.self_report["share"],
                     "", "", "", "share agreeing"])
    if r.score:
        t = r.score["t"]
        rows.append(["knowledge_score_percent", "", "paired t", t["n"], r.score["pre_percent"], r.score["post_percent"],
                     t["p"], "", t["d_z"], "d_z"])
        rows.append(["hake_gain", "class_average", "", r.score["hake"]["n"], "", r.score["hake"]["class_average_gain"],
                     "", "", "", ""])
        rows.append(["hake_gain", "mean_of_individuals", "", r.score["hake"]["n_individual"], "",
                     r.score["hake"]["mean_individual_gain"], "", "", "", ""])
    for i in r.items:
        rows.append(["item", i.id, i.test, i.n, i.pre, i.post, i.p, i.p_adjusted, i.effect, i.effect_name])
    for dimension, groups in r.breakdowns.items():
        for group, n, before, after in groups:
            rows.append([f"knowledge_by_{dimension}", group or "-", "", n if n is not None else "suppressed",
                         before, after, "", "", "", ""])
    return rows

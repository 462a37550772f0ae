"""What changed for a cohort, from its matched pre- and post-survey answers.

Nothing is shown about fewer than k respondents (AMICUS_MIN_CELL, 5 by default): with fewer
matched pairs only the counts appear; free text appears only when k or more answered it.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from courses.models import Activity, Course, localized
from quizzes import survey_stats as st
from quizzes.surveys.models import Survey, SurveyResponse
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
                          mastery: float = 75.0, later: str = "post") -> SurveyResults | None:
    """Results across the cohorts ``user`` may see (all of the course for admins), or one of them."""
    allowed = visible_cohorts(user, course)
    if cohort_id is not None:
        chosen = db.session.get(Cohort, cohort_id)
        if chosen is None or chosen.course_id != course.id or (allowed is not None and chosen not in allowed):
            raise PermissionError("not a cohort this user may see")
        allowed = [chosen]
    return compute(course, activity_slug, locale, mastery, cohorts=allowed, later=later)


def compute(course: Course, activity_slug: str, locale: str, mastery: float = 75.0,
            cohorts: list[Cohort] | None = None, later: str = "post") -> SurveyResults | None:
    """The results themselves, without the access check (the server's CLI uses it directly).

    ``cohorts`` limits them to those cohorts' participants; None takes every response of the
    course. ``later`` is the phase compared with the pre-survey: "post" or "followup".
    """
    k = int(current_app.config["AMICUS_MIN_CELL"])
    found = db.session.execute(select(Survey).join(Activity, Activity.id == Survey.activity_id).where(
        Activity.course_id == course.id, Activity.slug == activity_slug)).scalar_one_or_none()
    if found is None:
        return None
    surveys = {s.phase: s for s in db.session.execute(select(Survey).join(Activity, Activity.id == Survey.activity_id)
               .where(Activity.course_id == course.id, Survey.instrument == found.instrument)).scalars()}
    responses = {phase: {} for phase in surveys}
    groups: dict[str, dict[str, str]] = {"profession": {}, "region": {}, "cohort": {}}
    survey_phase = {s.id: phase for phase, s in surveys.items()}
    query = select(SurveyResponse).where(SurveyResponse.survey_id.in_(list(survey_phase)),
                                         SurveyResponse.state == "submitted")
    if cohorts is not None:
        query = query.where(SurveyResponse.cohort_id.in_([c.id for c in cohorts]))
    names = {c.id: c.name for c in db.session.execute(select(Cohort).where(Cohort.course_id == course.id)).scalars()}
    accounts: dict[str, int] = {}
    for r in db.session.execute(query).scalars():
        responses[survey_phase[r.survey_id]][r.respondent_key] = r.answers or {}
        if r.user_id is not None:
            accounts[r.respondent_key] = r.user_id
        groups["profession"].setdefault(r.respondent_key, r.profession or "other")
        groups["region"].setdefault(r.respondent_key, r.region or "")
        groups["cohort"].setdefault(r.respondent_key, names.get(r.cohort_id, ""))
    # "post" below is the later phase compared with "pre": the end of the course, or the follow-up.
    pre, post = responses.get("pre", {}), responses.get(later, {})
    matched_keys = sorted(set(pre) & set(post))
    if cohorts is None:
        enrolled = db.session.execute(select(func.count(Enrolment.id)).where(Enrolment.course_id == course.id)).scalar_one()
        scope = str(_l("Everyone in the course"))
    else:
        enrolled = len({p.id for c in cohorts for p in participants(c)})
        scope = ", ".join(c.name for c in cohorts)
    result = SurveyResults(
        cohort=cohorts[0] if cohorts is not None and len(cohorts) == 1 else None, scope=scope, course=course,
        instrument=found.instrument, title=localized(course.titles, locale), k=k,
        enrolled=enrolled, pre=len(pre), post=len(post), matched=len(matched_keys),
        shown=len(matched_keys) >= k, later=later)
    post_items = {i["id"]: i for i in surveys[later].items} if later in surveys else {}
    pre_items = {i["id"]: i for i in surveys["pre"].items} if "pre" in surveys else {}
    result.phases = [phase for phase in ("post", "followup") if phase in surveys]
    if len(post) >= k:
        result.behaviour = _behaviour(pre_items, post_items, post, locale)
        result.self_report = _self_report(post_items, post, locale)
        result.comments = sorted(a[i["id"]] for i in post_items.values() if i["type"] == "text"
                                 for a in post.values() if a.get(i["id"]))
        if len(result.comments) < k:
            result.comments = []  # too few to show without pointing at someone
    if result.cohort is not None and result.cohort.identified_surveys:
        result.people = _people(accounts, pre, post, pre_items)
    if not result.shown:
        return result

    # Items nobody in scope was asked (a cohort's adjustment left them out) are not analysed.
    knowledge = [i for i in pre_items.values() if i["type"] == "knowledge" and i["id"] in post_items
                 and any(pre[key].get(i["id"]) is not None for key in matched_keys)]
    for item in knowledge:
        right = lambda answers, item=item: (None if answers.get(item["id"]) is None
                                            else answers[item["id"]] == item["answer"])  # noqa: E731
        m = st.mcnemar([right(pre[key]) for key in matched_keys], [right(post[key]) for key in matched_keys])
        pre_right = [right(pre[key]) for key in matched_keys]
        post_right = [right(post[key]) for key in matched_keys]
        result.items.append(ItemResult(
            id=item["id"], kind="knowledge", label=localized(item["text"], locale), test=str(_l("McNemar")), n=m["n"],
            pre=m["share_right_pre"], post=m["share_right_post"], change=None, p=m["p"],
            effect=m["difference"], effect_name=str(_l("difference in the share right")),
            labels=[str(_l("wrong")), str(_l("right"))],
            counts_pre=[pre_right.count(False), pre_right.count(True)],
            counts_post=[post_right.count(False), post_right.count(True)]))
    for item in pre_items.values():
        if item["type"] in ("likert", "self") and item["id"] in post_items:
            pairs = st.paired([_scale_value(item, pre[key].get(item["id"])) for key in matched_keys],
                              [_scale_value(item, post[key].get(item["id"])) for key in matched_keys])
            result.items.append(_scale_result(item, pairs, str(_l("Wilcoxon")), locale))
    for item in post_items.values():
        if item["type"] == "retro" and item.get("of") in post_items:
            now = post_items[item["of"]]
            pairs = st.paired([_scale_value(item, a.get(item["id"])) for a in post.values()],
                              [_scale_value(now, a.get(now["id"])) for a in post.values()])
            result.items.append(_scale_result(item, pairs, str(_l("Wilcoxon (then vs now)")), locale))
    result.items = [i for i in result.items if i.n]
    for item, adjusted in zip(result.items, st.holm([i.p for i in result.items]), strict=True):
        item.p_adjusted = adjusted

    for item in result.items:
        if item.kind in ("knowledge", "likert", "self"):
            source = pre_items[item.id]
            for key in matched_keys:
                result.pairs.append((_pair_id(key), item.id, _export_value(source, pre[key]), _export_value(source, post[key])))

    if knowledge:
        def score(answers):
            return sum(answers.get(i["id"]) == i["answer"] for i in knowledge)
        pre_scores = [score(pre[key]) for key in matched_keys]
        post_scores = [score(post[key]) for key in matched_keys]
        top = len(knowledge)
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
            dimension: _breakdown(groups[dimension], matched_keys, dict(zip(matched_keys, pre_scores, strict=True)),
                                  dict(zip(matched_keys, post_scores, strict=True)), top, k)
            for dimension in ("profession", "region") + (("cohort",) if result.cohort is None else ())
        }
    return result


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


def _breakdown(group_of: dict, keys: list[str], pre_scores: dict, post_scores: dict, top: int, k: int):
    """Knowledge score before/after per group; groups under k (and what would reveal them) hidden."""
    members: dict[str, list[str]] = {}
    for key in keys:
        members.setdefault(group_of.get(key) or "", []).append(key)
    shown = st.suppress({group: len(people) for group, people in sorted(members.items())}, k)
    rows = []
    for group, count in shown.items():
        if count is None:
            rows.append((group, None, None, None))
            continue
        people = members[group]
        rows.append((group, count, 100 * sum(pre_scores[p] for p in people) / (top * count),
                     100 * sum(post_scores[p] for p in people) / (top * count)))
    return rows


def _scale_result(item: dict, pairs, test: str, locale: str) -> ItemResult:
    w = st.wilcoxon_signed_rank(pairs)
    change = st.change_summary(pairs)
    points = item["points"]
    return ItemResult(id=item["id"], kind=item["type"], label=localized(item["text"], locale), test=test,
                      n=pairs.n_pairs, pre=change["mean_pre"], post=change["mean_post"], change=change, p=w["p"],
                      effect=w["rank_biserial"], effect_name=str(_l("rank-biserial correlation")),
                      labels=[str(v) for v in range(1, points + 1)],
                      counts_pre=[sum(1 for x in pairs.pre if x == v) for v in range(1, points + 1)],
                      counts_post=[sum(1 for x in pairs.post if x == v) for v in range(1, points + 1)])


def _people(accounts: dict[str, int], pre: dict, post: dict, items: dict) -> list:
    """Per participant of an identified cohort: her knowledge items right before and after."""
    knowledge = [i for i in items.values() if i["type"] == "knowledge"]
    handles = dict(db.session.execute(select(User.id, User.handle).where(User.id.in_(set(accounts.values())))).all())

    def right(answers):
        return None if answers is None else sum(answers.get(i["id"]) == i["answer"] for i in knowledge)

    rows = [(handles.get(user_id, "?"), right(pre.get(key)), right(post.get(key)), len(knowledge))
            for key, user_id in accounts.items()]
    return sorted(rows, key=lambda row: row[0].casefold())


def _behaviour(pre_items: dict, later_items: dict, later: dict, locale: str) -> list:
    """Choice items asked only in the later phase, as counts per answer."""
    rows = []
    for item in later_items.values():
        if item["id"] in pre_items or item["type"] not in ("single", "multiple"):
            continue
        counts = [0] * len(item["choices"])
        for answers in later.values():
            value = answers.get(item["id"])
            for v in value if isinstance(value, list) else ([value] if isinstance(value, int) else []):
                if 0 <= v < len(counts):
                    counts[v] += 1
        rows.append((localized(item["text"], locale), [localized(c, locale) for c in item["choices"]], counts))
    return rows


def _self_report(post_items: dict, post: dict, locale: str) -> dict | None:
    item = next((i for i in post_items.values() if i.get("headline") == "self_report"), None)
    if item is None:
        return None
    values = [a.get(item["id"]) for a in post.values() if isinstance(a.get(item["id"]), int)]
    if not values:
        return None
    agree_from = 4 if item["points"] == 5 else 5
    return {"label": localized(item["text"], locale), "n": len(values),
            "share": sum(v >= agree_from for v in values) / len(values)}


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

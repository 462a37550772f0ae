"""What changed for a cohort, from its matched pre- and post-survey answers.

Nothing is shown about fewer than k respondents (AMICUS_MIN_CELL, 5 by default): with fewer
matched pairs only the counts appear; free text appears only when k or more answered it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from courses.models import Activity, Course, localized
from quizzes import survey_stats as st
from quizzes.surveys.models import Survey, SurveyResponse
from training.accounts import User
from training.cohorts import Cohort, participants, require_manager
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


@dataclass
class SurveyResults:
    cohort: Cohort
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


def _scale_value(item: dict, value):
    if not isinstance(value, int):
        return None
    return item["points"] + 1 - value if item.get("reversed") else value


def cohort_survey_results(trainer: User, cohort: Cohort, activity_slug: str, locale: str,
                          mastery: float = 75.0) -> SurveyResults | None:
    """Results for the instrument of the survey activity ``activity_slug`` (either phase)."""
    require_manager(trainer, cohort)
    k = int(current_app.config["AMICUS_MIN_CELL"])
    course = db.session.get(Course, cohort.course_id)
    found = db.session.execute(select(Survey).join(Activity, Activity.id == Survey.activity_id).where(
        Activity.course_id == course.id, Activity.slug == activity_slug)).scalar_one_or_none()
    if found is None:
        return None
    surveys = {s.phase: s for s in db.session.execute(select(Survey).join(Activity, Activity.id == Survey.activity_id)
               .where(Activity.course_id == course.id, Survey.instrument == found.instrument)).scalars()}
    responses = {phase: {} for phase in surveys}
    survey_phase = {s.id: phase for phase, s in surveys.items()}
    for r in db.session.execute(select(SurveyResponse).where(
            SurveyResponse.survey_id.in_(list(survey_phase)), SurveyResponse.cohort_id == cohort.id,
            SurveyResponse.state == "submitted")).scalars():
        responses[survey_phase[r.survey_id]][r.respondent_key] = r.answers or {}
    pre, post = responses.get("pre", {}), responses.get("post", {})
    matched_keys = sorted(set(pre) & set(post))
    result = SurveyResults(
        cohort=cohort, course=course, instrument=found.instrument, title=localized(course.titles, locale), k=k,
        enrolled=len(participants(cohort)), pre=len(pre), post=len(post), matched=len(matched_keys),
        shown=len(matched_keys) >= k)
    post_items = {i["id"]: i for i in surveys["post"].items} if "post" in surveys else {}
    pre_items = {i["id"]: i for i in surveys["pre"].items} if "pre" in surveys else {}
    if len(post) >= k:
        result.self_report = _self_report(post_items, post, locale)
        result.comments = sorted(a[i["id"]] for i in post_items.values() if i["type"] == "text"
                                 for a in post.values() if a.get(i["id"]))
        if len(result.comments) < k:
            result.comments = []  # too few to show without pointing at someone
    if not result.shown:
        return result

    knowledge = [i for i in pre_items.values() if i["type"] == "knowledge" and i["id"] in post_items]
    for item in knowledge:
        right = lambda answers, item=item: (None if answers.get(item["id"]) is None
                                            else answers[item["id"]] == item["answer"])  # noqa: E731
        m = st.mcnemar([right(pre[key]) for key in matched_keys], [right(post[key]) for key in matched_keys])
        result.items.append(ItemResult(
            id=item["id"], kind="knowledge", label=localized(item["text"], locale), test=str(_l("McNemar")), n=m["n"],
            pre=m["share_right_pre"], post=m["share_right_post"], change=None, p=m["p"],
            effect=m["difference"], effect_name=str(_l("difference in the share right"))))
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
    for item, adjusted in zip(result.items, st.holm([i.p for i in result.items]), strict=True):
        item.p_adjusted = adjusted

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
    return result


def _scale_result(item: dict, pairs, test: str, locale: str) -> ItemResult:
    w = st.wilcoxon_signed_rank(pairs)
    change = st.change_summary(pairs)
    return ItemResult(id=item["id"], kind=item["type"], label=localized(item["text"], locale), test=test,
                      n=pairs.n_pairs, pre=change["mean_pre"], post=change["mean_post"], change=change, p=w["p"],
                      effect=w["rank_biserial"], effect_name=str(_l("rank-biserial correlation")))


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

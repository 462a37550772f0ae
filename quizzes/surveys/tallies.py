"""Survey counts kept up to date as responses are submitted (the ``survey_tallies`` table).

The results page needs counts, never people: how many gave each pair of answers to an item
before and after, how many had each pair of knowledge scores, how many chose each answer. Each
submission adds its own few dozen counts here (``count_submitted``), so the page reads a few
hundred summed rows (``read``) whatever the number of answers.

What each ``kind`` of row counts (cohort 0 = no cohort; answer -1 = not answered):

- ``responses``  (survey, cohort): submitted responses;
- ``answer``     (survey, cohort, item, a): answers ``a`` to the item (each choice of a
  multiple-choice item);
- ``retro``      (survey, cohort, item, a, b): "before the training" answer ``a`` and "now" answer
  ``b`` given in one response (retrospective items);
- ``matched``    (pre survey, later survey, cohort before, cohort after): people who answered both;
- ``pair``       (the same, item, a, b): matched people's answers before and after to an item
  asked in both (knowledge, Likert and self-assessment items; at least one side answered);
- ``score``      (the same, a, b): matched people with ``a`` knowledge items right before and
  ``b`` after;
- ``group``      (the same, profession, region): matched people of that profession and region
  (from the response before), with the sums of their scores before and after.

The tallies are a cache of ``survey_answers``: ``ensure_current`` rebuilds an instrument's from it
(in SQL) when they were made for other survey items (a re-synced course) or when the number of
responses per survey and cohort no longer agrees (a purge, a deleted cohort, a submission that
raced a rebuild). Deletions therefore need no code of their own. Increments and rebuilds take
the instrument's ``survey_tally_states`` row first, so they never interleave.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import and_, case, delete, func, literal, or_, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from courses.models import Activity
from quizzes.surveys.items import SurveyItem
from quizzes.surveys.models import Survey, SurveyAnswer, SurveyResponse, SurveyTally, SurveyTallyState, answer_rows
from training.extensions import db

#: Raise when what is counted changes: every instrument's tallies are then rebuilt once.
VERSION = 1
#: Items compared before and after.
PAIRED = ("knowledge", "likert", "self")
_KEY = ("survey_id", "kind", "later_id", "cohort_a", "cohort_b", "item", "a", "b", "profession", "region")


@dataclass
class Instrument:
    """The surveys (one per phase) of one instrument of a course."""

    course_id: int
    name: str
    surveys: dict[str, Survey]

    @property
    def ids(self) -> list[int]:
        return [s.id for s in self.surveys.values()]

    def signature(self) -> str:
        """Changes whenever the surveys' items do (a knowledge item's right answer, say)."""
        shape = [VERSION] + sorted([s.id, s.phase, s.items_json] for s in self.surveys.values())
        return hashlib.sha256(json.dumps(shape, sort_keys=True, ensure_ascii=False).encode()).hexdigest()

    def later(self) -> list[Survey]:
        return [self.surveys[p] for p in ("post", "followup") if p in self.surveys]


def instrument(course_id: int, name: str) -> Instrument:
    surveys = db.session.execute(select(Survey).join(Activity, Activity.id == Survey.activity_id).where(
        Activity.course_id == course_id, Survey.instrument == name)).scalars()
    return Instrument(course_id, name, {s.phase: s for s in surveys})


# --------------------------------------------------------------------------------------------
# Counting one submission


def _paired_items(pre: Survey, later: Survey) -> list[SurveyItem]:
    later_ids = {i.id for i in later.items}
    return [i for i in pre.items if i.type in PAIRED and i.id in later_ids]


def _first_values(response: SurveyResponse) -> dict[str, int]:
    """item -> the answer as stored in survey_answers at position 0 (what the SQL pairs up)."""
    return {row["item"]: row["value"] for row in answer_rows(response.id, response.answers)
            if row["position"] == 0 and row["value"] is not None}


def _pair_deltas(out: dict, pre: Survey, later: Survey, before: SurveyResponse, after: SurveyResponse,
                 a_values: dict[str, int], b_values: dict[str, int]) -> None:
    """What a matched pair of responses adds; ``a_values``/``b_values`` are their _first_values."""
    ca, cb = before.cohort_id or 0, after.cohort_id or 0

    def add(kind, n=1, sum_a=0, sum_b=0, **key):
        row = out.setdefault((pre.id, kind, later.id, ca, cb, key.get("item", ""), key.get("a", -1), key.get("b", -1),
                              key.get("profession", ""), key.get("region", "")), [0, 0, 0])
        row[0] += n
        row[1] += sum_a
        row[2] += sum_b

    add("matched")
    items = _paired_items(pre, later)
    for item in items:
        a, b = a_values.get(item.id), b_values.get(item.id)
        if a is not None or b is not None:
            add("pair", item=item.id, a=-1 if a is None else a, b=-1 if b is None else b)
    knowledge = [i for i in items if i.type == "knowledge"]
    if knowledge:
        right_a = sum(a_values.get(i.id) == i.answer for i in knowledge)
        right_b = sum(b_values.get(i.id) == i.answer for i in knowledge)
        add("score", a=right_a, b=right_b)
        add("group", sum_a=right_a, sum_b=right_b, profession=before.profession or "", region=before.region or "")


def deltas(found: Instrument, response: SurveyResponse, partners: Iterable[SurveyResponse]) -> dict[tuple, list[int]]:
    """What one submitted response adds: key (as _KEY) -> [n, sum_a, sum_b]. ``partners`` are the
    same person's submitted responses to the instrument's other surveys."""
    survey = next(s for s in found.surveys.values() if s.id == response.survey_id)
    cohort = response.cohort_id or 0
    out: dict[tuple, list[int]] = {}

    def add(kind, item="", a=-1, b=-1):
        out.setdefault((survey.id, kind, 0, cohort, cohort, item, a, b, "", ""), [0, 0, 0])[0] += 1

    add("responses")
    rows = answer_rows(response.id, response.answers)
    for row in rows:
        if row["value"] is not None:
            add("answer", row["item"], row["value"])
    first = _first_values(response)
    asked = {i.id for i in survey.items}
    for item in survey.items:
        if item.type == "retro" and item.of in asked:
            then, now = first.get(item.id), first.get(item.of)
            if then is not None and now is not None:
                add("retro", item.id, then, now)
    by_survey = {p.survey_id: p for p in partners}
    if survey.phase == "pre":
        for later in found.later():
            if later.id in by_survey:
                partner = by_survey[later.id]
                _pair_deltas(out, survey, later, response, partner, first, _first_values(partner))
    elif "pre" in found.surveys and found.surveys["pre"].id in by_survey:
        partner = by_survey[found.surveys["pre"].id]
        _pair_deltas(out, found.surveys["pre"], survey, partner, response, _first_values(partner), first)
    return out


def _upsert(rows: dict[tuple, list[int]]) -> None:
    """Add ``rows`` to the tallies (one statement; rows that exist have the counts added)."""
    if not rows:
        return
    values = [dict(zip(_KEY, key, strict=True), n=n, sum_a=sa, sum_b=sb) for key, (n, sa, sb) in rows.items()]
    dialect = db.session.get_bind().dialect.name
    if dialect not in ("postgresql", "sqlite"):
        raise RuntimeError(f"survey tallies need PostgreSQL or SQLite, not {dialect}")
    # One statement, run for every row (executemany): compiled once and cached, where a
    # multi-row VALUES would be compiled again for every number of rows.
    statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(SurveyTally)
    db.session.execute(statement.on_conflict_do_update(index_elements=list(_KEY), set_={
        "n": SurveyTally.n + statement.excluded.n, "sum_a": SurveyTally.sum_a + statement.excluded.sum_a,
        "sum_b": SurveyTally.sum_b + statement.excluded.sum_b}), values)


def _lock(found: Instrument) -> SurveyTallyState | None:
    return db.session.execute(select(SurveyTallyState).where(
        SurveyTallyState.course_id == found.course_id, SurveyTallyState.instrument == found.name)
        .with_for_update()).scalar_one_or_none()


def count_submitted(response: SurveyResponse, course_id: int, instrument_name: str) -> None:
    """Add a response that has just been submitted (in the same transaction). When the
    instrument has no tallies yet, or tallies for other items, nothing is added: the next
    read builds them from the answers, this one included."""
    found = instrument(course_id, instrument_name)
    state = _lock(found)
    if state is None or state.signature != found.signature():
        return
    others = [s.id for s in found.surveys.values() if s.id != response.survey_id]
    partners = db.session.execute(select(SurveyResponse).where(
        SurveyResponse.survey_id.in_(others), SurveyResponse.respondent_key == response.respondent_key,
        SurveyResponse.state == "submitted")).scalars().all() if others else []
    _upsert(deltas(found, response, partners))


# --------------------------------------------------------------------------------------------
# Keeping them right


def _submitted(survey_ids: list[int]):
    return and_(SurveyResponse.survey_id.in_(survey_ids), SurveyResponse.state == "submitted")


def _responses_now(found: Instrument) -> dict[tuple[int, int], int]:
    cohort = func.coalesce(SurveyResponse.cohort_id, 0)
    return {(s, c): n for s, c, n in db.session.execute(
        select(SurveyResponse.survey_id, cohort, func.count()).where(_submitted(found.ids))
        .group_by(SurveyResponse.survey_id, cohort))}


def _responses_tallied(found: Instrument) -> dict[tuple[int, int], int]:
    return {(s, c): n for s, c, n in db.session.execute(
        select(SurveyTally.survey_id, SurveyTally.cohort_a, SurveyTally.n).where(
            SurveyTally.survey_id.in_(found.ids), SurveyTally.kind == "responses", SurveyTally.n > 0))}


def ensure_current(found: Instrument) -> bool:
    """Rebuild the instrument's tallies if they are missing or disagree with the responses;
    True if it did. Commits the rebuild (the tallies are a cache, whatever the request does)."""
    if not found.surveys:
        return False
    state = db.session.get(SurveyTallyState, (found.course_id, found.name))
    if state is not None and state.signature == found.signature() and \
            _responses_tallied(found) == _responses_now(found):
        return False
    try:
        rebuild(found)
        db.session.commit()
    except IntegrityError:  # another process created the state row first: it rebuilt them
        db.session.rollback()
    return True


def rebuild(found: Instrument) -> None:
    """Count everything again from survey_answers, in SQL (what ``deltas`` adds, summed)."""
    state = _lock(found)
    if state is None:
        state = SurveyTallyState(course_id=found.course_id, instrument=found.name, signature="")
        db.session.add(state)
        db.session.flush()
    db.session.execute(delete(SurveyTally).where(SurveyTally.survey_id.in_(found.ids)))
    rows: dict[tuple, list[int]] = {}

    def put(survey_id, kind, n, later_id=0, cohort_a=0, cohort_b=None, item="", a=-1, b=-1, profession="",
            region="", sum_a=0, sum_b=0):
        key = (survey_id, kind, later_id, cohort_a, cohort_a if cohort_b is None else cohort_b, item,
               -1 if a is None else a, -1 if b is None else b, profession or "", region or "")
        row = rows.setdefault(key, [0, 0, 0])
        row[0] += n
        row[1] += int(sum_a or 0)
        row[2] += int(sum_b or 0)

    R = aliased(SurveyResponse)
    cohort = func.coalesce(R.cohort_id, 0)
    for survey_id, c, n in db.session.execute(select(R.survey_id, cohort, func.count()).where(
            R.survey_id.in_(found.ids), R.state == "submitted").group_by(R.survey_id, cohort)):
        put(survey_id, "responses", n, cohort_a=c)
    for survey_id, c, item, value, n in db.session.execute(
            select(R.survey_id, cohort, SurveyAnswer.item, SurveyAnswer.value, func.count()).join(
                SurveyAnswer, SurveyAnswer.response_id == R.id).where(
                R.survey_id.in_(found.ids), R.state == "submitted", SurveyAnswer.value.is_not(None))
            .group_by(R.survey_id, cohort, SurveyAnswer.item, SurveyAnswer.value)):
        put(survey_id, "answer", n, cohort_a=c, item=item, a=value)
    then, now = aliased(SurveyAnswer), aliased(SurveyAnswer)
    for survey in found.surveys.values():
        asked = {i.id for i in survey.items}
        for item in survey.items:
            if item.type != "retro" or item.of not in asked:
                continue
            for c, a, b, n in db.session.execute(select(cohort, then.value, now.value, func.count()).join(
                    then, and_(then.response_id == R.id, then.item == item.id, then.position == 0,
                               then.value.is_not(None))).join(
                    now, and_(now.response_id == R.id, now.item == item.of, now.position == 0,
                              now.value.is_not(None))).where(
                    R.survey_id == survey.id, R.state == "submitted").group_by(cohort, then.value, now.value)):
                put(survey.id, "retro", n, cohort_a=c, item=item.id, a=a, b=b)
    if "pre" in found.surveys:
        for later in found.later():
            _rebuild_pairs(put, found.surveys["pre"], later)
    _upsert(rows)
    state.signature = found.signature()
    if db.session.get_bind().dialect.name == "postgresql":
        # Statistics for the planner: without them it sorts the summing query's rows by their
        # text columns (5 ms for a thousand rows) instead of hashing them (1 ms).
        db.session.execute(text("ANALYZE survey_tallies"))


def _rebuild_pairs(put, pre: Survey, later: Survey) -> None:
    A, B = aliased(SurveyResponse), aliased(SurveyResponse)
    ca, cb = func.coalesce(A.cohort_id, 0), func.coalesce(B.cohort_id, 0)

    def matched(query):
        return query.select_from(A).join(B, and_(B.respondent_key == A.respondent_key, B.survey_id == later.id,
                                                 B.state == "submitted")).where(
            A.survey_id == pre.id, A.state == "submitted")

    for a_cohort, b_cohort, n in db.session.execute(matched(select(ca, cb, func.count())).group_by(ca, cb)):
        put(pre.id, "matched", n, later.id, a_cohort, b_cohort)
    items = [i.id for i in _paired_items(pre, later)]
    if not items:
        return
    before, after = aliased(SurveyAnswer), aliased(SurveyAnswer)
    both = matched(select(ca, cb, before.item, before.value, after.value, func.count())).join(
        before, and_(before.response_id == A.id, before.position == 0, before.item.in_(items),
                     before.value.is_not(None))).outerjoin(
        after, and_(after.response_id == B.id, after.position == 0, after.item == before.item,
                    after.value.is_not(None))).group_by(ca, cb, before.item, before.value, after.value)
    only_after = matched(select(ca, cb, after.item, after.value, func.count())).join(
        after, and_(after.response_id == B.id, after.position == 0, after.item.in_(items),
                    after.value.is_not(None))).outerjoin(
        before, and_(before.response_id == A.id, before.position == 0, before.item == after.item,
                     before.value.is_not(None))).where(before.item.is_(None)).group_by(ca, cb, after.item, after.value)
    for a_cohort, b_cohort, item, a, b, n in db.session.execute(both):
        put(pre.id, "pair", n, later.id, a_cohort, b_cohort, item, a, b)
    for a_cohort, b_cohort, item, b, n in db.session.execute(only_after):
        put(pre.id, "pair", n, later.id, a_cohort, b_cohort, item, None, b)
    knowledge = [i for i in _paired_items(pre, later) if i.type == "knowledge"]
    if not knowledge:
        return
    right = or_(*[and_(SurveyAnswer.item == i.id, SurveyAnswer.value == i.answer) for i in knowledge])

    def scores(survey_id):
        r = aliased(SurveyResponse)
        return select(r.respondent_key.label("key"), func.coalesce(r.cohort_id, 0).label("cohort"),
                      func.coalesce(r.profession, "").label("profession"), func.coalesce(r.region, "").label("region"),
                      func.coalesce(func.sum(case((right, 1), else_=0)), 0).label("score")).select_from(r).outerjoin(
            SurveyAnswer, and_(SurveyAnswer.response_id == r.id, SurveyAnswer.position == 0,
                               SurveyAnswer.item.in_([i.id for i in knowledge]))).where(
            r.survey_id == survey_id, r.state == "submitted").group_by(
            r.respondent_key, r.cohort_id, r.profession, r.region).subquery()

    x, y = scores(pre.id), scores(later.id)
    joined = select(x.c.cohort, y.c.cohort, x.c.score, y.c.score, x.c.profession, x.c.region).join(
        y, y.c.key == x.c.key).subquery()
    c = joined.c
    for a_cohort, b_cohort, a, b, n in db.session.execute(
            select(c[0], c[1], c[2], c[3], func.count()).group_by(c[0], c[1], c[2], c[3])):
        put(pre.id, "score", n, later.id, a_cohort, b_cohort, a=int(a), b=int(b))
    for a_cohort, b_cohort, profession, region, n, sum_a, sum_b in db.session.execute(
            select(c[0], c[1], c[4], c[5], func.count(), func.sum(c[2]), func.sum(c[3])).group_by(
                c[0], c[1], c[4], c[5])):
        put(pre.id, "group", n, later.id, a_cohort, b_cohort, profession=profession, region=region,
            sum_a=sum_a, sum_b=sum_b)


# --------------------------------------------------------------------------------------------
# Reading


@dataclass
class Counts:
    """The tallies of one comparison (the pre-survey and one later phase) within some cohorts."""

    responses: dict[int, int] = field(default_factory=dict)  # survey id -> submitted responses
    matched: int = 0
    pairs: dict[str, dict[tuple, int]] = field(default_factory=dict)  # item -> (before, after) -> n; None: no answer
    answers: dict[str, dict[int, int]] = field(default_factory=dict)  # the later survey's item -> answer -> n
    retro: dict[str, dict[tuple, int]] = field(default_factory=dict)  # item -> (then, now) -> n
    scores: dict[tuple[int, int], int] = field(default_factory=dict)  # (right before, right after) -> n
    # (cohort id or 0, profession, region) -> [people, sum of scores before, after]
    groups: dict[tuple[int, str, str], list[int]] = field(default_factory=dict)


def read(found: Instrument, later_phase: str, cohort_ids: list[int] | None) -> Counts:
    """Summed in SQL over the chosen cohorts (None: all, and responses outside any cohort)."""
    pre, later = found.surveys.get("pre"), found.surveys.get(later_phase)
    wanted = [s.id for s in (pre, later) if s is not None]
    later_id = later.id if later is not None else -1
    T = SurveyTally
    cohort = case((T.kind == "group", T.cohort_a), else_=literal(0))
    query = select(T.kind, T.survey_id, cohort, T.item, T.a, T.b, T.profession, T.region,
                   func.sum(T.n), func.sum(T.sum_a), func.sum(T.sum_b)).where(
        T.survey_id.in_(wanted), T.later_id.in_([0, later_id]),
        or_(T.later_id != 0, T.kind == "responses", T.survey_id == later_id)).group_by(
        T.kind, T.survey_id, cohort, T.item, T.a, T.b, T.profession, T.region)
    if cohort_ids is not None:
        query = query.where(T.cohort_a.in_(cohort_ids), T.cohort_b.in_(cohort_ids))
    out = Counts()
    for kind, survey_id, c, item, a, b, profession, region, n, sum_a, sum_b in db.session.execute(query):
        n = int(n)
        if not n:
            continue
        a_value, b_value = (None if a == -1 else a), (None if b == -1 else b)
        if kind == "responses":
            out.responses[survey_id] = out.responses.get(survey_id, 0) + n
        elif kind == "matched":
            out.matched += n
        elif kind == "pair":
            out.pairs.setdefault(item, {})[(a_value, b_value)] = n
        elif kind == "answer":
            out.answers.setdefault(item, {})[a] = n
        elif kind == "retro":
            out.retro.setdefault(item, {})[(a, b)] = n
        elif kind == "score":
            out.scores[(a, b)] = n
        elif kind == "group":
            out.groups[(c, profession, region)] = [n, int(sum_a), int(sum_b)]
    return out

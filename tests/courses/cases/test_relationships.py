"""A run's teams load their members and submission when asked, in a fixed number of queries;
touching a relationship that was not loaded raises instead of querying once per team."""
from __future__ import annotations

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import InvalidRequestError

from courses.cases import runs
from courses.cases.models import CaseTeam
from tests.courses.cases.helpers import setup_moot
from training.extensions import db


def test_teams_come_with_members_and_submission_in_three_queries(app, make_user, make_course):
    moot = setup_moot(make_user, make_course)
    db.session.expire_all()
    run = db.session.get(type(moot["run"]), moot["run"].id)  # the run itself read before counting
    statements = []

    def count(*_args):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        rows = runs.teams(run)
        shown = [(row.team.number, [user.handle for user in row.members], row.submission) for row in rows]
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert shown == [(1, ["ana1", "bob"], None), (2, ["cyd", "dia"], None)]
    assert len(statements) == 3


def test_a_relationship_not_loaded_raises_rather_than_querying(app, make_user, make_course):
    moot = setup_moot(make_user, make_course)
    db.session.expire_all()
    team = db.session.execute(select(CaseTeam).where(CaseTeam.run_id == moot["run"].id)).scalars().first()
    with pytest.raises(InvalidRequestError, match="raise_on_sql"):
        _ = team.members
    with pytest.raises(InvalidRequestError, match="raise_on_sql"):
        _ = team.submission

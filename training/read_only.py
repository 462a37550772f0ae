"""Pages declared read-only: ``@read_only`` under a GET route.

Such a view reads in a read-only transaction and ends it with COMMIT. Ending with COMMIT
rather than the request's ROLLBACK keeps psycopg's prepared statements on the connection
(a ROLLBACK discards them), so the statements of the pages read most are not parsed and
planned again on every visit.

A read-only view that tries to write fails loudly, on SQLite and PostgreSQL alike: a flush of
ORM changes or an INSERT, UPDATE or DELETE through the session raises ``WriteInReadOnlyPage``
(a programming error, a 500 page). On PostgreSQL the transaction is also ``READ ONLY`` for the
database itself, which refuses writes sent past the session.

What runs before the view is outside the declaration: the session check (``last active``,
written at most every five minutes) commits before the view starts.
"""
from __future__ import annotations

import functools

from sqlalchemy import event, text
from sqlalchemy.orm import ORMExecuteState, Session

from training.extensions import db

_FLAG = "amicus.read_only"


class WriteInReadOnlyPage(RuntimeError):
    """A view declared with ``read_only`` tried to write."""


def read_only(view):
    """Declare that the page ``view`` writes nothing (a decorator; see the module)."""
    @functools.wraps(view)
    def page(*args, **kwargs):
        session = db.session()
        session.info[_FLAG] = True
        try:
            if db.engine.dialect.name == "postgresql":
                session.execute(text("SET TRANSACTION READ ONLY"))
            response = view(*args, **kwargs)
            session.commit()  # with the flag still set: changes left pending are refused too
        finally:
            session.info.pop(_FLAG, None)
        return response

    page.read_only = True
    return page


def _is_read_only(session: Session) -> bool:
    return session.info.get(_FLAG, False)


@event.listens_for(Session, "before_flush")
def _refuse_flush(session: Session, _context, _instances) -> None:
    if _is_read_only(session) and (session.new or session.deleted
                                   or any(session.is_modified(row) for row in session.dirty)):
        raise WriteInReadOnlyPage("a page declared read-only tried to write rows")


@event.listens_for(Session, "do_orm_execute")
def _refuse_statement(state: ORMExecuteState) -> None:
    if _is_read_only(state.session) and (state.is_insert or state.is_update or state.is_delete):
        raise WriteInReadOnlyPage("a page declared read-only ran an INSERT, UPDATE or DELETE")

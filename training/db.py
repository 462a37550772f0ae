"""The declarative base shared by every model, UTC time helpers, and row locks for racing writes."""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

# Alembic needs stable constraint names to alter tables (batch mode on SQLite).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Stores naive UTC (portable across SQLite and PostgreSQL), returns aware UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use training.db.utcnow()")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def locked(statement):
    """``statement`` (a select of one model) as a row lock held until the transaction ends, read
    afresh: a request that waited for the lock sees what the request before it committed.

    Racing writes to one row (autosaves and the submit of a quiz attempt, two teammates saving a
    draft) then take turns on PostgreSQL. SQLite has no row locks: it lets one writer at a time
    into the whole database at a time, and SQLAlchemy leaves the clause out."""
    return statement.with_for_update().execution_options(populate_existing=True)


def first_or_create(session, model, lookup: dict, values: dict):
    """The ``model`` row matching ``lookup`` (its unique key), locked (``locked``); inserted with
    ``values`` first when there is none.

    Two requests that both find no row both insert it: ``ON CONFLICT DO NOTHING`` lets the first
    in and makes the other's insert wait for the first to commit and then do nothing, so both go
    on with the one row. No savepoint: pysqlite's would commit the insert on its own."""
    statement = locked(select(model).filter_by(**lookup))
    row = session.execute(statement).scalar_one_or_none()
    if row is None:
        dialect = session.get_bind().dialect.name
        if dialect not in ("postgresql", "sqlite"):
            raise RuntimeError(f"first_or_create needs PostgreSQL or SQLite, not {dialect}")
        insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)
        session.execute(insert.values(**lookup, **values).on_conflict_do_nothing())
        row = session.execute(statement).scalar_one()
    return row

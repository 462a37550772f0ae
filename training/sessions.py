"""Signed-in sessions, one row per device: listed to their owner, ended one by one or all at once.

The session cookie carries ``user_id:token``; the database keeps only the token's SHA-256, so
a copy of the database does not let anyone sign in. Flask-Login's loader finds the user and the
session in one query; a session row that is gone (logged out, ended from another device, the
password changed) logs the cookie out on its next request. Every app process sees the same rows,
so this works behind a load balancer.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from flask import has_request_context, request
from sqlalchemy import ForeignKey, String, bindparam, delete, select, true, update
from sqlalchemy.orm import Mapped, make_transient_to_detached, mapped_column
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from training.accounts import User
from training.db import UTCDateTime, utcnow
from training.extensions import db

# "Last active" is written at most this often, so that reading pages does not write each time.
TOUCH_EVERY = timedelta(minutes=5)


class UserSession(db.Model):
    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # A coarse description of the device ("Firefox, Android"): no address, no full user agent.
    device: Mapped[str] = mapped_column(String(60), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


_BROWSERS = (("MicroMessenger", "WeChat"), ("Edg", "Edge"), ("OPR", "Opera"), ("Firefox", "Firefox"),
             ("Chrom", "Chrome"), ("Safari", "Safari"))
_SYSTEMS = (("Android", "Android"), ("iPhone", "iOS"), ("iPad", "iPadOS"), ("Windows", "Windows"),
            ("CrOS", "ChromeOS"), ("Mac OS X", "macOS"), ("Linux", "Linux"))


def device_label(user_agent: str | None) -> str:
    """The browser and system named by a User-Agent header, e.g. ``Chrome, Android``."""
    agent = user_agent or ""
    browser = next((name for key, name in _BROWSERS if key in agent), "")
    system = next((name for key, name in _SYSTEMS if re.search(re.escape(key), agent)), "")
    return ", ".join(part for part in (browser, system) if part)


def start(user: User) -> str:
    """Open a session for ``user`` (the caller commits) and make ``user.get_id()`` name it."""
    token = secrets.token_urlsafe(24)
    row = UserSession(user_id=user.id, token_hash=_hash(token), last_seen_at=utcnow(),
                      device=device_label(request.headers.get("User-Agent"))[:60])
    db.session.add(row)
    db.session.flush()
    user.session_key, user.session_id, user.session_seen = token, row.id, row.last_seen_at
    return token


# Built once: every signed-in request runs it, and building a statement (and its cache key)
# costs more than running it.
_LOAD_USER = (
    select(User, UserSession.id.label("session_id"), UserSession.last_seen_at.label("session_seen"))
    .join(UserSession, UserSession.user_id == User.id)
    .where(User.id == bindparam("user_id"), UserSession.token_hash == bindparam("token_hash"))
)

# Pages read on nearly every visit may have their own query run in the same statement as the
# user's, which saves a statement and a round trip to the database per visit: endpoint ->
# function(view_args) returning (key, subquery, its parameters, ORDER BY columns) or None.
# The subquery may use the bind parameter ``user_id``, the signed-in user's id. It is LEFT
# JOINed ON TRUE to the user's row, so it never decides whether anyone is signed in: an
# unknown or ended session gives no row at all, as before. The view takes the rows with
# ``prefetched`` (and runs its own query when there are none, e.g. for anonymous readers).
# Of the user, those statements read only what every signed-in page uses (the layout, the
# language, the session checks), as plain columns (SQLAlchemy Core, about a quarter cheaper than
# the ORM loading an entity); ``_attach_user`` makes the User from them as the ORM would have:
# persistent in the request's session, any other column loaded when first used, as usual.
# On PostgreSQL a registered page's GET runs in autocommit mode (``_read_in_autocommit``):
# register only pages that write nothing, or single statements, before they commit.
_PREFETCH: dict[str, Callable] = {}
_load_user_with: dict = {}  # page key -> (its subquery, the user's statement joined to it)
_PAGE_USER_KEYS = ("id", "handle", "role", "locale", "totp_secret")
_LOAD_USER_FOR_PAGE = (
    select(*(getattr(User, key).label(f"signed_in_{key}") for key in _PAGE_USER_KEYS),
           UserSession.id.label("session_id"), UserSession.last_seen_at.label("session_seen"))
    .join(UserSession, UserSession.user_id == User.id)
    .where(User.id == bindparam("user_id"), UserSession.token_hash == bindparam("token_hash"))
)
_PREFETCHED = "amicus.prefetched"
_AUTOCOMMIT = {"isolation_level": "AUTOCOMMIT"}


def _read_in_autocommit() -> None:
    """On PostgreSQL, run a registered page's statements (on GET) in autocommit mode.

    These pages read in one statement and write at most single statements (the lesson's
    "Resume", the session's "last active"), so a transaction around them adds two round trips
    (BEGIN, then COMMIT or ROLLBACK) and nothing else; a ROLLBACK would also make psycopg
    deallocate the connection's prepared statements. Once the request commits, as writing
    views do, what follows runs in a transaction as usual: the connection goes back to the pool
    with its default isolation. SQLite has no round trips to save."""
    if request.method == "GET" and db.engine.dialect.name == "postgresql" and not db.session().in_transaction():
        db.session.connection(execution_options=_AUTOCOMMIT)


def prefetch(endpoint: str):
    """Register what the page at ``endpoint`` reads on every visit (a decorator; see above)."""
    def decorator(fn):
        _PREFETCH[endpoint] = fn
        return fn

    return decorator


def prefetched(key, params: dict) -> list | None:
    """The rows read with the user for this request's page, if they were read for ``key`` and
    ``params``: each row has the page's columns by name (a LEFT JOIN: all None when the page's
    query found nothing). None if nothing was read with the user."""
    found = request.environ.get(_PREFETCHED) if has_request_context() else None
    if found is None or found[0] != key or found[1] != params:
        return None
    return found[2]


def load_user(user_id: str) -> User | None:
    """Flask-Login's loader: ``id:token`` of a session that still exists, else logged out."""
    ident, _, token = user_id.partition(":")
    if not ident.isdigit() or not token or len(token) > 64:
        return None
    params = {"user_id": int(ident), "token_hash": _hash(token)}
    build = _PREFETCH.get(request.endpoint) if has_request_context() else None
    page = build(request.view_args or {}) if build is not None else None
    if page is None:
        row = db.session.execute(_LOAD_USER, params).first()
        if row is None:
            return None
        user = row[0]
    else:
        key, subquery, page_params, order_by = page
        built = _load_user_with.get(key)
        if built is None or built[0] is not subquery:  # built once per page (and subquery)
            built = _load_user_with[key] = (subquery, _LOAD_USER_FOR_PAGE.add_columns(*subquery.c)
                                            .outerjoin(subquery, true()).order_by(*order_by))
        statement = built[1]
        _read_in_autocommit()
        rows = db.session.connection().execute(statement, {**page_params, **params}).all()
        if not rows:
            return None
        row = rows[0]
        request.environ[_PREFETCHED] = (key, page_params, rows)  # this request's only
        user = _attach_user(row)
    user.session_key, user.session_id, user.session_seen = token, row.session_id, row.session_seen
    return user


def _attach_user(row) -> User:
    """The User of a row of ``_LOAD_USER_FOR_PAGE``: the session's own if it holds one already,
    else one made from the row's columns and added to the session as if loaded by a query (its
    other columns are expired: the first use of one loads them)."""
    user = db.session.identity_map.get(identity_key(User, row.signed_in_id))
    if user is not None:
        return user
    user = User.__mapper__.class_manager.new_instance()
    for key in _PAGE_USER_KEYS:
        set_committed_value(user, key, getattr(row, f"signed_in_{key}"))
    make_transient_to_detached(user)
    db.session.add(user)
    return user


def touch(user: User) -> None:
    """Note that the session is active, at most every TOUCH_EVERY; run before the view does anything."""
    now = utcnow()
    if now - user.session_seen > TOUCH_EVERY:
        db.session.execute(update(UserSession).where(UserSession.id == user.session_id).values(last_seen_at=now))
        db.session.commit()
        user.session_seen = now


def of(user: User) -> list[UserSession]:
    """The account's sessions, the most recently active first."""
    return list(db.session.execute(
        select(UserSession).where(UserSession.user_id == user.id)
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())).scalars())


def end_current(user: User) -> None:
    session_id = getattr(user, "session_id", None)
    if session_id is not None:
        db.session.execute(delete(UserSession).where(UserSession.id == session_id))


def end_others(user: User) -> int:
    """End every session of the account but the one making the request; returns how many."""
    query = delete(UserSession).where(UserSession.user_id == user.id)
    session_id = getattr(user, "session_id", None)
    if session_id is not None:
        query = query.where(UserSession.id != session_id)
    return db.session.execute(query).rowcount


def end_all(user: User) -> None:
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id))

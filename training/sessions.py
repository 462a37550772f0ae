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
from datetime import datetime, timedelta

from flask import has_request_context, request
from sqlalchemy import ForeignKey, String, bindparam, delete, select, update
from sqlalchemy.orm import Mapped, mapped_column

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

_NO_USER = "amicus.no_user"


def read_no_user() -> None:
    """The database cannot be reached: this request reads no user (the page is shown as to a
    visitor who is not signed in; the session cookie is left as it is)."""
    request.environ[_NO_USER] = True


def user_unread() -> bool:
    """True when ``read_no_user`` was called for this request."""
    return has_request_context() and _NO_USER in request.environ


def load_user(user_id: str) -> User | None:
    """Flask-Login's loader: ``id:token`` of a session that still exists, else logged out."""
    ident, _, token = user_id.partition(":")
    if not ident.isdigit() or not token or len(token) > 64 or user_unread():
        return None
    row = db.session.execute(_LOAD_USER, {"user_id": int(ident), "token_hash": _hash(token)}).first()
    if row is None:
        return None
    user = row[0]
    user.session_key, user.session_id, user.session_seen = token, row.session_id, row.session_seen
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

"""Everything Amicus holds about one person: her own download, and deleting her account.

Each package registers what it keeps (the core never imports the others): a section (a name
and a function returning JSON-ready data for a user), files (name, bytes) for the ZIP, and what
must happen before the account row goes (most rows go with it through ON DELETE CASCADE, or
lose the link to it through SET NULL).
"""
from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable, Iterable

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from training import accounts, audit, messages
from training.accounts import Role, User
from training.cohorts import Cohort, CohortMember
from training.db import utcnow
from training.extensions import db

_SECTIONS: dict[str, Callable[[User], object]] = {}
_FILES: list[Callable[[User], Iterable[tuple[str, bytes]]]] = []
_ERASERS: list[Callable[[User, dict], None]] = []


def section(name: str):
    def decorator(fn: Callable[[User], object]):
        _SECTIONS[name] = fn
        return fn

    return decorator


def files(fn: Callable[[User], Iterable[tuple[str, bytes]]]):
    """Register a function giving (path in the ZIP, content) for a user's files."""
    _FILES.append(fn)
    return fn


def erasure(fn: Callable[[User, dict], None]):
    """Register what to do before an account is deleted: fn(user, choices)."""
    _ERASERS.append(fn)
    return fn


def iso(value) -> str | None:
    return value.isoformat() if value is not None else None


@section("account")
def _account(user: User) -> dict:
    return {"handle": user.handle, "role": user.role, "email": user.email, "profession": user.profession,
            "region": user.region, "language": user.locale, "created_at": iso(user.created_at),
            "last_login_at": iso(user.last_login_at)}


@section("cohorts")
def _cohorts(user: User) -> list:
    rows = db.session.execute(select(Cohort, CohortMember).join(CohortMember, CohortMember.cohort_id == Cohort.id)
                              .where(CohortMember.user_id == user.id).order_by(CohortMember.joined_at)).all()
    return [{"cohort": cohort.name, "as": member.role, "joined_at": iso(member.joined_at)} for cohort, member in rows]


@section("messages")
def _messages(user: User) -> dict:
    return messages.export(user)


def collect(user: User) -> dict:
    """Every registered section for ``user``."""
    return {"exported_at": iso(utcnow()), **{name: fn(user) for name, fn in _SECTIONS.items()}}


def export_zip(user: User) -> bytes:
    """One ZIP: data.json, her files (certificates, uploads) and a note on what it contains."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(collect(user), ensure_ascii=False, indent=2))
        for fn in _FILES:
            for name, content in fn(user):
                archive.writestr(f"files/{name}", content)
        archive.writestr("README.txt", "Everything Amicus holds about your account, as JSON (data.json),\n"
                                       "and your certificates and the files you uploaded (files/).\n"
                                       "Anonymous survey answers are included because you, signed in, can find them;\n"
                                       "nobody else can link them to you.\n")
    return buffer.getvalue()


class DeletionRefused(Exception):
    """The account cannot be deleted by its holder; str() says why and what to do."""


def can_delete_itself(user: User) -> bool:
    """Participants and guest judges delete their own accounts; trainers and admins, whose
    cohorts and records others depend on, ask an administrator."""
    return user.role in (Role.PARTICIPANT, Role.GUEST)


def delete_account(user: User, password: str, *, keep_certificates: bool) -> None:
    """The holder deletes her own account (after her password). The caller commits.

    Anonymous survey answers stay (they cannot be linked to anyone); identified ones lose their
    link to the account. Work done with others (a team's submission, scores she gave as a judge)
    stays without her name.
    The audit log keeps that an account was deleted, not whose: entries naming her lose the name.
    """
    if not can_delete_itself(user):
        raise DeletionRefused(_l("Trainers and administrators cannot delete their own accounts here: "
                                 "ask an administrator, who can hand over your cohorts first."))
    accounts.check_password(user, password, "password")
    erase(user, keep_certificates=keep_certificates, actor=None)


def erase(user: User, *, keep_certificates: bool, actor: User | None) -> None:
    """Delete ``user`` and what is held with her; ``actor`` is the admin doing it, or None for
    the holder herself. The caller has checked that it may, and commits."""
    choices = {"keep_certificates": keep_certificates}
    for fn in _ERASERS:
        fn(user, choices)
    from training.audit import AuditEntry

    if not user.is_trainer:  # what staff did stays on record under their name
        db.session.execute(update(AuditEntry).where(AuditEntry.actor_id == user.id).values(actor_handle="(deleted)"))
    for pattern, replacement in ((f"({user.handle})", "(deleted)"), (f"guest {user.handle}", "guest (deleted)")):
        for entry in db.session.execute(select(AuditEntry).where(AuditEntry.target.contains(pattern, autoescape=True))
                                        ).scalars():
            entry.target = entry.target.replace(pattern, replacement)
    entry = audit.record(actor, "account.delete", f"user {user.id}", None,
                         certificates="kept" if keep_certificates else "revoked")
    if actor is None:
        entry.actor_handle = "(the account's holder)"
    db.session.delete(user)

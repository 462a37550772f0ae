"""Everything Amicus holds about one person, for her own download.

Each package registers what it keeps (the core never imports the others): a name and a
function returning JSON-ready data for a user.
"""
from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable

from sqlalchemy import select

from training.accounts import User
from training.cohorts import Cohort, CohortMember
from training.db import utcnow
from training.extensions import db

_SECTIONS: dict[str, Callable[[User], object]] = {}


def section(name: str):
    def decorator(fn: Callable[[User], object]):
        _SECTIONS[name] = fn
        return fn

    return decorator


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


def collect(user: User) -> dict:
    """Every registered section for ``user``."""
    return {"exported_at": iso(utcnow()), **{name: fn(user) for name, fn in _SECTIONS.items()}}


def export_zip(user: User) -> bytes:
    """One ZIP: data.json, and a note on what it contains."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(collect(user), ensure_ascii=False, indent=2))
        archive.writestr("README.txt", "Everything Amicus holds about your account, as JSON (data.json).\n"
                                       "Anonymous survey answers are included because you, signed in, can find them;\n"
                                       "nobody else can link them to you.\n")
    return buffer.getvalue()

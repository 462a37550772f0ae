"""The audit log: staff actions that touch people's data, who did them, when and from where.

The application only ever adds entries; no page or command edits or deletes them.
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, String, select
from sqlalchemy.orm import Mapped, mapped_column

from training.accounts import User
from training.db import UTCDateTime, utcnow
from training.extensions import db

ACTIONS = {
    "export.cohort_progress": _l("Downloaded a cohort's progress (CSV)"),
    "export.quiz_attempts": _l("Downloaded a quiz's attempts (CSV)"),
    "export.survey_results": _l("Downloaded survey results (CSV)"),
    "export.survey_responses": _l("Downloaded de-identified survey answers (CSV)"),
    "export.survey_report": _l("Downloaded a survey report (PDF)"),
    "read.identified_survey": _l("Read an identified cohort's survey answers"),
    "account.reset_link": _l("Made a password-reset link"),
    "account.unlock": _l("Unlocked an account"),
    "account.two_factor_on": _l("Turned on two-factor log-in"),
    "account.two_factor_off": _l("Turned off two-factor log-in"),
    "account.two_factor_reset": _l("Turned off someone's two-factor log-in"),
    "account.delete": _l("Deleted an account"),
    "helpline.save": _l("Added or changed a helpline"),
    "survey.adjust": _l("Adjusted a survey for a cohort"),
    "survey.purge": _l("Deleted survey answers past their retention period"),
    "export.certificates": _l("Downloaded a cohort's certificates (ZIP)"),
    "certificate.revoke": _l("Revoked a certificate"),
    "certificate.reissue": _l("Re-issued a certificate"),
    "completion.adjust": _l("Adjusted a cohort's completion rule"),
    "case.penalty": _l("Set a format penalty in a case exercise"),
    "case.publish": _l("Published a case exercise's results"),
    "case.guest_judge": _l("Invited a guest judge to a case exercise"),
}


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    actor_handle: Mapped[str] = mapped_column(String(40))  # kept if the account is deleted
    action: Mapped[str] = mapped_column(String(40), index=True)
    target: Mapped[str] = mapped_column(String(200))  # what it was about, e.g. "cohort 3 (Spring)"
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    address: Mapped[str | None] = mapped_column(String(45))  # the client's IP address


def record(actor: User | None, action: str, target: str, address: str | None, **detail) -> AuditEntry:
    """Add an entry (the caller commits, with the action it records)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    entry = AuditEntry(actor_id=actor.id if actor is not None else None,
                       actor_handle=actor.handle if actor is not None else "(server)",
                       action=action, target=target[:200], detail=detail, address=(address or None))
    db.session.add(entry)
    return entry


def search(action: str | None = None, actor: str | None = None):
    """A query for entries, newest first, filtered by action and by the actor's handle."""
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if action in ACTIONS:
        query = query.where(AuditEntry.action == action)
    if actor:
        query = query.where(AuditEntry.actor_handle.ilike(f"%{actor[:40]}%", escape="\\"))
    return query

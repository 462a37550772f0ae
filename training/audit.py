"""The audit log: staff actions that touch people's data, who did them, when and from where.

The application only ever adds entries; no page or command edits or deletes them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, String, select
from sqlalchemy.orm import Mapped, mapped_column

from training.accounts import User
from training.db import UTCDateTime, utcnow
from training.extensions import db

ACTIONS = {
    "cohort.message": _l("Wrote to a cohort"),
    "export.cohort_progress": _l("Downloaded a cohort's progress (CSV)"),
    "export.quiz_attempts": _l("Downloaded a quiz's attempts (CSV)"),
    "export.survey_results": _l("Downloaded survey results (CSV)"),
    "export.survey_responses": _l("Downloaded de-identified survey answers (CSV)"),
    "export.survey_report": _l("Downloaded a survey report (PDF)"),
    "read.identified_survey": _l("Read an identified cohort's survey answers"),
    "account.create": _l("Created a staff account"),
    "account.reset_link": _l("Made a password-reset link"),
    "account.unlock": _l("Unlocked an account"),
    "account.two_factor_on": _l("Turned on two-factor log-in"),
    "account.two_factor_off": _l("Turned off two-factor log-in"),
    "account.two_factor_reset": _l("Turned off someone's two-factor log-in"),
    "account.delete": _l("Deleted an account"),
    "helpline.save": _l("Added or changed a helpline"),
    "survey.adjust": _l("Adjusted a survey for a cohort"),
    "survey.invite": _l("Invited a cohort to a survey"),
    "course.publish": _l("Published a course version in the Studio"),
    "course.author_grant": _l("Made someone an author of a course"),
    "course.adopt": _l("Moved a course from files to the Studio"),
    "course.author_revoke": _l("Removed an author of a course"),
    "cards.make": _l("Made respondent cards for a cohort"),
    "cards.void": _l("Voided a respondent card"),
    "cards.phases": _l("Chose which surveys a cohort's cards can answer"),
    "cards.import": _l("Imported KoboToolbox or ODK submissions as card responses"),
    "cards.enter": _l("Typed in a paper questionnaire"),
    "cards.decide": _l("Decided between two entries of a paper questionnaire"),
    "cards.double_entry": _l("Turned double entry of paper questionnaires on or off"),
    "export.paper_forms": _l("Downloaded paper questionnaires (PDF)"),
    "export.xlsform": _l("Downloaded a survey as an XLSForm"),
    "export.cards": _l("Downloaded respondent cards (PDF)"),
    "export.attendance": _l("Downloaded a cohort's attendance (CSV)"),
    "export.sign_in_sheet": _l("Downloaded a session's sign-in sheet (PDF)"),
    "export.workshop_report": _l("Downloaded a workshop report (PDF or CSV)"),
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


@dataclass
class EntryView:
    """An entry as the audit page shows it, in the reader's language."""

    entry: AuditEntry
    who: str  # the actor's handle and role
    what: str  # the action's name
    about: str  # what was acted on, with handles and names in place of the numbers recorded
    source: str  # the client's address, or the server's command line


# What entries record as their target (see the callers of ``record``), and how each is said.
_USER = re.compile(r"user (\d+)(?: \((.+)\))?")
_COHORT = re.compile(r"cohort (\d+) \((.*)\)")
_COHORT_QUIZ = re.compile(r"cohort (\d+), quiz (.+)")
_CERTIFICATE = re.compile(r"certificate (\d+) \((.+)\)")
_REISSUE = re.compile(r"certificate (\d+) -> (\d+)")
_HELPLINE = re.compile(r"helpline (\d+) \((.*)\)")
_CASE_RUN = re.compile(r"case run (\d+) \((.*)\)")
_CASE_TEAM = re.compile(r"case run (\d+), team (\d+)")
_CASE_GUEST = re.compile(r"case run (\d+), guest (.+)")
_PURGE = re.compile(r"survey answers before (.+)")
_DELETED = "deleted"  # what training.personal_data.erase puts in place of a deleted person's handle


def described(entries: list[AuditEntry]) -> list[EntryView]:
    """The entries of one audit page for reading: who did it (handle and role), what, and about
    what, naming accounts and cohorts where the entry recorded only their number ("user 12").
    Reads the accounts and cohorts named in two statements, whatever the number of entries."""
    from training.accounts import ROLE_LABELS
    from training.cohorts import Cohort

    user_ids = {e.actor_id for e in entries if e.actor_id is not None}
    cohort_ids = set()
    for e in entries:
        if m := _USER.fullmatch(e.target):
            user_ids.add(int(m.group(1)))
        elif m := _COHORT_QUIZ.fullmatch(e.target):
            cohort_ids.add(int(m.group(1)))
    users = {row.id: row for row in db.session.execute(
        select(User.id, User.handle, User.role).where(User.id.in_(user_ids)))} if user_ids else {}
    cohort_names = dict(db.session.execute(
        select(Cohort.id, Cohort.name).where(Cohort.id.in_(cohort_ids))).all()) if cohort_ids else {}

    def who(e: AuditEntry) -> str:
        special = {"(server)": _("the server (command line)"), "(deleted)": _("a deleted account"),
                   "(the account's holder)": _("the account's holder")}
        if e.actor_handle in special:
            return special[e.actor_handle]
        actor = users.get(e.actor_id)
        if actor is None:
            return e.actor_handle
        return _("%(handle)s (%(role)s)", handle=e.actor_handle, role=ROLE_LABELS.get(actor.role, actor.role))

    def account(recorded: str | None, user_id: int) -> str:
        if user_id in users:
            return _("the account %(handle)s", handle=users[user_id].handle)
        if recorded is None or recorded == _DELETED:
            return _("a deleted account")
        return _("the account %(handle)s", handle=recorded)

    def about(target: str) -> str:
        if m := _USER.fullmatch(target):
            return account(m.group(2), int(m.group(1)))
        if m := _COHORT.fullmatch(target):
            return _("the cohort %(name)s", name=m.group(2))
        if m := _COHORT_QUIZ.fullmatch(target):
            cohort = int(m.group(1))
            name = cohort_names[cohort] if cohort in cohort_names else _("no. %(id)d", id=cohort)
            return _("the quiz %(quiz)s of the cohort %(name)s", quiz=m.group(2), name=name)
        if m := _CERTIFICATE.fullmatch(target):
            return _("the certificate %(code)s", code=m.group(2))
        if m := _REISSUE.fullmatch(target):
            return _("certificate no. %(old)s, replaced by no. %(new)s", old=m.group(1), new=m.group(2))
        if m := _HELPLINE.fullmatch(target):
            return _("the helpline %(contact)s", contact=m.group(2))
        if m := _CASE_RUN.fullmatch(target):
            return _("the case exercise of the cohort %(name)s", name=m.group(2))
        if m := _CASE_TEAM.fullmatch(target):
            return _("team %(team)s in case exercise no. %(run)s", team=m.group(2), run=m.group(1))
        if m := _CASE_GUEST.fullmatch(target):
            guest = _("a deleted account") if m.group(2) == "(deleted)" else m.group(2)
            return _("the guest judge %(handle)s in case exercise no. %(run)s", run=m.group(1), handle=guest)
        if m := _PURGE.fullmatch(target):
            return _("survey answers from before %(date)s", date=m.group(1))
        return target  # as recorded: a survey's course and scope, already in words

    def source(address: str | None) -> str:
        return _("the server's command line") if address == "server command line" else address or ""

    return [EntryView(e, who(e), ACTIONS.get(e.action, e.action), about(e.target), source(e.address))
            for e in entries]

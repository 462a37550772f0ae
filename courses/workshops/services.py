"""Sessions of a cohort and their attendance: every change by one of the cohort's trainers."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime

from blinker import Namespace
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from courses.workshops.models import MODES, STATUSES, Attendance, CohortSession
from training import accounts, timezones
from training.accounts import User
from training.cohorts import Cohort, CohortMember, require_manager
from training.db import first_or_create, utcnow
from training.extensions import db
from training.refusals import Refusal

NAME_MAX = 40


class WorkshopError(Refusal):
    """A session or attendance change refused; nothing changed."""


#: Sent as ``attendance_marked.send(user_id, cohort_id=...)`` when someone with an account is
#: marked present or late (by a trainer, as a walk-in or by checking in), or when a session is
#: deleted: a completion rule that asks for attendance may now be met (certificates listen).
attendance_marked = Namespace().signal("attendance-marked")

#: What counts as attending a session for a completion rule; an excused session is left out.
ATTENDED = ("present", "late")


@dataclass(frozen=True)
class AttendanceRecord:
    attended: int  # sessions she was present or late at
    counted: int  # the cohort's sessions, less those she was excused from

    def meets(self, percent: int) -> bool:
        """At least ``percent`` of the counted sessions attended; a cohort without sessions
        (or only excused ones) does not meet a rule that asks for attendance."""
        return self.counted > 0 and self.attended * 100 >= percent * self.counted


def attendance_record(user_id: int, cohort_id: int) -> AttendanceRecord:
    """Her attendance over every session of the cohort, held or planned (two counts, one query)."""
    sessions, attended, excused = db.session.execute(
        select(func.count(CohortSession.id),
               func.count(Attendance.id).filter(Attendance.status.in_(ATTENDED)),
               func.count(Attendance.id).filter(Attendance.status == "excused"))
        .select_from(CohortSession)
        .outerjoin(Attendance, (Attendance.session_id == CohortSession.id) & (Attendance.user_id == user_id))
        .where(CohortSession.cohort_id == cohort_id)).one()
    return AttendanceRecord(attended=attended, counted=sessions - excused)


@dataclass
class SessionSpec:
    title: str
    starts: datetime  # naive, the cohort's wall clock
    ends: datetime
    mode: str = "in_person"
    place: str = ""
    hide_place: bool = False
    facilitators: str = ""
    capacity: int | None = None


def _clean(text: str | None, limit: int) -> str:
    text = " ".join(unicodedata.normalize("NFC", text or "").split())
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs", "Cn") for ch in text):
        raise WorkshopError(_l("Remove the invisible or control characters, and save again."))
    return text[:limit]


def add_session(trainer: User, cohort: Cohort, spec: SessionSpec) -> CohortSession:
    require_manager(trainer, cohort)
    title = _clean(spec.title, 200)
    if not title:
        raise WorkshopError(_l("Give the session a title."), field="title")
    if spec.mode not in MODES:
        raise WorkshopError(_l("Choose in person, online or blended."), field="mode")
    starts, ends = timezones.from_local(spec.starts, cohort.timezone), timezones.from_local(spec.ends, cohort.timezone)
    if ends <= starts:
        raise WorkshopError(_l("The session must end after it starts."), field="ends")
    session = CohortSession(cohort_id=cohort.id, title=title, starts_at=starts, ends_at=ends, mode=spec.mode,
                            place=_clean(spec.place, 300), hide_place=bool(spec.hide_place),
                            facilitators=_clean(spec.facilitators, 300), capacity=spec.capacity)
    db.session.add(session)
    db.session.flush()
    return session


def sessions_of(cohort: Cohort) -> list[CohortSession]:
    return list(db.session.execute(select(CohortSession).where(CohortSession.cohort_id == cohort.id)
                                   .order_by(CohortSession.starts_at, CohortSession.id)).scalars())


def session_of(cohort: Cohort, session_id: int) -> CohortSession | None:
    session = db.session.get(CohortSession, session_id)
    return session if session is not None and session.cohort_id == cohort.id else None


def delete_session(trainer: User, cohort: Cohort, session: CohortSession) -> None:
    require_manager(trainer, cohort)
    db.session.delete(session)
    db.session.flush()
    # One session fewer can bring someone to the share a rule asks for.
    for user_id in db.session.execute(select(CohortMember.user_id).where(
            CohortMember.cohort_id == cohort.id, CohortMember.role == "participant")).scalars():
        attendance_marked.send(user_id, cohort_id=cohort.id)


@dataclass
class RosterRow:
    key: str  # "u12" (an account) or "w3" (an anonymous walk-in): what the buttons send
    label: str
    status: str | None
    walk_in: bool  # added on the spot (with an account or without)


def roster(cohort: Cohort, session: CohortSession) -> list[RosterRow]:
    """The cohort's participants by handle, then walk-ins with accounts, then anonymous walk-ins by number."""
    return rosters(cohort, [session])[session.id]


def rosters(cohort: Cohort, sessions: list[CohortSession]) -> dict[int, list[RosterRow]]:
    """``roster`` of each session, in three queries whatever the number of sessions."""
    ids = [session.id for session in sessions]
    marks = list(db.session.execute(select(Attendance).where(Attendance.session_id.in_(ids))).scalars())
    members = list(db.session.execute(select(User).join(CohortMember, CohortMember.user_id == User.id).where(
        CohortMember.cohort_id == cohort.id, CohortMember.role == "participant").order_by(User.handle)).scalars())
    member_ids = {u.id for u in members}
    guest_ids = {a.user_id for a in marks if a.user_id is not None} - member_ids
    guests = list(db.session.execute(select(User).where(User.id.in_(guest_ids)).order_by(User.handle)).scalars()) \
        if guest_ids else []
    out = {}
    for session_id in ids:
        mine = [a for a in marks if a.session_id == session_id]
        by_user = {a.user_id: a for a in mine if a.user_id is not None}
        rows = [RosterRow(f"u{u.id}", u.handle, by_user[u.id].status if u.id in by_user else None, False)
                for u in members]
        rows += [RosterRow(f"u{u.id}", u.handle, by_user[u.id].status, True) for u in guests if u.id in by_user]
        rows += [RosterRow(f"w{a.walk_in}", _walk_in_label(a), a.status, True)
                 for a in sorted((a for a in mine if a.walk_in is not None), key=lambda a: a.walk_in)]
        out[session_id] = rows
    return out


def _walk_in_label(row: Attendance) -> str:
    return f"#{row.walk_in} {row.walk_in_name}".strip()


def mark(trainer: User, cohort: Cohort, session: CohortSession, key: str, status: str) -> Attendance:
    """Record one person's attendance as tapped: a participant, or someone already on the list."""
    require_manager(trainer, cohort)
    if status not in STATUSES:
        raise WorkshopError(_l("Choose present, late, absent or excused."))
    if key[:1] == "u" and key[1:].isdigit():
        user_id = int(key[1:])
        listed = db.session.execute(select(Attendance.id).where(
            Attendance.session_id == session.id, Attendance.user_id == user_id)).first()
        member = db.session.execute(select(CohortMember.id).where(
            CohortMember.cohort_id == cohort.id, CohortMember.user_id == user_id,
            CohortMember.role == "participant")).first()
        if not (listed or member):
            raise WorkshopError(_l("That person is not on this session's list. Reload the page."))
        row = first_or_create(db.session, Attendance, {"session_id": session.id, "user_id": user_id},
                              {"status": status})
    elif key[:1] == "w" and key[1:].isdigit():
        row = db.session.execute(select(Attendance).where(
            Attendance.session_id == session.id, Attendance.walk_in == int(key[1:]))).scalar_one_or_none()
        if row is None:
            raise WorkshopError(_l("That person is not on this session's list. Reload the page."))
    else:
        raise WorkshopError(_l("That person is not on this session's list. Reload the page."))
    row.status, row.marked_at = status, utcnow()
    if row.user_id is not None and status in ATTENDED:
        attendance_marked.send(row.user_id, cohort_id=cohort.id)
    return row


def places_taken(session: CohortSession) -> int:
    """People in the room: marked present or late, walk-ins included."""
    return db.session.execute(select(func.count(Attendance.id)).where(
        Attendance.session_id == session.id, Attendance.status.in_(ATTENDED))).scalar_one()


def is_full(session: CohortSession) -> bool:
    return session.capacity is not None and places_taken(session) >= session.capacity


def add_walk_in(trainer: User, cohort: Cohort, session: CohortSession, handle: str | None, name: str | None,
                over_capacity: bool = False) -> str:
    """Add someone who came without being on the list, marked present: by the handle of her
    account, or as an anonymous attendee (the next number, and a first name or nickname if
    given). Returns her label on the list. When the session's places are taken, only with
    ``over_capacity`` (the trainer's "add anyway": the room is hers to judge)."""
    require_manager(trainer, cohort)
    if is_full(session) and not over_capacity:
        raise WorkshopError(_l("All %(n)d places of this session are taken. Tick “Add her anyway” if the room allows.",
                               n=session.capacity), field="over_capacity")
    handle = (handle or "").strip()
    if handle:
        user = accounts.find_user(handle)
        if user is None:
            raise WorkshopError(_l("No account has that handle. Add her without an account instead."), field="handle")
        row = first_or_create(db.session, Attendance, {"session_id": session.id, "user_id": user.id},
                              {"status": "present"})
        row.status, row.marked_at = "present", utcnow()
        attendance_marked.send(user.id, cohort_id=cohort.id)
        return user.handle
    nickname = _clean(name, NAME_MAX)
    # The session's row lock (SQLite: the database's) keeps two trainers' walk-ins from taking one number.
    db.session.execute(select(CohortSession.id).where(CohortSession.id == session.id).with_for_update())
    last = db.session.execute(select(func.max(Attendance.walk_in)).where(
        Attendance.session_id == session.id)).scalar_one() or 0
    row = Attendance(session_id=session.id, walk_in=last + 1, walk_in_name=nickname, status="present")
    db.session.add(row)
    db.session.flush()
    return _walk_in_label(row)


def attendance_rows(cohort: Cohort) -> list[list[str]]:
    """Every session's list for the CSV: session, its start in the cohort's zone, person, walk-in, status."""
    zone = cohort.timezone
    rows = [["session", timezones.csv_header("starts", zone), "person", "walk_in", "status"]]
    sessions = sessions_of(cohort)
    lists = rosters(cohort, sessions)
    for session in sessions:
        for row in lists[session.id]:
            rows.append([session.title, timezones.csv_moment(session.starts_at, zone), row.label,
                         "yes" if row.walk_in else "", row.status or "not marked"])
    return rows


def counts(rows: list[RosterRow]) -> dict[str, int]:
    out = {status: 0 for status in STATUSES}
    for row in rows:
        if row.status:
            out[row.status] += 1
    return out


# ---------------------------------------------------------------------------------------------
# Self check-in: a code that changes every 30 seconds

#: Seconds a check-in code is shown before the next one; a code is accepted during its own
#: period and the next, so a scan started just before the change still counts.
CHECK_IN_PERIOD = 30


def _check_in_mac(session_id: int, period: int) -> str:
    import hashlib
    import hmac

    from flask import current_app

    key = hmac.new(current_app.config["SECRET_KEY"].encode(), b"amicus check-in", hashlib.sha256).digest()
    return hmac.new(key, f"{session_id}:{period}".encode(), hashlib.sha256).hexdigest()[:20]


def check_in_code(session: CohortSession, now: float | None = None) -> tuple[str, int]:
    """The code shown now for the session, and the seconds until the next one."""
    import time

    now = time.time() if now is None else now
    period = int(now // CHECK_IN_PERIOD)
    return f"{session.id}.{period}.{_check_in_mac(session.id, period)}", CHECK_IN_PERIOD - int(now % CHECK_IN_PERIOD)


def read_check_in_code(code: str, now: float | None = None) -> CohortSession:
    """The session a scanned code is for; WorkshopError if it is forged or expired."""
    import hmac
    import time

    now = time.time() if now is None else now
    parts = (code or "").split(".")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit() or len(parts[0]) > 12 or len(parts[1]) > 12:
        raise WorkshopError(_l("This is not a check-in code. Scan the code the trainer shows."))
    session_id, period = int(parts[0]), int(parts[1])
    if not hmac.compare_digest(parts[2], _check_in_mac(session_id, period)):
        raise WorkshopError(_l("This is not a check-in code. Scan the code the trainer shows."))
    current = int(now // CHECK_IN_PERIOD)
    if not current - 1 <= period <= current:
        raise WorkshopError(_l("This code has expired. Scan the code the trainer shows now."))
    session = db.session.get(CohortSession, session_id)
    if session is None:
        raise WorkshopError(_l("This session no longer exists."))
    return session


def check_in(user: User, session: CohortSession) -> bool:
    """Mark a participant of the session's cohort present; True if this marked her (False: she
    was marked already, and her mark stays, a trainer's "late" included)."""
    member = db.session.execute(select(CohortMember.id).where(
        CohortMember.cohort_id == session.cohort_id, CohortMember.user_id == user.id,
        CohortMember.role == "participant")).first()
    if not member:
        raise WorkshopError(_l("You are not a participant of this session's cohort. Ask the trainer."))
    marked = db.session.execute(select(Attendance.id).where(
        Attendance.session_id == session.id, Attendance.user_id == user.id)).first()
    if marked:
        return False
    if is_full(session):  # the trainer decides who is added over the places (add_walk_in)
        raise WorkshopError(_l("All places of this session are taken. Ask the trainer, who can add you."))
    first_or_create(db.session, Attendance, {"session_id": session.id, "user_id": user.id}, {"status": "present"})
    attendance_marked.send(user.id, cohort_id=session.cohort_id)
    return True


# ---------------------------------------------------------------------------------------------
# A participant's upcoming sessions


@dataclass
class Upcoming:
    session: CohortSession
    cohort_name: str
    course_titles: dict


def upcoming_for(user: User, limit: int = 10) -> list[Upcoming]:
    """The sessions not yet over of the cohorts she is a participant of, soonest first (one query)."""
    from courses.models import Course

    rows = db.session.execute(
        select(CohortSession, Cohort.name, Course.titles)
        .join(Cohort, Cohort.id == CohortSession.cohort_id)
        .join(CohortMember, CohortMember.cohort_id == Cohort.id)
        .join(Course, Course.id == Cohort.course_id)
        .where(CohortMember.user_id == user.id, CohortMember.role == "participant", CohortSession.ends_at > utcnow())
        .order_by(CohortSession.starts_at, CohortSession.id).limit(limit)).all()
    return [Upcoming(session, name, titles) for session, name, titles in rows]


def _ics_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def calendar(user: User, site: str, neutral: str, host: str, named: bool, locale: str) -> str:
    """Her upcoming sessions as an iCalendar file. Neutral unless she asks for names: every
    event is called ``neutral`` ("Amicus session"), with no course or cohort name; a hidden
    place is left out."""
    from courses.models import localized

    stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:-//{_ics_text(site)}//sessions//EN", "CALSCALE:GREGORIAN"]
    for item in upcoming_for(user, limit=100):
        session = item.session
        summary = f"{session.title} ({localized(item.course_titles, locale)})" if named else neutral
        lines += ["BEGIN:VEVENT", f"UID:session-{session.id}@{host}", f"DTSTAMP:{stamp}",
                  f"DTSTART:{session.starts_at.strftime('%Y%m%dT%H%M%SZ')}",
                  f"DTEND:{session.ends_at.strftime('%Y%m%dT%H%M%SZ')}", f"SUMMARY:{_ics_text(summary)}"]
        if session.place and not session.hide_place:
            lines.append(f"LOCATION:{_ics_text(session.place)}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "\r\n".join(lines) + "\r\n"

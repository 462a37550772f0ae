"""Messages that are safe to receive (issue #21): in-app notifications, opt-in email and text
messages (SMS), and self-service password reset.

Every event lands in her in-app list (``Notification``), always; it is the only channel unless she
adds email, which needs an address she has verified through a signed link. Emails say nothing by
default ("You have an update on <site>" and a link), in her language, under the site name set
for messages (``AMICUS_MESSAGE_SITE_NAME``, which an organisation may make neutral); she may
choose detailed ones. Each carries a signed one-click unsubscribe link and the List-Unsubscribe
headers. Sending is a background job (training/jobs.py) that retries a failing SMTP server and
limits emails per person per hour; a ``Delivery`` row records each one (event, channel, status,
times) and never its text. Text messages work the same way through a small gateway
(training/sms.py), to a number she confirmed with a six-digit code; only an HMAC of the code is
kept, and the code itself travels only in the job that sends it.

Features call ``notify(user_ids, event, link, **params)`` inside their transaction; the
deliveries it queued are handed to the job queue once the request's transaction is committed
(``dispatch``, run after every request; a command calls it itself). Trainers never see a
participant's address: they send to a cohort, and Amicus delivers to whoever opted in.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import NamedTuple

from flask import current_app, g, render_template
from flask_babel import force_locale, get_locale, ngettext
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, false, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from training import jobs, mail, sms, timezones
from training.accounts import AccountError, User, check_password, issue_password_token
from training.cohorts import Cohort, CohortMember, require_manager
from training.db import UTCDateTime, utcnow
from training.extensions import db
from training.public_links import public_url

LINK_MAX = 500
EMAIL_MAX = 254
_EMAIL = re.compile(r"^[^@\s<>\"',;:()\[\]\\]+@[^@\s<>\"',;:()\[\]\\]+\.[^@\s<>\"',;:()\[\]\\]+$")
VERIFY_HOURS = 48
NUMBER_MAX = 16  # "+" and at most 15 digits (E.164)
_NUMBER = re.compile(r"^\+[1-9][0-9]{6,14}$")
CODE_MINUTES = 10
CODE_TRIES = 5


@dataclass(frozen=True)
class Event:
    label: object  # what the settings page calls it
    text: object  # the in-app line, and a detailed email's subject: a lazy string with %(params)s
    choosable: bool = True  # she may turn its email off (the security notices are always sent)


EVENTS: dict[str, Event] = {
    "case_stage": Event(_l("A new stage of a case exercise opens"),
                        _l("A new stage of “%(activity)s” is open: %(stage)s.")),
    "session_tomorrow": Event(_l("A session of your cohort is coming up (a day before)"),
                              _l("“%(title)s” begins %(when)s.")),
    "deadline": Event(_l("A deadline is a day away"),
                      _l("Written submissions for “%(activity)s” are due %(when)s.")),
    "clarification": Event(_l("A question about a case is answered"),
                           _l("A question about “%(activity)s” has been answered.")),
    "results": Event(_l("The results of a case exercise are published"),
                     _l("The results of “%(activity)s” are published.")),
    "essay_marked": Event(_l("A written answer of yours is marked"),
                          _l("Your written answer in “%(activity)s” has been marked.")),
    "survey_open": Event(_l("Your trainer invites you to a survey"),
                         _l("The survey “%(activity)s” is open.")),
    "certificate": Event(_l("A certificate is issued to you"),
                         _l("Your certificate for “%(course)s” has been issued.")),
    "cohort_message": Event(_l("Your trainer writes to your cohort"),
                            _l("A message from your trainer in “%(cohort)s”.")),
    "address_changed": Event(_l("Your email address was changed"),
                             _l("The email address for messages on your account was changed."), choosable=False),
    "password_reset": Event(_l("You asked to reset your password"),
                            _l("You asked for a link to set a new password."), choosable=False),
    "verify_email": Event(_l("You added an email address"),
                          _l("Confirm the email address for messages."), choosable=False),
    "email_bounced": Event(_l("Email to your address could not be delivered"),
                           _l("Email to your address could not be delivered, so we stopped sending it. "
                              "Check the address in your message settings."), choosable=False),
    "number_changed": Event(_l("Your phone number was changed"),
                            _l("The phone number for text messages on your account was changed."), choosable=False),
    "verify_sms": Event(_l("You added a phone number"),
                        _l("Confirm the phone number for text messages."), choosable=False),
}
CHOOSABLE = tuple(code for code, event in EVENTS.items() if event.choosable)


class MessageError(AccountError):
    """A change to message settings that cannot be made (a message for one field)."""


class Notification(db.Model):
    """One event in her in-app list. ``params`` fill the event's text in her language."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_created", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(32))
    link: Mapped[str] = mapped_column(String(LINK_MAX), default="")
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def body(self) -> str:
        """A trainer's message (plain text), shown under the line; other events have none."""
        return (self.params or {}).get("body", "") if self.event == "cohort_message" else ""

    @property
    def text(self) -> str:
        event = EVENTS.get(self.event)
        if event is None:
            return ""
        lang = str(get_locale() or "en")
        try:
            return str(event.text) % {k: _in_language(v, lang) for k, v in (self.params or {}).items()}
        except (KeyError, TypeError, ValueError):
            return str(event.label)


def _in_language(value, lang: str) -> str:
    """A parameter: text, or a title per language ({"en": ..., "zh": ...}) shown in hers."""
    if isinstance(value, dict):
        return str(value.get(lang) or value.get("en") or next(iter(value.values()), ""))
    return str(value)


class MessagePreference(db.Model):
    """Her channels: email on or off, for which events, neutral or detailed wording."""

    __tablename__ = "message_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    email_on: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    email_events: Mapped[list] = mapped_column(JSON, default=lambda: list(CHOOSABLE))
    detailed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # One email a day (at ``digest_hour``, her time) instead of one per event.
    digest: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    digest_hour: Mapped[int] = mapped_column(Integer, default=18, server_default="18")
    # Hours (her time) when nothing is sent: from quiet_from to quiet_to, e.g. 22 to 7; None: none.
    quiet_from: Mapped[int | None] = mapped_column(Integer)
    quiet_to: Mapped[int | None] = mapped_column(Integer)
    # Text messages: a number in E.164 form ("+8613812345678"), used once she confirmed it with a
    # code. Of the code only an HMAC (with the site's secret key) is kept, for CODE_MINUTES.
    sms_number: Mapped[str | None] = mapped_column(String(NUMBER_MAX))
    sms_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sms_on: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    sms_events: Mapped[list] = mapped_column(JSON, default=lambda: list(CHOOSABLE))
    sms_code_hash: Mapped[str | None] = mapped_column(String(64))
    sms_code_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sms_code_tries: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class MessageClaim(db.Model):
    """A scheduled message (a reminder, a digest) that goes once, whichever process of however
    many gets to it first: the first to insert its key sends it."""

    __tablename__ = "message_claims"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Delivery(db.Model):
    """One message to one channel: what and when, never the text (nor the address)."""

    __tablename__ = "deliveries"
    __table_args__ = (Index("ix_deliveries_user_created", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    notification_id: Mapped[int | None] = mapped_column(ForeignKey("notifications.id", ondelete="SET NULL"))
    event: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16), default="email")
    # queued, sent, failed (the server refused it after the retries), limited (too many this
    # hour: it stays in her in-app list), dropped (she turned the channel off, or her address
    # changed, before it went), held (her quiet hours, or waiting for her daily digest),
    # released (her quiet hours ended: being sent), digested (sent in a digest), bounced (the
    # server refused the address for good: her address is no longer confirmed)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(64))  # the kind of failure, never content
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# --- Settings ----------------------------------------------------------------------------------

def preference(user: User) -> MessagePreference:
    row = db.session.get(MessagePreference, user.id)
    if row is None:
        row = MessagePreference(user_id=user.id, email_on=False, email_events=list(CHOOSABLE), detailed=False,
                                sms_on=False, sms_events=list(CHOOSABLE), sms_code_tries=0)
        db.session.add(row)
    return row


def message_site_name() -> str:
    return current_app.config["AMICUS_MESSAGE_SITE_NAME"] or current_app.config["AMICUS_SITE_NAME"]


def clean_email(raw: str | None) -> str:
    email = (raw or "").strip()
    if not email:
        return ""
    if len(email) > EMAIL_MAX or not _EMAIL.match(email):
        raise MessageError(_l("That does not look like an email address."), "email")
    return email


def clean_number(raw: str | None) -> str:
    """A phone number in E.164 form: "+8613812345678". A mainland mobile number may be written
    without its country code (11 digits starting with 1), "00" may stand for "+", and spaces,
    dashes, dots and brackets are ignored."""
    number = re.sub(r"[\s\-.()\u3000]", "", raw or "")
    if not number:
        return ""
    if number.startswith("00"):
        number = "+" + number[2:]
    elif re.fullmatch(r"1[3-9][0-9]{9}", number):
        number = "+86" + number
    if not _NUMBER.match(number) or (number.startswith("+86") and not re.fullmatch(r"\+861[3-9][0-9]{9}", number)):
        raise MessageError(_l("That does not look like a mobile number: write it with its country code, "
                              "e.g. +86 138 1234 5678."), "sms_number")
    return number


class Saved(NamedTuple):
    email_changed: bool
    number_changed: bool


def save_settings(user: User, *, email: str | None, password: str, email_on: bool, events: list[str],
                  detailed: bool, digest: bool = False, digest_hour: int | None = None,
                  quiet_from: int | None = None, quiet_to: int | None = None, sms_number: str | None = None,
                  sms_on: bool = False, sms_events: list[str] | None = None) -> Saved:
    """Save her message settings; a new or removed address or number needs her password. A new
    address is sent a link to verify it (``queue_verification``), a new number a code
    (``send_sms_code``). ``sms_number`` None leaves her text-message settings as they are (the
    site sends none)."""
    new = clean_email(email)
    number = clean_number(sms_number) if sms_number is not None else None
    for hour, field in ((digest_hour, "digest_hour"), (quiet_from, "quiet_from"), (quiet_to, "quiet_to")):
        if hour is not None and not 0 <= hour <= 23:
            raise MessageError(_l("Choose an hour from the list."), field)
    if (quiet_from is None) != (quiet_to is None) or (quiet_from is not None and quiet_from == quiet_to):
        raise MessageError(_l("Choose when quiet hours begin and end (two different hours), or neither."),
                           "quiet_from")
    pref = preference(user)
    changed = new.casefold() != (user.email or "").casefold()
    number_changed = number is not None and number != (pref.sms_number or "")
    if changed or number_changed:
        check_password(user, password, "password")
    if changed:
        if user.email and user.email_verified_at is not None:  # tell the address she had
            notify([user.id], "address_changed", "", _to_old_address=user.email)
        user.email, user.email_verified_at = new or None, None
        if new:
            queue_verification(user)
    pref.email_on = bool(email_on and new)
    pref.email_events = [code for code in CHOOSABLE if code in set(events)]
    pref.detailed = bool(detailed)
    pref.digest = bool(digest)
    pref.digest_hour = digest_hour if digest_hour is not None else pref.digest_hour or 18
    pref.quiet_from, pref.quiet_to = quiet_from, quiet_to
    if number is not None:
        if number_changed:
            if pref.sms_number and pref.sms_verified_at is not None:  # tell the number she had
                notify([user.id], "number_changed", "", _to_old_number=pref.sms_number)
            pref.sms_number, pref.sms_verified_at = number or None, None
            pref.sms_code_hash = pref.sms_code_expires_at = None
            if number:
                send_sms_code(user, field="sms_number")
        pref.sms_on = bool(sms_on and number)
        pref.sms_events = [code for code in CHOOSABLE if code in set(sms_events or [])]
    return Saved(changed, number_changed)


def _code_hash(user: User, number: str, code: str) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, f"sms-code:{user.id}:{number}:{code}".encode(), hashlib.sha256).hexdigest()


def send_sms_code(user: User, field: str = "code") -> None:
    """Queue a new six-digit code to her unconfirmed number (a new code replaces the last one).
    At most AMICUS_SMS_CODES_PER_HOUR an hour: each costs the organisation a message."""
    pref = preference(user)
    if not pref.sms_number or pref.sms_verified_at is not None:
        return
    hour_ago = utcnow() - timedelta(hours=1)
    asked = db.session.execute(select(func.count(Delivery.id)).where(
        Delivery.user_id == user.id, Delivery.event == "verify_sms", Delivery.created_at > hour_ago)).scalar_one()
    if asked >= int(current_app.config["AMICUS_SMS_CODES_PER_HOUR"]):
        raise MessageError(_l("You asked for too many codes: try again in an hour."), field)
    code = f"{secrets.randbelow(10 ** 6):06d}"
    pref.sms_code_hash = _code_hash(user, pref.sms_number, code)
    pref.sms_code_expires_at = utcnow() + timedelta(minutes=CODE_MINUTES)
    pref.sms_code_tries = 0
    delivery = Delivery(user_id=user.id, event="verify_sms", channel="sms", status="queued")
    db.session.add(delivery)
    db.session.flush()
    g.setdefault("amicus_outbox", []).append((delivery.id, code))


def confirm_sms_code(user: User, code: str) -> None:
    """Confirm her number with the code sent to it, or raise MessageError. A wrong try counts
    (the caller commits it even then): after CODE_TRIES the code is void."""
    pref = preference(user)
    code = re.sub(r"\s", "", code or "")
    if not pref.sms_number or pref.sms_verified_at is not None:
        raise MessageError(_l("There is no phone number waiting to be confirmed."), "code")
    if pref.sms_code_hash is None or pref.sms_code_expires_at is None or pref.sms_code_expires_at < utcnow():
        raise MessageError(_l("This code has expired: ask for a new one."), "code")
    if pref.sms_code_tries >= CODE_TRIES:
        raise MessageError(_l("Too many wrong codes: ask for a new one."), "code")
    if not hmac.compare_digest(pref.sms_code_hash, _code_hash(user, pref.sms_number, code)):
        pref.sms_code_tries += 1
        raise MessageError(_l("That is not the code we sent."), "code")
    pref.sms_verified_at = utcnow()
    pref.sms_code_hash = pref.sms_code_expires_at = None
    pref.sms_code_tries = 0


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"amicus-{salt}")


def queue_verification(user: User) -> None:
    """Queue the link that verifies her (new) address; sent to that address, verified or not."""
    delivery = Delivery(user_id=user.id, event="verify_email", status="queued")
    db.session.add(delivery)
    db.session.flush()
    g.setdefault("amicus_outbox", []).append((delivery.id, None))


def verification_token(user: User) -> str:
    return _serializer("verify-email").dumps({"u": user.id, "e": user.email})


def verify_email(token: str) -> User | None:
    """The account whose address the link verifies (and now is verified), or None: a link that is
    forged, too old, or for an address she has since changed."""
    try:
        data = _serializer("verify-email").loads(token, max_age=VERIFY_HOURS * 3600)
    except BadSignature:
        return None
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) and isinstance(data.get("u"), int) else None
    if user is None or not user.email or user.email != data.get("e"):
        return None
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    return user


def unsubscribe_token(user: User) -> str:
    return _serializer("unsubscribe").dumps({"u": user.id, "e": user.email or ""})


def unsubscribe_user(token: str) -> User | None:
    """The account a signed unsubscribe link names (no expiry: an old email still works)."""
    try:
        data = _serializer("unsubscribe").loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    user = db.session.get(User, data["u"])
    return user if user is not None and (user.email or "") == data.get("e") else None


def unsubscribe(user: User) -> None:
    preference(user).email_on = False


# --- Sending -----------------------------------------------------------------------------------

def notify(user_ids, event: str, link: str = "", **params) -> None:
    """Put ``event`` in each person's in-app list, and queue an email or a text message to each
    who chose that channel for it. Inside the caller's transaction; the messages go once it is
    committed (``dispatch``)."""
    if event not in EVENTS:
        raise ValueError(f"unknown event {event!r}")
    ids = sorted(set(user_ids))
    if not ids:
        return
    old_address = params.pop("_to_old_address", None)
    old_number = params.pop("_to_old_number", None)
    params = {key: {str(k): str(v)[:300] for k, v in value.items()} if isinstance(value, dict)
              else str(value)[:MESSAGE_MAX if key == "body" else 300] for key, value in params.items()}
    rows = [Notification(user_id=uid, event=event, link=link[:LINK_MAX], params=params) for uid in ids]
    db.session.add_all(rows)
    db.session.execute(update(User).where(User.id.in_(ids)).values(
        unread_notifications=User.unread_notifications + 1))
    db.session.flush()
    by_user = {row.user_id: row for row in rows}
    wanted: list[tuple[int, str]] = []  # (user, channel)
    if old_address is not None:  # a security notice to the address that was just replaced
        wanted = [(uid, "email") for uid in ids]
    elif old_number is not None:  # ... or to the number
        wanted = [(uid, "sms") for uid in ids]
    elif EVENTS[event].choosable:
        for uid, email_on, email_events, email_ok, sms_on, sms_events, sms_ok in db.session.execute(
                select(MessagePreference.user_id, MessagePreference.email_on, MessagePreference.email_events,
                       User.email_verified_at.is_not(None), MessagePreference.sms_on, MessagePreference.sms_events,
                       MessagePreference.sms_verified_at.is_not(None))
                .join(User, User.id == MessagePreference.user_id)
                .where(MessagePreference.user_id.in_(ids),
                       (MessagePreference.email_on.is_(True)) | (MessagePreference.sms_on.is_(True)))):
            if email_on and email_ok and event in (email_events or []):
                wanted.append((uid, "email"))
            if sms_on and sms_ok and event in (sms_events or []):
                wanted.append((uid, "sms"))
    deliveries = [Delivery(user_id=uid, notification_id=by_user[uid].id, event=event, channel=channel,
                           error=None, status="queued") for uid, channel in wanted]
    db.session.add_all(deliveries)
    db.session.flush()
    outbox = g.setdefault("amicus_outbox", [])
    outbox.extend((d.id, old_address if d.channel == "email" else old_number) for d in deliveries)


MESSAGE_MAX = 2000


def send_cohort_message(trainer: User, cohort: Cohort, text: str) -> int:
    """A trainer's plain-text message to her cohort's participants: in each one's notifications,
    and by email to whoever chose it (she never sees their addresses). Returns how many it went to."""
    require_manager(trainer, cohort)
    body = "\n".join(line.rstrip() for line in (text or "").replace("\r\n", "\n").split("\n"))
    body = "".join(ch for ch in body if ch == "\n" or ch.isprintable()).strip()
    if not body:
        raise MessageError(_l("Write the message."), "text")
    if len(body) > MESSAGE_MAX:
        raise MessageError(_l("A message may be at most %(max)d characters.", max=MESSAGE_MAX), "text")
    people = list(db.session.execute(select(CohortMember.user_id).where(
        CohortMember.cohort_id == cohort.id, CohortMember.role == "participant")).scalars())
    notify(people, "cohort_message", "", cohort=cohort.name, body=body)
    return len(people)


def request_password_reset(email: str) -> None:
    """"Forgot your password?": queue a link to the account whose verified address this is.
    Nothing is said about whether there is one (the page answers the same either way)."""
    try:
        email = clean_email(email)
    except MessageError:
        return
    if not email:
        return
    user = db.session.execute(select(User).where(func.lower(User.email) == email.lower(),
                                                 User.email_verified_at.is_not(None))).scalars().first()
    if user is None:
        return
    delivery = Delivery(user_id=user.id, event="password_reset", status="queued")
    db.session.add(delivery)
    db.session.flush()
    g.setdefault("amicus_outbox", []).append((delivery.id, None))


def dispatch() -> None:
    """Hand the deliveries queued in this request (or command) to the job queue. Run after the
    transaction that made them is committed: a delivery rolled back is not there to send."""
    outbox = g.pop("amicus_outbox", None)
    if outbox:
        jobs.enqueue("training.messages.deliver", [delivery_id for delivery_id, _extra in outbox],
                     {str(delivery_id): extra for delivery_id, extra in outbox if extra})


def deliver(delivery_ids: list[int], extras: dict | None = None) -> None:
    """The job: send each queued delivery, committing each one's outcome. ``extras``: what is
    not stored, by delivery: the old address or number a security notice goes to, or a code."""
    for delivery_id in delivery_ids:
        row = db.session.get(Delivery, delivery_id)
        if row is None or row.status not in ("queued", "released"):
            continue
        if row.channel == "sms":
            _deliver_sms(row, (extras or {}).get(str(delivery_id)))
        else:
            _deliver_one(row, (extras or {}).get(str(delivery_id)))
        db.session.commit()


def _deliver_one(row: Delivery, old_address: str | None) -> None:
    user = db.session.get(User, row.user_id)
    pref = db.session.get(MessagePreference, row.user_id)
    if row.event == "verify_email":
        to = user.email if user is not None and user.email_verified_at is None else None
    else:
        to = old_address or (user.email if user is not None and user.email_verified_at is not None else None)
    security = not EVENTS[row.event].choosable
    if to is None or not mail.enabled() or (not security and not (pref is not None and pref.email_on)):
        row.status = "dropped"
        return
    if _held_or_limited(row, user, pref, security, "AMICUS_MAIL_PER_HOUR"):
        return
    _send(row, partial(mail.send, _compose(row, user, pref, to)))
    if row.status == "bounced" and to == user.email:
        _bounced(user)


def _bounced(user: User) -> None:
    """Her address was refused for good: send nothing more there until she confirms it again
    (a link to confirm it is still sent when she asks), and say so in her notifications."""
    if user.email_verified_at is not None:
        user.email_verified_at = None
        notify([user.id], "email_bounced", "/account/messages")


def _deliver_sms(row: Delivery, extra: str | None) -> None:
    """A text message: to her confirmed number, or the code to the number she is confirming, or
    the notice that her number changed to the number she had (``extra``: the code or that number)."""
    user = db.session.get(User, row.user_id)
    pref = db.session.get(MessagePreference, row.user_id)
    code = None
    if row.event == "verify_sms":
        to, code = (pref.sms_number if pref is not None and pref.sms_verified_at is None else None), extra
    elif row.event == "number_changed":
        to = extra
    else:
        to = pref.sms_number if pref is not None and pref.sms_verified_at is not None and pref.sms_on else None
    security = not EVENTS[row.event].choosable
    if user is None or not to or not sms.enabled() or (row.event == "verify_sms" and not code):
        row.status = "dropped"
        return
    if _held_or_limited(row, user, pref, security, "AMICUS_SMS_PER_HOUR"):
        return
    kind, text, params = _compose_sms(row, user, pref, code)
    _send(row, partial(sms.send, to, kind, text, params))


def _held_or_limited(row: Delivery, user: User, pref: MessagePreference | None, security: bool, limit: str) -> bool:
    """Hold it for her digest or her quiet hours, or stop it past the hourly limit of its channel."""
    if row.status == "queued" and not security and pref is not None and (pref.digest or quiet_now(pref, user, utcnow())):
        row.status = "held"  # the scheduler (``tick``) sends it after her quiet hours, or in her digest
        return True
    hour_ago = utcnow() - timedelta(hours=1)
    sent = db.session.execute(select(func.count(Delivery.id)).where(
        Delivery.user_id == row.user_id, Delivery.channel == row.channel, Delivery.status == "sent",
        Delivery.sent_at > hour_ago)).scalar_one()
    if sent >= int(current_app.config[limit]):
        row.status = "limited"
        return True
    return False


def _send(row: Delivery, send) -> None:
    """Send (``send()``: one email or text message), retrying after the configured pauses; the
    outcome goes on ``row``."""
    pauses = [float(p) for p in current_app.config["AMICUS_MAIL_RETRY_SECONDS"]]
    for attempt in range(len(pauses) + 1):
        row.attempts = attempt + 1
        try:
            send()
        except (mail.MailError, sms.SmsError) as error:
            row.error = str(error)[:64]
            if getattr(error, "bounced", False):
                row.status = "bounced"  # refused for good: sending again would not help
                return
            if attempt < len(pauses):
                time.sleep(pauses[attempt])
            continue
        row.status, row.sent_at, row.error = "sent", utcnow(), None
        return
    row.status = "failed"


def quiet_now(pref: MessagePreference, user: User, now: datetime) -> bool:
    if pref.quiet_from is None or pref.quiet_to is None:
        return False
    hour = timezones.local(now, timezones.zone_of(user)).hour
    if pref.quiet_from < pref.quiet_to:
        return pref.quiet_from <= hour < pref.quiet_to
    return hour >= pref.quiet_from or hour < pref.quiet_to  # across midnight: 22 to 7


def _compose(row: Delivery, user: User, pref: MessagePreference | None, to: str):
    notification = db.session.get(Notification, row.notification_id) if row.notification_id else None
    site = message_site_name()
    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        if row.event == "password_reset":
            hours = 2
            link = public_url("accounts.reset", token=issue_password_token(None, user, hours))
            subject = _l("Set a new password on %(site)s", site=site)
            body = render_template("email/password_reset.txt", site=site, link=link, hours=hours)
        elif row.event == "verify_email":
            link = public_url("messages.verify", token=verification_token(user))
            subject = _l("Confirm your email address on %(site)s", site=site)
            body = render_template("email/verify.txt", site=site, link=link, hours=VERIFY_HOURS)
        elif row.event == "address_changed":
            subject = _l("Your address for messages on %(site)s was changed", site=site)
            body = render_template("email/address_changed.txt", site=site, link=public_url("core.support"))
        else:
            detailed = pref is not None and pref.detailed and notification is not None
            detail = f"{notification.text}\n\n{notification.body}".strip() if detailed else ""
            link = public_url("messages.open_notification", notification_id=notification.id) if notification \
                else public_url("messages.notifications")
            subject = notification.text if detailed else _l("You have an update on %(site)s", site=site)
            body = render_template("email/update.txt", site=site, link=link, detail=detail)
        unsubscribe = public_url("messages.unsubscribe", token=unsubscribe_token(user))
        body += "\n\n" + str(_l("To stop these emails: %(link)s", link=unsubscribe)) + "\n"
        return mail.build(to, str(subject), body, unsubscribe=unsubscribe)


def _compose_sms(row: Delivery, user: User, pref: MessagePreference | None, code: str | None,
                 count: int = 1) -> tuple[str, str, dict]:
    """(kind, text, params) of a text message, in her language. The cloud gateways send only the
    templates registered with them (``kind`` "update" or "code", filled with ``params``); the
    file and webhook gateways send ``text``. Neutral unless she chose detailed messages."""
    site = message_site_name()
    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        if row.event == "verify_sms":
            text = _l("%(code)s is your code for %(site)s. It expires in %(minutes)d minutes.",
                      code=code, site=site, minutes=CODE_MINUTES)
            return "code", str(text), {"site": site, "code": code}
        if row.event == "number_changed":
            return "update", str(_l("The phone number for text messages on %(site)s was changed.", site=site)), \
                {"site": site}
        notification = db.session.get(Notification, row.notification_id) if row.notification_id else None
        if count > 1:
            text = ngettext("You have %(num)d update on %(site)s", "You have %(num)d updates on %(site)s", count,
                            site=site)
        elif pref is not None and pref.detailed and notification is not None:
            text = f"{site}: {notification.text}"
        else:
            text = str(_l("You have an update on %(site)s", site=site))
        return "update", f"{text} {public_url('messages.notifications')}", {"site": site}


# --- Scheduled: reminders, held messages, digests (``flask --app wsgi messages tick``) -----------

#: Reminders the feature packages register (name -> fn(now)): each finds what is due, claims it
#: (``claim``) and calls ``notify``. The core knows no workshop or case.
SCHEDULED: dict = {}


def scheduled(name: str, fn) -> None:
    SCHEDULED[name] = fn


def claim(key: str) -> bool:
    """True for the one caller, of all processes, that claims ``key`` first (committed at once)."""
    try:
        with db.session.begin_nested():
            db.session.add(MessageClaim(key=key[:120]))
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return False
    return True


def tick(now: datetime | None = None) -> dict[str, int]:
    """What the scheduler does every few minutes; safe to run in several processes at once."""
    now = now or utcnow()
    done = {}
    for name, fn in sorted(SCHEDULED.items()):
        done[name] = fn(now) or 0
        db.session.commit()
        dispatch()
    done["released"] = _release_held(now)
    done["digests"] = _send_digests(now)
    db.session.commit()
    return done


def _held_by_user() -> dict[tuple[int, str], list[Delivery]]:
    """Held deliveries by (user, channel): each channel has its own digest."""
    out: dict[tuple[int, str], list[Delivery]] = {}
    for row in db.session.execute(select(Delivery).where(Delivery.status == "held").order_by(Delivery.id)).scalars():
        out.setdefault((row.user_id, row.channel), []).append(row)
    return out


def _take(rows: list[Delivery], status: str) -> list[int]:
    """Move held rows to ``status``, each only if no other process took it first."""
    taken = []
    for row in rows:
        if db.session.execute(update(Delivery).where(Delivery.id == row.id, Delivery.status == "held")
                              .values(status=status)).rowcount == 1:
            taken.append(row.id)
    db.session.commit()
    return taken


def _release_held(now: datetime) -> int:
    """Send what waited for her quiet hours to end (not what waits for her digest)."""
    released = []
    for (user_id, _channel), rows in _held_by_user().items():
        pref, user = db.session.get(MessagePreference, user_id), db.session.get(User, user_id)
        if pref is None or pref.digest or quiet_now(pref, user, now):
            continue
        released += _take(rows, "released")  # sent now, not held again
    if released:
        deliver(released)
    return len(released)


def _send_digests(now: datetime) -> int:
    sent = 0
    for (user_id, channel), rows in _held_by_user().items():
        pref, user = db.session.get(MessagePreference, user_id), db.session.get(User, user_id)
        if pref is None or not pref.digest or user is None:
            continue
        if channel == "sms":
            if pref.sms_verified_at is None or not pref.sms_on or not sms.enabled():
                continue
        elif user.email_verified_at is None or not mail.enabled():
            continue
        here = timezones.local(now, timezones.zone_of(user))
        if here.hour < pref.digest_hour or quiet_now(pref, user, now):
            continue
        prefix = "digest" if channel == "email" else f"digest-{channel}"
        if not claim(f"{prefix}:{user_id}:{here.date().isoformat()}"):
            continue  # sent today, by this process or another
        taken = _take(rows, "digested")
        if not taken:
            continue
        notifications = [n for n in (db.session.get(Notification, r.notification_id) for r in rows
                                     if r.id in taken and r.notification_id) if n is not None]
        # One update: the digest is that update (a detailed text can say what it is).
        row = Delivery(user_id=user_id, event="digest", channel=channel, status="queued",
                       notification_id=notifications[0].id if len(taken) == 1 and notifications else None)
        db.session.add(row)
        db.session.flush()
        if channel == "sms":
            kind, text, params = _compose_sms(row, user, pref, None, count=len(taken))
            _send(row, partial(sms.send, pref.sms_number, kind, text, params))
        else:
            message = _compose_digest(user, pref, notifications, len(taken))
            _send(row, partial(mail.send, message))
            if row.status == "bounced":
                _bounced(user)
        db.session.commit()
        sent += 1
    return sent


def _compose_digest(user: User, pref: MessagePreference, notifications: list[Notification], count: int):
    site = message_site_name()
    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        subject = ngettext("You have %(num)d update on %(site)s", "You have %(num)d updates on %(site)s", count,
                           site=site)
        lines = [f"- {n.text}" for n in notifications] if pref.detailed else []
        body = render_template("email/digest.txt", subject=subject, lines=lines,
                               link=public_url("messages.notifications"))
        unsubscribe = public_url("messages.unsubscribe", token=unsubscribe_token(user))
        body += "\n\n" + str(_l("To stop these emails: %(link)s", link=unsubscribe)) + "\n"
        return mail.build(user.email, subject, body, unsubscribe=unsubscribe)


# --- The in-app list -----------------------------------------------------------------------------

def recent(user: User, limit: int = 50) -> list[Notification]:
    return list(db.session.execute(select(Notification).where(Notification.user_id == user.id)
                                   .order_by(Notification.created_at.desc(), Notification.id.desc())
                                   .limit(limit)).scalars())


def mark_read(user: User, notification_id: int | None = None) -> Notification | None:
    """Mark one of her notifications read (or all of them); returns the one, or None."""
    now = utcnow()
    query = update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    found = None
    if notification_id is not None:
        found = db.session.get(Notification, notification_id)
        if found is None or found.user_id != user.id:
            return None
        query = query.where(Notification.id == notification_id)
    db.session.execute(query.values(read_at=now))
    user.unread_notifications = db.session.execute(select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))).scalar_one()
    return found


# --- Her data (training/personal_data.py; deleting the account deletes these rows: CASCADE) ------

def export(user: User) -> dict:
    pref = db.session.get(MessagePreference, user.id)
    iso = lambda value: value.isoformat() if value is not None else None  # noqa: E731
    return {
        "email_verified_at": iso(user.email_verified_at),
        "text_messages": {"number": pref.sms_number if pref else None,
                          "confirmed_at": iso(pref.sms_verified_at) if pref else None,
                          "on": bool(pref and pref.sms_on), "events": list(pref.sms_events or []) if pref else []},
        "settings": {"email": bool(pref and pref.email_on), "events": list(pref.email_events) if pref else [],
                     "detailed": bool(pref and pref.detailed), "daily_digest": bool(pref and pref.digest),
                     "digest_hour": pref.digest_hour if pref else None,
                     "quiet_hours": [pref.quiet_from, pref.quiet_to] if pref and pref.quiet_from is not None else None},
        "notifications": [{"event": n.event, "text": n.text, "link": n.link, "created_at": iso(n.created_at),
                           "read_at": iso(n.read_at)} for n in db.session.execute(
            select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)).scalars()],
        "deliveries": [{"event": d.event, "channel": d.channel, "status": d.status, "attempts": d.attempts,
                        "created_at": iso(d.created_at), "sent_at": iso(d.sent_at)} for d in db.session.execute(
            select(Delivery).where(Delivery.user_id == user.id).order_by(Delivery.id)).scalars()],
    }

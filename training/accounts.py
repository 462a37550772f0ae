"""Accounts and roles: the User model and the services that create and authenticate users.

A handle and a password are all Amicus needs; email, profession and region are optional or
coarse on purpose (see ../shared/domain.md, "Safety and privacy").
"""
from __future__ import annotations

import hashlib
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import ForeignKey, Integer, String, func, select
from sqlalchemy.orm import Mapped, mapped_column

from training.db import UTCDateTime, utcnow
from training.extensions import db
from training.refusals import Refusal
from training.regions import region_code

HANDLE_MIN, HANDLE_MAX = 3, 40
PASSWORD_MIN, PASSWORD_MAX = 8, 256
# zxcvbn's score (0-4) a new password must reach: 3 is about 10^8 guesses or more.
PASSWORD_MIN_SCORE = 3
_HANDLE_PUNCTUATION = set("_-.")


class _Hashers:
    """One argon2id hasher per parameter profile, and a dummy hash made with it."""

    def __init__(self):
        self._cache: dict[str, tuple[PasswordHasher, str]] = {}

    def get(self) -> tuple[PasswordHasher, str]:
        # RFC_9106_LOW_MEMORY in production; tests set CHEAPEST (AMICUS_PASSWORD_PROFILE).
        name = current_app.config["AMICUS_PASSWORD_PROFILE"]
        if name not in self._cache:
            hasher = PasswordHasher.from_parameters(getattr(profiles, name))
            self._cache[name] = (hasher, hasher.hash(secrets.token_hex(16)))
        return self._cache[name]


_hashers = _Hashers()


class Role(StrEnum):
    PARTICIPANT = "participant"
    TRAINER = "trainer"
    ADMIN = "admin"
    # A guest judge of a case exercise, invited by a trainer: judges, and nothing else.
    GUEST = "guest"


ROLE_LABELS = {
    Role.PARTICIPANT: _l("Participant"),
    Role.TRAINER: _l("Trainer"),
    Role.ADMIN: _l("Administrator"),
    Role.GUEST: _l("Guest judge"),
}

# The roles an admin gives in the browser (participants register themselves; guests are invited).
STAFF_ROLES = (Role.TRAINER, Role.ADMIN)


class Profession(StrEnum):
    LAWYER = "lawyer"
    JOURNALIST = "journalist"
    NGO = "ngo"
    OTHER = "other"


PROFESSION_LABELS = {
    Profession.LAWYER: _l("Lawyer"),
    Profession.JOURNALIST: _l("Journalist or editor"),
    Profession.NGO: _l("NGO worker"),
    Profession.OTHER: _l("Other"),
}


class AccountError(Refusal, ValueError):
    """A request about an account that cannot be carried out."""


class AccountErrors(AccountError):
    """Several problems found at once (a form shows them all in one round); ``message`` and
    ``field`` are the first one's, ``errors`` lists them all."""

    def __init__(self, errors: list[AccountError]):
        super().__init__(errors[0].message, errors[0].field)
        self.errors = errors


def raise_all(found: list[AccountError]) -> None:
    """Raise the problems found, if any: one as itself, several as AccountErrors."""
    if len(found) == 1:
        raise found[0]
    if found:
        raise AccountErrors(found)


def _problems(*checks) -> list[AccountError]:
    """Run each check (a callable that may raise AccountError) and return what they raised."""
    found = []
    for check in checks:
        try:
            check()
        except AccountErrors as errors:
            found.extend(errors.errors)
        except AccountError as error:
            found.append(error)
    return found


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    handle: Mapped[str] = mapped_column(String(HANDLE_MAX))
    # Casefolded handle: "Mei" and "mei" are one account.
    handle_key: Mapped[str] = mapped_column(String(4 * HANDLE_MAX), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default=Role.PARTICIPANT)
    email: Mapped[str | None] = mapped_column(String(254))
    # When she confirmed the address through the link sent to it (training/messages.py): only a
    # verified address is sent messages or a password-reset link.
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Her unread in-app notifications, kept here so that the header shows the count without a query.
    unread_notifications: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    profession: Mapped[str] = mapped_column(String(16), default=Profession.OTHER)
    # A code of training.regions ("sichuan"), shown in the reader's language; None: not given.
    region: Mapped[str | None] = mapped_column(String(64))
    locale: Mapped[str | None] = mapped_column(String(8))
    # The IANA time zone she reads and types times in (training.timezones); None: not chosen yet,
    # the site's AMICUS_TIMEZONE is used and the layout offers the browser's zone.
    timezone: Mapped[str | None] = mapped_column(String(64))
    # Two-factor log-in (training.twofactor): the authenticator's secret once confirmed, and the
    # last time step a code was accepted for, so that a code cannot be used twice.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Failed log-ins since the last success; past a threshold the account is locked for a while.
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_locked(self) -> bool:
        return self.locked_until is not None and self.locked_until > utcnow()

    # The signed-in session this object was loaded for (training.sessions), not stored here.
    session_key = ""
    session_id = None
    session_seen = None

    def get_id(self) -> str:
        return f"{self.id}:{self.session_key}"

    @property
    def has_two_factor(self) -> bool:
        return self.totp_secret is not None

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_trainer(self) -> bool:
        """Trainers and admins may run cohorts."""
        return self.role in (Role.TRAINER, Role.ADMIN)

    @property
    def is_guest(self) -> bool:
        return self.role == Role.GUEST

    @property
    def role_label(self):
        return ROLE_LABELS.get(self.role, self.role)

    @property
    def profession_label(self):
        return PROFESSION_LABELS.get(self.profession, self.profession)


class PasswordReset(db.Model):
    """A one-time link an admin hands to a user; only the token's hash is stored."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


def normalise_handle(raw: str) -> str:
    """Return the handle as stored, or raise AccountError saying what is wrong with it.

    Letters and digits of any script, combining marks (needed by Devanagari, Thai...) and
    ``_ - .`` are allowed. Invisible characters, emoji and spaces are refused so that two
    handles that look alike are not two accounts.
    """
    handle = unicodedata.normalize("NFKC", raw or "").strip()
    if not handle:
        raise AccountError(_l("Choose a handle."), "handle")
    for ch in handle:
        cat = unicodedata.category(ch)
        if cat in ("Cf", "Cc", "Co", "Cs", "Cn"):
            raise AccountError(
                _l("The handle contains an invisible or control character; please type it again."),
                "handle",
            )
        if ch.isspace():
            raise AccountError(_l("A handle cannot contain spaces."), "handle")
        if not (cat[0] in "LNM" or ch in _HANDLE_PUNCTUATION):
            raise AccountError(
                _l("Use letters, digits, '_', '-' or '.' in a handle (no emoji or symbols)."),
                "handle",
            )
    if unicodedata.category(handle[0])[0] == "M":
        raise AccountError(_l("A handle cannot start with a combining mark."), "handle")
    if not HANDLE_MIN <= len(handle) <= HANDLE_MAX:
        raise AccountError(
            _l("A handle has %(min)d to %(max)d characters.", min=HANDLE_MIN, max=HANDLE_MAX), "handle"
        )
    return handle


def handle_key(handle: str) -> str:
    return handle.casefold()


def typed_handle_key(raw: str | None) -> str:
    """The key of a handle as typed at log-in, folded as registration folds it (NFKC, then case):
    ``ｒｌ１``, ``RL1`` and ``rl1`` are one account, for the lookup and for every rate limit."""
    return handle_key(unicodedata.normalize("NFKC", raw or "").strip())


def check_password_rules(password: str, handle: str | None = None) -> None:
    """Raise AccountError if the password is too short or too long, is the handle, or would be
    easy to guess.

    Strength is judged by zxcvbn (dictionaries of common passwords, names and words, keyboard
    patterns, repeats, sequences, dates, and the handle itself), not by length alone: ``aaaaaaaaaa``
    and ``password123`` are refused, a nine-character Chinese phrase is accepted. Its guess
    estimate must reach ``PASSWORD_MIN_SCORE`` (3: "safely unguessable", about 10^8
    guesses or more).
    """
    if not PASSWORD_MIN <= len(password or "") <= PASSWORD_MAX:
        raise AccountError(
            _l("A password has %(min)d to %(max)d characters.", min=PASSWORD_MIN, max=PASSWORD_MAX),
            "password",
        )
    if handle and password.casefold() == handle.casefold():
        raise AccountError(_l("The password cannot be the same as the handle."), "password")
    # Here, not at the top: zxcvbn's word lists take a few MB, needed only when a password is set.
    # It judges at most 72 characters (it refuses longer ones); a longer phrase is judged by its start.
    from zxcvbn import zxcvbn

    if zxcvbn(password[:72], user_inputs=[handle] if handle else [])["score"] < PASSWORD_MIN_SCORE:
        raise AccountError(
            _l("This password would be easy to guess. Use a longer phrase: a few unrelated words, "
               "or a sentence only you would write, in any language."),
            "password",
        )


def clean_text(value: str | None, max_len: int) -> str | None:
    """Strip, normalise and drop control/invisible characters from a free-text field."""
    if value is None:
        return None
    value = unicodedata.normalize("NFC", value)
    value = "".join(ch for ch in value if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co"))
    value = " ".join(value.split())[:max_len]
    return value or None


def find_user(handle: str) -> User | None:
    """The user with this handle (any case), or None."""
    try:
        key = handle_key(normalise_handle(handle))
    except AccountError:
        return None
    return db.session.execute(select(User).where(User.handle_key == key)).scalar_one_or_none()


def new_account_problems(handle: str, password: str, *, role: str = Role.PARTICIPANT, email: str | None = None,
                         profession: str = Profession.OTHER, region: str | None = None) -> list[AccountError]:
    """Everything that stops an account being made with these details, all at once (a form shows
    every problem in one round, not one per submit)."""
    found = []
    try:
        handle = normalise_handle(handle)
    except AccountError as error:
        found.append(error)
        handle = None
    else:
        if find_user(handle) is not None:
            found.append(AccountError(_l("That handle is taken; please choose another."), "handle"))
    found += _problems(lambda: check_password_rules(password, handle))
    if role not in Role.__members__.values():
        found.append(AccountError(_l("Unknown role."), "role"))
    if profession not in Profession.__members__.values():
        found.append(AccountError(_l("Choose a profession from the list."), "profession"))
    if region and region_code(region) is None:
        found.append(AccountError(_l("Choose a region from the list."), "region"))
    email = clean_text(email, 254)
    if email and ("@" not in email or " " in email):
        found.append(AccountError(_l("That does not look like an email address."), "email"))
    return found


def create_user(
    handle: str,
    password: str,
    *,
    role: str = Role.PARTICIPANT,
    email: str | None = None,
    profession: str = Profession.OTHER,
    region: str | None = None,
) -> User:
    """Create an account; raises AccountError for a taken or invalid handle or a weak password.

    The caller commits. The handle's uniqueness is also a database constraint, so two
    simultaneous registrations of one handle cannot both succeed.
    """
    raise_all(new_account_problems(handle, password, role=role, email=email, profession=profession, region=region))
    handle = normalise_handle(handle)
    region = region_code(region)  # a code of the list, also when given by name ("Sichuan", "四川")
    email = clean_text(email, 254)
    user = User(
        handle=handle,
        handle_key=handle_key(handle),
        password_hash=_hashers.get()[0].hash(password),
        role=role,
        email=email,
        profession=profession,
        region=region,
    )
    db.session.add(user)
    return user


def authenticate(handle: str, password: str) -> User | None:
    """Return the user if handle and password match and the account is not locked, else None.

    An unknown handle costs one hash like a wrong password does, and every refusal looks the
    same to the caller, so neither timing nor answer tells whether an account exists or is
    locked. After AMICUS_LOCKOUT_AFTER failures in a row the account is locked for
    AMICUS_LOCKOUT_MINUTES (an admin can unlock it). The caller commits, also on failure.
    """
    user = find_user(handle) if handle else None
    hasher, dummy_hash = _hashers.get()
    try:
        hasher.verify(user.password_hash if user else dummy_hash, password or "")
        matched = True
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        matched = False
    if user is None:
        return None
    if not matched or user.is_locked:
        count_failure(user)
        return None
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    if not user.has_two_factor:  # else the code's check does this: a right password alone is not a log-in
        succeed(user)
    return user


def succeed(user: User) -> None:
    """A complete log-in: the failure count starts again."""
    user.failed_logins, user.locked_until = 0, None
    user.last_login_at = utcnow()


def count_failure(user: User) -> None:
    """A failed log-in step (password or code): past AMICUS_LOCKOUT_AFTER in a row, lock the account."""
    user.failed_logins = (user.failed_logins or 0) + 1
    if user.failed_logins >= current_app.config["AMICUS_LOCKOUT_AFTER"] and not user.is_locked:
        user.locked_until = utcnow() + timedelta(minutes=current_app.config["AMICUS_LOCKOUT_MINUTES"])


def set_password(user: User, new_password: str) -> None:
    """Set a new password and end every session of the account but the current one (if any)."""
    from training import sessions

    check_password_rules(new_password, user.handle)
    user.password_hash = _hashers.get()[0].hash(new_password)
    sessions.end_others(user)


def check_password(user: User, password: str, field: str = "current_password") -> None:
    """Raise AccountError unless ``password`` is the account's password (to confirm an action)."""
    try:
        _hashers.get()[0].verify(user.password_hash, password or "")
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        raise AccountError(_l("The current password is not right."), field) from None


def change_password(user: User, current: str, new_password: str) -> None:
    """Change the password after checking the current one; ends the account's other sessions."""
    raise_all(password_change_problems(user, current, new_password))
    set_password(user, new_password)


def password_change_problems(user: User, current: str, new_password: str) -> list[AccountError]:
    """A wrong current password and a weak new one, both at once."""
    return _problems(lambda: check_password(user, current), lambda: check_password_rules(new_password, user.handle))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_reset_token(admin: User, user: User, hours: int) -> str:
    """Make a one-time password-reset token for ``user``; only admins may.

    Returns the token itself (shown once to the admin); the database keeps its hash.
    Earlier unused tokens for the same user stop working.
    """
    if not admin.is_admin:
        raise PermissionError("only admins reset passwords")
    return issue_password_token(admin, user, hours)


def create_staff_account(admin: User, handle: str, role: str, hours: int) -> tuple[User, str]:
    """An admin makes a trainer's or admin's account; returns (user, one-time set-up token).

    The account gets a random password nobody knows: its holder chooses one through the link
    (valid ``hours``), and at the first log-in sets up two-factor log-in if the role requires it
    (AMICUS_TWO_FACTOR_ROLES). Raises PermissionError unless ``admin`` is one, AccountError for
    a role that is not a staff role or a handle that is taken or invalid. The caller commits.
    """
    if not admin.is_admin:
        raise PermissionError("only admins create staff accounts")
    if role not in STAFF_ROLES:
        raise AccountError(_l("Choose trainer or administrator."), "role")
    user = create_user(handle, secrets.token_urlsafe(32), role=role)
    db.session.flush()
    return user, issue_password_token(admin, user, hours)


def issue_password_token(creator: User | None, user: User, hours: int) -> str:
    """A one-time link token to set ``user``'s password; the caller has checked ``creator`` may
    (None: she asked for it herself, by email: training/messages.py)."""
    now = utcnow()
    for old in db.session.execute(
        select(PasswordReset).where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
    ).scalars():
        old.used_at = now
    token = secrets.token_urlsafe(32)
    db.session.add(
        PasswordReset(
            user_id=user.id,
            token_hash=_token_hash(token),
            created_by_id=creator.id if creator is not None else None,
            expires_at=now + timedelta(hours=hours),
        )
    )
    return token


def find_reset(token: str) -> PasswordReset | None:
    """The unused, unexpired reset for this token, or None."""
    if not token or len(token) > 128:
        return None
    reset = db.session.execute(
        select(PasswordReset).where(PasswordReset.token_hash == _token_hash(token))
    ).scalar_one_or_none()
    if reset is None or reset.used_at is not None or reset.expires_at <= utcnow():
        return None
    return reset


def reset_problems(reset: PasswordReset, new_password: str) -> list[AccountError]:
    """What is wrong with the new password set through this reset (all at once)."""
    user = db.session.get(User, reset.user_id)
    return _problems(lambda: check_password_rules(new_password, user.handle if user else None))


def use_reset_token(token: str, new_password: str) -> User:
    """Set a new password through a reset token, which is then spent."""
    reset = find_reset(token)
    if reset is None:
        raise AccountError(_l("This reset link is not valid any more. Ask an admin for a new one."))
    user = db.session.get(User, reset.user_id)
    set_password(user, new_password)
    reset.used_at = utcnow()
    return user


@dataclass
class AccountCounts:
    """What the admin overview counts: accounts per role, locked ones, staff without two-factor."""

    by_role: dict[str, int]
    locked: int
    staff_without_two_factor: int


def account_counts() -> AccountCounts:
    """The figures of the admin overview, in two statements."""
    by_role = dict(db.session.execute(select(User.role, func.count(User.id)).group_by(User.role)).all())
    locked, bare_staff = db.session.execute(select(
        func.count(User.id).filter(User.locked_until > utcnow()),
        func.count(User.id).filter(User.role.in_(STAFF_ROLES), User.totp_secret.is_(None)),
    )).one()
    return AccountCounts({role: by_role.get(role, 0) for role in Role}, locked, bare_staff)


def unlock(admin: User, user: User) -> None:
    """Lift a lock-out (admins only)."""
    if not admin.is_admin:
        raise PermissionError("only admins unlock accounts")
    user.failed_logins, user.locked_until = 0, None

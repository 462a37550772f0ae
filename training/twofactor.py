"""Two-factor log-in: authenticator-app codes (TOTP, RFC 6238, via pyotp) and recovery codes.

Required for the roles in AMICUS_TWO_FACTOR_ROLES (trainers and admins by default), offered to
everyone else. A code is accepted for its 30-second step or the one before or after (clocks on
phones drift); each step is accepted once per account, so a code seen over someone's shoulder
cannot be replayed. Ten recovery codes are made when two-factor is turned on, shown once, and
kept only as SHA-256 hashes; each works once. Wrong codes count toward the account's lock-out.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from datetime import datetime

import pyotp
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, delete, func, select, update
from sqlalchemy.orm import Mapped, mapped_column

from training import accounts
from training.accounts import AccountError, User
from training.db import UTCDateTime, utcnow
from training.extensions import db

RECOVERY_CODES = 10
STEP_SECONDS = 30
_CODE = re.compile(r"^\d{6}$")


class RecoveryCode(db.Model):
    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


def required_for(user: User) -> bool:
    return user.role in current_app.config["AMICUS_TWO_FACTOR_ROLES"]


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.handle, issuer_name=current_app.config["AMICUS_SITE_NAME"])


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing it into an app by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def _clean(code: str | None) -> str:
    return re.sub(r"[\s-]", "", code or "").lower()


def matching_step(secret: str, code: str, after: int | None, now: float | None = None) -> int | None:
    """The time step (current one, or one either side) whose code is ``code`` and is later than
    ``after``; None if there is none."""
    code = _clean(code)
    if not _CODE.match(code):
        return None
    totp = pyotp.TOTP(secret)
    current = int((time.time() if now is None else now) // STEP_SECONDS)
    for step in (current - 1, current, current + 1):
        if (after is None or step > after) and hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def _hash(code: str) -> str:
    return hashlib.sha256(_clean(code).encode()).hexdigest()


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = secrets.token_hex(5)
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_hash(raw)))
    return codes


def enable(user: User, secret: str, code: str) -> list[str]:
    """Turn two-factor on with the secret the app was given, once a code from it checks out.

    Returns the recovery codes (shown once). Other sessions of the account end. The caller commits.
    """
    if user.has_two_factor:
        raise AccountError(_l("Two-factor log-in is already on."))
    step = matching_step(secret, code, None)
    if step is None:
        raise AccountError(_l("That code is not right. Check the time on your phone and type the 6 digits the "
                              "app shows now."), "code")
    user.totp_secret, user.totp_last_step = secret, step
    from training import sessions

    sessions.end_others(user)
    return _new_recovery_codes(user)


def verify(user: User, code: str) -> str | None:
    """Check a log-in code: an authenticator code or an unused recovery code.

    Returns "totp" or "recovery", or None (counted as a failed log-in). A locked account is
    refused whatever the code. The caller commits, also on failure.
    """
    if not user.has_two_factor:
        return None
    if not user.is_locked:
        step = matching_step(user.totp_secret, code, user.totp_last_step)
        if step is not None:
            # Conditional on the stored step: two requests racing with one code cannot both win.
            won = db.session.execute(
                update(User).where(User.id == user.id, (User.totp_last_step.is_(None)) | (User.totp_last_step < step))
                .values(totp_last_step=step)).rowcount
            if won:
                db.session.refresh(user)
                accounts.succeed(user)
                return "totp"
        elif len(_clean(code)) == 10:
            used = db.session.execute(
                update(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _hash(code),
                                           RecoveryCode.used_at.is_(None)).values(used_at=utcnow())).rowcount
            if used:
                accounts.succeed(user)
                return "recovery"
    accounts.count_failure(user)
    return None


def confirm(user: User, code: str) -> None:
    """Check a code to confirm a change to two-factor settings; raises AccountError if wrong."""
    if verify(user, code) is None:
        db.session.commit()  # the failure counts
        raise AccountError(_l("That code is not right."), "code")


def recovery_codes_left(user: User) -> int:
    return db.session.execute(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))).scalar_one()


def renew_recovery_codes(user: User, code: str) -> list[str]:
    """New recovery codes in place of the old ones, after a code from the app (or an old recovery code)."""
    confirm(user, code)
    return _new_recovery_codes(user)


def disable(user: User, password: str, code: str) -> None:
    """Turn two-factor off (not allowed for roles that require it). The caller commits."""
    if required_for(user):
        raise AccountError(_l("Trainers and administrators must keep two-factor log-in on."))
    accounts.check_password(user, password, "password")
    confirm(user, code)
    _turn_off(user)


def reset(admin: User, user: User) -> None:
    """An admin turns someone's two-factor off (a lost phone); they set it up again at their next
    log-in if their role requires it. Their sessions end. The caller commits and audits."""
    if not admin.is_admin:
        raise PermissionError("only admins reset two-factor log-in")
    from training import sessions

    _turn_off(user)
    sessions.end_all(user)


def _turn_off(user: User) -> None:
    user.totp_secret, user.totp_last_step = None, None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))

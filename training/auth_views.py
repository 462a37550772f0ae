"""Registering, logging in and out, changing and resetting a password."""
from __future__ import annotations

import time

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required, login_user, logout_user

from training import accounts, security, sessions, timezones, twofactor
from training.extensions import db, limiter
from training.forms import (
    ChangePasswordForm,
    ConfirmForm,
    LoginCodeForm,
    LoginForm,
    RegisterForm,
    ResetPasswordForm,
    TimezoneForm,
)
from training.redirects import local_target

# How long, after the right password, the code may be typed.
CODE_WAIT_SECONDS = 300
# While a trainer or admin has not set up two-factor log-in, only these pages open.
SETUP_ENDPOINTS = {"accounts.two_factor", "accounts.logout", "core.set_language", "core.set_neutral_titles",
                   "core.support"}

bp = Blueprint("accounts", __name__)


def landing(user) -> str:
    """Where a person lands after log-in when no page was asked for: admins on the admin
    overview, trainers on their cohorts, everyone else on My learning."""
    if user.is_authenticated and user.is_admin:
        return url_for("admin.overview")
    if user.is_authenticated and user.is_trainer:
        return url_for("cohorts.index")
    return url_for("courses.learning")


def _safe_next(target: str | None, user=None) -> str:
    """The page asked for with ``next=`` if it is one of ours, else the person's landing page."""
    return local_target(target, landing(user if user is not None else current_user))


def _apply_error(form, error: accounts.AccountError) -> None:
    """Show the service's refusal (or each of several) on its field, else as a message."""
    for one in getattr(error, "errors", [error]):
        field = getattr(form, one.field, None) if one.field else None
        if field is not None:
            field.errors = [*field.errors, one.message]
        else:
            flash(str(one.message), "error")


def validate_all(form, problems) -> bool:
    """Validate a submitted form and run the service's own checks (``problems()``, a list of
    AccountError) in the same round, so that she sees every error at once: a taken handle beside
    passwords that differ. A field the form already refused shows only the form's error. (A
    failed CSRF check never gets here: CSRFProtect answers it before the view.)"""
    if not form.is_submitted():
        return False
    valid = form.validate()
    for error in problems():
        field = getattr(form, error.field, None) if error.field else None
        if field is None or not field.errors:
            _apply_error(form, error)
    return valid and not form.errors


def _account_key() -> str:
    return "login:" + accounts.typed_handle_key(request.form.get("handle"))[:80]


def _pending_key() -> str:
    return f"login-code:{(session.get('login_code') or {}).get('user')}"


def _sign_in(user: accounts.User):
    """Open a session for a fully authenticated user; where to go next."""
    session.pop("login_code", None)
    session.pop("totp_setup", None)  # a secret being set up on this browser belongs to whoever began it
    sessions.start(user)
    db.session.commit()
    security.renew_csrf_token()
    login_user(user)
    if not user.has_two_factor and twofactor.required_for(user):
        return redirect(url_for("accounts.two_factor", next=request.args.get("next")))
    return redirect(_safe_next(request.args.get("next"), user))


@bp.before_app_request
def _session_checks():
    """Keep "last active" of the session, and hold trainers and admins without two-factor on its set-up page."""
    endpoint = request.endpoint
    if endpoint in (None, "static", "core.healthz"):
        return None
    user = current_user._get_current_object()
    if not user.is_authenticated:
        return None
    sessions.touch(user)
    if not user.has_two_factor and endpoint not in SETUP_ENDPOINTS and twofactor.required_for(user):
        return redirect(url_for("accounts.two_factor"))
    return None


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["AMICUS_LOGIN_LIMIT"], methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("courses.learning"))
    form = RegisterForm()
    if validate_all(form, lambda: accounts.new_account_problems(
            form.handle.data or "", form.password.data or "", email=form.email.data,
            profession=form.profession.data, region=form.region.data)):
        try:
            user = accounts.create_user(
                form.handle.data, form.password.data, email=form.email.data,
                profession=form.profession.data, region=form.region.data,
            )
            db.session.commit()
        except accounts.AccountError as error:
            db.session.rollback()
            _apply_error(form, error)
        else:
            flash(_("Welcome, %(handle)s. Your account is ready.", handle=user.handle), "success")
            return _sign_in(user)
    return render_template("accounts/register.html", form=form), 200 if not form.errors else 422


def _refused(response) -> bool:
    """A log-in the handle and password did not open (wrong, unknown or locked)."""
    return response.status_code == 401


@bp.route("/login", methods=["GET", "POST"])
# Per address only failed log-ins count, against a higher ceiling: a workshop's room shares one
# address, and its log-ins must not use up what is there to stop a guessing run from it.
@limiter.limit(lambda: current_app.config["AMICUS_LOGIN_ADDRESS_LIMIT"], methods=["POST"], deduct_when=_refused)
@limiter.limit(lambda: current_app.config["AMICUS_LOGIN_LIMIT"], methods=["POST"], key_func=_account_key)
def login():
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(form.handle.data, form.password.data)
        db.session.commit()  # also a failure: it counts toward the lock-out
        if user is not None and user.has_two_factor:
            session["login_code"] = {"user": user.id, "at": int(time.time())}
            return redirect(url_for("accounts.login_code", next=request.args.get("next")))
        if user is not None:
            return _sign_in(user)
        flash(_("That handle and password do not match an account, or the account is locked for a while "
                "after too many attempts. Try again later, or ask an administrator."), "error")
        return render_template("accounts/login.html", form=form), 401
    return render_template("accounts/login.html", form=form), 200 if not form.errors else 422


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["AMICUS_LOGIN_LIMIT"], methods=["POST"])
@limiter.limit(lambda: current_app.config["AMICUS_LOGIN_LIMIT"], methods=["POST"], key_func=_pending_key)
def login_code():
    """The second step for accounts with two-factor log-in: a code from the app or a recovery code."""
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    pending = session.get("login_code") or {}
    user = db.session.get(accounts.User, pending["user"]) if pending.get("user") else None
    if user is None or time.time() - pending.get("at", 0) > CODE_WAIT_SECONDS:
        session.pop("login_code", None)
        flash(_("Please log in again: the code must be typed within five minutes of the password."), "info")
        return redirect(url_for("accounts.login", next=request.args.get("next")))
    form = LoginCodeForm()
    if form.validate_on_submit():
        kind = twofactor.verify(user, form.code.data)
        db.session.commit()  # also a failure: it counts toward the lock-out
        if kind is not None:
            if kind == "recovery":
                left = twofactor.recovery_codes_left(user)
                flash(ngettext("You used a recovery code; %(num)d is left. Make new ones on your account page.",
                               "You used a recovery code; %(num)d are left. Make new ones on your account page.",
                               left), "info")
            return _sign_in(user)
        flash(_("That code is not right, or the account is locked for a while after too many attempts."), "error")
        return render_template("accounts/login_code.html", form=form), 401
    return render_template("accounts/login_code.html", form=form), 200 if not form.errors else 422


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        sessions.end_current(current_user)
        db.session.commit()
    session.pop("totp_setup", None)
    security.renew_csrf_token()
    logout_user()
    flash(_("You have logged out."), "info")
    response = redirect(url_for("core.home"))
    # What this browser kept for offline use (the paper-form entry page's copies and the forms
    # queued on the device: static/js/offline-entry.js) is deleted with the session.
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    form = ChangePasswordForm()
    if validate_all(form, lambda: accounts.password_change_problems(
            current_user, form.current_password.data or "", form.password.data or "")):
        try:
            accounts.change_password(current_user, form.current_password.data, form.password.data)
            db.session.commit()
        except accounts.AccountError as error:
            db.session.rollback()
            _apply_error(form, error)
        else:
            flash(_("Your password has been changed. Other devices have been logged out."), "success")
            return redirect(url_for("accounts.account"))
    return account_page(form, None, 200 if not form.errors else 422)


def account_page(form: ChangePasswordForm, zone_form: TimezoneForm | None, status: int):
    """The account page with these forms (a fresh time zone form showing her zone if None)."""
    if zone_form is None:
        zone_form = TimezoneForm(formdata=None, timezone=timezones.zone_of(current_user))
    return render_template("accounts/account.html", form=form, zone_form=zone_form, devices=sessions.of(current_user),
                           codes_left=twofactor.recovery_codes_left(current_user) if current_user.has_two_factor
                           else None, confirm=ConfirmForm()), status


@bp.get("/account/my-data.zip")
@login_required
def my_data():
    """Everything Amicus holds about the signed-in person, as one ZIP."""
    from flask import Response

    from training.personal_data import export_zip

    return Response(export_zip(current_user), mimetype="application/zip",
                    headers={"Content-Disposition": 'attachment; filename="amicus-my-data.zip"',
                             "Cache-Control": "no-store"})


@bp.route("/reset/<token>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["AMICUS_LOGIN_LIMIT"])
def reset(token: str):
    reset_row = accounts.find_reset(token)
    if reset_row is None:
        return render_template("accounts/reset_invalid.html"), 404
    form = ResetPasswordForm()
    if validate_all(form, lambda: accounts.reset_problems(reset_row, form.password.data or "")):
        try:
            accounts.use_reset_token(token, form.password.data)
            db.session.commit()
        except accounts.AccountError as error:
            db.session.rollback()
            _apply_error(form, error)
        else:
            logout_user()
            flash(_("Your new password is set. Please log in."), "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset.html", form=form), 200 if not form.errors else 422

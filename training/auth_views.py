"""Registering, logging in and out, changing and resetting a password."""
from __future__ import annotations

import time

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required, login_user, logout_user

from training import accounts, security, sessions, twofactor
from training.extensions import db, limiter
from training.forms import ChangePasswordForm, ConfirmForm, LoginCodeForm, LoginForm, RegisterForm, ResetPasswordForm

# How long, after the right password, the code may be typed.
CODE_WAIT_SECONDS = 300
# While a trainer or admin has not set up two-factor log-in, only these pages open.
SETUP_ENDPOINTS = {"accounts.two_factor", "accounts.logout", "core.set_language", "core.set_neutral_titles",
                   "core.support"}

bp = Blueprint("accounts", __name__)


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("courses.learning")


def _apply_error(form, error: accounts.AccountError) -> None:
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        flash(str(error.message), "error")


def _account_key() -> str:
    return "login:" + (request.form.get("handle") or "").strip().casefold()[:80]


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
        return redirect(url_for("accounts.two_factor"))
    return redirect(_safe_next(request.args.get("next")))


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
    if form.validate_on_submit():
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


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["AMICUS_LOGIN_LIMIT"], methods=["POST"])
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
    return redirect(url_for("core.home"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(current_user, form.current_password.data, form.password.data)
            db.session.commit()
        except accounts.AccountError as error:
            db.session.rollback()
            _apply_error(form, error)
        else:
            flash(_("Your password has been changed. Other devices have been logged out."), "success")
            return redirect(url_for("accounts.account"))
    return render_template("accounts/account.html", form=form, devices=sessions.of(current_user),
                           codes_left=twofactor.recovery_codes_left(current_user) if current_user.has_two_factor
                           else None, confirm=ConfirmForm()), 200 if not form.errors else 422


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
    if form.validate_on_submit():
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

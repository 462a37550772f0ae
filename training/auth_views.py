"""Registering, logging in and out, changing and resetting a password."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from training import accounts
from training.extensions import db, limiter
from training.forms import ChangePasswordForm, LoginForm, RegisterForm, ResetPasswordForm

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
            login_user(user)
            flash(_("Welcome, %(handle)s. Your account is ready.", handle=user.handle), "success")
            return redirect(_safe_next(request.args.get("next")))
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
        if user is not None:
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
        flash(_("That handle and password do not match an account, or the account is locked for a while "
                "after too many attempts. Try again later, or ask an administrator."), "error")
        return render_template("accounts/login.html", form=form), 401
    return render_template("accounts/login.html", form=form), 200 if not form.errors else 422


@bp.post("/logout")
def logout():
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
            login_user(current_user._get_current_object())  # the cookie must carry the new session token
            flash(_("Your password has been changed. Other devices have been logged out."), "success")
            return redirect(url_for("accounts.account"))
    return render_template("accounts/account.html", form=form), 200 if not form.errors else 422


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

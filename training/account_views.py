"""The account's safety pages: two-factor log-in, signed-in devices, deleting the account."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required, logout_user

from training import accounts, audit, personal_data, qr, sessions, timezones, twofactor
from training.auth_views import _apply_error, _safe_next, account_page, bp
from training.extensions import db, limiter
from training.forms import (
    AppCodeForm,
    ChangePasswordForm,
    ConfirmForm,
    DeleteAccountForm,
    DisableTwoFactorForm,
    TimezoneForm,
)
from training.redirects import local_target


def _code_limit() -> str:
    """Pages that check a password or a code are limited like the log-in page."""
    return current_app.config["AMICUS_LOGIN_LIMIT"]


def _setup_page(form: AppCodeForm, status: int = 200):
    """The set-up page: a secret kept in the session until a code from the app confirms it."""
    secret = session.get("totp_setup")
    if not secret:
        secret = session["totp_setup"] = twofactor.new_secret()
    uri = twofactor.provisioning_uri(current_user, secret)
    return render_template("accounts/two_factor_setup.html", form=form, qr=qr.svg_data_uri(uri),
                           secret=twofactor.grouped(secret), required=twofactor.required_for(current_user)), status


def _manage_page(renew: AppCodeForm | None = None, off: DisableTwoFactorForm | None = None, status: int = 200):
    """The page of an account with two-factor on: new recovery codes, turning it off."""
    return render_template("accounts/two_factor.html",
                           renew=renew if renew is not None else AppCodeForm(prefix="renew"),
                           off=off if off is not None else DisableTwoFactorForm(prefix="off"),
                           codes_left=twofactor.recovery_codes_left(current_user),
                           required=twofactor.required_for(current_user)), status


def _codes_page(codes: list[str], then: str | None = None):
    """The new recovery codes, shown once; ``then`` is where "I have kept them" leads."""
    return render_template("accounts/recovery_codes.html", codes=codes, then=then or url_for("accounts.account"))


@bp.route("/account/two-factor", methods=["GET", "POST"])
@login_required
@limiter.limit(_code_limit, methods=["POST"])
def two_factor():
    if current_user.has_two_factor:
        if request.method == "POST":
            abort(400)
        return _manage_page()
    form = AppCodeForm()
    if not form.validate_on_submit():
        return _setup_page(form, 200 if not form.errors else 422)
    try:
        codes = twofactor.enable(current_user, session.get("totp_setup") or "", form.code.data)
    except accounts.AccountError as error:
        db.session.rollback()
        _apply_error(form, error)
        return _setup_page(form, 422)
    audit.record(current_user, "account.two_factor_on", f"user {current_user.id} ({current_user.handle})",
                 request.remote_addr)
    db.session.commit()
    session.pop("totp_setup", None)
    # Set up when log-in asked for it: on to the page asked for, or where the person lands.
    asked = twofactor.required_for(current_user) or request.args.get("next")
    return _codes_page(codes, _safe_next(request.args.get("next")) if asked else None)


@bp.post("/account/two-factor/recovery-codes")
@login_required
@limiter.limit(_code_limit)
def renew_recovery_codes():
    form = AppCodeForm(prefix="renew")
    if not current_user.has_two_factor:
        return redirect(url_for("accounts.two_factor"))
    if form.validate_on_submit():
        try:
            codes = twofactor.renew_recovery_codes(current_user, form.code.data)
        except accounts.AccountError as error:
            _apply_error(form, error)
        else:
            db.session.commit()
            return _codes_page(codes)
    return _manage_page(renew=form, status=422)


@bp.post("/account/two-factor/off")
@login_required
@limiter.limit(_code_limit)
def disable_two_factor():
    form = DisableTwoFactorForm(prefix="off")
    if not current_user.has_two_factor:
        return redirect(url_for("accounts.two_factor"))
    if form.validate_on_submit():
        try:
            twofactor.disable(current_user, form.password.data, form.code.data)
        except accounts.AccountError as error:
            _apply_error(form, error)
        else:
            audit.record(current_user, "account.two_factor_off", f"user {current_user.id} ({current_user.handle})",
                         request.remote_addr)
            db.session.commit()
            flash(_("Two-factor log-in is off. A password alone now opens your account."), "info")
            return redirect(url_for("accounts.account"))
    return _manage_page(off=form, status=422)


@bp.post("/account/sessions/end-others")
@login_required
def end_other_sessions():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    ended = sessions.end_others(current_user)
    db.session.commit()
    flash(ngettext("%(num)d other device has been logged out.", "%(num)d other devices have been logged out.", ended)
          if ended else _("No other device was logged in."), "success")
    return redirect(url_for("accounts.account") + "#devices")


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
@limiter.limit(_code_limit, methods=["POST"])
def delete_account():
    form = DeleteAccountForm()
    status = 200
    if form.validate_on_submit():
        try:
            personal_data.delete_account(current_user, form.password.data,
                                         keep_certificates=form.certificates.data != "revoke")
        except accounts.AccountError as error:
            db.session.rollback()
            _apply_error(form, error)
        except personal_data.DeletionRefused as refusal:
            db.session.rollback()
            flash(str(refusal), "error")
        else:
            db.session.commit()
            logout_user()
            session.clear()
            flash(_("Your account and your personal data have been deleted."), "success")
            return redirect(url_for("core.home"))
        status = 422
    elif form.errors:
        status = 422
    return render_template("accounts/delete.html", form=form,
                           allowed=personal_data.can_delete_itself(current_user)), status


@bp.post("/account/time-zone")
@login_required
def set_timezone():
    """Save the zone she reads and types times in (the account page's select, or the layout's
    one-click offer of the browser's zone); back to where she was."""
    form = TimezoneForm()
    if form.validate_on_submit():
        try:
            zone = timezones.set_timezone(current_user, form.timezone.data)
        except timezones.TimezoneError as error:
            db.session.rollback()
            form.timezone.errors = [*form.timezone.errors, error.message]
        else:
            db.session.commit()
            flash(_("Times are now shown in %(zone)s.", zone=timezones.zone_label(zone)), "success")
            return redirect(local_target(form.next.data, url_for("accounts.account") + "#time-zone"))
    return account_page(ChangePasswordForm(formdata=None), form, 422)

"""Messages (training/messages.py): her notifications, her message settings, verifying an
address or a phone number, unsubscribing from a link in an email, and "Forgot your password?"."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from training import mail, messages, sms, timezones
from training.accounts import AccountError
from training.extensions import csrf, db, limiter
from training.forms import ConfirmForm, ForgotPasswordForm, MessageSettingsForm, SmsCodeForm, hour_or_none
from training.redirects import local_target

bp = Blueprint("messages", __name__)


def register(app) -> None:
    app.register_blueprint(bp)

    @app.after_request
    def _dispatch(response):
        """Hand this request's queued emails to the job queue: by now its view has committed."""
        messages.dispatch()
        return response


@bp.get("/notifications")
@login_required
def notifications():
    return render_template("messages/notifications.html", rows=messages.recent(current_user), form=ConfirmForm())


@bp.post("/notifications/read")
@login_required
def read_all():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    messages.mark_read(current_user)
    db.session.commit()
    return redirect(url_for("messages.notifications"))


@bp.get("/notifications/<int:notification_id>")
@login_required
def open_notification(notification_id: int):
    """Open what a notification is about, marking it read (the link in an email comes here)."""
    row = messages.mark_read(current_user, notification_id)
    if row is None:
        abort(404)
    db.session.commit()
    return redirect(local_target(row.link, url_for("messages.notifications")))


@bp.route("/account/messages", methods=["GET", "POST"])
@login_required
def settings():
    pref = messages.preference(current_user)
    form = MessageSettingsForm(obj=None)
    if request.method == "GET":
        form.email.data, form.email_on.data, form.detailed.data = current_user.email or "", pref.email_on, pref.detailed
        form.digest.data, form.digest_hour.data = pref.digest, str(pref.digest_hour if pref.digest_hour is not None else 18)
        form.quiet_from.data = "" if pref.quiet_from is None else str(pref.quiet_from)
        form.quiet_to.data = "" if pref.quiet_to is None else str(pref.quiet_to)
        form.sms_number.data, form.sms_on.data = pref.sms_number or "", pref.sms_on
    posted = request.method == "POST"
    chosen = set(request.form.getlist("events")) if posted else set(pref.email_events or [])
    chosen_sms = set(request.form.getlist("sms_events")) if posted else set(pref.sms_events or [])
    sms_enabled = sms.enabled()
    status = 200
    if request.method == "POST":
        if not form.validate_on_submit():
            status = 422
        else:
            try:
                saved = messages.save_settings(
                    current_user, email=form.email.data, password=form.password.data or "",
                    email_on=form.email_on.data, events=sorted(chosen), detailed=form.detailed.data,
                    digest=form.digest.data, digest_hour=hour_or_none(form.digest_hour.data),
                    quiet_from=hour_or_none(form.quiet_from.data), quiet_to=hour_or_none(form.quiet_to.data),
                    # a site that sends no text messages leaves her number as it is
                    sms_number=(form.sms_number.data or "") if sms_enabled else None,
                    sms_on=form.sms_on.data, sms_events=sorted(chosen_sms))
            except AccountError as error:
                db.session.rollback()
                getattr(form, error.field if error.field in form else "email").errors.append(error.message)
                status = 422
            else:
                db.session.commit()
                if saved.number_changed and pref.sms_number:
                    flash(_("Saved. We sent a code to %(number)s: enter it to confirm the number.",
                            number=pref.sms_number), "success")
                    return redirect(url_for("messages.sms_code"))
                if saved.email_changed and current_user.email:
                    flash(_("Saved. We sent a link to %(email)s: open it to confirm the address.",
                            email=current_user.email), "success")
                else:
                    flash(_("Saved."), "success")
                return redirect(url_for("messages.settings"))
    return render_template("messages/settings.html", form=form, events=messages.EVENTS, choosable=messages.CHOOSABLE,
                           chosen=chosen, chosen_sms=chosen_sms, email_enabled=mail.enabled(), sms_enabled=sms_enabled,
                           pref=pref, resend=ConfirmForm(), site_name=messages.message_site_name(),
                           zone=timezones.zone_name()), status


@bp.route("/account/messages/sms-code", methods=["GET", "POST"])
@login_required
def sms_code():
    """Enter the code sent to the number she is confirming (a wrong try counts; five void it)."""
    pref = messages.preference(current_user)
    if not pref.sms_number or pref.sms_verified_at is not None:
        return redirect(url_for("messages.settings"))
    form = SmsCodeForm()
    status = 200
    if request.method == "POST":
        if not form.validate_on_submit():
            status = 422
        else:
            try:
                messages.confirm_sms_code(current_user, form.code.data)
            except AccountError as error:
                db.session.commit()  # the wrong try counts
                form.code.errors.append(error.message)
                status = 422
            else:
                db.session.commit()
                flash(_("Your number is confirmed."), "success")
                return redirect(url_for("messages.settings"))
    return render_template("messages/sms_code.html", form=form, number=pref.sms_number, resend=ConfirmForm(),
                           minutes=messages.CODE_MINUTES), status


@bp.post("/account/messages/sms-code/resend")
@login_required
def resend_sms_code():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    pref = messages.preference(current_user)
    if pref.sms_number and pref.sms_verified_at is None:
        try:
            messages.send_sms_code(current_user)
        except AccountError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("We sent a new code to %(number)s.", number=pref.sms_number), "success")
    return redirect(url_for("messages.sms_code"))


@bp.post("/account/messages/verify")
@login_required
@limiter.limit(lambda: current_app.config["AMICUS_RESET_REQUEST_LIMIT"])
def resend_verification():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if current_user.email and current_user.email_verified_at is None:
        messages.queue_verification(current_user)
        db.session.commit()
        flash(_("We sent the link again to %(email)s.", email=current_user.email), "success")
    return redirect(url_for("messages.settings"))


@bp.get("/account/messages/verify/<token>")
def verify(token: str):
    user = messages.verify_email(token)
    if user is None:
        return render_template("messages/link_invalid.html"), 404
    db.session.commit()
    return render_template("messages/verified.html", email=user.email)


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # a mail program's one-click POST (RFC 8058) carries no token: the signed link is the proof
def unsubscribe(token: str):
    user = messages.unsubscribe_user(token)
    if user is None:
        return render_template("messages/link_invalid.html"), 404
    if request.method == "POST":
        messages.unsubscribe(user)
        db.session.commit()
        return render_template("messages/unsubscribed.html")
    return render_template("messages/unsubscribe.html", token=token)


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["AMICUS_RESET_REQUEST_LIMIT"], methods=["POST"])
@limiter.limit(lambda: current_app.config["AMICUS_RESET_REQUEST_LIMIT"], methods=["POST"],
               key_func=lambda: (request.form.get("email") or "").strip().casefold()[:254])
def forgot_password():
    """The same answer whether or not an account has this verified address."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        messages.request_password_reset(form.email.data)
        db.session.commit()
        return render_template("messages/reset_sent.html", email_enabled=mail.enabled())
    return render_template("messages/forgot_password.html", form=form, email_enabled=mail.enabled()), (
        422 if form.errors else 200)

"""Forms of the core: accounts and admin. Rules that need the database live in the services."""
from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TelField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, NumberRange, Optional, ValidationError

from training.accounts import HANDLE_MAX, PASSWORD_MAX, PROFESSION_LABELS, ROLE_LABELS, STAFF_ROLES
from training.regions import REGIONS, region_choices


def region_select():
    return [SelectChoice(code, name) for code, name in region_choices()]


def region_in_list(form, field):
    """A region is one of the list's codes, or none (""); anything else is refused by name."""
    if field.data and field.data not in REGIONS:
        raise ValidationError(_l("Choose a region from the list."))


def profession_choices():
    return [SelectChoice(value.value, label) for value, label in PROFESSION_LABELS.items()]


class RegisterForm(FlaskForm):
    handle = StringField(
        _l("Handle"), validators=[DataRequired(), Length(max=HANDLE_MAX * 2)],
        description=_l("The name others see. It need not be your real name."),
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired(), Length(max=PASSWORD_MAX)],
        description=_l("At least 8 characters, and hard to guess: a few unrelated words or a sentence, in any language."),
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Password again"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )
    profession = SelectField(_l("Profession"), choices=profession_choices, default="other")
    region = SelectField(
        _l("Region (optional)"), choices=lambda: [SelectChoice("", _l("Not given"))] + region_select(),
        default="", validate_choice=False, validators=[region_in_list],
        description=_l("Where you work, if you wish: a province or region, no more; used only in group statistics."),
    )
    email = EmailField(
        _l("Email (optional)"), validators=[Optional(), Length(max=254)],
        description=_l("Amicus does not need it to work and sends no newsletters."),
        render_kw={"autocomplete": "email"},
    )
    submit = SubmitField(_l("Create account"))


class LoginForm(FlaskForm):
    handle = StringField(_l("Handle"), validators=[DataRequired(), Length(max=HANDLE_MAX * 2)],
                         render_kw={"autocomplete": "username", "autocapitalize": "none"})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=PASSWORD_MAX)],
                             render_kw={"autocomplete": "current-password"})
    submit = SubmitField(_l("Log in"))


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=PASSWORD_MAX)],
                                     render_kw={"autocomplete": "current-password"})
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=PASSWORD_MAX)],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("Change password"))


class LoginCodeForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=20)],
                       description=_l("The 6 digits your authenticator app shows now, or one of your recovery codes."),
                       render_kw={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"})
    submit = SubmitField(_l("Log in"))


class AppCodeForm(FlaskForm):
    code = StringField(_l("Code from the app"), validators=[DataRequired(), Length(max=20)],
                       description=_l("The 6 digits the app shows now."),
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})
    submit = SubmitField(_l("Confirm"))


class DisableTwoFactorForm(FlaskForm):
    password = PasswordField(_l("Your password"), validators=[DataRequired(), Length(max=PASSWORD_MAX)],
                             render_kw={"autocomplete": "current-password"})
    code = StringField(_l("Code from the app"), validators=[DataRequired(), Length(max=20)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})
    submit = SubmitField(_l("Turn off two-factor log-in"))


class DeleteAccountForm(FlaskForm):
    certificates = RadioField(
        _l("Your certificates"), default="keep",
        choices=[SelectChoice("keep", _l("Keep them valid: anyone with a certificate's code can still check it.")),
                 SelectChoice("revoke", _l("Revoke them: the verification page will say “revoked at the holder's request” "
                               "and show no name."))])
    password = PasswordField(_l("Your password"), validators=[DataRequired(), Length(max=PASSWORD_MAX)],
                             render_kw={"autocomplete": "current-password"})
    confirm = BooleanField(_l("I understand that this cannot be undone."),
                           validators=[DataRequired(message=_l("Tick the box to confirm."))])
    submit = SubmitField(_l("Delete my account"))


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=PASSWORD_MAX)],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("Set password"))


class ConfirmForm(FlaskForm):
    """A form with only its CSRF token, for buttons that change something."""

    submit = SubmitField(_l("Confirm"))


class ConfirmButtons:
    """Stands in for ``ConfirmForm()`` on pages that only show its buttons (the course and
    lesson pages, on every visit): ``hidden_tag()`` is the same HTML as ConfirmForm's, the
    CSRF field, without building a form. What is submitted is checked with ConfirmForm."""

    def hidden_tag(self) -> Markup:
        if not current_app.config.get("WTF_CSRF_ENABLED", True):
            return Markup("")  # ConfirmForm then has no CSRF field either
        name = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
        return Markup('<input id="%s" name="%s" type="hidden" value="%s">') % (name, name, generate_csrf())


class HelplineForm(FlaskForm):
    region = SelectField(_l("Region"), choices=lambda: [SelectChoice("", _l("Everywhere"))] + region_select(),
                         default="", validate_choice=False, validators=[region_in_list],
                         description=_l("Listed first for participants who gave this region in their account."))
    name_en = StringField(_l("Name (English)"), validators=[Optional(), Length(max=120)])
    name_zh = StringField(_l("Name (Chinese)"), validators=[Optional(), Length(max=120)])
    contact = StringField(_l("Phone or how to reach it"), validators=[DataRequired(), Length(max=120)])
    notes_en = StringField(_l("Hours and who it is for (English)"), validators=[Optional(), Length(max=300)])
    notes_zh = StringField(_l("Hours and who it is for (Chinese)"), validators=[Optional(), Length(max=300)])
    position = IntegerField(_l("Order"), default=0, validators=[Optional(), NumberRange(min=0, max=999)])
    active = BooleanField(_l("Shown"), default=True)
    submit = SubmitField(_l("Save"))


def staff_role_choices():
    return [SelectChoice(role.value, ROLE_LABELS[role]) for role in STAFF_ROLES]


class StaffAccountForm(FlaskForm):
    """An admin makes a trainer's or admin's account; its holder chooses the password."""

    handle = StringField(
        _l("Handle"), validators=[DataRequired(), Length(max=HANDLE_MAX * 2)],
        description=_l("The name the person logs in with and others see."),
        render_kw={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"},
    )
    role = SelectField(_l("Role"), choices=staff_role_choices, default="trainer")
    submit = SubmitField(_l("Create account and set-up link"))


def timezone_choices():
    from training.timezones import choices

    return choices()


class TimezoneForm(FlaskForm):
    """The zone she reads and types times in; the service checks the name (training.timezones)."""

    timezone = SelectField(_l("Time zone"), choices=timezone_choices, validate_choice=False,
                           description=_l("Deadlines and dates are shown, and typed, in this zone."))
    next = HiddenField()
    submit = SubmitField(_l("Save time zone"))


class MessageSettingsForm(FlaskForm):
    """Her message channels (training/messages.py); the events are checkboxes the page lists."""

    email = EmailField(_l("Email address for messages (optional)"), validators=[Length(max=254)],
                       render_kw={"autocomplete": "email", "autocapitalize": "none", "spellcheck": "false"},
                       description=_l("Only you and Amicus see it: trainers never do."))
    password = PasswordField(_l("Your password (to add, change or remove an address or a phone number)"),
                             validators=[Length(max=PASSWORD_MAX)], render_kw={"autocomplete": "current-password"})
    email_on = BooleanField(_l("Send me email about the events ticked below"))
    detailed = BooleanField(_l("Say what happened in the email (by default it only says there is an update)"))
    digest = BooleanField(_l("One email a day at most, listing the day's updates"))
    digest_hour = SelectField(_l("Send it at"), choices=lambda: _hours(), default="18")
    quiet_from = SelectField(_l("No email from"), choices=lambda: [SelectChoice("", _l("(no quiet hours)"))] + _hours(), default="")
    quiet_to = SelectField(_l("until"), choices=lambda: [SelectChoice("", _l("(no quiet hours)"))] + _hours(), default="")
    sms_number = TelField(_l("Mobile number for text messages (optional)"), validators=[Length(max=40)],
                          render_kw={"autocomplete": "tel", "inputmode": "tel"},
                          description=_l("With its country code, e.g. +86 138 1234 5678. Only you and Amicus see it."))
    sms_on = BooleanField(_l("Send me text messages about the events ticked below"))
    submit = SubmitField(_l("Save"))


class SmsCodeForm(FlaskForm):
    """The six-digit code sent to the number she is confirming."""

    code = StringField(_l("The code in the text message"), validators=[DataRequired(), Length(max=12)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "autocapitalize": "none"})
    submit = SubmitField(_l("Confirm"))


def _hours() -> list[SelectChoice]:
    return [SelectChoice(str(hour), f"{hour:02d}:00") for hour in range(24)]


def hour_or_none(value: str | None) -> int | None:
    """A chosen hour from the lists above ("" is none)."""
    return int(value) if value not in (None, "") else None


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("Your verified email address"), validators=[DataRequired(), Length(max=254)],
                       render_kw={"autocomplete": "email", "autocapitalize": "none", "spellcheck": "false"})
    submit = SubmitField(_l("Send me a link"))

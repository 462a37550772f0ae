"""Email through SMTP (issue #21): one message, built and sent.

Python's own ``email`` and ``smtplib`` do the work: they are maintained with Python itself and do
everything needed here (STARTTLS or TLS, a login, headers folded and encoded); Flask-Mail would
add a wrapper and no safety. Headers are built with the SMTP policy, which refuses a line break
in a header value: a name or subject cannot add a header (header injection), and ``header_text``
also removes control characters before that.
"""
from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formataddr, make_msgid, parseaddr

from flask import current_app

_CONTROL = dict.fromkeys(range(32))  # CR, LF, tabs and the rest: never in a header value


class MailError(Exception):
    """The SMTP server could not be reached or refused the message (a reason without content).
    ``bounced``: the server refused the recipient for good (a 5xx answer to RCPT TO: no such
    mailbox, a disabled one); sending again would not help."""

    def __init__(self, reason: str, bounced: bool = False):
        super().__init__(reason)
        self.bounced = bounced


def enabled() -> bool:
    return bool(current_app.config["AMICUS_SMTP_HOST"] and sender())


def sender() -> str:
    configured = current_app.config["AMICUS_MAIL_FROM"]
    name, address = parseaddr(configured)
    return formataddr((header_text(name), address)) if "@" in address else ""


def header_text(text: str) -> str:
    return " ".join(str(text).translate(_CONTROL).split())[:200]


def build(to: str, subject: str, text: str, unsubscribe: str | None = None) -> EmailMessage:
    """A plain-text message. ``unsubscribe``: the signed one-click link (RFC 8058)."""
    message = EmailMessage()
    message["From"] = sender()
    message["To"] = to
    message["Subject"] = header_text(subject)
    message["Message-ID"] = make_msgid(domain=parseaddr(sender())[1].rpartition("@")[2] or None)
    if unsubscribe:
        message["List-Unsubscribe"] = f"<{unsubscribe}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(text)
    return message


def send(message: EmailMessage) -> None:
    config = current_app.config
    host, port, security = config["AMICUS_SMTP_HOST"], int(config["AMICUS_SMTP_PORT"]), config["AMICUS_SMTP_SECURITY"]
    try:
        if security == "ssl":
            client = smtplib.SMTP_SSL(host, port, timeout=30, context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(host, port, timeout=30)
        with client:
            if security == "starttls":
                client.starttls(context=ssl.create_default_context())
            if config["AMICUS_SMTP_USER"]:
                client.login(config["AMICUS_SMTP_USER"], config["AMICUS_SMTP_PASSWORD"])
            client.send_message(message)
    except smtplib.SMTPRecipientsRefused as error:
        codes = sorted({code for code, _text in error.recipients.values()})
        raise MailError(f"SMTPRecipientsRefused {' '.join(map(str, codes))}",
                        bounced=bool(codes) and all(code >= 500 for code in codes)) from None
    except (OSError, smtplib.SMTPException) as error:
        code = getattr(error, "smtp_code", None)
        raise MailError(f"{type(error).__name__}{f' {code}' if code else ''}") from None

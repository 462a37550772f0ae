"""Text messages (issue #21): a number she confirms with a code, events she chooses for it,
neutral wording in her language, quiet hours and a digest of their own, a limit per hour, and a
notice to the old number when it changes. The file gateway (training/sms.py) writes what would be
sent; the tests read it back (the ``sms_outbox`` fixture). The gateways themselves, and their
signatures, are tested in tests/training/test_sms.py."""
from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD, login
from tests.training.test_message_schedule import _certificate
from training import messages
from training.db import utcnow
from training.extensions import db
from training.messages import Delivery, MessageError, MessagePreference, Notification

NUMBER = "+8613812345678"


@pytest.mark.parametrize(("raw", "clean"), [
    ("13812345678", NUMBER), ("138 1234 5678", NUMBER), ("+86 138-1234-5678", NUMBER),
    ("008613812345678", NUMBER), ("+44 7700 900123", "+447700900123"), ("", ""), ("  ", ""),
])
def test_numbers_are_kept_in_international_form(raw, clean):
    assert messages.clean_number(raw) == clean


@pytest.mark.parametrize("raw", ["12345", "+86 12345", "+8612812345678", "call me", "+0123456789",
                                 "+1234567890123456", "1381234567<script>"])
def test_a_number_in_a_wrong_form_is_refused(raw):
    with pytest.raises(MessageError) as refused:
        messages.clean_number(raw)
    assert refused.value.field == "sms_number"


def _code(outbox, number=NUMBER) -> str:
    *_, last = [m for m in outbox.to(number) if m["kind"] == "code"]
    return last["params"]["code"]


def _add_number(client, outbox, number=NUMBER, events=("case_stage", "certificate"), detailed=False, **extra):
    data = {"sms_number": number, "password": PASSWORD, "sms_on": "y", "sms_events": list(events), **extra}
    if detailed:
        data["detailed"] = "y"
    saved = client.post("/account/messages", data=data)
    assert saved.status_code == 302 and saved.headers["Location"].endswith("/account/messages/sms-code"), \
        saved.get_data(as_text=True)[:400]
    return _code(outbox, messages.clean_number(number))


def test_she_adds_a_number_confirms_it_and_gets_a_neutral_text(app, make_user, sms_outbox):
    mei = make_user("mei")
    client = app.test_client()
    login(client, "mei")
    page = client.get("/account/messages").get_data(as_text=True)
    assert 'name="sms_number"' in page and 'name="sms_events"' in page

    # Her password is needed; a wrong one changes nothing and sends nothing.
    wrong = client.post("/account/messages", data={"sms_number": NUMBER, "password": "not it", "sms_on": "y"})
    assert wrong.status_code == 422 and "The current password is not right." in wrong.get_data(as_text=True)
    assert sms_outbox.messages == [] and db.session.get(MessagePreference, mei.id) is None

    code = _add_number(client, sms_outbox, "138 1234 5678")
    (sent,) = sms_outbox.messages
    assert sent["to"] == NUMBER and re.fullmatch(r"[0-9]{6}", code)
    assert sent["text"].startswith(f"{code} is your code for Amicus") and sent["params"] == {"site": "Amicus", "code": code}
    pref = db.session.get(MessagePreference, mei.id)
    assert pref.sms_verified_at is None and pref.sms_code_hash not in (None, code) and code not in pref.sms_code_hash
    # Nothing goes to a number not confirmed yet.
    _certificate(app, mei.id, course="GBV litigation for lawyers")
    assert len(sms_outbox.messages) == 1

    wrong_code = "000000" if code != "000000" else "111111"
    page = client.post("/account/messages/sms-code", data={"code": wrong_code})
    assert page.status_code == 422 and "That is not the code we sent." in page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(MessagePreference, mei.id).sms_code_tries == 1  # a wrong try counts
    confirmed = client.post("/account/messages/sms-code", data={"code": f" {code[:3]} {code[3:]} "})
    assert confirmed.status_code == 302 and confirmed.headers["Location"].endswith("/account/messages")
    db.session.expire_all()
    pref = db.session.get(MessagePreference, mei.id)
    assert pref.sms_verified_at is not None and pref.sms_code_hash is None
    assert "Confirmed." in client.get("/account/messages").get_data(as_text=True)

    _certificate(app, mei.id, course="GBV litigation for lawyers")
    update = sms_outbox.messages[-1]
    assert update["kind"] == "update" and update["params"] == {"site": "Amicus"}
    assert update["text"].startswith("You have an update on Amicus") and "/notifications" in update["text"]
    assert "GBV" not in update["text"] and "certificate" not in update["text"].lower()
    assert db.session.execute(select(Delivery.event, Delivery.channel, Delivery.status).order_by(Delivery.id)).all() == [
        ("verify_sms", "sms", "sent"), ("certificate", "sms", "sent")]
    # An event she did not tick for text messages stays in the app.
    with app.test_request_context():
        messages.notify([mei.id], "essay_marked", "", activity="X")
        db.session.commit()
        messages.dispatch()
    assert len(sms_outbox.messages) == 2
    assert db.session.execute(select(Notification.event).order_by(Notification.id.desc())).scalars().first() == \
        "essay_marked"


def test_detailed_wording_in_her_language(app, make_user, sms_outbox):
    mei = make_user("mei")
    mei.locale = "zh"
    db.session.commit()
    client = app.test_client()
    login(client, "mei")
    code = _add_number(client, sms_outbox, detailed=True)
    assert "是您在 Amicus 的验证码" in sms_outbox.messages[0]["text"]
    client.post("/account/messages/sms-code", data={"code": code})
    _certificate(app, mei.id, course="GBV litigation for lawyers")
    text = sms_outbox.messages[-1]["text"]
    assert text.startswith("Amicus: ") and "GBV litigation for lawyers" in text and "证书" in text


def test_a_code_expires_and_five_wrong_tries_void_it(app, make_user, sms_outbox):
    mei = make_user("mei")
    client = app.test_client()
    login(client, "mei")
    code = _add_number(client, sms_outbox)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(messages.CODE_TRIES):
        assert client.post("/account/messages/sms-code", data={"code": wrong}).status_code == 422
    voided = client.post("/account/messages/sms-code", data={"code": code})
    assert voided.status_code == 422 and "Too many wrong codes" in voided.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(MessagePreference, mei.id).sms_verified_at is None

    # A new code works; an old one does not, and nor does one past its minutes.
    assert client.post("/account/messages/sms-code/resend", data={}).status_code == 302
    fresh = _code(sms_outbox)
    if fresh != code:
        assert client.post("/account/messages/sms-code", data={"code": code}).status_code == 422
    pref = db.session.get(MessagePreference, mei.id)
    pref.sms_code_expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    expired = client.post("/account/messages/sms-code", data={"code": fresh})
    assert expired.status_code == 422 and "This code has expired" in expired.get_data(as_text=True)


def test_codes_per_hour_are_limited(app, make_user, sms_outbox):
    app.config["AMICUS_SMS_CODES_PER_HOUR"] = 2
    make_user("mei")
    client = app.test_client()
    login(client, "mei")
    _add_number(client, sms_outbox)
    client.post("/account/messages/sms-code/resend", data={})
    page = client.post("/account/messages/sms-code/resend", data={}, follow_redirects=True)
    assert "You asked for too many codes" in page.get_data(as_text=True)
    assert len(sms_outbox.messages) == 2


def test_a_changed_number_is_told_and_the_new_one_confirmed(app, make_user, sms_outbox):
    mei = make_user("mei")
    client = app.test_client()
    login(client, "mei")
    client.post("/account/messages/sms-code", data={"code": _add_number(client, sms_outbox)})
    sms_outbox.clear()
    code = _add_number(client, sms_outbox, "+447700900123")
    told, new = sms_outbox.messages
    assert told["to"] == NUMBER and "was changed" in told["text"] and told["kind"] == "update"
    assert new["to"] == "+447700900123" and new["params"]["code"] == code
    pref = db.session.get(MessagePreference, mei.id)
    assert pref.sms_number == "+447700900123" and pref.sms_verified_at is None

    # Removing the number needs the password too, and turns text messages off.
    refused = client.post("/account/messages", data={"sms_number": "", "sms_on": "y"})
    assert refused.status_code == 422
    removed = client.post("/account/messages", data={"sms_number": "", "password": PASSWORD, "sms_on": "y"})
    assert removed.status_code == 302
    db.session.expire_all()
    pref = db.session.get(MessagePreference, mei.id)
    assert (pref.sms_number, pref.sms_on) == (None, False)


def test_quiet_hours_and_the_digest_hold_texts_too(app, make_user, sms_outbox):
    mei = make_user("mei")
    mei.timezone = "UTC"
    db.session.commit()
    client = app.test_client()
    login(client, "mei")
    client.post("/account/messages/sms-code", data={"code": _add_number(client, sms_outbox)})
    sms_outbox.clear()
    hour = utcnow().hour
    pref = db.session.get(MessagePreference, mei.id)
    pref.quiet_from, pref.quiet_to = hour, (hour + 2) % 24
    db.session.commit()
    _certificate(app, mei.id)
    assert sms_outbox.messages == []
    with app.test_request_context():
        assert messages.tick(utcnow() + timedelta(hours=3))["released"] == 1
    assert len(sms_outbox.messages) == 1

    # A daily digest: one text for the day's updates, at her hour, once.
    sms_outbox.clear()
    pref = db.session.get(MessagePreference, mei.id)
    pref.quiet_from = pref.quiet_to = None
    pref.digest, pref.digest_hour = True, 0
    db.session.commit()
    _certificate(app, mei.id)
    _certificate(app, mei.id, course="Y")
    assert sms_outbox.messages == []
    with app.test_request_context():
        assert messages.tick(utcnow())["digests"] == 1
        assert messages.tick(utcnow())["digests"] == 0
    (digest,) = sms_outbox.messages
    assert digest["text"].startswith("You have 2 updates on Amicus")


def test_texts_per_hour_are_limited_and_a_failing_gateway_is_recorded_without_content(app, make_user, sms_outbox):
    app.config["AMICUS_SMS_PER_HOUR"] = 2
    mei = make_user("mei")
    client = app.test_client()
    login(client, "mei")
    client.post("/account/messages/sms-code", data={"code": _add_number(client, sms_outbox)})
    for _ in range(3):
        _certificate(app, mei.id)
    statuses = db.session.execute(select(Delivery.status).where(Delivery.event == "certificate")
                                  .order_by(Delivery.id)).scalars().all()
    assert statuses == ["sent", "limited", "limited"]  # the code counted as one of the two

    app.config.update(AMICUS_SMS_PER_HOUR=100, AMICUS_SMS_BACKEND="webhook",
                      AMICUS_SMS_WEBHOOK_URL="http://127.0.0.1:9/nothing-listens-here")
    _certificate(app, mei.id)
    row = db.session.execute(select(Delivery).order_by(Delivery.id.desc())).scalars().first()
    assert row.status == "failed" and row.attempts == 3 and row.error and NUMBER not in row.error


def test_a_site_without_text_messages_keeps_her_number_as_it_is(app, make_user):
    mei = make_user("mei")
    client = app.test_client()
    login(client, "mei")
    assert app.config["AMICUS_SMS_BACKEND"] == ""
    page = client.get("/account/messages").get_data(as_text=True)
    assert 'name="sms_number"' not in page
    saved = client.post("/account/messages", data={"sms_number": NUMBER, "password": PASSWORD, "sms_on": "y"})
    assert saved.status_code == 302
    pref = db.session.get(MessagePreference, mei.id)
    assert pref.sms_number is None and not pref.sms_on
    assert client.get("/account/messages/sms-code").status_code == 302  # nothing to confirm


def test_her_export_has_her_number_and_settings(app, make_user, sms_outbox):
    mei = make_user("mei")
    client = app.test_client()
    login(client, "mei")
    client.post("/account/messages/sms-code", data={"code": _add_number(client, sms_outbox)})
    exported = messages.export(db.session.get(type(mei), mei.id))
    assert exported["text_messages"]["number"] == NUMBER and exported["text_messages"]["on"] is True
    assert exported["text_messages"]["events"] == ["case_stage", "certificate"]
    assert [d["channel"] for d in exported["deliveries"]] == ["sms"]
    assert "code" not in json.dumps(exported["text_messages"])

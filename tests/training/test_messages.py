"""Messages that are safe to receive (training/messages.py): in-app notifications always, email
only to an address she verified and only if she chose it, neutral by default and in her language,
with a one-click unsubscribe; self-service password reset by email. Emails go to a real SMTP
server (aiosmtpd, the ``smtp`` fixture) and are read back."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from tests.conftest import PASSWORD, login
from tests.courses.cases.helpers import setup_moot
from training import messages
from training.accounts import User
from training.extensions import db
from training.messages import Delivery, MessagePreference, Notification


def _link(message, path: str) -> str:
    found = re.search(r"https?://[^\s]+" + re.escape(path) + r"[^\s]*", message.get_content())
    assert found, message.get_content()
    return found.group(0)


def _local(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def _opt_in(client, smtp, email="mei@example.org", events=("case_stage", "certificate"), detailed=False):
    """Add the address with her password, open the link sent to it: verified and opted in."""
    data = {"email": email, "password": PASSWORD, "email_on": "y", "events": list(events)}
    if detailed:
        data["detailed"] = "y"
    saved = client.post("/account/messages", data=data)
    assert saved.status_code == 302, saved.get_data(as_text=True)[:400]
    (verify,) = smtp.to(email)
    assert verify["Subject"] in ("Confirm your email address on Amicus", "确认您在 Amicus 的邮箱地址")  # her language
    page = client.get(_local(_link(verify, "/account/messages/verify/")))
    assert page.status_code == 200 and ("is confirmed" in page.get_data(as_text=True) or "已确认" in page.get_data(as_text=True))
    smtp.messages.clear()


def test_she_adds_an_address_verifies_it_and_gets_a_neutral_email(app, make_user, smtp):
    mei = make_user("mei")
    client = app.test_client()
    login(client, "mei")
    wrong = client.post("/account/messages", data={"email": "mei@example.org", "password": "not it", "email_on": "y"})
    assert wrong.status_code == 422 and "The current password is not right." in wrong.get_data(as_text=True)
    assert db.session.get(User, mei.id).email is None and smtp.messages == []  # nothing saved, nothing sent
    _opt_in(client, smtp)
    assert db.session.get(User, mei.id).email_verified_at is not None

    with app.test_request_context():
        messages.notify([mei.id], "certificate", "/courses/gbv-litigation", course="GBV litigation for lawyers")
        db.session.commit()
        messages.dispatch()
    (email,) = smtp.to("mei@example.org")
    body = email.get_content()
    assert email["Subject"] == "You have an update on Amicus"
    assert "GBV" not in body and "certificate" not in body.lower()  # nothing about the course
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert email["List-Unsubscribe"].startswith("<http") and "/unsubscribe/" in email["List-Unsubscribe"]
    assert db.session.execute(select(Delivery.event, Delivery.status).order_by(Delivery.id)).all() == [
        ("verify_email", "sent"), ("certificate", "sent")]

    # In the app: the header counts it, the list says what it is, opening it marks it read.
    page = client.get("/notifications").get_data(as_text=True)
    assert "(1 new)" in page and "Your certificate for “GBV litigation for lawyers” has been issued." in page
    note = db.session.execute(select(Notification)).scalar_one()
    opened = client.get(f"/notifications/{note.id}")
    assert opened.status_code == 302 and opened.headers["Location"].endswith("/courses/gbv-litigation")
    assert "(1 new)" not in client.get("/notifications").get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, mei.id).unread_notifications == 0

    # The link in the email opens the notification; another person's is not hers to open.
    make_user("lan")
    other = app.test_client()
    login(other, "lan")
    assert other.get(_local(_link(email, "/notifications/"))).status_code == 404


def test_detailed_wording_and_her_language(app, make_user, smtp):
    mei = make_user("mei")
    mei.locale = "zh"
    db.session.commit()
    client = app.test_client()
    login(client, "mei")
    _opt_in(client, smtp, detailed=True)
    with app.test_request_context():
        messages.notify([mei.id], "certificate", "/courses/x", course="反家暴诉讼")
        db.session.commit()
        messages.dispatch()
    (email,) = smtp.to("mei@example.org")
    assert "反家暴诉讼" in email["Subject"] and "Amicus" in email.get_content()
    assert "停止接收这些邮件" in email.get_content() and "您在 Amicus 有一条新动态" in email.get_content()  # in Chinese


def test_nothing_is_emailed_unless_verified_and_chosen(app, make_user, smtp):
    mei, lan, kim = make_user("mei"), make_user("lan"), make_user("kim")
    mei.email = "mei@example.org"  # given at registration: never verified
    lan.email, lan.email_verified_at = "lan@example.org", db.func.now()
    db.session.add(MessagePreference(user_id=lan.id, email_on=True, email_events=["case_stage"], detailed=False))
    db.session.add(MessagePreference(user_id=mei.id, email_on=True, email_events=["certificate"], detailed=False))
    db.session.commit()
    with app.test_request_context():
        messages.notify([mei.id, lan.id, kim.id], "certificate", "/courses/x", course="X")
        db.session.commit()
        messages.dispatch()
    assert smtp.messages == []  # mei: not verified; lan: did not choose certificates; kim: no address
    assert db.session.execute(select(func.count(Notification.id))).scalar_one() == 3  # all three in the app


def test_a_trainer_opens_a_stage_and_the_team_hears_of_it(app, make_user, make_course, smtp):
    from courses.cases import runs, services

    moot = setup_moot(make_user, make_course)
    ana = moot["ana1"]
    client = app.test_client()
    login(client, ana.handle)
    _opt_in(client, smtp, email="ana@example.org", events=("case_stage",))
    with app.test_request_context():
        runs.open_stage(moot["tess"], services.run_state(moot["run"], "en", None), "inject")
        db.session.commit()
        messages.dispatch()
    (email,) = smtp.to("ana@example.org")
    assert email["Subject"] == "You have an update on Amicus"
    team = set(db.session.execute(select(Notification.user_id).where(Notification.event == "case_stage")).scalars())
    assert ana.id in team and moot["tess"].id not in team
    assert "is open" in client.get("/notifications").get_data(as_text=True)


def test_she_forgets_her_password_and_sets_a_new_one_by_email(app, make_user, smtp):
    mei = make_user("mei")
    client = app.test_client()
    login(client, "mei")
    _opt_in(client, smtp)
    client.post("/logout")
    anon = app.test_client()
    unknown = anon.post("/forgot-password", data={"email": "nobody@example.org"})
    known = anon.post("/forgot-password", data={"email": "MEI@example.org"})
    assert unknown.status_code == known.status_code == 200
    assert unknown.get_data(as_text=True) == known.get_data(as_text=True)  # the same answer either way
    (email,) = smtp.messages and smtp.to("mei@example.org")
    assert email["Subject"] == "Set a new password on Amicus" and len(smtp.messages) == 1
    link = _local(_link(email, "/reset/"))
    page = anon.post(link, data={"password": "a new long password 7", "confirm": "a new long password 7"})
    assert page.status_code == 302
    login(app.test_client(), "mei", "a new long password 7")
    assert anon.get(link).status_code == 404  # once only
    assert db.session.get(User, mei.id).id == mei.id


def test_unsubscribing_from_the_link_stops_email_and_a_forged_link_does_nothing(app, make_user, smtp):
    mei = make_user("mei")
    client = app.test_client()
    login(client, "mei")
    _opt_in(client, smtp)
    with app.test_request_context():
        messages.notify([mei.id], "certificate", "/courses/x", course="X")
        db.session.commit()
        messages.dispatch()
    (email,) = smtp.to("mei@example.org")
    link = _local(email["List-Unsubscribe"].strip("<>"))
    anon = app.test_client()
    assert anon.post(link[:-3] + "xyz", data={"List-Unsubscribe": "One-Click"}).status_code == 404
    assert db.session.get(MessagePreference, mei.id).email_on is True
    assert "Stop emails" in anon.get(link).get_data(as_text=True)  # a page first; the mail program POSTs
    assert anon.post(link, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    db.session.expire_all()
    assert db.session.get(MessagePreference, mei.id).email_on is False
    assert anon.post(link, data={"List-Unsubscribe": "One-Click"}).status_code == 200  # again: harmless
    smtp.messages.clear()
    with app.test_request_context():
        messages.notify([mei.id], "certificate", "/courses/x", course="X")
        db.session.commit()
        messages.dispatch()
    assert smtp.messages == []


def test_a_changed_address_is_verified_again_and_the_old_one_is_told(app, make_user, smtp):
    mei = make_user("mei")
    client = app.test_client()
    login(client, "mei")
    _opt_in(client, smtp)
    old_link = f"/account/messages/verify/{messages.verification_token(db.session.get(User, mei.id))}"
    client.post("/account/messages", data={"email": "new@example.org", "password": PASSWORD, "email_on": "y"})
    (notice,) = smtp.to("mei@example.org")
    assert "was changed" in notice["Subject"] and "Nothing more will be sent to this address" in notice.get_content()
    (verify,) = smtp.to("new@example.org")
    user = db.session.get(User, mei.id)
    assert user.email == "new@example.org" and user.email_verified_at is None
    assert client.get(old_link).status_code == 404  # a link for the address she had
    assert client.get(_local(_link(verify, "/account/messages/verify/"))).status_code == 200
    db.session.expire_all()
    assert db.session.get(User, mei.id).email_verified_at is not None


def test_header_injection_through_the_site_name_adds_no_header(app, make_user, smtp):
    app.config["AMICUS_MESSAGE_SITE_NAME"] = "Notes\r\nBcc: spy@example.org"
    mei = make_user("mei")
    client = app.test_client()
    login(client, "mei")
    client.post("/account/messages", data={"email": "mei@example.org", "password": PASSWORD, "email_on": "y"})
    (verify,) = smtp.to("mei@example.org")
    assert verify["Bcc"] is None and "\n" not in verify["Subject"] and "spy@example.org" in verify["Subject"]
    assert all("spy@example.org" not in rcpt for rcpt, _m in smtp.messages)
    assert db.session.get(User, mei.id).email == "mei@example.org"


def test_an_address_that_is_not_one_is_refused(app, make_user, smtp):
    mei = make_user("mei")
    client = app.test_client()
    login(client, "mei")
    for bad in ("mei", "mei@example.org\r\nBcc: spy@example.org", "a@b", "<mei@example.org>", "x" * 250 + "@example.org"):
        page = client.post("/account/messages", data={"email": bad, "password": PASSWORD, "email_on": "y"})
        assert page.status_code == 422, bad
    assert db.session.get(User, mei.id).email is None and smtp.messages == []


def test_a_server_that_fails_is_retried_then_recorded_and_a_flood_is_limited(app, make_user, smtp):
    mei = make_user("mei")
    client = app.test_client()
    login(client, "mei")
    _opt_in(client, smtp)
    app.config["AMICUS_MAIL_PER_HOUR"] = 2
    with app.test_request_context():
        for n in range(3):
            messages.notify([mei.id], "certificate", "/courses/x", course=f"C{n}")
        db.session.commit()
        messages.dispatch()
    statuses = db.session.execute(select(Delivery.status).where(Delivery.event == "certificate")
                                  .order_by(Delivery.id)).scalars().all()
    assert statuses == ["sent", "limited", "limited"]  # the confirmation email counted in the hour
    app.config["AMICUS_MAIL_PER_HOUR"] = 100
    app.config["AMICUS_SMTP_PORT"] = 1  # nothing listens there
    with app.test_request_context():
        messages.notify([mei.id], "certificate", "/courses/x", course="D")
        db.session.commit()
        messages.dispatch()
    last = db.session.execute(select(Delivery).order_by(Delivery.id.desc()).limit(1)).scalar_one()
    assert last.status == "failed" and last.attempts == 3 and last.error.startswith("ConnectionRefusedError")


def test_an_address_that_bounces_is_no_longer_sent_to_and_she_is_told(app, make_user, smtp):
    """A server that refuses her address for good (550) is not asked again: the delivery is
    "bounced" after one attempt, her address is no longer confirmed, and her notifications say so."""
    mei = make_user("mei")
    client = app.test_client()
    login(client, "mei")
    _opt_in(client, smtp)
    smtp.refuse.add("mei@example.org")
    with app.test_request_context():
        messages.notify([mei.id], "certificate", "/courses/x", course="X")
        db.session.commit()
        messages.dispatch()
    row = db.session.execute(select(Delivery).where(Delivery.event == "certificate")).scalar_one()
    assert (row.status, row.attempts, row.error) == ("bounced", 1, "SMTPRecipientsRefused 550")
    db.session.expire_all()
    assert db.session.get(User, mei.id).email_verified_at is None and smtp.messages == []
    page = client.get("/notifications").get_data(as_text=True)
    assert "Email to your address could not be delivered" in page
    assert "Not confirmed yet" in client.get("/account/messages").get_data(as_text=True)
    # Nothing more is sent there until she confirms it again.
    with app.test_request_context():
        messages.notify([mei.id], "certificate", "/courses/x", course="Y")
        db.session.commit()
        messages.dispatch()
    assert db.session.execute(select(func.count(Delivery.id)).where(Delivery.event == "certificate")).scalar_one() == 1
    assert smtp.messages == []


def test_her_data_has_her_settings_and_deliveries_and_deleting_her_deletes_them(app, make_user, smtp):
    mei = make_user("mei")
    client = app.test_client()
    login(client, "mei")
    _opt_in(client, smtp)
    with app.test_request_context():
        messages.notify([mei.id], "certificate", "/courses/x", course="X")
        db.session.commit()
        messages.dispatch()
        data = messages.export(db.session.get(User, mei.id))
    assert data["settings"]["email"] is True and [d["status"] for d in data["deliveries"]][-1] == "sent"
    assert "text" not in data["deliveries"][0]  # a delivery keeps no text
    db.session.delete(db.session.get(User, mei.id))
    db.session.commit()
    for model in (Notification, Delivery, MessagePreference):
        assert db.session.execute(select(func.count()).select_from(model)).scalar_one() == 0


def test_a_trainer_writes_to_her_cohort_and_sees_no_address(app, make_user, make_course, smtp):
    from datetime import date

    from training import cohorts
    from training.audit import AuditEntry

    course = make_course()
    coach = make_user("coach", role="trainer")
    make_user("other", role="trainer")  # a trainer, but not this cohort's
    cohort = cohorts.create_cohort(coach, course.id, "Chengdu spring", date.today(), None)
    mei, lan = make_user("mei"), make_user("lan")
    for person in (mei, lan):
        cohorts.join_cohort(person, cohort.invite_code, date.today())
    db.session.commit()
    reader = app.test_client()
    login(reader, "mei")
    _opt_in(reader, smtp, events=("cohort_message",), detailed=True)
    lan_client = app.test_client()
    login(lan_client, "lan")
    _opt_in(lan_client, smtp, email="lan@example.org", events=("cohort_message",))

    client = app.test_client()
    login(client, "coach")
    page = client.get(f"/cohorts/{cohort.id}/message").get_data(as_text=True)
    assert "It goes to 2 participants." in page and "@example.org" not in page
    for bad in ("", " \n\u200b", "x" * 2001):
        refused = client.post(f"/cohorts/{cohort.id}/message", data={"text": bad})
        assert refused.status_code == 422, bad
    assert db.session.execute(select(func.count(Notification.id))).scalar_one() == 0 and smtp.messages == []
    text = "Saturday's session moves to room 3.\n<b>Bring</b> the case file."
    sent = client.post(f"/cohorts/{cohort.id}/message", data={"text": text})
    assert sent.status_code == 302
    page = reader.get("/notifications").get_data(as_text=True)
    assert "A message from your trainer in “Chengdu spring”." in page and "&lt;b&gt;Bring&lt;/b&gt;" in page
    (detailed,) = smtp.to("mei@example.org")  # she asked for detail: the text is in it
    assert "room 3" in detailed.get_content() and "Chengdu" in detailed["Subject"]
    (neutral,) = smtp.to("lan@example.org")
    assert "room 3" not in neutral.get_content() and neutral["Subject"] == "You have an update on Amicus"
    entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "cohort.message")).scalar_one()
    assert entry.detail["recipients"] == 2 and "room" not in str(entry.detail)  # the audit keeps no text

    stranger = app.test_client()
    login(stranger, "other")
    assert stranger.post(f"/cohorts/{cohort.id}/message", data={"text": "Hi"}).status_code == 403

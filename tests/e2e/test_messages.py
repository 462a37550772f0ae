"""Messages in the browser: she adds her email address, confirms it from the email, forgets her
password and sets a new one from the link emailed to her; a trainer opens a case stage and the
team sees a notification on the site and gets a neutral email. A real SMTP server (aiosmtpd)
receives the emails."""
import re

from playwright.sync_api import expect

from tests.conftest import PASSWORD, running_smtp
from tests.e2e.conftest import screenshot
from tests.e2e.test_confirmations_zh import log_in, set_up_moot
from training import accounts
from training.db import utcnow
from training.extensions import db
from training.messages import MessagePreference


def _link(message, path: str) -> str:
    return re.search(r"https?://\S+" + re.escape(path) + r"\S*", message.get_content()).group(0)


def test_she_confirms_her_address_then_resets_her_password_by_email(page_factory, live_server):
    accounts.create_user("mail-mei", PASSWORD)
    db.session.commit()
    with running_smtp(live_server.app) as box:
        page = page_factory(viewport=(390, 844))
        log_in(page, "mail-mei")
        page.goto("/account")
        page.get_by_role("link", name="Message settings").click()
        page.get_by_label("Email address for messages (optional)").fill("mei@example.org")
        page.get_by_label("Your password (to add, change or remove an address or a phone number)").fill(PASSWORD)
        page.get_by_label("Send me email about the events ticked below").check()
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_text("Saved. We sent a link to mei@example.org")).to_be_visible()
        expect(page.get_by_text("Not confirmed yet")).to_be_visible()
        (verify,) = box.to("mei@example.org")
        page.goto(_link(verify, "/account/messages/verify/"))
        expect(page.get_by_role("heading", name="Address confirmed")).to_be_visible()
        screenshot(page, "messages-address-confirmed")
        # Quiet hours across midnight, kept when she comes back.
        page.goto("/account/messages")
        page.get_by_label("No email from").select_option("22:00")
        page.get_by_label("until").select_option("07:00")
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_text("Saved.", exact=True)).to_be_visible()
        expect(page.get_by_label("No email from")).to_have_value("22")
        expect(page.get_by_label("until")).to_have_value("7")

        page.get_by_role("button", name="Log out").click()
        page.goto("/login")
        page.get_by_role("link", name="Forgot your password?").click()
        page.get_by_label("Your verified email address").fill("mei@example.org")
        page.get_by_role("button", name="Send me a link").click()
        expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
        reset = box.to("mei@example.org")[-1]
        assert reset["Subject"] == "Set a new password on Amicus"
        page.goto(_link(reset, "/reset/"))
        page.get_by_label("New password", exact=True).fill("a brand new passphrase")
        page.get_by_label("New password again").fill("a brand new passphrase")
        page.get_by_role("button", name="Set password").click()
        expect(page.get_by_text("Your new password is set. Please log in.")).to_be_visible()
        page.locator("#handle").fill("mail-mei")
        page.locator("#password").fill("a brand new passphrase")
        page.locator("#submit").click()
        expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_a_trainer_opens_a_stage_and_the_team_is_told(page_factory, live_server, tmp_path):
    moot = set_up_moot(tmp_path, "moot-messages", "msg")
    moot["tess"].locale = "en"
    ana = moot["ana"]
    ana.email, ana.email_verified_at = "ana@example.org", utcnow()
    db.session.add(MessagePreference(user_id=ana.id, email_on=True, email_events=["case_stage"], detailed=False))
    db.session.commit()
    with running_smtp(live_server.app) as box:
        tess = page_factory()
        log_in(tess, "msg-tess")
        tess.goto(f"/case-runs/{moot['run'].id}")
        tess.locator('button[form="open-inject"]').click()
        expect(tess.locator(".flash-success")).to_be_visible()
        (email,) = box.to("ana@example.org")
        assert email["Subject"] == "You have an update on Amicus" and "moot" not in email.get_content().lower()

        member = page_factory(viewport=(390, 844))
        log_in(member, "msg-ana")
        member.get_by_role("link", name=re.compile(r"Notifications \(1 new\)")).click()
        item = member.locator(".notifications li.unread")
        expect(item).to_contain_text("is open")
        screenshot(member, "messages-notification")
        item.get_by_role("link").click()
        expect(member).to_have_url(re.compile(r"/courses/moot-messages/cases/moot$"))
        expect(member.get_by_role("link", name="Notifications", exact=True)).to_be_visible()  # read: no count


def test_she_adds_her_phone_number_in_chinese_and_gets_a_neutral_text(page_factory, live_server, tmp_path):
    """On a phone, in Chinese: she adds her number, a wrong code is refused, the code from the text
    message confirms it; an update then reaches the number as a neutral text in her language. The
    pages pass axe. The file gateway (training/sms.py) records the texts."""
    from tests.conftest import sms_file_gateway
    from tests.e2e.test_accessibility import scan
    from tests.e2e.test_confirmations_zh import choose_chinese
    from training import messages

    sms_mei = accounts.create_user("sms-mei", PASSWORD)
    db.session.commit()
    with sms_file_gateway(live_server.app, tmp_path / "sms.jsonl") as outbox:
        page = page_factory(viewport=(390, 844), bypass_csp=True)
        log_in(page, "sms-mei")
        choose_chinese(page)
        page.goto("/account/messages")
        page.get_by_label("接收短信的手机号码（可选）").fill("138 1234 5678")
        page.get_by_label("您的密码（添加、更改或删除邮箱地址或手机号码时需要）").fill(PASSWORD)
        page.get_by_label("下方勾选的事件发生时给我发短信").check()
        page.locator("#sms-event-certificate").check()
        page.locator("#sms-event-case_stage").uncheck()
        page.get_by_role("button", name="保存").click()
        expect(page.get_by_role("heading", name="确认您的手机号码")).to_be_visible()
        expect(page.get_by_text("已保存。我们已向 +8613812345678 发送验证码")).to_be_visible()
        assert scan(page) == []
        (sent,) = outbox.to("+8613812345678")
        code = sent["params"]["code"]
        assert sent["text"].startswith(f"{code} 是您在 Amicus 的验证码")
        page.get_by_label("短信中的验证码").fill("000000" if code != "000000" else "111111")
        page.get_by_role("button", name="确认").click()
        expect(page.get_by_text("这不是我们发送的验证码。")).to_be_visible()
        page.get_by_label("短信中的验证码").fill(code)
        page.get_by_role("button", name="确认").click()
        expect(page.get_by_text("您的号码已确认。")).to_be_visible()
        expect(page.locator("#sms-event-certificate")).to_be_checked()
        expect(page.locator("#sms-event-case_stage")).not_to_be_checked()
        assert scan(page) == []
        screenshot(page, "messages-sms-confirmed-zh")

        with live_server.app.test_request_context():
            messages.notify([sms_mei.id], "certificate", "/courses/x", course="GBV litigation for lawyers")
            db.session.commit()
            messages.dispatch()
        update = outbox.messages[-1]
        assert update["to"] == "+8613812345678" and update["kind"] == "update"
        assert update["text"].startswith("您在 Amicus 有一条新动态") and "GBV" not in update["text"]

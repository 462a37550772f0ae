"""A trainer prints respondent cards; a phone without an account answers before and after with
one; the trainer reads the matched results, card answers counted."""
import io
import re
from datetime import date

from playwright.sync_api import expect
from pypdf import PdfReader

from courses.package import read_packages
from courses.services import get_course
from courses.sync import sync_courses
from quizzes.surveys.cards import codes
from quizzes.surveys.cards import services as cards
from tests.conftest import PASSWORD, SURVEY_YAML, write_course
from tests.e2e.conftest import screenshot
from training import accounts, cohorts
from training.extensions import db

PHONE = (375, 740)


def log_in(page, handle):
    page.goto("/login")
    page.get_by_label("Handle").fill(handle)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_cards_from_print_to_matched_results(page_factory, live_server, tmp_path):
    folder = write_course(tmp_path, slug="card-course", modules=1, lessons=1, sequential=False, surveys=SURVEY_YAML)
    sync_courses(read_packages([folder])[0])
    course = get_course("card-course")
    trainer = accounts.create_user("card-coach", PASSWORD, role="trainer")
    db.session.flush()
    cohort = cohorts.create_cohort(trainer, course.id, "Sunday workshop", date.today(), None)
    db.session.commit()

    coach = page_factory()
    log_in(coach, "card-coach")
    coach.goto(f"/cohorts/{cohort.id}")
    coach.get_by_role("link", name="Respondent cards: surveys for people without an account").click()
    coach.get_by_label("How many cards").fill("5")
    coach.get_by_role("button", name="Make cards").click()
    expect(coach.get_by_text("5 cards made (numbers 1 to 5)")).to_be_visible()
    with coach.expect_download() as download:
        coach.get_by_role("link", name="PDF, 8 cards to an A4 page").click()
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(download.value.path().read_bytes())).pages)
    printed = re.findall(r"\d{4} \d{4} \d{4} \d{5}", text)
    assert len(printed) == 5
    screenshot(coach, "cards-manage")

    # A phone, no account: the QR code's address, then a typo typed by hand is refused.
    phone = page_factory(viewport=PHONE)
    phone.goto("/r")
    mine = printed[0]
    typo = mine[:-1] + str((int(mine[-1]) + 1) % 10)
    phone.get_by_label("The number on your card").fill(typo)
    phone.get_by_role("button", name="Open").click()
    expect(phone.get_by_text("That number is not right")).to_be_visible()
    phone.get_by_label("The number on your card").fill(mine)
    phone.get_by_role("button", name="Open").click()
    expect(phone.get_by_text(f"Card {mine}")).to_be_visible()
    expect(phone.get_by_role("link", name="Answer now")).to_have_count(1)  # only "before" is open
    phone.get_by_role("link", name="Answer now").click()
    expect(phone.get_by_text("Your answers do not include your name")).to_be_visible()
    phone.get_by_label("2015").check()
    phone.get_by_label("2", exact=True).check()
    phone.get_by_role("button", name="Send my answers").click()
    expect(phone.get_by_text("Thank you. Your answers are sent. Keep your card.")).to_be_visible()
    screenshot(phone, "cards-phone-home")

    # The others answer before and after with their cards (as their phones would).
    numbers = [codes.parse(n) for n in printed]
    cards.set_open_phases(trainer, cohort, ["pre", "post"])
    db.session.commit()
    for number in numbers[1:]:
        card = cards.find(number)
        cards.submit(card, cards.card_survey(card, "pre", "en"), {"year": "0", "confidence": "2"})
        cards.submit(card, cards.card_survey(card, "post", "en"), {"year": "1", "confidence": "4",
                                                                    "confidence-before": "2", "increased": "5"})
    cards.set_open_phases(trainer, cohort, ["pre"])
    db.session.commit()

    # At the end of the workshop the trainer opens "after" on her page.
    coach.reload()
    coach.get_by_label("After the workshop").check()
    coach.get_by_role("button", name="Save", exact=True).click()
    expect(coach.get_by_text("Saved: cards can now answer the surveys ticked.")).to_be_visible()

    phone.goto(f"/r/{mine.replace(' ', '')}")  # she scans her card again
    phone.get_by_role("link", name="Answer now").click()
    phone.get_by_label("2016").check()
    phone.locator("fieldset", has_text="My confidence").first.get_by_label("4", exact=True).check()
    phone.get_by_role("button", name="Send my answers").click()
    # Two questions left empty: she confirms on the page that lists them.
    expect(phone.get_by_text("Submit with unanswered questions?")).to_be_visible()
    phone.get_by_role("button", name="Submit").click()
    expect(phone.get_by_text("Answered. Thank you.")).to_have_count(2)
    phone.get_by_role("button", name="Forget this card").click()
    expect(phone.get_by_label("The number on your card")).to_be_visible()

    # In Chinese, on another phone: the number box, a typo refused, the card's page.
    zh = page_factory(viewport=PHONE)
    zh.goto("/r")
    zh.get_by_label("Language").select_option("zh")
    zh.get_by_role("button", name="Change").click()
    expect(zh.get_by_role("heading", name="用问卷卡回答")).to_be_visible()
    zh.get_by_label("卡上的号码").fill(typo)
    zh.get_by_role("button", name="打开").click()
    expect(zh.get_by_text("号码不对。请对照卡片逐位核对，或者问培训师。")).to_be_visible()
    zh.get_by_label("卡上的号码").fill(printed[1])
    zh.get_by_role("button", name="打开").click()
    expect(zh.get_by_text("已回答，谢谢！")).to_have_count(2)
    screenshot(zh, "cards-phone-chinese")

    coach.goto(f"/courses/card-course/surveys/pre/results?cohort={cohort.id}")
    expect(coach.get_by_role("row", name="Matched (both) 5")).to_be_visible()
    expect(coach.get_by_role("row", name="Answered before 5 0 with an account, 5 with a card")).to_be_visible()
    screenshot(coach, "cards-results")


def test_a_kobotoolbox_export_comes_back_as_card_answers(page_factory, live_server, tmp_path):
    """The trainer downloads the XLSForm, collects on tablets with KoboToolbox, imports the
    export (one row with a typo is listed), imports it again (nothing added), in Chinese."""
    from openpyxl import load_workbook
    from pyxform.xls2xform import convert

    folder = write_course(tmp_path, slug="kobo-course", modules=1, lessons=1, sequential=False, surveys=SURVEY_YAML)
    sync_courses(read_packages([folder])[0])
    course = get_course("kobo-course")
    trainer = accounts.create_user("kobo-coach", PASSWORD, role="trainer")
    db.session.flush()
    cohort = cohorts.create_cohort(trainer, course.id, "Field day", date.today(), None)
    cards.make_cards(trainer, cohort, 3)
    db.session.commit()
    numbers = [number for _s, number in cards.printable(trainer, cohort)]

    coach = page_factory()
    log_in(coach, "kobo-coach")
    coach.goto(f"/cohorts/{cohort.id}/cards")
    coach.get_by_role("link", name="Collect with KoboToolbox or ODK Collect, and import the submissions").click()
    with coach.expect_download() as download:
        coach.get_by_role("link", name="XLSForm: Pre survey").click()
    data = download.value.path().read_bytes()
    assert convert(xlsform=io.BytesIO(data), file_type=".xlsx", warnings=[]).xform  # loads in KoboToolbox
    names = [row[1] for row in load_workbook(io.BytesIO(data))["survey"].iter_rows(values_only=True)]
    assert "card" in names and "q_year" in names

    export = tmp_path / "kobo-export.csv"
    typo = numbers[2][:-1] + str((int(numbers[2][-1]) + 1) % 10)
    export.write_text("card;q_year;q_confidence;_uuid\n"
                      f"{codes.grouped(numbers[0])};1;4;a-1\n{numbers[1]};0;2;a-2\n{typo};1;3;a-3\n", encoding="utf-8")
    coach.get_by_label("Language").select_option("zh")
    coach.get_by_role("button", name="Change").click()
    coach.get_by_label("这些提交回答的是哪份问卷").select_option("pre")
    coach.get_by_label("导出的文件（CSV 或 JSON）").set_input_files(str(export))
    coach.get_by_role("button", name="导入", exact=True).click()
    expect(coach.get_by_text("导入 2 条，之前已导入 0 条（跳过），未导入 1 条。")).to_be_visible()
    expect(coach.get_by_role("row", name="4 号码不对。请对照卡片逐位核对，或者问培训师。")).to_be_visible()
    screenshot(coach, "kobo-import-chinese")
    coach.get_by_label("导出的文件（CSV 或 JSON）").set_input_files(str(export))
    coach.get_by_role("button", name="导入", exact=True).click()
    expect(coach.get_by_text("导入 0 条，之前已导入 2 条（跳过），未导入 1 条。")).to_be_visible()


def test_paper_forms_typed_twice_with_one_disagreement_decided(page_factory, live_server, tmp_path):
    """Two trainers type the same paper forms on the keyboard (Enter saves); one answer differs
    and is decided with the paper in hand; the results count the forms as card answers."""
    from quizzes.surveys.models import SurveyResponse
    from training.cohorts import CohortMember

    folder = write_course(tmp_path, slug="paper-course", modules=1, lessons=1, sequential=False, surveys=SURVEY_YAML)
    sync_courses(read_packages([folder])[0])
    course = get_course("paper-course")
    lead = accounts.create_user("paper-lead", PASSWORD, role="trainer")
    helper = accounts.create_user("paper-helper", PASSWORD, role="trainer")
    db.session.flush()
    cohort = cohorts.create_cohort(lead, course.id, "Paper day", date.today(), None)
    db.session.add(CohortMember(cohort_id=cohort.id, user_id=helper.id, role="trainer"))
    cards.make_cards(lead, cohort, 2)
    db.session.commit()
    numbers = [codes.grouped(number) for _s, number in cards.printable(lead, cohort)]

    first = page_factory()
    log_in(first, "paper-lead")
    first.goto(f"/cohorts/{cohort.id}/cards")
    first.get_by_role("link", name="Paper forms: Pre survey").click()
    with first.expect_download() as download:
        first.get_by_role("link", name="PDF in English").click()
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(download.value.path().read_bytes())).pages)
    assert numbers[0] in text and numbers[1] in text
    first.get_by_label("Each form is typed twice, by two people").check()
    first.get_by_role("button", name="Save", exact=True).click()
    expect(first.get_by_text("Double entry is on: each form counts once two people have typed it alike.")).to_be_visible()

    # Keyboard only: the number, Tab, a digit, Tab, a digit, Enter.
    expect(first.get_by_label("Card number")).to_be_focused()
    first.keyboard.type(numbers[0])
    first.keyboard.press("Tab")
    first.keyboard.type("2")
    first.keyboard.press("Tab")
    first.keyboard.type("4")
    first.keyboard.press("Enter")
    expect(first.get_by_text("Card #1: saved. It counts once a second person has typed the same form.")).to_be_visible()
    expect(first.get_by_label("Card number")).to_have_value("")

    second = page_factory()
    log_in(second, "paper-helper")
    second.goto(f"/cohorts/{cohort.id}/cards/entry/pre")
    second.get_by_label("Card number").fill(numbers[0])
    second.get_by_label("Which year?").fill("2")
    second.get_by_label("My confidence", exact=True).fill("3")
    second.get_by_label("My confidence", exact=True).press("Enter")
    expect(second.get_by_text("Card #1: the two entries disagree. Decide below with the paper in hand.")).to_be_visible()
    screenshot(second, "paper-entry-disagreement")

    first.reload()
    decision = first.locator("form.decision", has_text="Card #1")
    decision.get_by_label("Second typing: 3").check()
    decision.get_by_role("button", name="Count this form").click()
    expect(first.get_by_text("Card #1: decided, and it counts.")).to_be_visible()
    db.session.expire_all()
    row = db.session.execute(db.select(SurveyResponse).where(
        SurveyResponse.state == "submitted", SurveyResponse.cohort_id == cohort.id)).scalar_one()
    assert row.source == "card" and row.answers["year"] == 1 and row.answers["confidence"] == 3


def test_a_tablet_types_forms_offline_and_sends_them_when_back_online(page_factory, live_server, tmp_path):
    """Phones answer before; the tablet keeps the entry page, goes offline (Playwright's offline
    mode), reloads it from the device, captures four forms, one card is voided meanwhile; back
    online the queue empties, the void card is reported, the results match three pairs."""
    folder = write_course(tmp_path, slug="offline-course", modules=1, lessons=1, sequential=False, surveys=SURVEY_YAML)
    sync_courses(read_packages([folder])[0])
    course = get_course("offline-course")
    trainer = accounts.create_user("offline-coach", PASSWORD, role="trainer")
    db.session.flush()
    cohort = cohorts.create_cohort(trainer, course.id, "Room without wifi", date.today(), None)
    cards.make_cards(trainer, cohort, 4)
    db.session.commit()
    numbers = [number for _s, number in cards.printable(trainer, cohort)]
    # Before the workshop: one woman answers on her phone with her card, two others as theirs would.
    phone = page_factory(viewport=PHONE)
    phone.goto(f"/r/{numbers[0]}")
    phone.get_by_role("link", name="Answer now").click()
    phone.get_by_label("2015").check()
    phone.get_by_label("2", exact=True).check()
    phone.get_by_role("button", name="Send my answers").click()
    expect(phone.get_by_text("Thank you. Your answers are sent. Keep your card.")).to_be_visible()
    for number in numbers[1:3]:
        card = cards.find(number)
        cards.submit(card, cards.card_survey(card, "pre", "en"), {"year": "0", "confidence": "2"})
    db.session.commit()

    tablet = page_factory(viewport=(800, 1100))
    log_in(tablet, "offline-coach")
    tablet.goto(f"/cohorts/{cohort.id}/cards/entry/post")
    tablet.get_by_role("button", name="Keep this page on this device").click()
    expect(tablet.locator("#offline-status")).to_have_attribute("data-ready", "true")
    expect(tablet.get_by_text("Forms waiting to be sent from this device: 0.")).to_be_visible()
    expect(tablet.get_by_role("button", name="Keep this page on this device")).to_be_hidden()

    tablet.context.set_offline(True)
    tablet.reload()  # from the copy on the device
    expect(tablet.get_by_role("heading", name="Type in paper forms: Post survey")).to_be_visible()
    expect(tablet.get_by_text("No connection now: they are sent when it returns.")).to_be_visible()
    for n, number in enumerate(numbers):
        tablet.get_by_label("Card number").fill(codes.grouped(number))
        tablet.get_by_label("Which year?").fill("2")
        tablet.get_by_label("My confidence", exact=True).fill("4")
        tablet.get_by_label("My confidence", exact=True).press("Enter")
        expect(tablet.get_by_text(f"Forms waiting to be sent from this device: {n + 1}.")).to_be_visible()
        expect(tablet.get_by_label("Card number")).to_have_value("")
    cards.void(trainer, cohort, "4")  # lost while the room was offline
    db.session.commit()
    screenshot(tablet, "offline-queue")

    tablet.context.set_offline(False)
    expect(tablet.get_by_text("Forms waiting to be sent from this device: 0.")).to_be_visible(timeout=15_000)
    expect(tablet.locator("#offline-problems")).to_contain_text(
        f"Card {codes.grouped(numbers[3])} was not entered: This card can no longer be used.")
    tablet.goto(f"/courses/offline-course/surveys/pre/results?cohort={cohort.id}")
    expect(tablet.get_by_role("row", name="Matched (both) 3")).to_be_visible()

    # A form waits on the device when someone walks in: "Leave quickly" deletes it, the copies
    # of the page and the service worker before it leaves.
    tablet.goto(f"/cohorts/{cohort.id}/cards/entry/post")
    tablet.context.set_offline(True)
    tablet.get_by_label("Card number").fill(codes.grouped(numbers[0]))
    tablet.get_by_label("Which year?").fill("1")
    tablet.get_by_label("Which year?").press("Enter")
    expect(tablet.get_by_text("Forms waiting to be sent from this device: 1.")).to_be_visible()
    tablet.evaluate("document.getElementById('quick-exit').href = 'about:blank'")  # no outside site in tests
    tablet.get_by_role("link", name="Leave quickly").click()
    tablet.wait_for_url("about:blank")
    tablet.context.set_offline(False)
    tablet.goto("/r")
    left = tablet.evaluate("""async () => ({
      databases: (await indexedDB.databases()).map(d => d.name),
      caches: await caches.keys(),
      workers: (await navigator.serviceWorker.getRegistrations()).length,
      kept: localStorage.getItem('amicus-offline-pages')})""")
    assert left == {"databases": [], "caches": [], "workers": 0, "kept": None}

    # Logging out deletes the same (the log-out answer's Clear-Site-Data header).
    tablet.goto(f"/cohorts/{cohort.id}/cards/entry/post")
    tablet.get_by_role("button", name="Keep this page on this device").click()
    expect(tablet.locator("#offline-status")).to_have_attribute("data-ready", "true")
    tablet.get_by_role("button", name="Log out").click()
    expect(tablet.get_by_text("You have logged out.")).to_be_visible()
    left = tablet.evaluate("""async () => ({
      caches: await caches.keys(),
      workers: (await navigator.serviceWorker.getRegistrations()).length,
      kept: localStorage.getItem('amicus-offline-pages')})""")
    assert left == {"caches": [], "workers": 0, "kept": None}


def test_women_answer_on_the_trainers_tablet_offline(page_factory, live_server, tmp_path):
    """The survey on a tablet passed round a room without a connection: no menu; each woman types
    her card's number and answers; the answers wait on the tablet and are sent when it is online."""
    from quizzes.surveys.models import SurveyResponse

    folder = write_course(tmp_path, slug="tablet-course", modules=1, lessons=1, sequential=False, surveys=SURVEY_YAML)
    sync_courses(read_packages([folder])[0])
    course = get_course("tablet-course")
    trainer = accounts.create_user("tablet-coach", PASSWORD, role="trainer")
    db.session.flush()
    cohort = cohorts.create_cohort(trainer, course.id, "Market day", date.today(), None)
    cards.make_cards(trainer, cohort, 2)
    db.session.commit()
    numbers = [codes.grouped(number) for _s, number in cards.printable(trainer, cohort)]

    tablet = page_factory(viewport=(800, 1100))
    log_in(tablet, "tablet-coach")
    tablet.goto(f"/cohorts/{cohort.id}/cards")
    tablet.get_by_role("link", name="On the tablet: Pre survey").click()
    expect(tablet.get_by_role("link", name="Cohorts")).to_have_count(0)  # the site's menu is hidden
    tablet.get_by_text("For the trainer").click()
    tablet.get_by_role("button", name="Keep this page on this device").click()
    expect(tablet.locator("#offline-status")).to_have_attribute("data-ready", "true")

    tablet.context.set_offline(True)
    tablet.reload()
    for number, year in zip(numbers, ("2016", "2015"), strict=True):
        tablet.get_by_label("The number on your card").fill(number)
        tablet.get_by_label(year).check()
        tablet.locator("fieldset", has_text="My confidence").get_by_label("4", exact=True).check()
        tablet.get_by_role("button", name="Send my answers").click()
        expect(tablet.get_by_text("Thank you. Your answers are kept on this tablet")).to_be_visible()
        expect(tablet.get_by_label("The number on your card")).to_have_value("")
        expect(tablet.get_by_label(year)).not_to_be_checked()  # the next woman sees an empty form
    tablet.get_by_text("For the trainer").click()
    expect(tablet.get_by_text("Forms waiting to be sent from this device: 2.")).to_be_visible()
    screenshot(tablet, "tablet-offline")

    tablet.context.set_offline(False)
    expect(tablet.get_by_text("Forms waiting to be sent from this device: 0.")).to_be_visible(timeout=15_000)
    db.session.expire_all()
    answers = sorted(r.answers["year"] for r in db.session.execute(db.select(SurveyResponse).where(
        SurveyResponse.cohort_id == cohort.id, SurveyResponse.state == "submitted")).scalars())
    assert answers == [0, 1]

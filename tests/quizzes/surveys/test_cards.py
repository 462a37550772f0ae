"""Respondent cards: numbers, making and voiding cards, answering without an account, and the
results that merge card and account answers."""
import io
import random

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from quizzes.surveys.cards import codes, services
from quizzes.surveys.cards.models import RespondentCard
from quizzes.surveys.models import SurveyResponse
from quizzes.surveys.services import SurveyError
from tests.conftest import login
from tests.quizzes.surveys.test_survey_results import PLAN, answer, join
from training.audit import AuditEntry
from training.extensions import db

# --------------------------------------------------------------------------------------------
# Numbers


def test_a_number_has_sixteen_random_digits_and_a_check_digit_that_catches_typos():
    rng = random.Random(7)
    for _ in range(200):
        number = codes.with_check(rng.randrange(10 ** 16))
        assert len(number) == 17 and codes.parse(codes.grouped(number)) == number
        # Every single wrong digit and every swap of two different neighbours is refused.
        for i in range(17):
            for d in "0123456789":
                if d != number[i]:
                    with pytest.raises(codes.NotACardNumber):
                        codes.parse(number[:i] + d + number[i + 1:])
        for i in range(16):
            if number[i] != number[i + 1]:
                with pytest.raises(codes.NotACardNumber):
                    codes.parse(number[:i] + number[i + 1] + number[i] + number[i + 2:])
    assert codes.grouped("12345678901234567") == "1234 5678 9012 34567"


def test_numbers_are_read_as_people_type_them():
    number = codes.with_check(1234567890123456)
    full_width = "".join(chr(0xFF10 + int(d)) for d in number)
    for typed in (number, codes.grouped(number), "-".join(codes.grouped(number).split()), f"  {full_width} "):
        assert codes.parse(typed) == number
    for typed in ("", None, number[:-1], number + "1", "abcd" * 4 + "1", "１２３"):
        with pytest.raises(codes.NotACardNumber):
            codes.parse(typed)


# --------------------------------------------------------------------------------------------
# Making and finding cards


def coach_of(cohort):
    from training.accounts import find_user

    return find_user("coach")


def test_cards_are_made_for_one_cohort_and_their_numbers_are_not_stored(app, cohort):
    serials = services.make_cards(coach_of(cohort), cohort, 3)
    db.session.commit()
    assert list(serials) == [1, 2, 3]
    numbers = [n for _s, n in services.printable(coach_of(cohort), cohort)]
    assert len(set(numbers)) == 3
    stored = " ".join(str(v) for row in db.session.execute(select(RespondentCard)).scalars() for v in vars(row).values())
    assert not any(n in stored for n in numbers)
    # The same card prints with the same number; more cards continue the serials.
    assert [n for _s, n in services.printable(coach_of(cohort), cohort)] == numbers
    assert list(services.make_cards(coach_of(cohort), cohort, 2)) == [4, 5]
    found = services.find(codes.grouped(numbers[0]))
    assert found.cohort.id == cohort.id and found.number == numbers[0]
    # A number typed with one wrong digit is refused as a typo, a valid number of no card as unknown.
    with pytest.raises(services.CardError, match="not right"):
        services.find(numbers[0][:-1] + str((int(numbers[0][-1]) + 1) % 10))
    with pytest.raises(services.CardError, match="No card"):
        services.find(codes.with_check(42))


def test_only_the_cohorts_trainers_make_cards_and_batches_are_bounded(app, cohort, make_user):
    other = make_user("other-coach", role="trainer")
    with pytest.raises(PermissionError):
        services.make_cards(other, cohort, 1)
    for bad in (0, -1, services.MAX_BATCH + 1):
        with pytest.raises(services.CardError):
            services.make_cards(coach_of(cohort), cohort, bad)
    assert db.session.execute(select(func.count(RespondentCard.id))).scalar_one() == 0


# --------------------------------------------------------------------------------------------
# Answering with a card


def card_answers(cohort, number, phase, answers):
    card = services.find(number)
    ctx = services.card_survey(card, phase, "en")
    services.submit(card, ctx, answers)


def test_a_card_answers_before_and_after_and_its_answers_match(app, cohort):
    services.make_cards(coach_of(cohort), cohort, 2)
    services.set_open_phases(coach_of(cohort), cohort, ["pre", "post"])
    db.session.commit()
    (_s1, one), (_s2, two) = services.printable(coach_of(cohort), cohort)
    card_answers(cohort, one, "pre", {"year": "0", "confidence": "2"})
    card_answers(cohort, one, "post", {"year": "1", "confidence": "4", "increased": "5"})
    card_answers(cohort, two, "pre", {"year": "1"})
    db.session.commit()
    rows = list(db.session.execute(select(SurveyResponse)).scalars())
    assert len(rows) == 3 and {r.source for r in rows} == {"card"}
    assert {r.cohort_id for r in rows} == {cohort.id}
    assert all(r.user_id is None and r.profession is None and r.region is None for r in rows)
    assert len({r.respondent_key for r in rows}) == 2  # card one's two answers share a pseudonym
    listed = services.card_surveys(services.find(one), "en")
    assert [(s.activity.slug, s.submitted) for s in listed] == [("pre", True), ("post", True)]


def test_a_card_answers_each_survey_once_and_only_when_the_trainer_opened_it(app, cohort):
    services.make_cards(coach_of(cohort), cohort, 1)
    db.session.commit()
    [(_serial, number)] = services.printable(coach_of(cohort), cohort)
    with pytest.raises(services.CardError, match="not open"):
        card_answers(cohort, number, "post", {"year": "1"})  # only "before" is open at first
    card_answers(cohort, number, "pre", {"year": "0"})
    db.session.commit()
    with pytest.raises(services.CardError, match="first answers stand"):
        card_answers(cohort, number, "pre", {"year": "1"})
    db.session.rollback()
    card = services.find(number)
    with pytest.raises(services.CardError, match="first answers stand"):
        services.save(card, services.card_survey(card, "pre", "en"), {"year": "1"})
    db.session.rollback()
    [row] = db.session.execute(select(SurveyResponse)).scalars()
    assert row.answers == {"year": 0}
    with pytest.raises(SurveyError, match="did not fit"):
        services.save(card, services.card_survey(card, "pre", "en"), {"year": "9"})


def test_a_void_card_answers_nothing_more_and_its_answers_leave_the_results(app, cohort):
    services.make_cards(coach_of(cohort), cohort, 3)
    db.session.commit()
    cards = services.printable(coach_of(cohort), cohort)
    card_answers(cohort, cards[0][1], "pre", {"year": "0"})
    card_answers(cohort, cards[1][1], "pre", {"year": "1"})
    db.session.commit()
    services.void(coach_of(cohort), cohort, codes.grouped(cards[0][1]))
    services.void(coach_of(cohort), cohort, "3")  # by its serial (a lost card)
    db.session.commit()
    with pytest.raises(services.CardError, match="no longer be used"):
        services.find(cards[0][1])
    assert [r.answers for r in db.session.execute(select(SurveyResponse)).scalars()] == [{"year": 1}]
    assert [s for s, _n in services.printable(coach_of(cohort), cohort)] == [2]
    with pytest.raises(services.CardError, match="void already"):
        services.void(coach_of(cohort), cohort, "1")
    with pytest.raises(services.CardError, match="no such card"):
        services.void(coach_of(cohort), cohort, "99")
    with pytest.raises(services.CardError, match="not a card number"):
        services.void(coach_of(cohort), cohort, "1234 5678")


def test_a_card_of_another_cohort_cannot_be_voided_here(app, cohort, make_user):
    from datetime import date

    from training import cohorts

    second = make_user("coach-two", role="trainer")
    other = cohorts.create_cohort(second, cohort.course_id, "Autumn", date.today(), None)
    services.make_cards(second, other, 1)
    db.session.commit()
    [(_s, number)] = services.printable(second, other)
    with pytest.raises(services.CardError, match="no such card"):
        services.void(coach_of(cohort), cohort, number)


# --------------------------------------------------------------------------------------------
# Pages


def test_the_trainer_makes_prints_and_voids_cards_in_the_browser_forms(client, cohort, make_user):
    login(client, "coach")
    page = client.get(f"/cohorts/{cohort.id}/cards").get_data(as_text=True)
    assert "0 made, 0 void." in page
    made = client.post(f"/cohorts/{cohort.id}/cards", data={"how_many": "9"}, follow_redirects=True)
    assert "9 cards made (numbers 1 to 9)" in made.get_data(as_text=True)
    assert client.post(f"/cohorts/{cohort.id}/cards", data={"how_many": "5000"}).status_code == 422
    assert client.post(f"/cohorts/{cohort.id}/cards", data={"how_many": "many"}).status_code == 422
    pdf = client.get(f"/cohorts/{cohort.id}/cards.pdf?first=1&last=9")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.data))
    assert len(reader.pages) == 2  # eight to an A4 page
    text = "".join(p.extract_text() for p in reader.pages)
    numbers = [n for _s, n in services.printable(coach_of(cohort), cohort)]
    assert all(codes.grouped(n) in text for n in numbers) and "Question card" in text
    assert "Course" not in text  # nothing on a card names the course
    a6 = client.get(f"/cohorts/{cohort.id}/cards.pdf?layout=a6&first=2&last=3")
    assert len(PdfReader(io.BytesIO(a6.data)).pages) == 2
    assert db.session.execute(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "export.cards")).scalar_one() == 2
    voided = client.post(f"/cohorts/{cohort.id}/cards/void", data={"card": "4"}, follow_redirects=True)
    assert "Card 4 is void" in voided.get_data(as_text=True)
    wrong = client.post(f"/cohorts/{cohort.id}/cards/void", data={"card": "1234"})
    assert wrong.status_code == 422 and "no such card" in wrong.get_data(as_text=True)
    client.post(f"/cohorts/{cohort.id}/cards/phases", data={"phase": ["pre", "post", "bogus"]})
    assert services.open_phases(cohort.id) == ["pre", "post"]
    # Another trainer and a participant get nothing.
    make_user("nosy", role="trainer")
    join(cohort, make_user, "pat")
    for handle in ("nosy", "pat"):
        client.post("/logout")
        login(client, handle)
        for url in (f"/cohorts/{cohort.id}/cards", f"/cohorts/{cohort.id}/cards.pdf"):
            assert client.get(url).status_code == 403
        assert client.post(f"/cohorts/{cohort.id}/cards", data={"how_many": "1"}).status_code == 403


def test_someone_without_an_account_answers_with_a_card(client, cohort):
    services.make_cards(coach_of(cohort), cohort, 1)
    db.session.commit()
    [(_s, number)] = services.printable(coach_of(cohort), cohort)
    opened = client.get(f"/r/{number}")
    assert opened.status_code == 302 and opened.headers["Location"].endswith("/r")
    home = client.get("/r")
    body = home.get_data(as_text=True)
    assert home.headers["Cache-Control"] == "no-store"
    assert codes.grouped(number) in body and "Answer now" in body and "Not open now." in body
    assert "Course test-course" not in body  # the card's page does not name the course
    page = client.get("/r/surveys/pre").get_data(as_text=True)
    assert 'name="i-year"' in page
    sent = client.post("/r/surveys/pre", data={"i-year": "1", "i-confidence": "3", "action": "submit"})
    assert sent.status_code == 302
    assert "Answered. Thank you." in client.get("/r").get_data(as_text=True)
    again = client.post("/r/surveys/pre", data={"i-year": "0", "action": "submit"}, follow_redirects=True)
    assert "first answers stand" in again.get_data(as_text=True)
    [row] = db.session.execute(select(SurveyResponse)).scalars()
    assert row.answers == {"year": 1, "confidence": 3} and row.source == "card"
    # Autosave answers JSON; a closed survey refuses it.
    refused = client.post("/r/surveys/post", data={"i-year": "1"}, headers={"X-Amicus-Autosave": "1"})
    assert refused.status_code == 409 and "not open" in refused.get_json()["error"]
    # Forgetting the card: the survey pages send her back to the number box.
    client.post("/r/forget")
    assert client.get("/r/surveys/pre").headers["Location"].endswith("/r")


def test_a_typed_number_with_a_typo_is_refused_with_a_message(client, cohort):
    services.make_cards(coach_of(cohort), cohort, 1)
    db.session.commit()
    [(_s, number)] = services.printable(coach_of(cohort), cohort)
    typo = number[:3] + str((int(number[3]) + 1) % 10) + number[4:]
    refused = client.post("/r", data={"card": typo})
    assert refused.status_code == 404 and "That number is not right" in refused.get_data(as_text=True)
    assert client.get(f"/r/{typo}").status_code == 404
    assert client.post("/r", data={"card": ""}).status_code == 422
    assert client.post("/r", data={"card": codes.grouped(number)}).status_code == 302
    assert db.session.execute(select(func.count()).select_from(SurveyResponse)).scalar_one() == 0


def test_results_merge_card_and_account_answers_with_counts_by_source(client, cohort, make_user):
    for handle, plan in list(PLAN.items())[:3]:
        join(cohort, make_user, handle)
        answer(handle, plan)
    services.make_cards(coach_of(cohort), cohort, 3)
    services.set_open_phases(coach_of(cohort), cohort, ["pre", "post"])
    db.session.commit()
    for (_s, number), (_h, ((pre_year, pre_conf), (year, conf, before, increased, _c))) in zip(
            services.printable(coach_of(cohort), cohort), list(PLAN.items())[3:], strict=True):
        card_answers(cohort, number, "pre", {"year": str(pre_year), "confidence": str(pre_conf)})
        card_answers(cohort, number, "post", {"year": str(year), "confidence": str(conf),
                                              "confidence-before": str(before), "increased": str(increased)})
    db.session.commit()
    login(client, "coach")
    page = client.get(f"/courses/test-course/surveys/pre/results?cohort={cohort.id}").get_data(as_text=True)
    assert '<th scope="row">Matched (both)</th><td class="num">6</td>' in page
    assert "3 with an account, 3 with a card" in page
    report = client.get(f"/courses/test-course/surveys/pre/results.csv?cohort={cohort.id}").get_data(as_text=True)
    assert "answered_pre_card,,3" in report and "answered_post_account,,3" in report


def test_hostile_values_on_the_card_pages_change_nothing_and_answer_no_5xx(client, cohort):
    from tests.test_hostile_forms import HOSTILE

    services.make_cards(coach_of(cohort), cohort, 1)
    db.session.commit()
    [(_s, number)] = services.printable(coach_of(cohort), cohort)
    for value in HOSTILE:
        assert client.post("/r", data={"card": value}).status_code in (400, 404, 422)
        assert client.get("/r/" + (value if isinstance(value, str) else "x").replace("/", "")).status_code in (400, 404)
    client.get(f"/r/{number}")
    for value in HOSTILE:
        for field in ("i-year", "i-confidence", "i-comment", "action", "confirmed"):
            response = client.post("/r/surveys/pre", data={field: value, "action": "save"})
            assert response.status_code < 500, (field, value)
    # Only the free-text question took a value (text is text); no choice was stored from junk.
    for row in db.session.execute(select(SurveyResponse)).scalars():
        assert row.state == "draft" and {k for k, v in row.answers.items() if v is not None} <= {"comment"}

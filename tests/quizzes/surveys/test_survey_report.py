"""The results as a funder reads them: rounding, p, reversed items, mean change, named effects,
suppressed groups that keep their row, the CSV's numbers, and wording that follows the sign."""
from decimal import Decimal

import pytest

from quizzes.surveys import results
from quizzes.surveys.items import SurveyItem
from tests.conftest import login
from tests.quizzes.surveys.test_survey_results import PLAN, _pdf_text, answer, join
from training.csv_export import csv_cell
from training.extensions import db


@pytest.mark.parametrize("x, digits, scale, expected", [
    (2.275, 2, 1, "2.28"), (91 / 40, 2, 1, "2.28"), (0.425, 0, 100, "43"), (0.475, 0, 100, "48"),
    (0.145, 0, 100, "15"), (-0.125, 2, 1, "-0.13"), (0.0004, 3, 1, "0.000")])
def test_halves_round_up_from_the_decimal_value(x, digits, scale, expected):
    assert results.rounded(x, digits, scale) == Decimal(expected)


@pytest.mark.parametrize("before, after, expected", [(31.2, 30.8, "same"), (31.0, 45.5, "up"), (45.5, 31.0, "down")])
def test_direction_follows_the_rounded_numbers(before, after, expected):
    assert results.direction(before, after) == expected


def test_csv_guards_formulas_but_keeps_numbers_numbers():
    assert csv_cell(-0.25) == "-0.25" and csv_cell(Decimal("-0.13")) == "-0.13" and csv_cell("-0.25") == "-0.25"
    assert csv_cell("-") == "-" and csv_cell(3) == "3"
    assert csv_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)" and csv_cell("-1+cmd|x") == "'-1+cmd|x"
    assert csv_cell("@sum") == "'@sum" and csv_cell("+x") == "'+x"


def _plan(direction):
    """PLAN with the knowledge item before and after set so that the score rises, falls or stays."""
    before, after = {"up": (0, 1), "down": (1, 0), "same": (1, 1)}[direction]
    return {h: ((before, pre[1]), (after, *post[1:])) for h, (pre, post) in PLAN.items()}


@pytest.mark.parametrize("direction, en, zh", [
    ("up", "rose from 0% before to 100% after", "从课前的0%提高到课后的100%"),
    ("down", "fell from 100% before to 0% after", "从课前的100%下降到课后的0%"),
    ("same", "was unchanged: 100% before and 100% after", "没有变化：课前100%，课后100%")])
def test_the_headline_says_rose_fell_or_unchanged_on_the_page_and_the_pdf(client, cohort, make_user, direction, en, zh):
    for handle in PLAN:
        join(cohort, make_user, handle)
    for handle, plan in _plan(direction).items():
        answer(handle, plan)
    db.session.commit()
    login(client, "coach")
    url = f"/courses/test-course/surveys/pre/results?cohort={cohort.id}"
    page = client.get(url).get_data(as_text=True)
    assert en in page and "p = &lt;" not in page and "p =&lt;" not in page
    assert en in " ".join(_pdf_text(client.get(url.replace("results?", "report.pdf?")).data).split())
    client.post("/language", data={"lang": "zh"})
    assert zh in client.get(url).get_data(as_text=True)
    assert zh in "".join(_pdf_text(client.get(url.replace("results?", "report.pdf?")).data).split())


def test_page_csv_and_pdf_name_effects_show_mean_change_and_keep_suppressed_groups(client, cohort, make_user):
    import csv
    import io
    from datetime import date

    from training import cohorts
    from training.accounts import find_user

    autumn = cohorts.create_cohort(find_user("coach"), cohort.course_id, "Autumn", date.today(), None)
    for handle in PLAN:
        join(cohort, make_user, handle)
    for handle in ("gus", "hal"):  # Autumn answered before, nobody after: 0 matched
        join(autumn, make_user, handle)
    for handle, plan in PLAN.items():
        answer(handle, plan)
    for handle in ("gus", "hal"):
        answer(handle, PLAN["ada"], phases=("pre",))
    db.session.commit()
    login(client, "coach")
    url = f"/courses/test-course/surveys/pre/results?cohort={cohort.id}"
    page = client.get(url).get_data(as_text=True)
    assert "(rank-biserial correlation)" in page and "(difference in the share right)" in page
    assert "Mean change (95% CI)" in page
    rows = list(csv.reader(io.StringIO(client.get(url.replace("results?", "results.csv?")).get_data(as_text=True)
                                       .lstrip("\ufeff"))))
    assert rows[0][10:13] == ["mean_change", "ci95_low", "ci95_high"]
    confidence = next(r for r in rows if r[:2] == ["item", "confidence"])
    assert confidence[10] and confidence[11] and not confidence[11].startswith("'")  # numbers, not text
    text = " ".join(_pdf_text(client.get(url.replace("results?", "report.pdf?")).data).split())
    assert "biserial correlation)" in text and "(difference in the share right)" in text  # a cell may wrap
    assert "Mean change (95% CI)" in text and "1.17 (0.13 to 2.20)" in text
    # Across both cohorts, Autumn (0 matched) keeps its row, as fewer than 5, with the reason.
    every = "/courses/test-course/surveys/pre/results"
    page = client.get(every).get_data(as_text=True)
    row = page[page.index("<td>Autumn</td>"):]
    assert row.index("fewer than 5") < row.index("</tr>") and "hidden so that nobody can be recognised" in row
    rows = list(csv.reader(io.StringIO(client.get(every + ".csv").get_data(as_text=True).lstrip("\ufeff"))))
    assert ["knowledge_by_cohort", "Autumn", "", "fewer than 5"] in [r[:4] for r in rows]
    text = " ".join(_pdf_text(client.get("/courses/test-course/surveys/pre/report.pdf").data).split())
    assert "Autumn fewer than 5" in text


def test_a_reversed_item_counts_answers_on_the_scale_as_asked_and_says_it_is_reversed(app):
    from quizzes.surveys import stats as st

    item = SurveyItem(id="private", type="likert", points=5, reversed=True,
                      text={"en": "Violence at home is a private family matter"})
    # Two people answered 5 ("agree") before and 1 after: scored 1 -> 5, an improvement.
    result = results._scale_result(item, st.Counted({(1, 5): 2}), "Wilcoxon", "rank-biserial correlation", "en")
    assert result.reversed and result.pre == 1 and result.post == 5
    assert result.labels == ["1", "2", "3", "4", "5"]
    assert result.counts_pre == [0, 0, 0, 0, 2] and result.counts_post == [2, 0, 0, 0, 0]

"""axe-core (from the npm registry: tests/e2e/package.json) on every page, in English and Chinese:
zero violations of WCAG 2.0 and 2.1, levels A and AA.

The pages are the role matrix's GET routes (tests/test_access.py), each opened by a role that may
see it, on the matrix's data; plus pages that only appear after a form is sent wrong.
"""
from pathlib import Path

import pytest

from tests.conftest import PASSWORD
from tests.test_access import MATRIX, build_world

AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Files, not pages.
NOT_PAGES = {"static", "core.healthz", "courses.asset", "accounts.my_data", "cases.attachment",
             "cases.team_attachment", "certificates.cohort_zip_download", "certificates.cohort_zip_status",
             "certificates.pdf", "certificates.badge", "cohorts.export", "quizzes.bank_export",
             "quizzes.cohort_results_csv", "surveys.results_csv", "surveys.responses_csv", "surveys.report_pdf",
             "workshops.attendance_csv", "workshops.calendar_file", "cards.xlsform", "surveys.workshop_report_csv",
             "surveys.workshop_report_pdf", "cards.sync_token", "core.course_worker", "core.cohort_worker", "courses.offline_manifest",
             "studio.download", "studio.draft_asset"}
# Who opens each page: the first role of this order that gets a 200.
ORDER = ("participant", "trainer", "admin", "anonymous")
HANDLES = {"participant": "participant", "trainer": "trainer", "admin": "admin"}

RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                      nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
}"""


def pages() -> list[tuple[str, str, str]]:
    found = []
    for endpoint, (method, template, expected) in MATRIX.items():
        if method != "GET" or endpoint in NOT_PAGES:
            continue
        role = next((r for r in ORDER if expected[r] == 200), None)
        if role is not None:
            found.append((endpoint, template, role))
    return found


@pytest.fixture(scope="module")
def world(live_server, tmp_path_factory):
    if not AXE.exists():
        pytest.fail("axe-core is not installed: `make test` installs it (npm ci --prefix tests/e2e).")
    return build_world(tmp_path_factory.mktemp("world"))


def scan(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    return page.evaluate(RUN_AXE, TAGS)


def walk(browser, live_server, world, language, contexts, viewport=None):
    """Open each page of pages() as its role (signed in once per role, in ``contexts``); yields
    (endpoint, template, role, page) with the page loaded."""
    for endpoint, template, role in pages():
        if role not in contexts:
            options = {"viewport": {"width": viewport[0], "height": viewport[1]}} if viewport else {}
            context = browser.new_context(base_url=live_server.url, locale=language, bypass_csp=True,
                                          extra_http_headers={"Accept-Language": language}, **options)
            page = context.new_page()
            if role != "anonymous":
                page.goto("/login")
                page.locator("#handle").fill(HANDLES[role])
                page.locator("#password").fill(PASSWORD)
                page.locator("#submit").click()
                page.wait_for_load_state()
            contexts[role] = context
        page = contexts[role].pages[0]
        response = page.goto(template.format(**world))
        assert response.status == 200, f"{endpoint} as {role}: {response.status}"
        yield endpoint, template, role, page


@pytest.mark.parametrize("language", ["en", "zh-CN"])
def test_every_page_passes_axe(browser, live_server, world, language):
    contexts, problems, scanned = {}, [], 0
    try:
        for endpoint, template, role, page in walk(browser, live_server, world, language, contexts):
            assert page.locator("html").get_attribute("lang").startswith(language[:2]), endpoint
            for violation in scan(page):
                problems.append(f"{endpoint} ({template}) as {role}: {violation}")
            scanned += 1
        # Pages with a form sent wrong: the messages tied to their fields.
        anonymous = contexts["anonymous"].pages[0]
        anonymous.goto("/register")
        anonymous.locator("#submit").click()
        anonymous.wait_for_load_state()
        for violation in scan(anonymous):
            problems.append(f"register with errors: {violation}")
        participant = contexts["participant"].pages[0]
        participant.goto("/account")
        participant.locator("#current_password").fill("not the password")
        participant.locator("form:has(#current_password) [type=submit]").click()
        participant.wait_for_load_state()
        for violation in scan(participant):
            problems.append(f"account with errors: {violation}")
    finally:
        for context in contexts.values():
            context.close()
    assert scanned > 40
    assert not problems, "\n".join(problems)


# The widest elements when the document is wider than the window: what to fix.
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= width) return null;
  const wide = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.right > width + 1 && !(el.parentElement && el.parentElement.closest('.table-wrap'))) {
      wide.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${el.className && typeof el.className === 'string' ? '.' + el.className.split(' ').join('.') : ''} to ${Math.round(box.right)}px`);
    }
  }
  return {scroll: document.documentElement.scrollWidth, width: width, wide: wide.slice(0, 5)};
}"""


@pytest.mark.parametrize("language", ["en", "zh-CN"])
def test_no_page_scrolls_sideways_on_a_phone(browser, live_server, world, language):
    """At 375 px (phones are 360-390 px wide) no page of the role matrix is wider than the screen:
    wide tables scroll inside their own box."""
    contexts, problems, opened = {}, [], 0
    try:
        for endpoint, template, role, page in walk(browser, live_server, world, language, contexts, (375, 812)):
            overflow = page.evaluate(OVERFLOW)
            if overflow:
                problems.append(f"{endpoint} ({template}) as {role}: {overflow}")
            opened += 1
    finally:
        for context in contexts.values():
            context.close()
    assert opened > 40
    assert not problems, "\n".join(problems)

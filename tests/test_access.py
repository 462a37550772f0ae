"""Every route, for every kind of visitor: the status each must get.

Adding a route without adding it here fails ``test_every_route_is_in_the_matrix``.
"""
from datetime import date

import pytest

from tests.conftest import login
from training import cohorts
from training.extensions import db
from training.progress import enrol

ROLES = ("anonymous", "participant", "other_participant", "other_trainer", "trainer", "admin")


def expect(anonymous, participant, other_participant, other_trainer, trainer, admin):
    return dict(zip(ROLES, (anonymous, participant, other_participant, other_trainer, trainer, admin), strict=True))


LOGIN = 302  # anonymous visitors are sent to the log-in page
# endpoint -> (method, path template, expected status per role)
MATRIX = {
    "core.home": ("GET", "/", expect(200, 302, 302, 302, 302, 302)),
    "core.healthz": ("GET", "/healthz", expect(200, 200, 200, 200, 200, 200)),
    "core.set_language": ("POST", "/language", expect(302, 302, 302, 302, 302, 302)),
    "core.set_neutral_titles": ("POST", "/privacy/neutral-titles", expect(302, 302, 302, 302, 302, 302)),
    "static": ("GET", "/static/css/amicus.css", expect(200, 200, 200, 200, 200, 200)),
    "accounts.register": ("GET", "/register", expect(200, 302, 302, 302, 302, 302)),
    "accounts.login": ("GET", "/login", expect(200, 302, 302, 302, 302, 302)),
    "accounts.logout": ("POST", "/logout", expect(302, 302, 302, 302, 302, 302)),
    "accounts.account": ("GET", "/account", expect(LOGIN, 200, 200, 200, 200, 200)),
    "accounts.my_data": ("GET", "/account/my-data.zip", expect(LOGIN, 200, 200, 200, 200, 200)),
    "accounts.reset": ("GET", "/reset/not-a-token", expect(404, 404, 404, 404, 404, 404)),
    # Without a right password just before, the code page sends back to the log-in page.
    "accounts.login_code": ("GET", "/login/code", expect(302, 302, 302, 302, 302, 302)),
    "accounts.two_factor": ("GET", "/account/two-factor", expect(LOGIN, 200, 200, 200, 200, 200)),
    # Without two-factor on, these send to its set-up page.
    "accounts.renew_recovery_codes": ("POST", "/account/two-factor/recovery-codes", expect(LOGIN, 302, 302, 302, 302, 302)),
    "accounts.disable_two_factor": ("POST", "/account/two-factor/off", expect(LOGIN, 302, 302, 302, 302, 302)),
    "accounts.end_other_sessions": ("POST", "/account/sessions/end-others", expect(LOGIN, 302, 302, 302, 302, 302)),
    "accounts.set_timezone": ("POST", "/account/time-zone", expect(LOGIN, 422, 422, 422, 422, 422)),
    "accounts.delete_account": ("GET", "/account/delete", expect(LOGIN, 200, 200, 200, 200, 200)),
    "admin.overview": ("GET", "/admin", expect(LOGIN, 403, 403, 403, 403, 200)),
    "admin.users": ("GET", "/admin/users", expect(LOGIN, 403, 403, 403, 403, 200)),
    "admin.new_account": ("GET", "/admin/users/new", expect(LOGIN, 403, 403, 403, 403, 200)),
    "admin.audit_log": ("GET", "/admin/audit", expect(LOGIN, 403, 403, 403, 403, 200)),
    "admin.helplines": ("GET", "/admin/helplines", expect(LOGIN, 403, 403, 403, 403, 200)),
    "admin.helpline": ("GET", "/admin/helplines/{helpline_id}", expect(LOGIN, 403, 403, 403, 403, 200)),
    "core.support": ("GET", "/support", expect(200, 200, 200, 200, 200, 200)),
    "admin.unlock": ("POST", "/admin/users/{participant_id}/unlock", expect(LOGIN, 403, 403, 403, 403, 302)),
    "admin.reset_link": ("POST", "/admin/users/{participant_id}/reset-link", expect(LOGIN, 403, 403, 403, 403, 200)),
    "courses.catalog": ("GET", "/courses", expect(200, 200, 200, 200, 200, 200)),
    "courses.show": ("GET", "/courses/test-course", expect(200, 200, 200, 200, 200, 200)),
    "courses.asset": ("GET", "/courses/test-course/assets/missing.png", expect(404, 404, 404, 404, 404, 404)),
    # The other participant is not enrolled: sent back to the course page.
    "courses.lesson": ("GET", "/courses/test-course/lessons/001-lesson", expect(LOGIN, 200, 302, 200, 200, 200)),
    "courses.complete": ("POST", "/courses/test-course/lessons/001-lesson/complete", expect(LOGIN, 302, 302, 302, 302, 302)),
    "courses.learning": ("GET", "/learning", expect(LOGIN, 200, 200, 200, 200, 200)),
    "cohorts.index": ("GET", "/cohorts", expect(LOGIN, 403, 403, 200, 200, 200)),
    "cohorts.new": ("GET", "/cohorts/new", expect(LOGIN, 403, 403, 200, 200, 200)),
    "cohorts.show": ("GET", "/cohorts/{cohort_id}", expect(LOGIN, 403, 403, 403, 200, 200)),
    "cohorts.export": ("GET", "/cohorts/{cohort_id}/progress.csv", expect(LOGIN, 403, 403, 403, 200, 200)),
    "cohorts.new_code": ("POST", "/cohorts/{cohort_id}/code", expect(LOGIN, 403, 403, 403, 302, 302)),
    "cohorts.join": ("GET", "/join", expect(LOGIN, 200, 200, 200, 200, 200)),
    "quizzes.show": ("GET", "/courses/test-course/quizzes/check", expect(LOGIN, 200, 302, 200, 200, 200)),
    # Another person's attempt is answered like a missing one.
    "quizzes.attempt": ("GET", "/quizzes/attempts/{open_attempt_id}", expect(LOGIN, 200, 404, 404, 404, 404)),
    "quizzes.save": ("POST", "/quizzes/attempts/{open_attempt_id}/save", expect(LOGIN, 302, 404, 404, 404, 404)),
    "quizzes.review": ("GET", "/quizzes/attempts/{finished_attempt_id}/review", expect(LOGIN, 200, 404, 404, 200, 200)),
    "quizzes.marking": ("GET", "/quizzes/marking", expect(LOGIN, 403, 403, 200, 200, 200)),
    "quizzes.mark": ("POST", "/quizzes/responses/{essay_response_id}/mark", expect(LOGIN, 403, 403, 403, 302, 302)),
    # Trainers of any cohort of the course manage its question bank; an upload is its uploader's.
    "quizzes.bank": ("GET", "/courses/test-course/questions", expect(LOGIN, 403, 403, 200, 200, 200)),
    "quizzes.bank_export": ("GET", "/courses/test-course/questions.gift", expect(LOGIN, 403, 403, 200, 200, 200)),
    "quizzes.bank_preview": ("GET", "/courses/test-course/questions/imports/{import_id}", expect(LOGIN, 404, 404, 404, 200, 404)),
    "quizzes.cohort_results": ("GET", "/cohorts/{cohort_id}/quizzes/check", expect(LOGIN, 403, 403, 403, 200, 200)),
    "quizzes.cohort_results_csv": ("GET", "/cohorts/{cohort_id}/quizzes/check.csv", expect(LOGIN, 403, 403, 403, 200, 200)),
    # Survey results: of one cohort (its trainers, admins) via ?cohort=, else of the cohorts one runs.
    "surveys.results_page": ("GET", "/courses/test-course/surveys/pre/results?cohort={cohort_id}", expect(LOGIN, 403, 403, 403, 200, 200)),
    "surveys.results_csv": ("GET", "/courses/test-course/surveys/pre/results.csv?cohort={cohort_id}", expect(LOGIN, 403, 403, 403, 200, 200)),
    # Matched answers only from k pairs up: the small test cohort gets 404 even for its trainer.
    "surveys.responses_csv": ("GET", "/courses/test-course/surveys/pre/responses.csv", expect(LOGIN, 403, 403, 404, 404, 404)),
    "surveys.report_pdf": ("GET", "/courses/test-course/surveys/pre/report.pdf", expect(LOGIN, 403, 403, 200, 200, 200)),
    "surveys.adjust": ("GET", "/cohorts/{cohort_id}/surveys/pre/adjust", expect(LOGIN, 403, 403, 403, 200, 200)),
    "surveys.answer": ("GET", "/courses/test-course/surveys/pre", expect(LOGIN, 200, 302, 200, 200, 200)),
    "certificates.mine": ("GET", "/courses/test-course/certificate", expect(LOGIN, 200, 200, 200, 200, 200)),
    # Her own certificate only: everyone else has none for the course.
    "certificates.pdf": ("GET", "/courses/test-course/certificate.pdf", expect(LOGIN, 200, 404, 404, 404, 404)),
    "certificates.badge": ("GET", "/courses/test-course/certificate.json", expect(LOGIN, 200, 404, 404, 404, 404)),
    "certificates.verify_form": ("GET", "/verify", expect(200, 200, 200, 200, 200, 200)),
    "certificates.verify": ("GET", "/verify/{cert_code}", expect(200, 200, 200, 200, 200, 200)),
    "certificates.admin_list": ("GET", "/admin/certificates", expect(LOGIN, 403, 403, 403, 403, 200)),
    "certificates.admin_show": ("GET", "/admin/certificates/{cert_id}", expect(LOGIN, 403, 403, 403, 403, 200)),
    # Without a reason nothing is revoked (400); a live certificate cannot be re-issued (back, 302).
    "certificates.admin_revoke": ("POST", "/admin/certificates/{cert_id}/revoke", expect(LOGIN, 403, 403, 403, 403, 400)),
    "certificates.admin_reissue": ("POST", "/admin/certificates/{cert_id}/reissue", expect(LOGIN, 403, 403, 403, 403, 302)),
    "certificates.cohort_rule": ("GET", "/cohorts/{cohort_id}/completion", expect(LOGIN, 403, 403, 403, 200, 200)),
    "certificates.cohort_zip": ("GET", "/cohorts/{cohort_id}/certificates/{batch_id}", expect(LOGIN, 403, 403, 403, 200, 200)),
    "certificates.cohort_zip_status": ("GET", "/cohorts/{cohort_id}/certificates/{batch_id}/status.json", expect(LOGIN, 403, 403, 403, 200, 200)),
    "certificates.cohort_zip_download": ("GET", "/cohorts/{cohort_id}/certificates/{batch_id}/download", expect(LOGIN, 403, 403, 403, 200, 200)),
    "certificates.cohort_zip_start": ("POST", "/cohorts/{cohort_id}/certificates", expect(LOGIN, 403, 403, 403, 302, 302)),
    # Case exercises. The participant is in team 1 (submitted, with an attachment); the trainer
    # runs the cohort and judges; the other participant is not enrolled; trainers preview the case.
    "cases.show": ("GET", "/courses/test-course/cases/moot", expect(LOGIN, 200, 302, 200, 200, 200)),
    "cases.document": ("GET", "/courses/test-course/cases/moot/documents/intake", expect(LOGIN, 200, 302, 200, 200, 200)),
    "cases.submission": ("GET", "/courses/test-course/cases/moot/submission", expect(LOGIN, 200, 302, 302, 302, 302)),
    "cases.upload": ("POST", "/courses/test-course/cases/moot/submission/attachment", expect(LOGIN, 302, 302, 302, 302, 302)),
    "cases.attachment": ("GET", "/courses/test-course/cases/moot/submission/attachment", expect(LOGIN, 200, 302, 403, 403, 403)),
    "cases.version": ("GET", "/courses/test-course/cases/moot/submission/versions/1", expect(LOGIN, 200, 302, 403, 403, 403)),
    "cases.ask": ("POST", "/courses/test-course/cases/moot/questions", expect(LOGIN, 302, 302, 302, 302, 302)),
    "cases.join": ("POST", "/courses/test-course/cases/moot/teams/1/join", expect(LOGIN, 302, 302, 404, 404, 404)),
    "cases.results": ("GET", "/courses/test-course/cases/moot/results", expect(LOGIN, 302, 302, 302, 302, 302)),
    "cases.peer_review": ("GET", "/courses/test-course/cases/moot/peer-review", expect(LOGIN, 302, 302, 302, 302, 302)),
    "cases.set_up": ("POST", "/cohorts/{cohort_id}/cases/moot", expect(LOGIN, 403, 403, 403, 302, 302)),
    "cases.run": ("GET", "/case-runs/{run_id}", expect(LOGIN, 403, 403, 403, 200, 200)),
    "cases.team_submission": ("GET", "/case-runs/{run_id}/teams/1", expect(LOGIN, 403, 403, 403, 200, 200)),
    "cases.team_attachment": ("GET", "/case-runs/{run_id}/teams/1/attachment", expect(LOGIN, 403, 403, 403, 200, 200)),
    "cases.run_document": ("GET", "/case-runs/{run_id}/documents/memo", expect(LOGIN, 403, 403, 403, 200, 200)),
    "cases.judging_list": ("GET", "/case-runs/{run_id}/judging", expect(LOGIN, 403, 403, 403, 200, 403)),
    "cases.score": ("GET", "/case-runs/{run_id}/judging/1", expect(LOGIN, 403, 403, 403, 200, 403)),
    "cases.hearing": ("GET", "/case-runs/{run_id}/hearing/1", expect(LOGIN, 403, 403, 403, 200, 403)),
    "cases.timer": ("GET", "/case-runs/{run_id}/timer", expect(LOGIN, 403, 403, 403, 200, 200)),
    # The trainer's changes to a case run, one route each: an empty form is refused on the run page.
    # Starting and publishing change the rows above: they come last.
    "cases.save_schedule": ("POST", "/case-runs/{run_id}/schedule", expect(LOGIN, 403, 403, 403, 302, 302)),
    "cases.add_team": ("POST", "/case-runs/{run_id}/teams", expect(LOGIN, 403, 403, 403, 302, 302)),
    "cases.add_member": ("POST", "/case-runs/{run_id}/teams/1/members", expect(LOGIN, 403, 403, 403, 302, 302)),
    "cases.remove_member": ("POST", "/case-runs/{run_id}/teams/1/members/1/remove", expect(LOGIN, 403, 403, 403, 302, 302)),
    "cases.set_penalty": ("POST", "/case-runs/{run_id}/teams/1/penalty", expect(LOGIN, 403, 403, 403, 302, 302)),
    "cases.set_teams_open": ("POST", "/case-runs/{run_id}/teams-open", expect(LOGIN, 403, 403, 403, 302, 302)),
    "cases.add_judge": ("POST", "/case-runs/{run_id}/judges", expect(LOGIN, 403, 403, 403, 302, 302)),
    "cases.remove_judge": ("POST", "/case-runs/{run_id}/judges/1/remove", expect(LOGIN, 403, 403, 403, 302, 302)),
    "cases.answer_clarification": ("POST", "/case-runs/{run_id}/clarifications/1/answer", expect(LOGIN, 403, 403, 403, 302, 302)),
    "cases.invite_guest_judge": ("POST", "/case-runs/{run_id}/guest-judges", expect(LOGIN, 403, 403, 403, 302, 302)),
    "cases.assign_peer_reviews": ("POST", "/case-runs/{run_id}/peer-reviews", expect(LOGIN, 403, 403, 403, 302, 302)),
    "cases.open_stage": ("POST", "/case-runs/{run_id}/stages/no-such-stage/open", expect(LOGIN, 403, 403, 403, 302, 302)),
    "cases.start_run": ("POST", "/case-runs/{run_id}/start", expect(LOGIN, 403, 403, 403, 302, 302)),
    "cases.publish_results": ("POST", "/case-runs/{run_id}/publish", expect(LOGIN, 403, 403, 403, 302, 302)),
    # Respondent cards: the cohort's trainers make and print them (no card yet: no PDF; an empty
    # form is refused); anyone may answer with a card, signed in or not (a made-up number: 404).
    # Sessions and attendance: the cohort's trainers (the world has no session: its pages are 404;
    # an empty form is refused).
    "workshops.index": ("GET", "/cohorts/{cohort_id}/sessions", expect(LOGIN, 403, 403, 403, 200, 200)),
    "workshops.add": ("POST", "/cohorts/{cohort_id}/sessions", expect(LOGIN, 403, 403, 403, 422, 422)),
    "workshops.attendance": ("GET", "/cohorts/{cohort_id}/sessions/999", expect(LOGIN, 403, 403, 403, 404, 404)),
    "workshops.mark": ("POST", "/cohorts/{cohort_id}/sessions/999/mark", expect(LOGIN, 403, 403, 403, 404, 404)),
    "workshops.walk_in": ("POST", "/cohorts/{cohort_id}/sessions/999/walk-in", expect(LOGIN, 403, 403, 403, 404, 404)),
    "workshops.delete": ("POST", "/cohorts/{cohort_id}/sessions/999/delete", expect(LOGIN, 403, 403, 403, 404, 404)),
    "workshops.sign_in_sheet": ("GET", "/cohorts/{cohort_id}/sessions/999/sign-in.pdf", expect(LOGIN, 403, 403, 403, 404, 404)),
    "workshops.check_in_screen": ("GET", "/cohorts/{cohort_id}/sessions/999/check-in", expect(LOGIN, 403, 403, 403, 404, 404)),
    # A made-up check-in code: refused with a message, to anyone signed in.
    "workshops.check_in": ("GET", "/check-in/1.2.forged", expect(LOGIN, 410, 410, 410, 410, 410)),
    "workshops.calendar_file": ("GET", "/learning/sessions.ics", expect(LOGIN, 200, 200, 200, 200, 200)),
    "workshops.attendance_csv": ("GET", "/cohorts/{cohort_id}/attendance.csv", expect(LOGIN, 403, 403, 403, 200, 200)),
    "cards.manage": ("GET", "/cohorts/{cohort_id}/cards", expect(LOGIN, 403, 403, 403, 200, 200)),
    "cards.cards_pdf": ("GET", "/cohorts/{cohort_id}/cards.pdf", expect(LOGIN, 403, 403, 403, 404, 404)),
    "cards.make": ("POST", "/cohorts/{cohort_id}/cards", expect(LOGIN, 403, 403, 403, 422, 422)),
    "cards.void": ("POST", "/cohorts/{cohort_id}/cards/void", expect(LOGIN, 403, 403, 403, 422, 422)),
    "cards.phases": ("POST", "/cohorts/{cohort_id}/cards/phases", expect(LOGIN, 403, 403, 403, 302, 302)),
    "cards.kobo": ("GET", "/cohorts/{cohort_id}/cards/kobo", expect(LOGIN, 403, 403, 403, 200, 200)),
    "cards.xlsform": ("GET", "/cohorts/{cohort_id}/cards/kobo/pre.xlsx", expect(LOGIN, 403, 403, 403, 200, 200)),
    "cards.kobo_import": ("POST", "/cohorts/{cohort_id}/cards/kobo", expect(LOGIN, 403, 403, 403, 422, 422)),
    "surveys.workshop_report_page": ("GET", "/courses/test-course/workshop-report?cohort={cohort_id}", expect(LOGIN, 403, 403, 403, 200, 200)),
    "surveys.workshop_report_pdf": ("GET", "/courses/test-course/workshop-report.pdf", expect(LOGIN, 403, 403, 200, 200, 200)),
    "surveys.workshop_report_csv": ("GET", "/courses/test-course/workshop-report.csv?cohort={cohort_id}", expect(LOGIN, 403, 403, 403, 200, 200)),
    "cards.paper_pdf": ("GET", "/cohorts/{cohort_id}/cards/paper/pre.pdf", expect(LOGIN, 403, 403, 403, 404, 404)),
    "cards.entry_page": ("GET", "/cohorts/{cohort_id}/cards/entry/pre", expect(LOGIN, 403, 403, 403, 200, 200)),
    "cards.enter": ("POST", "/cohorts/{cohort_id}/cards/entry/pre", expect(LOGIN, 403, 403, 403, 422, 422)),
    "cards.set_double": ("POST", "/cohorts/{cohort_id}/cards/entry/pre/double", expect(LOGIN, 403, 403, 403, 302, 302)),
    "cards.decide": ("POST", "/cohorts/{cohort_id}/cards/entry/pre/decide/1", expect(LOGIN, 403, 403, 403, 302, 302)),
    "cards.sync_token": ("GET", "/cohorts/{cohort_id}/cards/entry/pre/sync", expect(LOGIN, 403, 403, 403, 200, 200)),
    "cards.sync": ("POST", "/cohorts/{cohort_id}/cards/entry/pre/sync", expect(LOGIN, 403, 403, 403, 400, 400)),
    "core.course_worker": ("GET", "/courses/offline-sw.js", expect(200, 200, 200, 200, 200, 200)),
    "core.cohort_worker": ("GET", "/cohorts/offline-sw.js", expect(200, 200, 200, 200, 200, 200)),
    "cards.tablet": ("GET", "/cohorts/{cohort_id}/cards/tablet/pre", expect(LOGIN, 403, 403, 403, 200, 200)),
    "cards.tablet_answer": ("POST", "/cohorts/{cohort_id}/cards/tablet/pre", expect(LOGIN, 403, 403, 403, 422, 422)),
    "courses.handbook": ("GET", "/courses/test-course/handbook", expect(LOGIN, 200, 403, 200, 200, 200)),
    "courses.handbook_status": ("GET", "/courses/test-course/handbook/999", expect(LOGIN, 404, 403, 404, 404, 404)),
    "courses.handbook_pdf": ("GET", "/courses/test-course/handbook/999.pdf", expect(LOGIN, 404, 403, 404, 404, 404)),
    "cohorts.message": ("GET", "/cohorts/{cohort_id}/message", expect(LOGIN, 403, 403, 403, 200, 200)),
    "messages.notifications": ("GET", "/notifications", expect(LOGIN, 200, 200, 200, 200, 200)),
    "messages.read_all": ("POST", "/notifications/read", expect(LOGIN, 302, 302, 302, 302, 302)),
    "messages.open_notification": ("GET", "/notifications/999", expect(LOGIN, 404, 404, 404, 404, 404)),
    "messages.settings": ("GET", "/account/messages", expect(LOGIN, 200, 200, 200, 200, 200)),
    "messages.resend_verification": ("POST", "/account/messages/verify", expect(LOGIN, 302, 302, 302, 302, 302)),
    "messages.verify": ("GET", "/account/messages/verify/forged", expect(404, 404, 404, 404, 404, 404)),
    "studio.index": ("GET", "/studio", expect(LOGIN, 403, 403, 200, 200, 200)),
    "studio.publish": ("POST", "/studio", expect(LOGIN, 403, 403, 422, 422, 422)),
    "studio.course": ("GET", "/studio/test-course", expect(LOGIN, 403, 403, 403, 200, 200)),
    "studio.download": ("GET", "/studio/test-course/versions/1.zip", expect(LOGIN, 403, 403, 403, 200, 200)),
    "studio.add_author": ("POST", "/studio/test-course/authors", expect(LOGIN, 403, 403, 403, 403, 302)),
    "studio.files": ("GET", "/studio/test-course/files", expect(LOGIN, 403, 403, 403, 200, 200)),
    "studio.edit": ("GET", "/studio/test-course/edit/course.yaml", expect(LOGIN, 403, 403, 403, 200, 200)),
    "studio.discard": ("POST", "/studio/test-course/discard/course.yaml", expect(LOGIN, 403, 403, 403, 302, 302)),
    "studio.publish_drafts": ("POST", "/studio/test-course/publish", expect(LOGIN, 403, 403, 403, 302, 302)),
    "studio.import_word": ("POST", "/studio/test-course/word", expect(LOGIN, 403, 403, 403, 422, 422)),
    "studio.compare": ("GET", "/studio/test-course/compare", expect(LOGIN, 403, 403, 403, 200, 200)),
    "studio.restore": ("POST", "/studio/test-course/versions/1/restore", expect(LOGIN, 403, 403, 403, 302, 302)),
    "studio.new_course": ("POST", "/studio/new", expect(LOGIN, 403, 403, 422, 422, 422)),
    "studio.upload_image": ("POST", "/studio/test-course/images", expect(LOGIN, 403, 403, 403, 422, 422)),
    "studio.adopt": ("POST", "/studio/test-course/adopt", expect(LOGIN, 403, 403, 403, 403, 302)),
    "studio.remove_author": ("POST", "/studio/test-course/authors/999/remove", expect(LOGIN, 403, 403, 403, 403, 302)),
    "studio.lesson": ("GET", "/studio/test-course/lesson/001-lesson", expect(LOGIN, 403, 403, 403, 200, 200)),
    "studio.preview": ("GET", "/studio/test-course/preview", expect(LOGIN, 403, 403, 403, 200, 200)),
    "studio.preview_lesson": ("GET", "/studio/test-course/preview/001-lesson", expect(LOGIN, 403, 403, 403, 200, 200)),
    "studio.draft_asset": ("GET", "/studio/test-course/draft/assets/map.png", expect(LOGIN, 403, 403, 403, 404, 404)),
    "survey_studio.instrument": ("GET", "/studio/test-course/survey/surveys/instrument.yaml", expect(LOGIN, 403, 403, 403, 200, 200)),
    "survey_studio.item": ("GET", "/studio/test-course/survey-item/surveys/instrument.yaml?item=0",
                           expect(LOGIN, 403, 403, 403, 200, 200)),
    "survey_studio.move": ("POST", "/studio/test-course/survey-move/surveys/instrument.yaml", expect(LOGIN, 403, 403, 403, 400, 400)),
    "survey_studio.remove": ("POST", "/studio/test-course/survey-remove/surveys/instrument.yaml",
                             expect(LOGIN, 403, 403, 403, 400, 400)),
    "quiz_studio.quiz": ("GET", "/studio/test-course/quiz/quizzes/check.gift", expect(LOGIN, 403, 403, 403, 200, 200)),
    "quiz_studio.question": ("GET", "/studio/test-course/quiz-question/1/quizzes/check.gift",
                             expect(LOGIN, 403, 403, 403, 200, 200)),
    "quiz_studio.new_question": ("GET", "/studio/test-course/quiz-question/new/single/quizzes/check.gift",
                                 expect(LOGIN, 403, 403, 403, 200, 200)),
    "quiz_studio.arrange": ("POST", "/studio/test-course/quiz-arrange/1/quizzes/check.gift",
                            expect(LOGIN, 403, 403, 403, 400, 400)),
    "quiz_studio.paste": ("POST", "/studio/test-course/quiz-paste/quizzes/check.gift", expect(LOGIN, 403, 403, 403, 409, 409)),
    "case_studio.edit": ("GET", "/studio/test-course/case/cases/moot/case.yaml", expect(LOGIN, 403, 403, 403, 200, 200)),
    "studio_outline.show": ("GET", "/studio/test-course/outline", expect(LOGIN, 403, 403, 403, 200, 200)),
    "studio_outline.settings": ("POST", "/studio/test-course/outline/settings", expect(LOGIN, 403, 403, 403, 422, 422)),
    "studio_outline.module_step": ("POST", "/studio/test-course/outline/modules/0/up", expect(LOGIN, 403, 403, 403, 409, 409)),
    "studio_outline.activity_step": ("POST", "/studio/test-course/outline/modules/0/activities/0/up", expect(LOGIN, 403, 403, 403, 409, 409)),
    "studio_outline.add_module": ("POST", "/studio/test-course/outline/modules", expect(LOGIN, 403, 403, 403, 422, 422)),
    "studio_outline.module": ("GET", "/studio/test-course/outline/modules/0", expect(LOGIN, 403, 403, 403, 200, 200)),
    "studio_outline.add_activity": ("POST", "/studio/test-course/outline/modules/0/activities", expect(LOGIN, 403, 403, 403, 422, 422)),
    "studio_outline.activity": ("GET", "/studio/test-course/outline/modules/0/activities/0", expect(LOGIN, 403, 403, 403, 200, 200)),
    "surveys.invite": ("GET", "/cohorts/{cohort_id}/surveys/invite", expect(LOGIN, 403, 403, 403, 200, 200)),
    "surveys.cancel_invitation": ("POST", "/cohorts/{cohort_id}/surveys/invitations/999/cancel",
                                  expect(LOGIN, 403, 403, 403, 404, 404)),
    "messages.sms_code": ("GET", "/account/messages/sms-code", expect(LOGIN, 302, 302, 302, 302, 302)),
    "messages.resend_sms_code": ("POST", "/account/messages/sms-code/resend", expect(LOGIN, 302, 302, 302, 302, 302)),
    "messages.unsubscribe": ("GET", "/unsubscribe/forged", expect(404, 404, 404, 404, 404, 404)),
    "messages.forgot_password": ("GET", "/forgot-password", expect(200, 200, 200, 200, 200, 200)),
    "courses.handbook_epub": ("GET", "/courses/test-course/handbook/999.epub", expect(LOGIN, 404, 403, 404, 404, 404)),
    "courses.offline_manifest": ("GET", "/courses/test-course/offline.json", expect(LOGIN, 200, 403, 403, 403, 403)),
    "cards.home": ("GET", "/r", expect(200, 200, 200, 200, 200, 200)),
    "cards.open_card": ("GET", "/r/12345678901234567", expect(404, 404, 404, 404, 404, 404)),
    "cards.answer": ("GET", "/r/surveys/pre", expect(302, 302, 302, 302, 302, 302)),
    "cards.forget": ("POST", "/r/forget", expect(302, 302, 302, 302, 302, 302)),
    "quizzes.start": ("POST", "/courses/test-course/quizzes/check/start", expect(LOGIN, 302, 302, 302, 302, 302)),
    # Last: they change what the rows above expect.
    # Her open attempt has unanswered questions: the confirmation page that lists them.
    "quizzes.submit": ("POST", "/quizzes/attempts/{open_attempt_id}/submit", expect(LOGIN, 200, 404, 404, 404, 404)),
    "quizzes.bank_confirm": ("POST", "/courses/test-course/questions/imports/{import_id}", expect(LOGIN, 404, 404, 404, 302, 404)),
    "courses.enrol": ("POST", "/courses/test-course/enrol", expect(LOGIN, 302, 302, 302, 302, 302)),
    # Ends the participant's sessions.
    "admin.reset_two_factor": ("POST", "/admin/users/{participant_id}/two-factor/reset", expect(LOGIN, 403, 403, 403, 403, 302)),
}


def test_every_route_is_in_the_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints == set(MATRIX)


@pytest.fixture
def world(app, tmp_path):
    return build_world(tmp_path)


def build_world(tmp_path) -> dict:
    """Every kind of page's data: a course with lessons, a quiz, surveys and a case; two cohorts;
    attempts, a certificate and its ZIP, a question import, a helpline, a case run. Returns the
    ids the MATRIX paths name."""
    from tests.conftest import QUIZ_GIFT, SURVEY_YAML, new_course, new_user
    from tests.courses.cases.helpers import case_files

    make_user = new_user
    course = new_course(tmp_path, modules=1, lessons=2, sequential=False, quiz=QUIZ_GIFT, surveys=SURVEY_YAML,
                        case=case_files())
    participant = make_user("participant")
    make_user("other-participant")
    trainer = make_user("trainer", role="trainer")
    other_trainer = make_user("other-trainer", role="trainer")
    make_user("admin", role="admin")
    # The course is managed in the Studio, its package stored as version 1, the trainer its author
    # (the other trainer is not): every Studio page and form editor opens on it.
    from courses.studio import packages as studio_packages
    from courses.studio.models import CourseAuthor

    studio_packages.store_version(course, tmp_path / "test-course", "import", None)
    course.managed = "studio"
    db.session.add(CourseAuthor(course_id=course.id, user_id=trainer.id))
    cohort = cohorts.create_cohort(trainer, course.id, "Ours", date.today(), None)
    cohorts.create_cohort(other_trainer, course.id, "Theirs", date.today(), None)
    cohorts.join_cohort(participant, cohort.invite_code, date.today())
    enrol(participant, course.id, cohort.id)
    db.session.commit()
    # One submitted attempt with an essay to mark, and one in progress.
    from courses.services import get_course
    from quizzes import services as quiz_services
    from quizzes.models import QuizResponse

    ctx = quiz_services.quiz_context(get_course("test-course"), "check", participant, "en")
    finished = quiz_services.start_attempt(ctx, participant)
    db.session.flush()
    essay_id = finished.question_ids[2]
    quiz_services.save_answers(finished, participant, {essay_id: "My essay."})
    quiz_services.finish(finished, participant)
    db.session.commit()
    open_attempt = quiz_services.start_attempt(quiz_services.quiz_context(get_course("test-course"), "check", participant, "en"), participant)
    db.session.commit()
    from quizzes.bank import stage_upload
    from training.accounts import find_user
    from training.support import save_helpline

    helpline = save_helpline(find_user("admin"), None, region="", names={"en": "Police"}, contact="110", notes={},
                             position=0, active=True)

    staged = stage_upload(trainer, get_course("test-course"), "bank.gift", b"Bank question? {T}", "practice")
    db.session.commit()
    response_id = db.session.execute(db.select(QuizResponse.id).where(QuizResponse.attempt_id == finished.id)).scalar_one()
    # A certificate with its name given, and a finished ZIP of the cohort's certificates.
    from certificates import batch as certificate_batch
    from certificates.models import Certificate

    cert = Certificate(code="0123456789ABCDEF", user_id=participant.id, course_id=course.id, cohort_id=cohort.id,
                       course_titles=dict(course.titles), printed_name="Mei Participant", language="en")
    db.session.add(cert)
    made = certificate_batch.start(trainer, cohort)
    db.session.commit()
    certificate_batch.build_zip(made.id)
    run_id = _case_run(course, cohort, trainer, participant)
    return {"cert_id": cert.id, "cert_code": "0123-4567-89AB-CDEF", "batch_id": made.id,"participant_id": participant.id, "cohort_id": cohort.id, "open_attempt_id": open_attempt.id,
            "finished_attempt_id": finished.id, "essay_response_id": response_id, "import_id": staged.id,
            "helpline_id": helpline.id, "run_id": run_id}


def _case_run(course, cohort, trainer, participant) -> int:
    """The cohort's run of the case: the participant's team 1 has submitted, the trainer judges."""
    from courses.cases import runs, services
    from courses.cases.models import CaseExercise
    from tests.courses.cases.helpers import pdf_bytes

    exercise = db.session.execute(db.select(CaseExercise)).scalar_one()
    run = runs.set_up(trainer, cohort, exercise)
    state = services.run_state(run, "en")
    team = runs.add_team(trainer, state, "applicant")
    runs.assign_member(trainer, state, team, participant.id)
    runs.add_judge(trainer, state, trainer.id, presiding=True)
    runs.start(trainer, state)
    services.save_draft(state, team, participant, "Our submission.", 0)
    services.attach(state, team, participant, "brief.pdf", pdf_bytes())
    services.submit(state, team, participant, 1)
    db.session.commit()
    return run.id


@pytest.mark.parametrize("role", ROLES)
def test_route_access(app, world, role):
    handles = {"participant": "participant", "other_participant": "other-participant", "trainer": "trainer",
               "other_trainer": "other-trainer", "admin": "admin"}
    failures = []
    for endpoint, (method, template, expected) in MATRIX.items():
        client = app.test_client()
        if role != "anonymous":
            login(client, handles[role])
        response = client.open(template.format(**world), method=method)
        response.close()
        if response.status_code != expected[role]:
            failures.append(f"{method} {template} as {role}: {response.status_code}, expected {expected[role]}")
        # Pages and downloads (CSVs, PDFs, ZIPs, JSON) of a signed-in person are never cached
        # (log-out's redirect is sent once she is signed out, and carries nothing).
        if (role != "anonymous" and endpoint not in ("static", "accounts.logout")
                and "no-store" not in response.headers.get("Cache-Control", "")):
            failures.append(f"{method} {template} as {role}: {response.mimetype} without Cache-Control: no-store")
        if expected[role] == LOGIN and role == "anonymous" and endpoint not in (
                "core.set_language", "core.set_neutral_titles", "accounts.logout", "cards.answer", "cards.forget"):
            assert response.headers["Location"].startswith("/login"), endpoint
    assert not failures, "\n".join(failures)


def test_only_the_enrolled_participant_completes(app, world):
    from sqlalchemy import func, select

    from training.progress import ActivityCompletion

    for handle in ("other-participant", "trainer", "admin"):
        client = app.test_client()
        login(client, handle)
        client.post("/courses/test-course/lessons/001-lesson/complete")
    assert db.session.execute(select(func.count(ActivityCompletion.id))).scalar_one() == 0
    client = app.test_client()
    login(client, "participant")
    client.post("/courses/test-course/lessons/001-lesson/complete")
    assert db.session.execute(select(func.count(ActivityCompletion.id))).scalar_one() == 1


def test_participants_never_see_others_progress(app, world):
    client = app.test_client()
    login(client, "other-participant")
    assert "participant" not in client.get("/learning").get_data(as_text=True).replace("other-participant", "")
    assert client.get(f"/cohorts/{world['cohort_id']}").status_code == 403


@pytest.mark.parametrize("role", ["anonymous", "participant", "admin"])
def test_every_route_sends_the_security_headers(app, world, role):
    """Whatever the status (200, redirect, 403, 404), every response carries the headers."""
    handles = {"participant": "participant", "admin": "admin"}
    missing = []
    for method, template, _expected in MATRIX.values():
        client = app.test_client()
        if role != "anonymous":
            login(client, handles[role])
        response = client.open(template.format(**world), method=method)
        response.close()
        headers = response.headers
        csp = headers.get("Content-Security-Policy", "")
        checks = {
            # Only a sandboxed course image may allow inline styles (an SVG's own); pages never.
            "CSP without unsafe-inline": csp and ("unsafe-inline" not in csp or "sandbox" in csp),
            "frame-ancestors or sandbox": "frame-ancestors 'none'" in csp or "sandbox" in csp,
            "nosniff": headers.get("X-Content-Type-Options") == "nosniff",
            "no-referrer": headers.get("Referrer-Policy") == "no-referrer",
            "Permissions-Policy": "camera=()" in headers.get("Permissions-Policy", ""),
        }
        missing += [f"{method} {template} as {role}: {name}" for name, ok in checks.items() if not ok]
    assert not missing, "\n".join(missing)

"""A cohort's certificates as one ZIP (one PDF each), made in the background with progress.

Rendering is CPU work: a large cohort is shared among worker processes forked from the job's
process (they inherit the app and its loaded fonts, so they start in milliseconds), one per core
up to four. The parent reads the database; the workers only render.
"""
from __future__ import annotations

import io
import os
import re
import zipfile
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update

from certificates.models import Certificate, CertificateBatch
from certificates.render import Sample, course_design, render_certificate
from certificates.services import CertificateError
from courses.models import Course
from training import timezones
from training.accounts import User
from training.cohorts import Cohort, CohortMember, can_manage
from training.db import utcnow
from training.extensions import db
from training.public_links import base_url

PARALLEL_FROM = 24  # certificates; below this one process is quicker than starting workers
PROGRESS_EVERY = 10
KEEP_HOURS = 24


def start(user: User, cohort: Cohort) -> CertificateBatch:
    """Queue the ZIP of a cohort's certificates; the caller commits, then enqueues."""
    if not can_manage(user, cohort):
        raise CertificateError(_l("Only the cohort's trainers can download its certificates."))
    # Old ZIPs of this cohort are dropped: they hold names and are made again in seconds.
    db.session.execute(delete(CertificateBatch).where(
        CertificateBatch.cohort_id == cohort.id, CertificateBatch.created_at < utcnow() - timedelta(hours=KEEP_HOURS)))
    batch = CertificateBatch(cohort_id=cohort.id, requested_by_id=user.id, status="queued")
    db.session.add(batch)
    db.session.flush()
    return batch


def cohort_certificates(cohort: Cohort) -> list[tuple[Certificate, str]]:
    """The live certificates of the cohort's participants, with their handles."""
    return list(db.session.execute(
        select(Certificate, User.handle)
        .join(CohortMember, (CohortMember.user_id == Certificate.user_id) & (CohortMember.cohort_id == cohort.id))
        .join(User, User.id == Certificate.user_id)
        .where(Certificate.course_id == cohort.course_id, Certificate.revoked_at.is_(None),
               CohortMember.role == "participant")
        .order_by(User.handle)).all())


@dataclass
class _Job:
    filename: str
    sample: Sample


def build_zip(batch_id: int, base: str | None = None) -> None:
    """The background job: render every named certificate of the cohort into one ZIP, their
    links on ``base`` (the public address of the request that started it; default: the site's)."""
    batch = db.session.get(CertificateBatch, batch_id)
    if batch is None or batch.status != "queued":
        return
    try:
        _build(batch, base or base_url())
    except Exception as error:  # recorded for the trainer; the worker goes on
        db.session.rollback()
        db.session.execute(update(CertificateBatch).where(CertificateBatch.id == batch_id).values(
            status="failed", error=type(error).__name__, finished_at=utcnow()))
        db.session.commit()
        raise


def _build(batch: CertificateBatch, base: str) -> None:
    cohort = db.session.get(Cohort, batch.cohort_id)
    course = db.session.get(Course, cohort.course_id)
    rows = cohort_certificates(cohort)
    named = [(c, h) for c, h in rows if c.printed_name]
    waiting = sorted(h for c, h in rows if not c.printed_name)
    batch.status, batch.total, batch.done = "running", len(named), 0
    db.session.commit()

    design, images = course_design(course.id)
    # Dates printed in the zone of the trainer who asked (the job has no reader of its own).
    zone = timezones.zone_of(db.session.get(User, batch.requested_by_id) if batch.requested_by_id else None)
    jobs, used = [], set()
    for cert, handle in named:
        filename = _filename(handle, course.slug, used)
        jobs.append(_Job(filename, Sample(cert.printed_name, cert.language or course.languages[0], cert.course_id,
                                          cert.course_titles, cert.issued_at, cert.expires_at, cert.code,
                                          zone)))

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:  # PDFs are compressed already
        for done, (filename, pdf) in enumerate(render_all(jobs, design, images, base), start=1):
            archive.writestr(filename, pdf)
            if done % PROGRESS_EVERY == 0:
                db.session.execute(update(CertificateBatch).where(CertificateBatch.id == batch.id).values(done=done))
                db.session.commit()
        archive.writestr("README.txt", _readme(course, len(jobs), waiting))
    batch.zip_data = buffer.getvalue()
    batch.done = len(jobs)
    batch.status = "done"
    batch.finished_at = utcnow()
    db.session.commit()


def render_all(jobs: list[_Job], design: dict, images: dict, base: str):
    """(filename, PDF) for each job, in order, linking to ``base``; in worker processes for a large cohort."""
    # Here, not at the top: only the jobs process forks; the web workers import this module for its pages (#22).
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_all_start_methods, get_context

    workers = min(os.cpu_count() or 1, 4)
    if len(jobs) < PARALLEL_FROM or workers < 2 or "fork" not in get_all_start_methods():
        for job in jobs:
            yield job.filename, render_certificate(job.sample, design, images, base)
        return
    global _worker_state
    _worker_state = (current_app._get_current_object(), design, images, base)
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("fork"),
                                 initializer=_worker_start) as pool:
            yield from zip((j.filename for j in jobs),
                           pool.map(_render_one, [j.sample for j in jobs], chunksize=8), strict=True)
    finally:
        _worker_state = None


_worker_state = None
_worker_context = None


def _worker_start() -> None:
    global _worker_context
    import threading

    from certificates import fonts

    # A lock held by another thread of the parent at the fork would never be released here.
    fonts._lock, fonts._subset_lock = threading.Lock(), threading.Lock()
    app = _worker_state[0]
    _worker_context = app.app_context()
    _worker_context.push()


def _render_one(sample: Sample) -> bytes:
    _app, design, images, base = _worker_state
    return render_certificate(sample, design, images, base)


def _filename(handle: str, slug: str, used: set[str]) -> str:
    base = re.sub(r"[^\w.-]+", "_", handle, flags=re.UNICODE).strip("._") or "participant"
    name, n = f"{base}-{slug}.pdf", 2
    while name in used:
        name, n = f"{base}-{slug}-{n}.pdf", n + 1
    used.add(name)
    return name


def _readme(course: Course, count: int, waiting: list[str]) -> str:
    lines = [f"Certificates of the course {course.slug}: {count} PDF file(s), one per participant.",
             "Each shows a verification code and a QR code linking to the public verification page."]
    if waiting:
        lines += ["", "These participants have completed the course but have not yet given the name to print,",
                  "so their certificates are not made yet:", *[f"  {h}" for h in waiting]]
    return "\n".join(lines) + "\n"

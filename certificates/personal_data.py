"""What the certificates package keeps about a person: her certificates and the names on them."""
from __future__ import annotations

from sqlalchemy import select, update

from certificates.models import Certificate
from certificates.services import HOLDER_REQUEST, display_code
from training.accounts import User
from training.db import utcnow
from training.extensions import db
from training.personal_data import erasure, files, iso, section


@section("certificates")
def _certificates(user: User) -> list:
    rows = db.session.execute(select(Certificate).where(Certificate.user_id == user.id)
                              .order_by(Certificate.issued_at)).scalars()
    return [{"course": c.course_titles, "code": display_code(c.code), "printed_name": c.printed_name,
             "issued_at": iso(c.issued_at), "expires_at": iso(c.expires_at), "revoked_at": iso(c.revoked_at)}
            for c in rows]


@files
def _certificate_pdfs(user: User):
    from certificates.render import render_certificate

    for cert in db.session.execute(select(Certificate).where(
            Certificate.user_id == user.id, Certificate.printed_name.is_not(None), Certificate.revoked_at.is_(None))
            ).scalars():
        yield f"certificate-{display_code(cert.code)}.pdf", render_certificate(cert)


@erasure
def _on_deletion(user: User, choices: dict) -> None:
    """Keep her certificates valid (they stay verifiable without the account), or revoke them at
    her request: the public page then says so and shows no name."""
    if choices.get("keep_certificates"):
        return
    db.session.execute(update(Certificate).where(Certificate.user_id == user.id, Certificate.revoked_at.is_(None))
                       .values(revoked_at=utcnow(), revoked_reason=HOLDER_REQUEST, revoked_by_id=None))
    db.session.execute(update(Certificate).where(Certificate.user_id == user.id, Certificate.printed_name.is_not(None))
                       .values(printed_name=""))

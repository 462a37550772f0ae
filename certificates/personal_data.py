"""What the certificates package keeps about a person: her certificates and the names on them."""
from __future__ import annotations

from sqlalchemy import select

from certificates.models import Certificate
from certificates.services import display_code
from training.accounts import User
from training.extensions import db
from training.personal_data import iso, section


@section("certificates")
def _certificates(user: User) -> list:
    rows = db.session.execute(select(Certificate).where(Certificate.user_id == user.id)
                              .order_by(Certificate.issued_at)).scalars()
    return [{"course": c.course_titles, "code": display_code(c.code), "printed_name": c.printed_name,
             "issued_at": iso(c.issued_at), "expires_at": iso(c.expires_at), "revoked_at": iso(c.revoked_at)}
            for c in rows]

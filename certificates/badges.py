"""A certificate as an Open Badges 3.0 credential (JSON-LD), unsigned.

What it is: an OpenBadgeCredential describing the achievement (the course), the issuer (the
organisation running Amicus) and the recipient (the printed name), whose ``id`` is the public
verification URL. What it is not: it carries no proof (no digital signature), so a verifier must
check it by opening that URL, which shows whether it is valid, revoked or expired.
docs/certificates.md says more.
"""
from __future__ import annotations

from flask import current_app

from certificates.render import verify_url
from courses.models import Course, localized
from training.extensions import db
from training.public_links import base_url

CONTEXTS = ["https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]


def _iso(moment) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def credential(cert) -> dict:
    base = base_url()
    lang = cert.language or "en"
    title = localized(cert.course_titles, lang)
    course = db.session.get(Course, cert.course_id) if cert.course_id is not None else None
    achievement = {
        "id": f"{base}/courses/{course.slug}#certificate" if course else f"{base}/#certificate",
        "type": ["Achievement"],
        "achievementType": "Certificate",
        "name": title,
        "description": localized(course.summaries, lang) if course else title,
        "criteria": {"narrative": "Completed the course's lessons and activities as its completion rule requires."},
        "inLanguage": lang,
    }
    document = {
        "@context": CONTEXTS,
        "id": verify_url(cert.code, base),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": title,
        "issuer": {"id": base + "/", "type": ["Profile"], "name": current_app.config["AMICUS_ORGANISATION"],
                   "url": base + "/"},
        "validFrom": _iso(cert.issued_at),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [{"type": "IdentityObject", "identityType": "name", "hashed": False,
                            "identityHash": cert.printed_name}],
            "achievement": achievement,
        },
    }
    if cert.expires_at is not None:
        document["validUntil"] = _iso(cert.expires_at)
    return document

"""Helplines and support services per region, kept as data that admins edit."""
from __future__ import annotations

from sqlalchemy import JSON, Boolean, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column

from training.accounts import User, clean_text
from training.extensions import db
from training.regions import REGIONS, region_name


class Helpline(db.Model):
    __tablename__ = "helplines"

    id: Mapped[int] = mapped_column(primary_key=True)
    region: Mapped[str] = mapped_column(String(64), default="")  # a code of training.regions; "" = everywhere
    names: Mapped[dict] = mapped_column(JSON)  # lang -> name
    contact: Mapped[str] = mapped_column(String(120))  # a phone number, or where to find the service
    notes: Mapped[dict] = mapped_column(JSON, default=dict)  # lang -> hours, who it is for...
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


def localized_text(texts: dict, locale: str) -> str:
    return texts.get(locale) or texts.get("en") or next(iter(texts.values()), "") if texts else ""


def helplines_for(user: User | None) -> list[tuple[str, list[Helpline]]]:
    """Active helplines grouped by region code: the reader's region first, then everywhere, then
    the rest by their names in the reader's language."""
    rows = list(db.session.execute(select(Helpline).where(Helpline.active.is_(True))
                                   .order_by(Helpline.position, Helpline.id)).scalars())
    own = user.region if user is not None and user.is_authenticated else None
    groups: dict[str, list[Helpline]] = {}
    for row in rows:
        groups.setdefault(row.region, []).append(row)
    return sorted(groups.items(), key=lambda g: (0 if own and g[0] == own else 1 if not g[0] else 2,
                                                 region_name(g[0])))


def save_helpline(admin: User, helpline: Helpline | None, *, region: str, names: dict, contact: str,
                  notes: dict, position: int, active: bool) -> Helpline:
    """Create or update a helpline; admins only. Texts are cleaned; an empty name is refused
    (ValueError); the region is a code of training.regions, or "" for everywhere."""
    if not admin.is_admin:
        raise PermissionError("only admins edit helplines")
    if region and region not in REGIONS:
        raise LookupError(f"no region {region!r}")
    names = {lang: clean_text(text, 120) for lang, text in names.items() if clean_text(text, 120)}
    if not names:
        raise ValueError("a helpline needs a name")
    if helpline is None:
        helpline = Helpline()
        db.session.add(helpline)
    helpline.region = region or ""
    helpline.names = names
    helpline.contact = clean_text(contact, 120) or ""
    helpline.notes = {lang: clean_text(text, 300) for lang, text in notes.items() if clean_text(text, 300)}
    helpline.position = position
    helpline.active = active
    return helpline

"""Time zones: every reader sees times in her own zone, trainers type them in theirs.

Times are stored in UTC (training.db.UTCDateTime). A person's zone is her account's ``timezone``
(an IANA name such as Asia/Shanghai), else the site's AMICUS_TIMEZONE. A cohort has a zone too
(its creator's when made), in which its "day N" begins and ends. Flask-Babel's formatting
functions convert to the zone ``select_timezone`` names (``babel.init_app(timezone_selector=...)``).
"""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

import pytz
from babel.dates import format_datetime as babel_format_datetime
from babel.dates import get_timezone_location
from flask import current_app, has_request_context
from flask_babel import format_datetime, format_time, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from training import sessions
from training.refusals import Refusal

# Offered first, in this order: where the platform's people mostly are, then the zones of the
# partners and trainers they work with.
COMMON_ZONES = (
    "Asia/Shanghai", "Asia/Hong_Kong", "Asia/Taipei", "Asia/Macau", "Asia/Urumqi", "Asia/Singapore",
    "Asia/Tokyo", "Asia/Seoul", "Asia/Bangkok", "Asia/Kolkata", "Australia/Sydney", "Europe/London",
    "Europe/Berlin", "Africa/Nairobi", "America/New_York", "America/Chicago", "America/Los_Angeles", "UTC",
)
ZONE_MAX = 64  # the longest IANA name is 32 characters


class TimezoneError(Refusal, ValueError):
    """A zone name that is not one (the form's field is ``timezone`` unless said otherwise)."""

    def __init__(self, message, field: str = "timezone"):
        super().__init__(message, field)


@cache
def known_zones() -> frozenset[str]:
    """IANA names both zoneinfo and pytz (which Flask-Babel converts with) know: what may be
    stored, including aliases a browser may report (Etc/UTC)."""
    return frozenset(available_timezones() & pytz.all_timezones_set)


@cache
def listed_zones() -> tuple[str, ...]:
    """The zones the select lists: by region, without legacy aliases nobody looks for."""
    return tuple(sorted(name for name in known_zones() if "/" in name and name.split("/")[0] in _REGIONS)) + ("UTC",)


REGION_NAMES = {"Africa": _l("Africa"), "America": _l("Americas"), "Antarctica": _l("Antarctica"), "Asia": _l("Asia"),
                "Atlantic": _l("Atlantic"), "Australia": _l("Australia"), "Europe": _l("Europe"),
                "Indian": _l("Indian Ocean"), "Pacific": _l("Pacific"), "UTC": "UTC"}
_REGIONS = set(REGION_NAMES) - {"UTC"}


def check_zone(name: str | None) -> str:
    """``name`` as stored, or TimezoneError saying it is not a time zone."""
    name = (name or "").strip()
    if name not in known_zones():
        raise TimezoneError(_l("“%(name)s” is not a time zone Amicus knows. Choose one from the list, "
                               "e.g. Asia/Shanghai.", name=name[:ZONE_MAX]))
    return name


def site_zone() -> str:
    """The zone of people who have not chosen one (AMICUS_TIMEZONE)."""
    return current_app.config["AMICUS_TIMEZONE"]


def zone_of(user) -> str:
    """The zone ``user`` reads and types times in: hers, else the site's."""
    return (getattr(user, "timezone", None) if user is not None else None) or site_zone()


def select_timezone() -> str:
    """Flask-Babel's timezone selector: the signed-in reader's zone, else the site's (also in
    background jobs, which pass the zone of whoever asked explicitly, e.g. certificates.batch)."""
    if has_request_context() and not sessions.user_unread():
        user = current_user._get_current_object()
        if user.is_authenticated:
            return zone_of(user)
    return site_zone()


def zone_name(moment: datetime | None = None, zone: str | None = None) -> str:
    """The current reader's zone (or ``zone``) as people say it, in her language, for ``moment``
    (summer or winter time): "China Standard Time", "Eastern Daylight Time", "中国标准时间"."""
    if zone is not None:
        return babel_format_datetime(moment or datetime.now(UTC), "zzzz", tzinfo=ZoneInfo(zone),
                                     locale=get_locale() or "en")
    return format_datetime(moment or datetime.now(UTC), "zzzz")


def when(moment: datetime | None) -> str:
    """Date and time in the reader's zone, with the zone's name: the one way pages show a moment."""
    if moment is None:
        return ""
    return f"{format_datetime(moment, 'medium')} {zone_name(moment)}"


def clock(moment: datetime | None) -> str:
    """The time of day only, in the reader's zone with its name (the quiz's closing time)."""
    if moment is None:
        return ""
    return f"{format_time(moment, 'short')} {zone_name(moment)}"


def local(moment: datetime, zone: str) -> datetime:
    """``moment`` (aware) as the wall-clock time in ``zone``."""
    return moment.astimezone(ZoneInfo(zone))


def local_date(moment: datetime, zone: str) -> date:
    """The calendar day ``moment`` falls on in ``zone``."""
    return local(moment, zone).date()


def today_in(zone: str) -> date:
    """Today's date in ``zone``."""
    return datetime.now(UTC).astimezone(ZoneInfo(zone)).date()


def from_local(wall: datetime | None, zone: str) -> datetime | None:
    """A naive wall-clock time typed by someone in ``zone``, as an aware UTC moment.

    A time skipped by a change to summer time is read as if the clock had not moved; a time
    that happens twice, as its first occurrence (``fold=0``)."""
    if wall is None:
        return None
    return wall.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


def to_local_naive(moment: datetime | None, zone: str) -> datetime | None:
    """An aware moment as the naive wall-clock time in ``zone``, for a datetime-local input."""
    return local(moment, zone).replace(tzinfo=None) if moment is not None else None


def start_of_day(day: date, zone: str) -> datetime:
    """00:00 of ``day`` in ``zone``, in UTC."""
    return from_local(datetime.combine(day, time(0, 0)), zone)


def end_of_day(day: date, zone: str) -> datetime:
    """The last second of ``day`` in ``zone`` (23:59:59 there), in UTC."""
    return start_of_day(day + timedelta(days=1), zone) - timedelta(seconds=1)


def csv_moment(moment: datetime | None, zone: str) -> str:
    """A moment for a CSV cell, in ``zone``: ``2026-12-13 07:59:00``; the column header names
    the zone (``csv_header``). Spreadsheets read this form as a date and time."""
    return local(moment, zone).strftime("%Y-%m-%d %H:%M:%S") if moment is not None else ""


def csv_header(label: str, zone: str) -> str:
    """A CSV column header naming the zone its times are in: ``submitted (Asia/Shanghai)``."""
    return f"{label} ({zone})"


def zone_label(name: str) -> str:
    """A zone as people read it, in the reader's language: "China (Shanghai) Time", "中国（上海）时间",
    "Coordinated Universal Time"."""
    zone = ZoneInfo(name)
    if name == "UTC" or name.startswith("Etc/"):
        return format_datetime(datetime.now(UTC), "zzzz") if name in ("UTC", "Etc/UTC") else name
    return get_timezone_location(zone, locale=get_locale() or "en")


def _offset(zone: str, now: datetime) -> str:
    minutes = int(now.astimezone(ZoneInfo(zone)).utcoffset().total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{rest:02d}"


def choices() -> dict[str, list[tuple[str, str]]]:
    """The select's groups: common zones first (named in the reader's language), then every
    zone by region, each with its offset today."""
    now = datetime.now(UTC)
    utc = format_datetime(now, "zzzz", rebase=False)  # the name of UTC itself, in her language

    def label(name: str) -> str:
        return f"{utc if name == 'UTC' else zone_label(name)} ({_offset(name, now)})"

    groups: dict[str, list[tuple[str, str]]] = {}
    for name in listed_zones():
        groups.setdefault(name.partition("/")[0] if "/" in name else "UTC", []).append((name, label(name)))
    return {str(_l("Common")): [(name, label(name)) for name in COMMON_ZONES]} | {
        str(_l("All zones: %(region)s", region=REGION_NAMES.get(region, region))): zones
        for region, zones in groups.items()}


def set_timezone(user, name: str) -> str:
    """Set the zone ``user`` reads and types times in (validated); returns it. The caller commits."""
    user.timezone = check_zone(name)
    return user.timezone


def register(app) -> None:
    """The ``when`` and ``clock`` filters, and what the layout needs to offer the browser's
    zone to someone who has not chosen one. (The ``date`` filter, training.i18n, shows a
    datetime as its day in the reader's zone and a plain date, such as a cohort's first day,
    as it is.)"""
    app.jinja_env.filters["when"] = when
    app.jinja_env.filters["clock"] = clock

    @app.context_processor
    def timezone_context():
        if not has_request_context() or sessions.user_unread():
            return {}
        user = current_user._get_current_object()
        if not user.is_authenticated or user.timezone is not None:
            return {"timezone_offer": None}
        return {"timezone_offer": site_zone(), "timezone_offer_label": zone_label(site_zone())}

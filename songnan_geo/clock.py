"""The tool's one clock: Asia/Shanghai, for every date it shows, stores or defaults to.

The server runs in UTC; the town's planners live in Shanghai (UTC+8, no daylight saving).
Between 16:00 and 24:00 UTC the two calendars differ by a day, so every "today" and "now"
of the package, its command line and its pages comes from here. Tests freeze the tool's
time by replacing :func:`now` (``monkeypatch.setattr(clock, "now", ...)``): :func:`today`
and :func:`now_iso` follow it.

Instants are stored in UTC (ISO 8601 with ``+00:00``, :func:`now_iso`); dates are Shanghai
calendar dates (:func:`today`).
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

#: The planners' time zone.
TZ = ZoneInfo("Asia/Shanghai")


def now() -> dt.datetime:
    """The current instant, as an aware datetime in :data:`TZ`."""
    return dt.datetime.now(TZ)


def today() -> dt.date:
    """Today's date in Shanghai."""
    return now().astimezone(TZ).date()


def now_iso() -> str:
    """The current instant in UTC, ISO 8601 to the microsecond (``…T06:03:00.000000+00:00``),
    as the stores record it."""
    return now().astimezone(dt.timezone.utc).isoformat(timespec="microseconds")


def local(instant: dt.datetime) -> dt.datetime:
    """An instant in :data:`TZ` (a naive datetime is taken as UTC)."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=dt.timezone.utc)
    return instant.astimezone(TZ)

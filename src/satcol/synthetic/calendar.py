"""Which days and months the synthetic record covers (thinned by whole days)."""

from __future__ import annotations

import calendar as _cal
import datetime as dt

from satcol.core.timeutil import months, parse_date  # noqa: F401 (defined in core)


def days_of_month(ym: str, days_per_month: int, start=None, end=None) -> list[dt.date]:
    """``days_per_month`` evenly spaced days of month ``ym`` (clipped to [start, end])."""
    y, m = (int(v) for v in ym.split("-"))
    n_days = _cal.monthrange(y, m)[1]
    n = min(days_per_month, n_days)
    picks = sorted({1 + int((i + 0.5) * n_days / n) for i in range(n)})
    days = [dt.date(y, m, min(d, n_days)) for d in picks]
    if start is not None:
        days = [d for d in days if d >= parse_date(start)]
    if end is not None:
        days = [d for d in days if d <= parse_date(end)]
    return days


def all_days(syn: dict) -> list[dt.date]:
    out = []
    for ym in months(syn["start"], syn["end"]):
        out += days_of_month(ym, syn["days_per_month"], syn["start"], syn["end"])
    return out


def day_index(day: dt.date) -> int:
    """Days since 2000-01-01 (drives the day-to-day rotation of orbits and seeds)."""
    return (day - dt.date(2000, 1, 1)).days
